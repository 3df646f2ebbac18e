"""A printer test page: every letter a Nordic receipt needs, to check the code page by eye."""

from __future__ import annotations

from collections.abc import Sequence

from .contract import Document, Line

NORDIC_LETTERS = "å ä ö æ ø Å Ä Ö Æ Ø"
OTHER_LETTERS = "é ü ß É Ü  Мир  € £ §"


def build_test_page(model: str, code_pages: Sequence[str]) -> Document:
    return Document(
        [
            Line("Test page", bold=True, size="large", align="center"),
            Line(f"model {model}; code page {code_pages[0]}", align="center"),
            Line(""),
            Line(NORDIC_LETTERS, size="large"),
            Line(NORDIC_LETTERS, bold=True),
            Line(OTHER_LETTERS),
            Line("Smørrebrød på Ærø, Åsa Öberg, Bollnäs"),
            Line("left"),
            Line("center", align="center"),
            Line("right", align="right"),
        ],
        barcode="31234000123",
    )
