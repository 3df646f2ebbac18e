"""HID keyboard barcode scanners, fed with synthetic evdev input events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import evdev
import pytest
from evdev import ecodes

from drivers.cards import DeviceError, HidBarcodeScanner, ReaderNotFoundError, keymap
from drivers.cards.keymap import KeyDecoder

SHIFT, ALTGR = ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTALT


def key(code: int, value: int) -> evdev.InputEvent:
    return evdev.InputEvent(0, 0, ecodes.EV_KEY, code, value)


def typed(*keys: int | tuple[int, ...], end: int = ecodes.KEY_ENTER) -> list[evdev.InputEvent]:
    """Events of a scanner typing ``keys``; a tuple is (modifier, key) held together."""
    events: list[evdev.InputEvent] = []
    for item in (*keys, end):
        modifiers, code = (item[:-1], item[-1]) if isinstance(item, tuple) else ((), item)
        events += [key(m, 1) for m in modifiers]
        events += [
            evdev.InputEvent(0, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + code),
            key(code, 1),
            evdev.InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0),
            key(code, 0),
        ]
        events += [key(m, 0) for m in modifiers]
    return events


def word(text: str) -> list[int]:
    return [getattr(ecodes, f"KEY_{char.upper()}") for char in text]


async def stream(events: Iterable[evdev.InputEvent]) -> AsyncIterator[evdev.InputEvent]:
    for event in events:
        yield event
        await asyncio.sleep(0)


async def scan(events: list[evdev.InputEvent], count: int, **options: str) -> list[str]:
    scanner = HidBarcodeScanner(event_source=stream(events), **options)
    await scanner.open()
    try:
        barcodes = scanner.barcodes()
        return [await asyncio.wait_for(anext(barcodes), 5) for _ in range(count)]
    finally:
        await scanner.close()


async def test_digits_and_enter_make_a_barcode() -> None:
    assert await scan(typed(*word("31234000123")), 1) == ["31234000123"]


async def test_shift_gives_capitals_and_symbols_on_a_us_layout() -> None:
    events = typed((SHIFT, ecodes.KEY_L), *word("ib"), ecodes.KEY_MINUS, (SHIFT, ecodes.KEY_4))
    assert await scan(events, 1) == ["Lib-$"]


async def test_swedish_layout_types_a_ring_a_umlaut_and_o_umlaut() -> None:
    events = typed(
        (SHIFT, ecodes.KEY_LEFTBRACE), *word("sa"), ecodes.KEY_SPACE,
        (SHIFT, ecodes.KEY_SEMICOLON), *word("berg"), ecodes.KEY_SLASH,
        ecodes.KEY_APOSTROPHE, (SHIFT, ecodes.KEY_APOSTROPHE),
    )  # fmt: skip
    assert await scan(events, 1, layout="sv") == ["Åsa Öberg-äÄ"]
    assert await scan(events, 1, layout="nordic") == ["Åsa Öberg-äÄ"]


@pytest.mark.parametrize(("layout", "expected"), [("da", "æøÆØå"), ("no", "øæØÆå")])
async def test_danish_and_norwegian_layouts_put_ae_and_o_slash_on_swapped_keys(
    layout: str, expected: str
) -> None:
    events = typed(
        ecodes.KEY_SEMICOLON, ecodes.KEY_APOSTROPHE,
        (SHIFT, ecodes.KEY_SEMICOLON), (SHIFT, ecodes.KEY_APOSTROPHE), ecodes.KEY_LEFTBRACE,
    )  # fmt: skip
    assert await scan(events, 1, layout=layout) == [expected]


async def test_altgr_types_the_at_sign_on_nordic_layouts() -> None:
    events = typed(*word("a"), (ALTGR, ecodes.KEY_2), *word("b"))
    assert await scan(events, 1, layout="sv") == ["a@b"]


async def test_keypad_digits_and_keypad_enter_work_on_any_layout() -> None:
    keypad = [ecodes.KEY_KP1, ecodes.KEY_KP2, ecodes.KEY_KPDOT, ecodes.KEY_KP0]
    assert await scan(typed(*keypad, end=ecodes.KEY_KPENTER), 1, layout="no") == ["12.0"]


async def test_a_tab_terminator_can_be_chosen_and_several_barcodes_follow() -> None:
    events = typed(*word("111"), end=ecodes.KEY_TAB) + typed(*word("222"), end=ecodes.KEY_TAB)
    assert await scan(events, 2, terminator="TAB") == ["111", "222"]


async def test_a_cr_suffix_setting_means_the_enter_key_for_a_keyboard_scanner() -> None:
    assert await scan(typed(*word("42")), 1, terminator="cr") == ["42"]


async def test_key_releases_and_autorepeat_type_nothing_extra() -> None:
    events = [key(ecodes.KEY_7, 1), key(ecodes.KEY_7, 2), key(ecodes.KEY_7, 0)]
    events += typed(ecodes.KEY_8)
    assert await scan(events, 1) == ["78"]


def test_an_enter_without_characters_is_not_a_barcode() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(ecodes.EV_KEY, ecodes.KEY_ENTER, 1) is None


def test_keys_missing_from_the_layout_are_counted_for_diagnosis() -> None:
    decoder = KeyDecoder("us")
    decoder.feed(ecodes.EV_KEY, ecodes.KEY_F5, 1)
    assert decoder.unknown_keys == 1


def test_the_key_codes_are_those_of_the_linux_input_subsystem() -> None:
    for name in ("KEY_TAB", "KEY_ENTER", "KEY_KPENTER", "KEY_LEFTSHIFT", "KEY_RIGHTSHIFT",
                 "KEY_RIGHTALT", "KEY_CAPSLOCK", "KEY_GRAVE", "KEY_MINUS", "KEY_EQUAL",
                 "KEY_BACKSLASH", "KEY_102ND", "KEY_LEFTBRACE", "KEY_RIGHTBRACE",
                 "KEY_SEMICOLON", "KEY_APOSTROPHE", "KEY_COMMA", "KEY_DOT", "KEY_SLASH",
                 "KEY_SPACE"):  # fmt: skip
        assert getattr(keymap, name) == getattr(ecodes, name), name
    for char in "qwertyuiopasdfghjklzxcvbnm1234567890":
        assert keymap.US.plain[getattr(ecodes, f"KEY_{char.upper()}")] == char


def test_an_unknown_layout_is_a_configuration_error_naming_the_choices() -> None:
    with pytest.raises(
        ValueError, match=r"keyboard layout 'de' unknown; use one of us, nordic, sv, fi, da, no$"
    ):
        HidBarcodeScanner(event_source=stream([]), layout="de")


async def test_a_device_name_that_matches_nothing_says_what_to_check() -> None:
    # This machine (like CI) has no /dev/input at all.
    scanner = HidBarcodeScanner(name_pattern="Honeywell")
    with pytest.raises(ReaderNotFoundError, match=r"^no input device matching 'Honeywell': no"):
        await scanner.open()


async def test_an_invalid_device_name_pattern_is_a_device_error_naming_it() -> None:
    scanner = HidBarcodeScanner(name_pattern="Honeywell (")
    with pytest.raises(
        ReaderNotFoundError, match=r"^scanner name pattern 'Honeywell \(' is invalid"
    ):
        await scanner.open()


async def test_a_broken_event_source_ends_the_stream_with_an_error_not_a_hang() -> None:
    async def broken() -> AsyncIterator[evdev.InputEvent]:
        yield key(ecodes.KEY_1, 1)
        raise ValueError("bad event")

    scanner = HidBarcodeScanner(event_source=broken())
    await scanner.open()
    with pytest.raises(DeviceError, match="scanner 'injected events' failed: bad event"):
        await asyncio.wait_for(anext(scanner.barcodes()), 5)
    await scanner.close()
