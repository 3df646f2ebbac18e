"""The embedded library system's FOLIO face keeps FOLIO's rules, not the adapter's wishes.

A stand-in that agreed with whatever the adapter sent would prove nothing, so these tests hold
the server to what FOLIO does: tenant and token on every call, one open loan per item (a
check-out never renews), 422 refusals for missing or unknown fields, FOLIO's paging default,
CQL errors as 400 -- and one consortium behind both faces, so a loan made over FOLIO is a loan
over SIP2.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiosk.acs import ConsortiumModel, EmbeddedACS, FolioServer
from kiosk.acs.folio_cql import CqlError, parse_cql, required_value
from kiosk.ils import ItemStatus
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.sip2.client import ClientSettings

HERE = FolioServer.service_point_id("BOL-HB")


@pytest.fixture
def server() -> Iterator[FolioServer]:
    model = ConsortiumModel.open()
    with FolioServer(model) as folio:
        yield folio
    model.close()


def client(folio: FolioServer, *, login: bool = True) -> httpx.Client:
    http = httpx.Client(base_url=folio.url, headers={"x-okapi-tenant": folio.tenant})
    if login:
        answer = http.post(
            "/authn/login-with-expiry", json={"username": "kiosk-bol-hb", "password": "pw-bol-hb"}
        )
        assert answer.status_code == 201
        http.headers["x-okapi-token"] = answer.cookies["folioAccessToken"]
    return http


def check_out(http: httpx.Client, item: str, patron: str = "2150000001", **extra: Any) -> Any:
    body = {"itemBarcode": item, "userBarcode": patron, "servicePointId": HERE, **extra}
    return http.post("/circulation/check-out-by-barcode", json=body)


def test_every_call_needs_the_tenant_and_a_valid_token(server: FolioServer) -> None:
    anonymous = httpx.Client(base_url=server.url)
    assert anonymous.get("/users").status_code == 400  # no tenant
    assert anonymous.get("/users", headers={"x-okapi-tenant": "other"}).status_code == 400
    http = client(server, login=False)
    assert http.get("/users").status_code == 401
    assert http.get("/users", headers={"x-okapi-token": "forged"}).status_code == 401
    refused = http.post(
        "/authn/login-with-expiry", json={"username": "kiosk-bol-hb", "password": "guess"}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["message"]
    assert client(server).get("/users").status_code == 200


def test_a_refresh_token_is_good_once(server: FolioServer) -> None:
    http = client(server, login=False)
    login = http.post(
        "/authn/login-with-expiry", json={"username": "kiosk-bol-hb", "password": "pw-bol-hb"}
    )
    cookie = {"cookie": f"folioRefreshToken={login.cookies['folioRefreshToken']}"}
    assert http.post("/authn/refresh", headers=cookie).status_code == 201
    assert http.post("/authn/refresh", headers=cookie).status_code == 422


def test_an_item_with_an_open_loan_is_never_checked_out_again_not_even_to_its_borrower(
    server: FolioServer,
) -> None:
    model = server.api.model
    before = model.loan("3000000033")  # on loan to 2150000001 already
    answer = check_out(client(server), "3000000033")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "ITEM_HAS_OPEN_LOAN"
    assert model.loan("3000000033") == before


def test_a_loan_is_201_with_folios_loan_record(server: FolioServer) -> None:
    answer = check_out(client(server), "3000000011")
    assert answer.status_code == 201
    loan = answer.json()
    assert loan["action"] == "checkedout" and loan["status"] == {"name": "Open"}
    assert loan["item"]["barcode"] == "3000000011" and loan["dueDate"].endswith("Z")
    assert loan["checkoutServicePointId"] == HERE


def test_missing_or_unknown_fields_are_refused_as_folio_does(server: FolioServer) -> None:
    http = client(server)
    missing = http.post(
        "/circulation/check-in-by-barcode", json={"itemBarcode": "1", "servicePointId": HERE}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["parameters"] == [{"key": "checkInDate", "value": "null"}]
    unknown = http.post(
        "/circulation/renew-by-barcode",
        json={"itemBarcode": "3000000033", "userBarcode": "2150000001", "dueDate": "x"},
    )
    assert unknown.status_code == 422
    not_a_uuid = check_out(http, "3000000011", servicePointId="BOL-HB")
    assert not_a_uuid.status_code == 422
    nowhere = check_out(http, "3000000011", servicePointId="0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b")
    assert nowhere.status_code == 422 and server.api.model.loan("3000000011") is None


def test_collections_are_paged_with_folios_default_of_ten(server: FolioServer) -> None:
    http = client(server)
    page = http.get("/inventory/items").json()
    assert len(page["items"]) == 10 and page["totalRecords"] == len(server.api.model.items())
    later = http.get("/inventory/items", params={"limit": 5, "offset": 495}).json()
    assert len(later["items"]) == 5


def test_a_query_outside_the_cql_subset_is_a_bad_request(server: FolioServer) -> None:
    http = client(server)
    assert http.get("/users", params={"query": "barcode > 5"}).status_code == 400
    assert http.get("/users", params={"query": '(barcode=="1"'}).status_code == 400


def test_the_fault_knobs_make_folio_offline_or_refuse_logins(server: FolioServer) -> None:
    http = client(server)
    server.faults.update(offline=True)
    assert http.get(f"/service-points/{HERE}").status_code == 503
    server.faults.update(offline=False, refuse_logins=True)
    assert (
        http.post(
            "/authn/login-with-expiry",
            json={"username": "kiosk-bol-hb", "password": "pw-bol-hb"},
        ).status_code
        == 422
    )


async def test_a_loan_made_over_folio_is_a_loan_over_sip2() -> None:
    async with EmbeddedACS() as acs:
        with FolioServer(acs.model, faults=acs.faults) as folio:
            answer = check_out(client(folio), "3000000011")
            assert answer.status_code == 201
        login = acs.account("kiosk-bol-hb")
        settings = ClientSettings(
            host=acs.host, port=acs.port, user=login.login, password=login.password
        )
        async with SIP2LibrarySystem(settings) as sip2:
            assert (await sip2.item("3000000011")).status is ItemStatus.ON_LOAN


@pytest.mark.parametrize(
    ("query", "record", "matches"),
    [
        ('barcode=="2150000001"', {"barcode": "2150000001"}, True),
        ("barcode==2150000001", {"barcode": "2150000002"}, False),
        ('status=="Open*"', {"status": "Open - Awaiting pickup"}, True),
        ('status="open - awaiting pickup"', {"status": "Open - Awaiting pickup"}, True),
        ('status<>"Closed*"', {"status": "Open - In transit"}, True),
        ("(userId==a and status.name==Open)", {"userId": "a", "status": {"name": "Open"}}, True),
        ("userId==a and status.name==Open", {"userId": "a", "status": {"name": "Closed"}}, False),
        ("userId==b or userId==a", {"userId": "a"}, True),
        ("userId==a not active==false", {"userId": "a", "active": False}, False),
        ('title=="A \\"quoted\\" \\* star"', {"title": 'A "quoted" * star'}, True),
        ('title=="A \\* star"', {"title": "A long star"}, False),
        ("cql.allRecords=1", {}, True),
        ("barcode==x sortby title", {"barcode": "x"}, True),
    ],
)
def test_the_cql_subset_matches_as_folio_does(
    query: str, record: dict[str, Any], matches: bool
) -> None:
    assert parse_cql(query)(record) is matches


@pytest.mark.parametrize("query", ["barcode > 5", "(a==b", "a==", "a==b c", "title any x"])
def test_cql_outside_the_subset_is_an_error(query: str) -> None:
    with pytest.raises(CqlError):
        parse_cql(query)


def test_a_key_a_query_pins_down_is_found_only_in_plain_conjunctions() -> None:
    assert required_value('(barcode=="215" and active==true)', "barcode") == "215"
    assert required_value('barcode=="215" or barcode=="216"', "barcode") is None
    assert required_value('barcode=="21*"', "barcode") is None
    assert required_value('barcode="215"', "barcode") is None
