"""``kiosk tag encode`` and ``kiosk tag decode``: JSON keys and round trips."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.strip(), err


@pytest.mark.parametrize("model", ["danish", "iso28560-2"])
def test_encode_then_decode_round_trips(capsys: pytest.CaptureFixture[str], model: str) -> None:
    status, image, _ = run(
        capsys,
        "tag", "encode", "--model", model, "--id", "3700123456", "--owner", "SE-Hud",
        "--parts", "2", "--part", "1", "--usage", "circulation", "--not-for-loan-offline",
    )  # fmt: skip
    assert status == 0 and all(c in "0123456789ABCDEF" for c in image)
    dsfid = ["--dsfid", "0x06"] if model == "iso28560-2" else []
    status, out, _ = run(capsys, "tag", "decode", image, *dsfid)
    decoded = json.loads(out)
    assert status == 0
    assert decoded["model"] == model
    assert decoded["primary_item_id"] == "3700123456"
    assert decoded["owner_library"] == "SE-Hud"
    assert (decoded["parts"], decoded["part_number"]) == (2, 1)
    assert decoded["usage"] == "circulation"
    assert decoded["not_for_loan_offline"] is True
    assert decoded["crc_ok"] is (True if model == "danish" else None)


def test_decode_of_a_damaged_tag_exits_1_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    _, image, _ = run(capsys, "tag", "encode", "--id", "1234", "--owner", "DK-761500")
    damaged = image[:10] + ("0" if image[10] != "0" else "1") + image[11:]
    status, out, _ = run(capsys, "tag", "decode", damaged)
    decoded = json.loads(out)
    assert status == 1 and decoded["problem"] == "crc-mismatch" and decoded["crc_ok"] is False


def test_reversed_block_order_survives_the_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    _, image, _ = run(capsys, "tag", "encode", "--id", "99", "--block-order", "reversed")
    _, out, _ = run(capsys, "tag", "decode", image)
    assert json.loads(out)["block_order"] == "reversed"


def test_bad_input_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "tag", "decode", "zz")[0] == 2
    status, _, err = run(capsys, "tag", "encode", "--id", "1", "--usage", "lending")
    assert status == 2 and "unknown type of usage" in err
    status, _, err = run(capsys, "tag", "encode", "--id", "x" * 17)
    assert status == 2 and "longer than 16" in err


def test_scan_reads_every_tag_on_a_reader(capsys: pytest.CaptureFixture[str]) -> None:
    from drivers.rfid import TAGIT_HFI_STANDARD, FeigSimulator, tag_for_item

    with FeigSimulator(timing=False) as sim:
        sim.place(
            tag_for_item("37001", "SE-Hud", security="both"),
            tag_for_item("37002", "NO-02030000", model="iso28560-2", secured=False),
            tag_for_item("37003", "DK-761500", tag_type=TAGIT_HFI_STANDARD),
        )
        status, out, _ = run(capsys, "tag", "scan", "--port", sim.port, "--timeout", "0.3")
    lines = {d["primary_item_id"]: d for d in map(json.loads, out.splitlines())}
    assert status == 0 and set(lines) == {"37001", "37002", "37003"}
    assert (lines["37001"]["afi"], lines["37001"]["eas"]) == (0x07, True)
    assert lines["37002"]["model"] == "iso28560-2" and lines["37002"]["afi"] == 0xC2
    assert lines["37003"]["owner_library"] == "DK-761500" and lines["37003"]["afi"] is None


def test_scan_without_a_reader_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "tag", "scan", "--port", "/dev/nonexistent", "--timeout", "0.1")
    assert status == 3 and "cannot open the RFID reader port /dev/nonexistent" in err


def test_decode_shows_every_iso28560_2_element_of_the_standard_s_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The worked example of ISO 28560-2 (GB/T 35660.2-2017), see test_iso28560_2.py; no DSFID.
    example = "91 00 05 1C BE 99 1A 14 02 01 D0 14 02 04 B3 46 07 44 1C B6 E2 E3 35 D6 83 02 07 AC"
    status, out, _ = run(capsys, "tag", "decode", *example.split(), "C0", "9E", "BA", "A0",
                         "6F", "6B", "00", "00")  # fmt: skip
    decoded = json.loads(out)
    assert status == 0 and decoded["model"] == "iso28560-2" and decoded["warnings"] == []
    assert decoded["owner_library"] == "US-InU-Mu" and decoded["shelf_location"] == "QA268.L55"
    assert [(e["oid"], e["name"], e["compaction"], e["value"]) for e in decoded["elements"]] == [
        (1, "primary_item_identifier", "integer", "123456789012"),
        (2, "content_parameter", "application-defined", "3,4,6"),
        (4, "set_information", "integer", "1203"),
        (6, "shelf_location", "6-bit", "QA268.L55"),
        (3, "owner_institution", "isil", "US-InU-Mu"),
    ]
    assert decoded["elements"][-1]["hex"] == "ACC09EBAA06F6B"


def test_encode_takes_shelf_location_title_and_any_further_element(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, image, _ = run(
        capsys,
        "tag", "encode", "--model", "iso28560-2", "--id", "123456789012", "--owner", "US-InU-Mu",
        "--parts", "12", "--part", "3", "--shelf-location", "QA268.L55", "--title", "Kalevala",
        "--usage", "not-for-circulation", "--usage-subtype", "1",
        "--element", "onix_media_format=BA", "--element", "23=Lib01",
    )  # fmt: skip
    assert status == 0
    status, out, _ = run(capsys, "tag", "decode", image)
    decoded = json.loads(out)
    assert status == 0 and decoded["title"] == "Kalevala"
    assert (decoded["usage"], decoded["usage_subtype"]) == ("not_for_circulation", 1)
    values = {e["name"]: e["value"] for e in decoded["elements"]}
    assert values["onix_media_format"] == "BA"
    assert values["alternative_owner_institution"] == "Lib01"
    assert values["owner_institution"] == "US-InU-Mu" and values["set_information"] == "1203"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "iso28560-2", "--element", "BA"], "expected OID=TEXT"),
        (["--model", "iso28560-2", "--element", "colour=red"], "unknown ISO 28560-2"),
        (["--model", "iso28560-2", "--element", "title=x"], "field of its own"),
        (["--title", "Kalevala"], "Danish model has no field for a title"),
    ],
)
def test_elements_the_model_cannot_take_exit_2_with_the_reason(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, "tag", "encode", "--id", "1", *argv)
    assert status == 2 and message in err
