"""Reading the DLE EOT status bytes (Epson ESC/POS real-time status)."""

from __future__ import annotations

from drivers.printer import EscPosDevice
from drivers.printer.escpos import StatusBytes, parse_status, status_request


def test_the_status_requests_are_dle_eot_n() -> None:
    assert [status_request(n) for n in (1, 2, 4)] == [
        b"\x10\x04\x01",
        b"\x10\x04\x02",
        b"\x10\x04\x04",
    ]


def test_an_idle_printer_with_paper_is_online_and_ok() -> None:
    condition = parse_status(StatusBytes(0x12, 0x12, 0x12))
    assert condition.status.online and condition.status.paper == "ok"
    assert condition.status.detail == ""


def test_paper_near_end_is_low_and_says_so() -> None:
    status = parse_status(StatusBytes(0x12, 0x12, 0x1E)).status
    assert (status.online, status.paper) == (True, "low")
    assert status.detail == "paper near end: replace the roll soon"


def test_paper_end_is_out_and_offline() -> None:
    condition = parse_status(StatusBytes(0x1A, 0x32, 0x72))
    assert (condition.online, condition.paper) == (False, "out")
    assert condition.status.detail == "paper out: load a new roll"


def test_an_open_cover_is_named() -> None:
    condition = parse_status(StatusBytes(0x1A, 0x16, 0x12))
    assert condition.cover_open
    assert condition.status.detail == "cover open: close the printer cover"


def test_no_answer_means_offline_with_what_to_check() -> None:
    status = parse_status(StatusBytes(None, None, None)).status
    assert (status.online, status.paper) == (False, "unknown")
    assert status.detail.startswith("no answer to status request DLE EOT: check power, cable")


def test_a_byte_without_the_fixed_bits_is_garbled_not_believed() -> None:
    status = parse_status(StatusBytes(0xFF, 0x12, 0x12)).status
    assert status.detail == "garbled printer status byte 0xFF: check the baud rate"


def test_the_fake_printer_answers_what_the_parser_expects() -> None:
    device = EscPosDevice(paper="low")
    answers = device.feed(status_request(1) + status_request(2) + status_request(4))
    assert parse_status(StatusBytes(*answers)).status.paper == "low"
    device.paper = "out"
    answers = device.feed(status_request(1) + status_request(2) + status_request(4))
    assert parse_status(StatusBytes(*answers)).paper == "out"
