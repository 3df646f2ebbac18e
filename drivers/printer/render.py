"""Pictures and text of what a receipt printer printed, for the simulator and for tests.

A :class:`~drivers.printer.device.PrintedReceipt` becomes a PNG (Pillow) as wide as an 80 mm
roll at 203 dpi (576 dots), or plain text padded to the printer's columns. The font is DejaVu Sans
from Debian's ``fonts-dejavu-core`` (installed by ``.ci/setup``), which covers Latin with all
Nordic letters, Cyrillic and Arabic; Pillow shapes Arabic when it has libraqm.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .contract import PrinterError
from .device import PrintedLine, PrintedReceipt

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/local/share/fonts"),
)
PAPER_DOTS = 576  # printable width of 80 mm paper at 203 dpi
MARGIN = 8


def find_font(bold: bool = False) -> Path:
    """DejaVu Sans (Bold); ``KIOSK_RECEIPT_FONT`` names another TrueType file."""
    override = os.environ.get("KIOSK_RECEIPT_FONT")
    if override:
        return Path(override)
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    raise PrinterError(
        f"no font for receipt images: {name} not found; install Debian's fonts-dejavu-core"
        " or set KIOSK_RECEIPT_FONT"
    )


def _font(line: PrintedLine, base_size: int) -> ImageFont.FreeTypeFont:
    size = base_size * 2 if line.size == "large" else base_size
    return _load_font(str(find_font(line.bold)), size)


@functools.lru_cache(maxsize=16)
def _load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def render_text(receipt: PrintedReceipt, columns: int = 42) -> str:
    """The receipt as text lines, aligned within ``columns`` like the paper shows it."""
    rows: list[str] = []
    for line in receipt.lines:
        text = line.text  # large text is aligned on the whole width, as it looks on paper
        if line.align == "center":
            text = text.center(columns).rstrip()
        elif line.align == "right":
            text = text.rjust(columns)
        rows.append(text)
    rows.extend(f"[barcode {code}]".center(columns).rstrip() for code in receipt.barcodes)
    return "\n".join(rows) + "\n"


def render_png(receipt: PrintedReceipt, path: Path, *, width: int = PAPER_DOTS) -> Path:
    """Draw the receipt as black text on white paper, as wide as the roll."""
    base = 22
    heights = [(_font(line, base).size * 1.25) for line in receipt.lines]
    barcode_height = 90
    total = int(2 * MARGIN + sum(heights) + len(receipt.barcodes) * (barcode_height + 10))
    image = Image.new("L", (width, max(total, 2 * MARGIN + 1)), 255)
    draw = ImageDraw.Draw(image)
    y = float(MARGIN)
    for line, height in zip(receipt.lines, heights, strict=True):
        font = _font(line, base)
        text_width = draw.textlength(line.text, font=font)
        if line.align == "center":
            x = (width - text_width) / 2
        elif line.align == "right":
            x = width - MARGIN - text_width
        else:
            x = MARGIN
        draw.text((x, y), line.text, font=font, fill=0)
        y += height
    hri_font = _load_font(str(find_font()), 18)
    for code in receipt.barcodes:
        # A bar pattern stand-in framed as wide as a Code 128 of this length, with its HRI text.
        bars = 11 * (len(code) + 3) * 2
        left = (width - bars) / 2
        for index in range(0, bars, 4):
            draw.rectangle((left + index, y, left + index + 1, y + barcode_height - 25), fill=0)
        hri_width = draw.textlength(code, font=hri_font)
        draw.text(((width - hri_width) / 2, y + barcode_height - 22), code, font=hri_font, fill=0)
        y += barcode_height + 10
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path
