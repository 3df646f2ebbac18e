"""``kiosk acs`` as a user runs it: a separate process serving real SIP2 clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kiosk import sip2
from kiosk.acs import DEMO_DATA, ConnectionLimits, EmbeddedACS, ThreadedACS
from kiosk.cli import main
from tests.acs.fixtures import DEMO, acs_process, checkout_request
from tests.kiosk_command import run_kiosk


async def test_kiosk_acs_serves_sip2_and_obeys_its_control_channel(tmp_path: Path) -> None:
    db = tmp_path / "acs.sqlite"
    args = ("--control-port", "0", "--db", str(db), "--latency-ms", "1", "-v")
    async with acs_process(*args) as server:
        settings = sip2.ClientSettings(
            host="127.0.0.1", port=server.port, user="kiosk-bol-hb", password="pw-bol-hb", timeout=5
        )
        async with sip2.SIP2Client(settings) as client:
            reply = await client.request(checkout_request("3000000011"))
            assert reply.fixed["ok"]
            control = str(server.control_port)
            told = await asyncio.to_thread(
                run_kiosk, "acs", "control", "--control-port", control, "set", "offline=yes"
            )
            assert told.returncode == 0 and '"offline": true' in told.stdout
            status = await client.request(sip2.SCStatus())
            assert status.fixed["online_status"] is False
    assert server.process.returncode == 0
    log = server.log
    assert "kiosk-bol-hb logged in" in log
    assert "pw-bol-hb" not in log and DEMO["patron"]["barcode"] not in log
    # the state is in the database file: a restart keeps the loan
    with ThreadedACS(db_path=db) as again:
        assert again.model.loan("3000000011") is not None


def test_kiosk_acs_check_validates_a_data_file(tmp_path: Path, capsys) -> None:
    assert main(["acs", "check", str(DEMO_DATA)]) == 0
    assert "500 items" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text(
        Path(DEMO_DATA)
        .read_text(encoding="utf-8")
        .replace('"loan_days": 28', '"loan_days": "four weeks"', 1),
        encoding="utf-8",
    )
    assert main(["acs", "check", str(broken)]) == 1
    assert "loan_rules.0.loan_days" in capsys.readouterr().err


def test_a_bad_data_file_stops_the_server_with_a_clear_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    result = run_kiosk("acs", "--port", "0", "--data", str(broken))
    assert result.returncode == 1
    assert "broken.json" in result.stderr and "format" in result.stderr


def test_control_without_a_server_says_so() -> None:
    result = run_kiosk("acs", "control", "--control-port", "1", "get")
    assert result.returncode == 1 and "cannot reach" in result.stderr


async def test_a_taken_port_is_a_clear_error() -> None:
    async with EmbeddedACS() as first:
        result = await asyncio.to_thread(run_kiosk, "acs", "--port", str(first.port))
    assert result.returncode == 1 and "kiosk acs:" in result.stderr


def test_a_missing_tls_certificate_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["acs", "--port", "0", "--tls-cert", str(tmp_path / "none.pem")]) == 1
    assert "cannot load the TLS certificate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-connections", "0"),
        ("--max-per-address", "-3"),
        ("--login-deadline", "nan"),
        ("--message-deadline", "soon"),
    ],
)
def test_a_connection_limit_that_is_not_a_positive_number_is_a_clear_error(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["acs", "--port", "0", option, value])
    assert exit_.value.code == 2 and option in capsys.readouterr().err


def test_the_connection_limits_help_names_the_real_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["acs", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    defaults = ConnectionLimits()
    for phrase in (
        f"(default {defaults.max_connections};",
        f"(default {defaults.max_per_address})",
        f"(default {defaults.login_seconds:g})",
        f"(default {defaults.message_seconds:g})",
    ):
        assert phrase in text
