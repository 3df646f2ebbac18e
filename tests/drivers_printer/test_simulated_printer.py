"""The simulated printer: the real driver into the fake device, receipts saved as PNG and text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFont

from drivers.printer import (
    Document,
    Line,
    PaperOutError,
    SimulatedPrinter,
    printer_from_url,
)
from drivers.printer.render import find_font

RECEIPT = Document(
    [
        Line("Bollnäs bibliotek", bold=True, size="large", align="center"),
        Line("Lån: Smørrebrød på Ærø"),
        Line("Åsa Öberg – 3 lån"),
        Line("Книги: 2", align="right"),
    ],
    barcode="31234000123",
)


async def test_a_receipt_is_saved_as_text_and_png(tmp_path: Path) -> None:
    async with SimulatedPrinter(tmp_path) as printer:
        await printer.print_document(RECEIPT)
    text = (tmp_path / "receipt-0001.txt").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "            Bollnäs bibliotek",
        "Lån: Smørrebrød på Ærø",
        "Åsa Öberg – 3 lån",
        "                                  Книги: 2",
        "          [barcode 31234000123]",
    ]
    image = Image.open(tmp_path / "receipt-0001.png")
    assert image.width == 576 and image.height > 200
    assert image.convert("L").getextrema() == (0, 255)  # black print on white paper
    assert printer.saved == [tmp_path / "receipt-0001.txt", tmp_path / "receipt-0001.png"]


async def test_each_receipt_gets_its_own_file(tmp_path: Path) -> None:
    async with SimulatedPrinter(tmp_path, png=False) as printer:
        await printer.print_document(Document([Line("ett")]))
        await printer.print_document(Document([Line("två")]))
    assert [receipt.text for receipt in printer.receipts] == ["ett", "två"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "receipt-0001.txt",
        "receipt-0002.txt",
    ]


async def test_the_simulator_has_the_real_drivers_paper_errors() -> None:
    printer = printer_from_url("sim:")
    assert isinstance(printer, SimulatedPrinter)
    async with printer:
        printer.device.paper = "out"
        with pytest.raises(PaperOutError):
            await printer.print_document(RECEIPT)
    assert printer.receipts == []


@pytest.mark.parametrize("char", [*"åäöæøÅÄÖÆØ", "Ж", "ї", "ب"])
def test_the_receipt_font_has_real_glyphs_for_nordic_cyrillic_and_arabic(char: str) -> None:
    font = ImageFont.truetype(str(find_font()), 32)
    missing = font.getmask("\uffff")  # no font has a glyph here: its .notdef box

    def picture(text: str) -> Image.Image:
        mask = font.getmask(text)
        return Image.frombytes("L", mask.size, bytes(mask))

    drawn = picture(char)
    assert drawn.getbbox() is not None
    assert drawn.size != missing.size or ImageChops.difference(drawn, picture("\uffff")).getbbox()
