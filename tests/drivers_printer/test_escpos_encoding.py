"""What the ESC/POS encoder sends: Nordic letters in the right code table, layout commands."""

from __future__ import annotations

import pytest

from drivers.printer import Document, Line, encode_document, printer_model
from drivers.printer.escpos import TextEncoder, code128_command, wrap

NORDIC = "åäöæøÅÄÖÆØ"
INIT = b"\x1b@"


def text_bytes(text: str, model: str = "TM-T20II", pages: list[str] | None = None) -> bytes:
    encoder = TextEncoder(printer_model(model), pages)
    return encoder.start() + encoder.encode(text)


def test_nordic_letters_come_out_as_pc865_bytes_on_an_epson() -> None:
    # PC865 (Nordic) code points, from the code page chart; ESC t 5 selects it on Epson.
    assert text_bytes(NORDIC) == b"\x1bt\x05" + bytes.fromhex("86 84 94 91 9B 8F 8E 99 92 9D")


def test_the_same_code_page_has_another_number_on_a_star_printer() -> None:
    assert text_bytes(NORDIC, "TSP600")[:3] == b"\x1bt\x09"


def test_a_printer_configured_for_windows_1252_gets_latin_1_bytes() -> None:
    assert text_bytes(NORDIC, pages=["cp1252"]) == b"\x1bt\x10" + bytes.fromhex(
        "E5 E4 F6 E6 F8 C5 C4 D6 C6 D8"
    )


def test_cyrillic_switches_to_pc866_and_nordic_letters_switch_back() -> None:
    assert text_bytes("Åsa Мир ø") == (
        b"\x1bt\x05" + b"\x8fsa " + b"\x1bt\x11" + bytes.fromhex("8C A8 E0") + b" "
        + b"\x1bt\x05" + b"\x9b"
    )  # fmt: skip


def test_a_letter_no_table_of_the_printer_has_prints_as_a_question_mark() -> None:
    # The "simple" profile knows only PC437, which has æ and å but no ø.
    assert text_bytes("æø", "simple") == b"\x1bt\x00" + b"\x91?"


def test_a_configured_code_page_the_model_lacks_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="code page 'cp865' is not available on printer model"):
        TextEncoder(printer_model("simple"), ["cp865"])


def test_an_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="printer model 'TM-X1' is not in the ESC/POS database"):
        printer_model("TM-X1")


def test_a_document_becomes_the_expected_command_sequence() -> None:
    document = Document(
        [Line("Bibliotek", bold=True, size="large", align="center"), Line("Lån 2")],
        barcode="3123",
    )
    assert encode_document(document, printer_model("TM-T20II")) == (
        INIT + b"\x1bt\x05"
        + b"\x1ba\x01\x1bE\x01\x1d!\x11" + b"Bibliotek\n"
        + b"\x1ba\x00\x1bE\x00\x1d!\x00" + b"L\x86n 2\n"
        + b"\x1bE\x00\x1d!\x00"
        + b"\x1ba\x01" + b"\x1dh\x50\x1dw\x02\x1dH\x02" + b"\x1dk\x49\x06{B3123" + b"\x1ba\x00"
        + b"\x1dV\x42\x00"
    )  # fmt: skip


def test_a_printer_without_cutter_gets_paper_fed_past_the_tear_bar() -> None:
    data = encode_document(Document([Line("x")]), printer_model("ZJ-5870"))
    assert data.endswith(b"x\n" + b"\x1bE\x00\x1d!\x00" + b"\n" * 6)


def test_long_lines_wrap_at_spaces_within_the_columns() -> None:
    assert wrap("Harry Potter och de vises sten", 12) == ["Harry Potter", "och de vises", "sten"]
    assert wrap("", 12) == [""]
    data = encode_document(Document([Line("a " * 30, size="large")]), printer_model("default"))
    assert max(len(row) for row in data.split(b"\n")[1:-1]) <= 21 + 3


def test_barcodes_are_code128_set_b_and_other_text_is_refused() -> None:
    assert code128_command("AB-1") == b"\x1dk\x49\x06{BAB-1"
    with pytest.raises(ValueError, match="cannot be printed as Code 128 B"):
        code128_command("Åse")


def test_a_configured_code_page_comes_first_and_the_others_fill_in() -> None:
    assert text_bytes("å Я", pages=["cp1252"]) == b"\x1bt\x10\xe5 \x1bt\x11\x9f"
