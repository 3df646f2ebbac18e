"""Limits of the data format and the wire that real consortia run into, lifted.

Short barcodes (staff and test cards), branch codes written in lower case or in another case
than where the branch is defined, institution ids that are short codes rather than ISILs, the
patron's address and phone, and a Renew All sent without its transaction date.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk import sip2
from kiosk.acs import ConsortiumModel, DataFileError, EmbeddedACS, parse_data
from tests.acs.conftest import DEMO, kiosk_client
from tests.acs.fixtures import checkout_request, logged_in
from tests.acs.test_own_data import SMALL_CONSORTIUM
from tests.stores.test_kiosk_stores import as_version_1


def consortium(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL_CONSORTIUM)
    data.update(changes)
    return data


def served(data: dict[str, Any], tmp_path: Path) -> EmbeddedACS:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return EmbeddedACS(path)


async def test_three_character_barcodes_are_accepted_and_served(tmp_path: Path) -> None:
    data = consortium()
    data["patrons"][0]["barcode"] = "N01"
    data["items"][0]["barcode"] = "B01"
    async with served(data, tmp_path) as acs, kiosk_client(acs, "alta") as client:
        loan = await client.request(checkout_request("B01", "N01"))
        assert loan.fixed["ok"] and acs.model.item("B01").loan.patron == "N01"
    with pytest.raises(DataFileError, match="barcode"):
        bad = consortium()
        bad["items"][0]["barcode"] = "B1"
        parse_data(json.dumps(bad))


async def test_branch_codes_may_be_lower_case_and_match_in_any_case(tmp_path: Path) -> None:
    data = consortium()
    data["libraries"][1]["branches"][0]["code"] = "bbb-1"  # defined in lower case
    data["items"][0]["home_branch"] = "BBB-1"  # named in upper case
    data["accounts"][0]["branch"] = "Aaa-1"  # and in mixed case
    data["accounts"].append({"login": "baatsfjord", "password": "pw", "branch": "BBB-1"})
    async with served(data, tmp_path) as acs:
        assert acs.model.item("B0001").home_branch == "bbb-1"  # stored as defined
        assert acs.account("alta").branch == "AAA-1"
        async with kiosk_client(acs, "alta") as client:
            status = await client.request(sip2.SCStatus())
            assert status.get("AM") == "Alta bibliotek"
            hold = await client.request(
                sip2.Hold(
                    hold_mode="+", fields={"AO": "", "AA": "N0001", "AB": "B0001", "BS": "BBB-1"}
                )
            )
            assert hold.fixed["ok"] and hold.get("BS") == "bbb-1"
            back = await client.request(
                sip2.Checkin(
                    return_date=None, fields={"AP": "BBB-1", "AO": "", "AB": "B0001", "AC": ""}
                )
            )
            assert back.fixed["ok"] and back.get("CV") == "01"  # the hold is trapped at bbb-1
        assert acs.model.item("B0001").status == "on_hold_shelf"
        assert acs.model.item("B0001").location == "bbb-1"


def test_two_branch_codes_that_differ_only_in_case_are_one_branch_twice() -> None:
    data = consortium()
    data["libraries"][1]["branches"][1]["code"] = "BBB-1".lower()
    with pytest.raises(DataFileError, match="duplicate branch"):
        parse_data(json.dumps(data))


@pytest.mark.parametrize("institution", ["bol", "HELMET", "Hälsingebiblioteken 2"])
async def test_the_institution_id_is_free_text(tmp_path: Path, institution: str) -> None:
    data = consortium()
    data["libraries"][1]["isil"] = institution
    async with served(data, tmp_path) as acs, kiosk_client(acs, "alta") as client:
        info = await client.request(sip2.ItemInformation(fields={"AO": "", "AB": "B0001"}))
        assert info.get("BG") == institution


@pytest.mark.parametrize("institution", ["", "a|b", "line\nbreak", "x" * 65])
def test_an_institution_id_that_cannot_travel_in_sip2_is_refused(institution: str) -> None:
    data = consortium()
    data["libraries"][0]["isil"] = institution
    with pytest.raises(DataFileError, match=r"libraries\.0\.isil"):
        parse_data(json.dumps(data))


async def test_address_and_phone_are_sent_as_bd_and_bf_to_the_cards_holder(
    tmp_path: Path,
) -> None:
    data = consortium()
    data["patrons"][0].update(
        address="Storgata 1, 9510 Alta", phone="+47 400 00 000", email="orjan@example.org"
    )
    async with served(data, tmp_path) as acs, kiosk_client(acs, "alta") as client:

        async def information(pin: str) -> sip2.Message:
            return await client.request(
                sip2.PatronInformation(
                    summary=" " * 10, fields={"AO": "", "AA": "N0001", "AC": "", "AD": pin}
                )
            )

        holder = await information("4321")
        assert (holder.get("BD"), holder.get("BE"), holder.get("BF")) == (
            "Storgata 1, 9510 Alta",
            "orjan@example.org",
            "+47 400 00 000",
        )
        guesser = await information("0000")
        assert guesser.get("CQ") == "N"
        assert (guesser.get("BD"), guesser.get("BE"), guesser.get("BF")) == (None, None, None)


def renew_all_without_its_date(sequence: int, *, break_checksum: bool = False) -> bytes:
    patron, pin = DEMO["patron"]["barcode"], DEMO["patron"]["pin"]
    body = f"65AOSE-BOL|AA{patron}|AD{pin}|AY{sequence}AZ".encode()
    checksum = sip2.checksum(body)
    if break_checksum:
        checksum = f"{(int(checksum, 16) + 1) & 0xFFFF:04X}"
    return body + checksum.encode() + b"\r"


async def test_a_renew_all_without_its_transaction_date_is_carried_out(
    embedded_acs: EmbeddedACS,
) -> None:
    patron = DEMO["patron"]["barcode"]
    due_before = {loan.item: loan.due for loan in embedded_acs.model.loans_of(patron)}
    async with logged_in(embedded_acs) as conn:
        reply = sip2.decode(await conn.exchange_bytes(renew_all_without_its_date(1)))
        assert reply.checksum_ok and reply.sequence == 1
        answer = reply.message
        assert answer.code == "66" and answer.fixed["ok"] is True
        assert answer.fixed["renewed_count"] + answer.fixed["unrenewed_count"] == len(due_before)
        assert answer.fixed["renewed_count"] >= 1
        broken = await conn.exchange_bytes(renew_all_without_its_date(2, break_checksum=True))
        assert sip2.decode(broken).message.code == "96"  # error detection still holds
    renewed = [
        loan.item
        for loan in embedded_acs.model.loans_of(patron)
        if loan.due != due_before[loan.item]
    ]
    assert len(renewed) == answer.fixed["renewed_count"]


def test_a_database_file_from_before_the_address_column_keeps_its_loans(tmp_path: Path) -> None:
    path = tmp_path / "acs.db"
    model = ConsortiumModel.open(path)
    patron = DEMO["patron"]["barcode"]
    loans = model.loans_of(patron)
    model.close()
    as_version_1(path)  # as the version before the address column wrote it
    model = ConsortiumModel.open(path)
    try:
        assert model.loans_of(patron) == loans
        assert model.patron(patron).address == ""
    finally:
        model.close()


def test_amounts_are_read_as_cents() -> None:
    data = consortium(policy={"fee_limit": "50.00"})
    data["loan_rules"][0].update(loan_fee="12.50", overdue_fee_per_day=3)
    data["patrons"][0]["fees"] = [{"amount": "5.05"}]
    parsed = parse_data(json.dumps(data))
    rule = parsed.loan_rules[0]
    assert (parsed.policy.fee_limit, rule.loan_fee, rule.overdue_fee_per_day) == (5000, 1250, 300)
    assert parsed.patrons[0].fees[0].amount == 505


def test_an_amount_below_zero_or_with_a_third_decimal_is_refused_naming_the_key() -> None:
    with pytest.raises(DataFileError, match="at most 2 decimals") as refused:
        parse_data(json.dumps(consortium(policy={"fee_limit": "1.001"})))
    assert refused.value.where == "policy.fee_limit"
    data = consortium()
    data["patrons"][0]["fees"] = [{"amount": "-1"}]
    with pytest.raises(DataFileError, match="at most 2 decimals") as refused:
        parse_data(json.dumps(data))
    assert refused.value.where == "patrons.0.fees.0.amount"
