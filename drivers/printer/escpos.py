"""Sans-I/O ESC/POS: receipts to printer bytes, and status bytes to :class:`PrinterStatus`.

Follows the Epson ESC/POS Command Reference (TM series): ``ESC @`` initialise, ``ESC t n`` select
character code table, ``ESC E`` emphasis, ``ESC a`` justification, ``GS !`` character size,
``GS h``/``GS w``/``GS H``/``GS k m=73`` Code 128 barcodes, ``GS V m=66`` feed and partial cut,
and the real-time status request ``DLE EOT n`` (n = 1 printer, 2 offline cause, 3 error cause,
4 roll paper sensor). Text is encoded in the printer's own code tables (see
:mod:`drivers.printer.models`); a character outside the current table switches to another table
that has it, so Nordic letters print as themselves. No I/O here: the printer driver, the fake
printer and the tests share these bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .contract import Document, Line, PrinterStatus
from .models import PrinterModel, usable_code_pages

ESC, GS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x10", b"\x04", b"\n"

INITIALISE = ESC + b"@"
BOLD = {False: ESC + b"E\x00", True: ESC + b"E\x01"}
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
SIZE = {"normal": GS + b"!\x00", "large": GS + b"!\x11"}  # large = double width and height
FEED_AND_CUT = GS + b"V\x42\x00"  # function B: feed to the cutter, partial cut
CODE128_SETUP = GS + b"h\x50" + GS + b"w\x02" + GS + b"H\x02"  # 80 dots high, HRI below


def status_request(n: int) -> bytes:
    """``DLE EOT n``: answered at once with one byte, even while the printer is offline."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n must be 1..4, not {n}")
    return DLE + EOT + bytes([n])


def select_code_page(number: int) -> bytes:
    return ESC + b"t" + bytes([number])


def _is_status_byte(value: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
    return value & 0x93 == 0x12


@dataclass(frozen=True, slots=True)
class StatusBytes:
    """The answers to DLE EOT 1, 2 and 4 (None where the printer gave none)."""

    printer: int | None
    offline_cause: int | None
    paper_sensor: int | None


Paper = Literal["ok", "low", "out", "unknown"]


@dataclass(frozen=True, slots=True)
class PrinterCondition:
    """The decoded status flags; :attr:`status` is the contract's summary of them."""

    answered: bool
    online: bool
    paper: Paper
    cover_open: bool = False
    error: bool = False
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> PrinterStatus:
        return PrinterStatus(online=self.online, paper=self.paper, detail="; ".join(self.problems))


def parse_status(answers: StatusBytes) -> PrinterCondition:
    """What the status bytes say, with problems in words staff can act on."""
    if answers.printer is None:
        return PrinterCondition(
            answered=False,
            online=False,
            paper="unknown",
            problems=(
                "no answer to status request DLE EOT: check power, cable and that the printer"
                " speaks ESC/POS",
            ),
        )
    for name, value in (
        ("printer", answers.printer),
        ("offline cause", answers.offline_cause),
        ("paper sensor", answers.paper_sensor),
    ):
        if value is not None and not _is_status_byte(value):
            return PrinterCondition(
                answered=False,
                online=False,
                paper="unknown",
                problems=(f"garbled {name} status byte 0x{value:02X}: check the baud rate",),
            )
    online = not answers.printer & 0x08
    problems: list[str] = []
    paper: Paper = "unknown"
    if answers.paper_sensor is not None:
        if answers.paper_sensor & 0x60:
            paper = "out"
        elif answers.paper_sensor & 0x0C:
            paper = "low"
        else:
            paper = "ok"
    cause = answers.offline_cause or 0
    cover_open = bool(cause & 0x04)
    error = bool(cause & 0x40)
    if cover_open:
        problems.append("cover open: close the printer cover")
    if cause & 0x20 or paper == "out":
        paper = "out"
        problems.append("paper out: load a new roll")
    if error:
        problems.append("printer error (cutter jam or overheating): open and check the cutter")
    if cause & 0x08:
        problems.append("paper is being fed with the FEED button")
    if paper == "low":
        problems.append("paper near end: replace the roll soon")
    if not online and not problems:
        problems.append("printer offline")
    return PrinterCondition(True, online, paper, cover_open, error, tuple(problems))


class TextEncoder:
    """Encodes text in the printer's code tables, switching tables only when needed."""

    def __init__(self, model: PrinterModel, code_pages: Sequence[str] | None = None) -> None:
        self.model = model
        self.code_pages = usable_code_pages(model, code_pages)
        self.current: str | None = None

    def start(self) -> bytes:
        """Select the first code page (after ``ESC @``, which resets the table to 0)."""
        self.current = self.code_pages[0]
        return select_code_page(self.model.code_pages[self.current])

    def encode(self, text: str) -> bytes:
        if self.current is not None:
            try:
                return text.encode(self.current)  # the usual case: the whole row fits
            except UnicodeEncodeError:
                pass
        out = bytearray()
        for char in text:
            data = self._encode_char(char, self.current)
            if data is None:
                for page in self.code_pages:
                    data = self._encode_char(char, page)
                    if data is not None:
                        self.current = page
                        out += select_code_page(self.model.code_pages[page])
                        break
            out += data if data is not None else b"?"  # no table of this printer has it
        return bytes(out)

    @staticmethod
    def _encode_char(char: str, page: str | None) -> bytes | None:
        if page is None:
            return None
        try:
            return char.encode(page)
        except UnicodeEncodeError:
            return None


def wrap(text: str, columns: int) -> list[str]:
    """Split a line into printer rows of at most ``columns`` characters, at spaces if possible."""
    rows: list[str] = []
    for paragraph in text.split("\n"):
        if len(paragraph) <= columns:
            rows.append(paragraph.rstrip())
            continue
        rows.extend(
            textwrap.wrap(paragraph, columns, break_long_words=True, drop_whitespace=True) or [""]
        )
    return rows


def code128_command(data: str) -> bytes:
    """GS k 73: Code 128 in code set B (printable ASCII), which library barcodes fit."""
    if not data or any(not 32 <= ord(c) < 127 for c in data) or len(data) > 253:
        raise ValueError(f"barcode of {len(data)} characters cannot be printed as Code 128 B")
    payload = b"{B" + data.encode("ascii")
    return GS + b"k\x49" + bytes([len(payload)]) + payload


def encode_line(line: Line, encoder: TextEncoder, columns: int) -> bytes:
    width = columns // 2 if line.size == "large" else columns
    out = bytearray(ALIGN[line.align] + BOLD[line.bold] + SIZE[line.size])
    for row in wrap(line.text, width):
        out += encoder.encode(row) + LF
    return bytes(out)


def encode_document(
    document: Document,
    model: PrinterModel,
    code_pages: Sequence[str] | None = None,
    columns: int | None = None,
) -> bytes:
    """The whole receipt as ESC/POS bytes for ``model``."""
    encoder = TextEncoder(model, code_pages)
    width = columns or model.columns
    out = bytearray(INITIALISE + encoder.start())
    for line in document.lines:
        out += encode_line(line, encoder, width)
    out += BOLD[False] + SIZE["normal"]
    if document.barcode:
        out += ALIGN["center"]
        if model.has_code128:
            out += CODE128_SETUP + code128_command(document.barcode)
        else:
            out += encoder.encode(document.barcode) + LF
        out += ALIGN["left"]
    if document.cut and model.can_cut:
        out += FEED_AND_CUT
    else:
        out += LF * 6  # enough to tear off past the tear bar
    return bytes(out)
