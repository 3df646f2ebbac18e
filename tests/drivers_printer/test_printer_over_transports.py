"""The ESC/POS printer driver over a real pty (serial and USB device file) and loopback TCP,
talking to the fake printer that interprets the bytes and answers status requests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from drivers.printer import (
    CoverOpenError,
    DeviceFileTransport,
    Document,
    EscPosDevice,
    EscPosPrinter,
    FileTransport,
    Line,
    PaperOutError,
    PrinterOfflineError,
    PtyPrinter,
    SerialTransport,
    TcpPrinter,
    TcpTransport,
    UsbPrinterTransport,
    printer_from_url,
)

RECEIPT = Document(
    [
        Line("Söderhamns bibliotek", bold=True, align="center"),
        Line("Lånat: Smørrebrød på Ærø"),
        Line("Åter senast 2026-12-13", align="right"),
    ],
    barcode="31234000123",
)


@pytest.fixture
def device() -> EscPosDevice:
    return EscPosDevice("TM-T20II")


@pytest.fixture
def pty_printer(device: EscPosDevice) -> Iterator[PtyPrinter]:
    with PtyPrinter(device) as printer:
        yield printer


@pytest.fixture(params=["serial", "usb-device-file", "tcp"])
async def printer(
    request: pytest.FixtureRequest, device: EscPosDevice
) -> AsyncIterator[EscPosPrinter]:
    """The same driver over each transport kind, with the fake printer at the far end."""
    if request.param == "tcp":
        async with (
            TcpPrinter(device) as server,
            EscPosPrinter(TcpTransport("127.0.0.1", server.port), model="TM-T20II") as printer,
        ):
            yield printer
        return
    with PtyPrinter(device) as pty:
        if request.param == "serial":
            transport = SerialTransport(pty.path, baudrate=38400)
        else:
            transport = DeviceFileTransport(pty.path)
        async with EscPosPrinter(transport, model="TM-T20II") as printer:
            yield printer


async def test_a_receipt_prints_with_its_nordic_letters_intact(
    printer: EscPosPrinter, device: EscPosDevice
) -> None:
    await printer.print_document(RECEIPT)
    [receipt] = device.receipts
    assert receipt.text == (
        "Söderhamns bibliotek\nLånat: Smørrebrød på Ærø\nÅter senast 2026-12-13"
    )
    assert receipt.lines[0].bold and receipt.lines[0].align == "center"
    assert receipt.barcodes == ["31234000123"]
    assert receipt.cut
    assert device.unknown_commands == []


async def test_status_reports_paper_ok_then_low(
    printer: EscPosPrinter, device: EscPosDevice
) -> None:
    assert (await printer.status()).paper == "ok"
    device.paper = "low"
    status = await printer.status()
    assert (status.online, status.paper) == (True, "low")


async def test_paper_out_refuses_to_print_and_prints_nothing(
    printer: EscPosPrinter, device: EscPosDevice
) -> None:
    device.paper = "out"
    assert (await printer.status()).paper == "out"
    with pytest.raises(PaperOutError, match="before printing: paper out: load a new roll"):
        await printer.print_document(RECEIPT)
    assert device.receipts == [] and device.lines_lost == 0


async def test_paper_running_out_mid_receipt_is_reported(
    printer: EscPosPrinter, device: EscPosDevice
) -> None:
    device.paper_lines = 2
    with pytest.raises(PaperOutError, match="paper ran out while printing; the receipt is"):
        await printer.print_document(RECEIPT)
    assert device.lines_lost > 0


async def test_an_open_cover_is_its_own_error(printer: EscPosPrinter, device: EscPosDevice) -> None:
    device.cover_open = True
    with pytest.raises(CoverOpenError, match="cover open: close the printer cover"):
        await printer.print_document(RECEIPT)


async def test_a_printer_that_does_not_answer_is_offline(pty_printer: PtyPrinter) -> None:
    pty_printer.device.silent = True
    async with EscPosPrinter(SerialTransport(pty_printer.path), status_timeout=0.2) as printer:
        status = await printer.status()
        assert (status.online, status.paper) == (False, "unknown")
        with pytest.raises(PrinterOfflineError, match="no answer to status request DLE EOT"):
            await printer.print_document(RECEIPT)
    assert pty_printer.device.receipts == []


async def test_an_unreachable_network_printer_names_address_and_checks() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = EscPosPrinter(TcpTransport("127.0.0.1", port))
    with pytest.raises(
        PrinterOfflineError, match=rf"cannot reach network printer 127.0.0.1:{port}"
    ):
        await printer.open()


async def test_a_missing_usb_printer_device_says_so(tmp_path) -> None:
    printer = printer_from_url(f"usb://{tmp_path}/lp0")
    with pytest.raises(PrinterOfflineError, match=r"No such file or directory \(is the printer on"):
        await printer.open()


def test_printer_urls_choose_the_transport() -> None:
    assert printer_from_url("tcp://192.0.2.10").transport.description == (
        "network printer 192.0.2.10:9100"
    )
    serial = printer_from_url("serial:///dev/ttyUSB0?baudrate=19200").transport
    assert isinstance(serial, SerialTransport) and serial.baudrate == 19200
    assert printer_from_url("usb:///dev/usb/lp0").transport.description == (
        "printer device /dev/usb/lp0"
    )
    with pytest.raises(ValueError, match="printer URL 'lpt1' not understood"):
        printer_from_url("lpt1")


def fake_usblp_sysfs(root, name: str, vendor: str, product: str) -> None:
    """The sysfs layout of a usblp printer: class/usbmisc/lpN/device -> the USB interface,
    whose parent directory (the USB device) holds idVendor and idProduct."""
    usb_device = root / "devices" / "usb1" / "1-1"
    interface = usb_device / "1-1:1.0"
    interface.mkdir(parents=True)
    (usb_device / "idVendor").write_text(vendor + "\n")
    (usb_device / "idProduct").write_text(product + "\n")
    entry = root / "class" / "usbmisc" / name
    entry.mkdir(parents=True)
    (entry / "device").symlink_to(interface)


async def test_a_usb_printer_is_found_by_vendor_and_product_id(
    tmp_path, pty_printer: PtyPrinter
) -> None:
    fake_usblp_sysfs(tmp_path / "sys", "lp3", "04b8", "0202")
    dev = tmp_path / "dev" / "usb"
    dev.mkdir(parents=True)
    (dev / "lp3").symlink_to(pty_printer.path)  # the pty stands in for /dev/usb/lp3
    transport = UsbPrinterTransport(0x04B8, 0x0202, sysfs=tmp_path / "sys", dev=dev)
    async with EscPosPrinter(transport) as printer:
        await printer.print_document(RECEIPT)
    assert pty_printer.device.receipts[0].lines[1].text == "Lånat: Smørrebrød på Ærø"


async def test_a_usb_printer_that_is_not_plugged_in_names_its_ids(tmp_path) -> None:
    fake_usblp_sysfs(tmp_path / "sys", "lp0", "0519", "0001")  # another printer
    transport = UsbPrinterTransport(0x04B8, 0x0202, sysfs=tmp_path / "sys")
    with pytest.raises(PrinterOfflineError, match="cannot open USB printer 04b8:0202: not found"):
        await EscPosPrinter(transport).open()


async def test_a_file_printer_gets_the_bytes_and_reports_no_status(tmp_path) -> None:
    target = tmp_path / "receipts.bin"
    async with printer_from_url(f"file://{target}", model="TM-T20II") as printer:
        status = await printer.status()
        await printer.print_document(Document([Line("Ærø")]))
    assert (status.online, status.paper) == (True, "unknown")
    assert b"\x1bt\x05\x1ba\x00\x1bE\x00\x1d!\x00\x92r\x9b\n" in target.read_bytes()


def test_usb_printer_urls_take_ids_or_a_device_path() -> None:
    by_ids = printer_from_url("usb://04b8:0202").transport
    assert isinstance(by_ids, UsbPrinterTransport) and by_ids.description == "USB printer 04b8:0202"
    assert isinstance(printer_from_url("file:///tmp/x").transport, FileTransport)


async def test_a_network_printer_that_was_switched_off_and_on_prints_again(
    device: EscPosDevice,
) -> None:
    server = TcpPrinter(device)
    await server.start()
    async with EscPosPrinter(TcpTransport("127.0.0.1", server.port)) as printer:
        await printer.print_document(Document([Line("före")]))
        await server.stop()  # power off: the kiosk's connection is gone
        with pytest.raises(PrinterOfflineError, match="cannot reach network printer"):
            await printer.print_document(Document([Line("under")]))
        server = TcpPrinter(device, port=server.port)
        await server.start()  # power on, same address
        await printer.print_document(Document([Line("efter")]))
    await server.stop()
    assert [receipt.text for receipt in device.receipts] == ["före", "efter"]
