"""``kiosk devices printer``: staff check a printer's status and print a test page."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer import EscPosDevice, PtyPrinter
from kiosk.cli import main


def test_a_test_page_shows_every_nordic_letter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["devices", "printer", f"sim:{tmp_path}", "--model", "TM-T20II", "--test-page"])
    assert status == 0
    assert capsys.readouterr().out == "online: True; paper: ok\ntest page printed\n"
    text = (tmp_path / "receipt-0001.txt").read_text(encoding="utf-8")
    assert "model TM-T20II; code page cp865" in text
    assert "å ä ö æ ø Å Ä Ö Æ Ø" in text
    assert (tmp_path / "receipt-0001.png").stat().st_size > 0


def test_a_printer_out_of_paper_exits_1_and_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with PtyPrinter(EscPosDevice(paper="out")) as printer:
        status = main(["devices", "printer", f"serial://{printer.path}?baudrate=38400"])
    assert status == 1
    assert capsys.readouterr().out == ("online: False; paper: out\npaper out: load a new roll\n")


def test_a_code_page_the_model_lacks_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "printer", "sim:", "--model", "simple", "--code-page", "cp865"]) == 2
    assert "code page 'cp865' is not available on printer model 'simple'" in capsys.readouterr().out
