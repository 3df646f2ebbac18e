"""``kiosk sip2``: the staff command, through ``kiosk.cli.main`` and as a real process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.acs import EmbeddedACS, ThreadedACS
from kiosk.cli import main
from tests.kiosk_command import run_kiosk
from tests.ports import free_port

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def acs() -> Iterator[EmbeddedACS]:
    with ThreadedACS() as server:
        yield server


def login_options(acs: EmbeddedACS, *extra: str) -> list[str]:
    kiosk = acs.examples["kiosk"]
    account = acs.account(kiosk["login"])
    return [
        "sip2", "--host", acs.host, "--port", str(acs.port), "--user", kiosk["login"],
        "--password", kiosk["password"], "--location", account.location_code,
        "--institution", "SE-BOL", "--timeout", "3", *extra,
    ]  # fmt: skip


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any], str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


class TestDecode:
    def decode(self, data: bytes, *options: str) -> subprocess.CompletedProcess[str]:
        return run_kiosk(
            "sip2", "decode", *options, stdin=data.decode("latin-1"), encoding="latin-1"
        )

    def test_prints_one_json_object_per_message(self) -> None:
        lines = (
            b"121NNY20261122    103005AOSE-BOL|AA2150000001|AB3000000001|AJMio|AH20261220|\r\n"
            b"101YNY20261122    103005AOSE-BOL|AB3000000002|AQHUD|CV02|CTSOD|AFA|AFB|AY3AZE0C6\n"
        )
        result = self.decode(lines)
        first, second = (json.loads(line) for line in result.stdout.splitlines())
        assert result.returncode == 0
        assert first["code"] == "12" and first["checksum_ok"] is None
        assert first["fixed"]["ok"] is True and first["fixed"]["desensitize"] is True
        assert first["fixed"]["renewal_ok"] is False and first["fields"]["AJ"] == "Mio"
        assert second["fixed"]["resensitize"] is True and second["fixed"]["alert"] is True
        assert second["fields"]["AF"] == ["A", "B"] and second["fields"]["CV"] == "02"
        assert second["checksum_ok"] is False and second["sequence"] == 3

    def test_a_bad_line_prints_an_error_and_the_exit_status_is_1(self) -> None:
        result = self.decode(b"941\nthis is not sip2\n990 402.00AY1AZFCB4\n")
        objects = [json.loads(line) for line in result.stdout.splitlines()]
        assert result.returncode == 1
        assert objects[0]["code"] == "94" and "error" in objects[1]
        assert objects[2]["fixed"]["max_print_width"] == 40 and objects[2]["checksum_ok"] is True

    def test_reads_the_charset_it_is_told(self) -> None:
        frame = "24              00620261122    103005AOX|AA1|AEÅsa Öberg|".encode("cp850")
        result = self.decode(frame + b"\r", "--charset", "cp850")
        stdout = result.stdout.encode("latin-1").decode("utf-8")
        assert json.loads(stdout)["fields"]["AE"] == "Åsa Öberg"

    def test_mask_hides_pins_and_passwords(self) -> None:
        result = self.decode(b"9300CNkiosk|COs3cret|CPX|\n", "--mask")
        assert "s3cret" not in result.stdout and json.loads(result.stdout)["fields"]["CO"] == "****"


class TestTransactions:
    def test_patron_against_the_embedded_library_system(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        patron = acs.examples["patron"]
        argv = login_options(acs, "patron", patron["barcode"], "--pin", patron["pin"])
        status, (reply,), _ = run(argv, capsys)
        assert status == 0
        assert reply["code"] == "64" and reply["checksum_ok"] is True
        assert reply["fields"]["AA"] == patron["barcode"]
        assert reply["fields"]["BL"] == "Y" and reply["fields"]["CQ"] == "Y"
        assert set(reply["fixed"]) >= {"patron_status", "language", "charged_items_count"}

    def test_a_wrong_pin_is_reported_by_the_acs(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        patron = acs.examples["patron"]
        argv = login_options(acs, "patron", patron["barcode"], "--pin", "0000")
        status, (reply,), _ = run(argv, capsys)
        assert status == 0 and reply["fields"]["CQ"] == "N"

    def test_status_item_and_checkin(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        item = acs.examples["return_reshelve"]["item"]
        for argv, code in (
            (["status"], "98"),
            (["item", item], "18"),
            (["checkin", item], "10"),
        ):
            status, (reply,), _ = run(login_options(acs, *argv), capsys)
            assert status == 0 and reply["code"] == code
        assert reply["fields"]["AB"] == item

    def test_a_borrowing_session_from_the_command_line(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        patron = acs.examples["patron"]
        item = acs.examples["borrow_stack"]["first"]
        renewable = acs.examples["renew_ok"]["item"]
        pin = ["--pin", patron["pin"]]
        steps = [
            (["checkout", patron["barcode"], item, *pin], "12"),
            (["renew", patron["barcode"], renewable, *pin], "30"),
            (["renew-all", patron["barcode"], *pin], "66"),
            (["hold", patron["barcode"], acs.examples["hold_waiting"]["item"], *pin], "16"),
            (["end", patron["barcode"], *pin], "36"),
        ]
        replies = []
        for argv, code in steps:
            status, (reply,), _ = run(login_options(acs, *argv), capsys)
            assert status == 0 and reply["code"] == code, argv
            replies.append(reply)
        checkout, renew = replies[0], replies[1]
        assert checkout["fixed"]["ok"] is True and checkout["fixed"]["desensitize"] is True
        assert checkout["fields"]["AB"] == item and checkout["fields"]["AH"]
        assert renew["fixed"]["ok"] is True and renew["fields"]["AB"] == renewable
        loans = acs.model.loans_of(patron["barcode"])
        assert item in {loan.item for loan in loans}

    def test_trace_shows_the_wire_with_secrets_masked(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        patron = acs.examples["patron"]
        kiosk = acs.examples["kiosk"]
        argv = login_options(acs, "--trace", "patron", patron["barcode"], "--pin", patron["pin"])
        status, _, err = run(argv, capsys)
        assert status == 0
        assert "-> 93" in err and "<- 64" in err and "AD****" in err and "CO****" in err
        assert kiosk["password"] not in err and f"AD{patron['pin']}" not in err
        assert patron["barcode"] not in err

    def test_a_refused_login_says_so(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = login_options(acs, "--password", "wrong", "status")
        status, out, err = run(argv, capsys)
        assert status == 1 and out == []
        assert err.startswith("kiosk sip2: login refused")

    def test_a_closed_port_says_connection_refused(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        port = free_port()
        status, _, err = run(["sip2", "--port", str(port), "status"], capsys)
        assert status == 1 and "connection refused" in err

    def test_a_slow_acs_is_a_timeout(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        acs.faults.update(latency_ms=800)
        try:
            argv = login_options(acs, "--timeout", "0.2", "--retries", "0", "status")
            status, _, err = run(argv, capsys)
        finally:
            acs.faults.update(latency_ms=0)
        assert status == 1 and "timeout" in err

    def test_tls_to_a_plain_port_is_a_tls_failure(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, _, err = run(login_options(acs, "--tls", "status"), capsys)
        assert status == 1 and "TLS failure" in err

    def test_a_charset_mismatch_is_suspected(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = login_options(acs, "--charset", "cp850", "status")  # the ACS speaks UTF-8
        status, _, err = run(argv, capsys)
        assert status == 0 and "wrong charset suspected" in err

    def test_the_help_documents_every_option(self) -> None:
        result = run_kiosk("sip2", "--help")
        assert result.returncode == 0, result.stderr
        for option in ("--host", "--port", "--tls", "--ca-file", "--client-cert", "--client-key",
                       "--no-verify", "--server-name", "--user", "--password", "--location",
                       "--institution", "--terminal-password", "--charset", "--error-detection",
                       "--timeout", "--retries", "--trace"):  # fmt: skip
            assert option in result.stdout
        for action in ("decode", "status", "patron", "item", "checkout", "checkin", "renew",
                       "renew-all", "hold", "end"):  # fmt: skip
            assert f"    {action} " in result.stdout


class TestWhatStaffSee:
    """Issue 15.15-17: what ``kiosk sip2`` sends and prints, and the charsets it accepts."""

    def test_status_asks_the_acs_status_once(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        before = acs.stats.requests
        status, (reply,), _ = run(login_options(acs, "status"), capsys)
        assert status == 0 and reply["code"] == "98"
        assert acs.stats.requests - before == 2  # 93 and one 99

    def test_status_prints_the_timeout_in_seconds(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _, (reply,), _ = run(login_options(acs, "status"), capsys)
        timeout = acs.account(acs.examples["kiosk"]["login"]).timeout_seconds
        assert reply["fixed"]["timeout_period"] == f"{timeout:g} s"

    def test_checkout_and_renew_send_a_blank_no_block_due_date(
        self, acs: EmbeddedACS, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from kiosk import sip2

        patron = acs.examples["patron"]
        item = acs.examples["borrow_stack"]["last"]
        for action in ("checkout", "renew"):
            argv = login_options(acs, "--trace", action, patron["barcode"], item)
            status, _, err = run(argv, capsys)
            assert status == 0
            sent = next(line[3:] for line in err.splitlines() if line[3:5] in ("11", "29"))
            assert sip2.decode(sent.encode()).message.fixed["nb_due_date"] is None

    @pytest.mark.parametrize(
        "charset", ["base64", "idna", "rot13", "hex", "uu", "punycode", "utf-16", "zlib"]
    )
    def test_a_charset_that_is_no_ascii_text_encoding_is_refused_plainly(
        self, acs: EmbeddedACS, charset: str
    ) -> None:
        for argv in (
            ["sip2", "--charset", charset, "--port", str(acs.port), "status"],
            ["sip2", "decode", "--charset", charset],
            ["acs", "--charset", charset, "--port", "0"],
        ):
            result = run_kiosk(*argv, stdin="941\n")
            assert result.returncode == 2, (argv, result.stderr)
            assert "not a character set SIP2 can use" in result.stderr
            assert "Traceback" not in result.stderr


def test_no_action_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sip2"]) == 2
    assert "ACTION" in capsys.readouterr().err
