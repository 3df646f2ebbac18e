"""Serial barcode scanners, over a real pseudo-terminal as the scanner's port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tty
from collections.abc import AsyncIterator, Iterator

import pytest

from drivers.cards import DeviceError, SerialBarcodeScanner
from drivers.cards.serial_scanner import BarcodeSplitter


@pytest.fixture
def pty_port() -> Iterator[tuple[int, str]]:
    """(master fd, slave path): the test plays the scanner on the master side."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


async def scanned(scanner: SerialBarcodeScanner, count: int) -> list[str]:
    barcodes = scanner.barcodes()
    return [await asyncio.wait_for(anext(barcodes), 5) for _ in range(count)]


@pytest.fixture
async def open_scanner() -> AsyncIterator[list[SerialBarcodeScanner]]:
    opened: list[SerialBarcodeScanner] = []
    yield opened
    for scanner in opened:
        await scanner.close()


@pytest.mark.parametrize(
    ("terminator", "suffix"), [("CR", b"\r"), ("LF", b"\n"), ("CRLF", b"\r\n"), ("TAB", b"\t")]
)
async def test_each_terminator_ends_a_barcode(
    pty_port: tuple[int, str], open_scanner: list, terminator: str, suffix: bytes
) -> None:
    master, path = pty_port
    scanner = SerialBarcodeScanner(path, terminator=terminator)  # type: ignore[arg-type]
    await scanner.open()
    open_scanner.append(scanner)
    os.write(master, b"31234000123" + suffix + b"2000" + suffix[:1])
    os.write(master, suffix[1:] + b"X99" + suffix)
    assert await scanned(scanner, 3) == ["31234000123", "2000", "X99"]


async def test_a_barcode_split_across_reads_is_joined(
    pty_port: tuple[int, str], open_scanner: list
) -> None:
    master, path = pty_port
    scanner = SerialBarcodeScanner(path, terminator="CR")
    await scanner.open()
    open_scanner.append(scanner)
    os.write(master, b"3123")
    await asyncio.sleep(0.3)
    os.write(master, b"4000123\r")
    assert await scanned(scanner, 1) == ["31234000123"]


async def test_garbage_is_dropped_with_a_reason_and_scanning_goes_on(
    pty_port: tuple[int, str], open_scanner: list, caplog: pytest.LogCaptureFixture
) -> None:
    master, path = pty_port
    scanner = SerialBarcodeScanner(path, terminator="CR")
    await scanner.open()
    open_scanner.append(scanner)
    with caplog.at_level(logging.WARNING):
        os.write(master, b"\xf3\xa9\xff\xfe\r" + b"1234\r")
        assert await scanned(scanner, 1) == ["1234"]
    assert "not ascii text (wrong baud rate, parity or scanner character set?)" in caplog.text
    assert "\xf3" not in caplog.text


def test_a_missing_terminator_is_reported_instead_of_growing_forever() -> None:
    splitter = BarcodeSplitter("CR")
    assert splitter.feed(b"1234567890\n" * 30) == []
    assert splitter.take_rejections() == [
        "no CR terminator in 330 bytes from the scanner: set the scanner's suffix to CR or"
        " change the kiosk's terminator setting"
    ]
    assert splitter.feed(b"5555\r") == ["5555"]


def test_a_scanner_sending_crlf_still_works_when_cr_is_configured() -> None:
    splitter = BarcodeSplitter("CR")
    assert splitter.feed(b"111\r\n222\r\n") == ["111", "222"]


def test_an_unknown_terminator_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="terminator 'ETX' unknown; use one of CR, LF, CRLF, TAB"):
        SerialBarcodeScanner("/dev/ttyACM0", terminator="ETX")  # type: ignore[arg-type]


async def test_a_missing_port_names_the_port_and_what_to_check(tmp_path) -> None:
    scanner = SerialBarcodeScanner(str(tmp_path / "ttyACM7"))
    with pytest.raises(DeviceError) as raised:
        await scanner.open()
    message = str(raised.value)
    assert message.startswith(f"cannot open barcode scanner port '{tmp_path / 'ttyACM7'}'")
    assert "check the cable and the port setting" in message


async def test_an_unplugged_scanner_ends_the_stream_with_an_error(
    pty_port: tuple[int, str], open_scanner: list
) -> None:
    master, path = pty_port
    scanner = SerialBarcodeScanner(path)
    await scanner.open()
    open_scanner.append(scanner)
    barcodes = scanner.barcodes()
    os.close(master)  # the far end goes away, as when a USB scanner is pulled out
    with pytest.raises(DeviceError, match=f"barcode scanner on '{path}' disconnected"):
        await asyncio.wait_for(anext(barcodes), 5)


async def test_closing_ends_the_barcode_stream(pty_port: tuple[int, str]) -> None:
    _, path = pty_port
    scanner = SerialBarcodeScanner(path)
    await scanner.open()
    barcodes = scanner.barcodes()
    await scanner.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(barcodes), 5)
