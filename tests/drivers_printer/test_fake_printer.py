"""The fake ESC/POS printer reads bytes the way a printer does, so tests can trust what it shows."""

from __future__ import annotations

from drivers.printer import EscPosDevice, PrintedLine

CUT = b"\x1dV\x42\x00"


def test_text_is_decoded_with_the_selected_table_even_when_it_changes_mid_line() -> None:
    device = EscPosDevice("TM-T20II")
    device.feed(b"\x1b@\x1bt\x05\x8fsa \x1bt\x11\x8c\xa8\xe0\n" + CUT)
    assert device.receipts[0].text == "Åsa Мир"


def test_commands_split_across_writes_are_put_together() -> None:
    device = EscPosDevice()
    answers = b""
    for byte in b"\x1b@\x1bE\x01Fet\n\x10\x04\x04" + CUT:
        answers += device.feed(bytes([byte]))
    assert device.receipts[0].lines == [PrintedLine("Fet", bold=True)]
    assert answers == b"\x12"


def test_commands_it_does_not_know_are_recorded_not_printed() -> None:
    device = EscPosDevice()
    device.feed(b"\x1b@\x1b\x70\x00A\n" + CUT)  # ESC p: pulse a cash drawer kick pin
    assert device.unknown_commands == [b"\x1bp"]


def test_paper_that_runs_out_loses_the_lines_after_it() -> None:
    device = EscPosDevice(paper_lines=1)
    device.feed(b"ett\ntva\ntre\n" + CUT)
    assert device.receipts[0].text == "ett"
    assert (device.paper, device.lines_lost) == ("out", 2)
    assert device.status_byte(4) == 0x72 and device.status_byte(1) == 0x1A
