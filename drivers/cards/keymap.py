"""Sans-I/O keyboard decoding for HID barcode scanners: Linux key codes to characters.

A scanner in USB-HID keyboard mode "types" each barcode as key presses, then a terminator key
(Enter by default). What a key code means depends on the keyboard layout the scanner was set up
for: on a Swedish layout the key right of P is Å, on a US layout it is ``[``. Key codes are those
of the Linux input subsystem (``include/uapi/linux/input-event-codes.h``; event semantics in the
kernel's Documentation/input/event-codes.rst: EV_KEY value 1 press, 0 release, 2 autorepeat).

Layouts: ``us``; ``sv`` (Swedish, also ``fi`` and ``nordic``: Finnish uses the same keys) with
Å Ä Ö;
``da`` (Danish) and ``no`` (Norwegian) with Å Æ Ø (Æ and Ø sit on swapped keys between the two).
Dead keys (´ ` ¨ ^ ~) produce nothing, as scanners do not send them on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EV_SYN, EV_KEY = 0x00, 0x01
KEY_PRESS, KEY_RELEASE, KEY_REPEAT = 1, 0, 2

# Key codes from input-event-codes.h (checked against python-evdev's ecodes in the tests).
KEY_TAB, KEY_ENTER, KEY_KPENTER = 15, 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_RIGHTALT, KEY_CAPSLOCK = 42, 54, 100, 58
KEY_GRAVE, KEY_MINUS, KEY_EQUAL, KEY_BACKSLASH, KEY_102ND = 41, 12, 13, 43, 86
KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_SEMICOLON, KEY_APOSTROPHE = 26, 27, 39, 40
KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_SPACE = 51, 52, 53, 57

_DIGIT_KEYS = dict(zip(range(2, 12), "1234567890", strict=True))  # KEY_1 .. KEY_0
_LETTER_KEYS: dict[int, str] = {
    **dict(zip(range(16, 26), "qwertyuiop", strict=True)),
    **dict(zip(range(30, 39), "asdfghjkl", strict=True)),
    **dict(zip(range(44, 51), "zxcvbnm", strict=True)),
}
# Keypad keys do not depend on the layout (with NumLock on, as scanners assume).
_KEYPAD: dict[int, str] = {
    71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+",
    79: "1", 80: "2", 81: "3", 82: "0", 83: ".", 55: "*", 98: "/",
}  # fmt: skip


@dataclass(frozen=True)
class KeyboardLayout:
    """Characters per key code: without modifier, with Shift, with AltGr."""

    name: str
    plain: dict[int, str]
    shift: dict[int, str]
    altgr: dict[int, str] = field(default_factory=dict)


def _layout(
    name: str,
    digits_shifted: str,
    extra_plain: dict[int, str],
    extra_shift: dict[int, str],
    altgr: dict[int, str],
) -> KeyboardLayout:
    plain = {**_DIGIT_KEYS, **_LETTER_KEYS, **_KEYPAD, KEY_SPACE: " ", **extra_plain}
    shift = {
        **dict(zip(_DIGIT_KEYS, digits_shifted, strict=True)),
        **{code: char.upper() for code, char in _LETTER_KEYS.items()},
        **_KEYPAD,
        KEY_SPACE: " ",
        **{code: char.upper() for code, char in extra_plain.items() if char.isalpha()},
        **extra_shift,
    }
    return KeyboardLayout(name, plain, shift, altgr)


_NORDIC_ALTGR = {3: "@", 4: "£", 5: "$", 8: "{", 9: "[", 10: "]", 11: "}"}

US = _layout(
    "us",
    "!@#$%^&*()",
    {KEY_MINUS: "-", KEY_EQUAL: "=", KEY_LEFTBRACE: "[", KEY_RIGHTBRACE: "]", KEY_SEMICOLON: ";",
     KEY_APOSTROPHE: "'", KEY_GRAVE: "`", KEY_BACKSLASH: "\\", KEY_COMMA: ",", KEY_DOT: ".",
     KEY_SLASH: "/", KEY_102ND: "\\"},
    {KEY_MINUS: "_", KEY_EQUAL: "+", KEY_LEFTBRACE: "{", KEY_RIGHTBRACE: "}", KEY_SEMICOLON: ":",
     KEY_APOSTROPHE: '"', KEY_GRAVE: "~", KEY_BACKSLASH: "|", KEY_COMMA: "<", KEY_DOT: ">",
     KEY_SLASH: "?", KEY_102ND: "|"},
    {},
)  # fmt: skip

_NORDIC_COMMON_PLAIN = {KEY_MINUS: "+", KEY_LEFTBRACE: "å", KEY_COMMA: ",", KEY_DOT: ".",
                        KEY_SLASH: "-", KEY_102ND: "<", KEY_BACKSLASH: "'"}  # fmt: skip
_NORDIC_COMMON_SHIFT = {KEY_MINUS: "?", KEY_COMMA: ";", KEY_DOT: ":", KEY_SLASH: "_",
                        KEY_102ND: ">", KEY_BACKSLASH: "*"}  # fmt: skip

SWEDISH = _layout(
    "sv",
    '!"#¤%&/()=',
    {**_NORDIC_COMMON_PLAIN, KEY_SEMICOLON: "ö", KEY_APOSTROPHE: "ä", KEY_GRAVE: "§"},
    {**_NORDIC_COMMON_SHIFT, KEY_GRAVE: "½"},
    {**_NORDIC_ALTGR, 6: "€", KEY_MINUS: "\\", KEY_102ND: "|", 18: "€"},
)
DANISH = _layout(
    "da",
    '!"#¤%&/()=',
    {**_NORDIC_COMMON_PLAIN, KEY_SEMICOLON: "æ", KEY_APOSTROPHE: "ø", KEY_GRAVE: "½"},
    {**_NORDIC_COMMON_SHIFT, KEY_GRAVE: "§"},
    {**_NORDIC_ALTGR, 6: "€", KEY_102ND: "\\", 18: "€"},
)
NORWEGIAN = _layout(
    "no",
    '!"#¤%&/()=',
    {**_NORDIC_COMMON_PLAIN, KEY_SEMICOLON: "ø", KEY_APOSTROPHE: "æ", KEY_GRAVE: "|",
     KEY_EQUAL: "\\"},
    {**_NORDIC_COMMON_SHIFT, KEY_GRAVE: "§"},
    {**_NORDIC_ALTGR, 6: "€", 18: "€"},
)  # fmt: skip

KEYBOARD_LAYOUTS: dict[str, KeyboardLayout] = {
    "us": US,
    "nordic": SWEDISH,  # the Swedish/Finnish keyboard, the most common Nordic scanner setting
    "sv": SWEDISH,
    "fi": SWEDISH,
    "da": DANISH,
    "no": NORWEGIAN,
}
_ENTER = frozenset({KEY_ENTER, KEY_KPENTER})
# A wedge scanner types its CR / LF / CR LF suffix as the Enter key, so those names mean Enter.
TERMINATOR_KEYS: dict[str, frozenset[int]] = {
    "ENTER": _ENTER,
    "CR": _ENTER,
    "LF": _ENTER,
    "CRLF": _ENTER,
    "TAB": frozenset({KEY_TAB}),
}


def get_layout(name: str) -> KeyboardLayout:
    try:
        return KEYBOARD_LAYOUTS[name]
    except KeyError:
        choices = ", ".join(KEYBOARD_LAYOUTS)
        raise ValueError(f"keyboard layout {name!r} unknown; use one of {choices}") from None


class KeyDecoder:
    """Feed it input events (type, code, value); it returns each barcode when the terminator
    key is pressed. Keeps Shift/AltGr/CapsLock state like a keyboard driver does."""

    def __init__(self, layout: str = "us", terminator: str = "ENTER") -> None:
        self.layout = get_layout(layout)
        if terminator.upper() not in TERMINATOR_KEYS:
            choices = ", ".join(TERMINATOR_KEYS)
            raise ValueError(f"terminator key {terminator!r} unknown; use one of {choices}")
        self._terminators = TERMINATOR_KEYS[terminator.upper()]
        self._shift: set[int] = set()
        self._altgr = False
        self._capslock = False
        self._chars: list[str] = []
        self.unknown_keys = 0  # keys with no character in this layout (a layout mismatch hint)

    def feed(self, event_type: int, code: int, value: int) -> str | None:
        if event_type != EV_KEY:
            return None
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            if value == KEY_RELEASE:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if code == KEY_RIGHTALT:
            self._altgr = value != KEY_RELEASE
            return None
        if value != KEY_PRESS:
            return None  # releases and autorepeat type nothing new
        if code == KEY_CAPSLOCK:
            self._capslock = not self._capslock
            return None
        if code in self._terminators:
            barcode, self._chars = "".join(self._chars), []
            return barcode or None
        char = self._char(code)
        if char is None:
            self.unknown_keys += 1
        else:
            self._chars.append(char)
        return None

    def _char(self, code: int) -> str | None:
        if self._altgr:
            return self.layout.altgr.get(code)
        char = (self.layout.shift if self._shift else self.layout.plain).get(code)
        if char is not None and self._capslock and char.isalpha():
            char = char.lower() if self._shift else char.upper()
        return char
