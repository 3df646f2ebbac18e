"""A library's own data file, written by hand to the documented format, is served as is."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk import sip2
from kiosk.acs import EmbeddedACS, read_data
from tests.acs.conftest import kiosk_client
from tests.acs.fixtures import checkout_request

SMALL_CONSORTIUM = {
    "format": "nordic-kiosk-consortium/1",
    "name": "Två kommuner",
    "policy": {"fee_limit": "50.00", "currency": "NOK"},
    "libraries": [
        {
            "code": "AAA",
            "isil": "NO-2030000",
            "name": "Alta bibliotek",
            "branches": [
                {
                    "code": "AAA-1",
                    "name": "Alta hovedbibliotek",
                    "kind": "main",
                    "sort_bins": [{"outcome": "transit_home", "bin": "T"}, {"bin": "A"}],
                }
            ],
        },
        {
            "code": "BBB",
            "isil": "NO-2040000",
            "name": "Båtsfjord bibliotek",
            "branches": [
                {"code": "BBB-1", "name": "Båtsfjord", "kind": "branch"},
                {"code": "BBB-BUS", "name": "Bokbussen", "kind": "bookbus"},
            ],
        },
    ],
    "loan_rules": [{"loan_days": 21, "renewals": 2, "max_loans": 30}],
    "patrons": [
        {
            "barcode": "N0001",
            "pin": "4321",
            "name": "Ørjan Ødegård",
            "home_branch": "AAA-1",
            "language": "nob",
            "card_uids": ["04AABBCCDDEEFF"],
        }
    ],
    "items": [
        {
            "barcode": "B0001",
            "record": "R1",
            "title": "Søstrene på Ørland",
            "language": "nob",
            "media_type": "book",
            "owner": "BBB",
            "home_branch": "BBB-1",
        }
    ],
    "accounts": [
        {
            "login": "alta",
            "password": "hemmelig",
            "branch": "AAA-1",
            "charset": "iso-8859-1",
            "terminator": "CRLF",
        }
    ],
}


async def test_a_hand_written_consortium_is_served(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(SMALL_CONSORTIUM, ensure_ascii=False), encoding="utf-8")
    assert read_data(path).name == "Två kommuner"
    async with EmbeddedACS(path) as acs, kiosk_client(acs, "alta") as client:
        patron = await client.request(
            sip2.PatronStatusRequest(
                fields={"AO": "", "AA": "04aabbccddeeff", "AC": "", "AD": "4321"}
            )
        )
        assert (patron.get("AE"), patron.get("CQ"), patron.fixed["language"]) == (
            "Ørjan Ødegård",
            "Y",
            "012",
        )
        loan = await client.request(checkout_request("B0001", "N0001"))
        assert loan.fixed["ok"] and loan.get("AJ") == "Søstrene på Ørland"
        back = await client.request(
            sip2.Checkin(return_date=None, fields={"AP": "", "AO": "", "AB": "B0001", "AC": ""})
        )
        assert (back.get("CV"), back.get("CT"), back.get("CL")) == ("04", "BBB-1", "T")
        info = await client.request(sip2.ItemInformation(fields={"AO": "", "AB": "B0001"}))
        assert info.get("BG") == "NO-2040000"
        assert acs.model.policy.currency == "NOK"


async def test_delimiters_in_a_librarys_own_texts_do_not_break_the_protocol(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL_CONSORTIUM))
    data["items"][0].update(title="Del 1|2", collection="Vaksen|Voksen")
    data["patrons"][0]["fees"] = [{"amount": "5.00", "description": "Purring|2.\ngang"}]
    data["holds"] = [{"patron": "N0001", "record": "R1", "pickup": "AAA-1", "placed": "today"}]
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    async with EmbeddedACS(path) as acs, kiosk_client(acs, "alta") as client:
        info = await client.request(
            sip2.PatronInformation(summary="   Y Y    ", fields={"AO": "", "AA": "N0001", "AC": ""})
        )
        assert info.get_all("CD") == ["Del 1/2"]
        assert info.get_all("AV")[0].endswith("Purring/2. gang")
        item = await client.request(sip2.ItemInformation(fields={"AO": "", "AB": "B0001"}))
        assert (item.get("AJ"), item.get("CR")) == ("Del 1/2", "Vaksen/Voksen")
