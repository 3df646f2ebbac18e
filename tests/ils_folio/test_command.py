"""``kiosk ils``: one transaction through whichever back end the configuration names.

The same kiosk configuration with its ``[ils]`` section switched between SIP2 and FOLIO runs the
same commands and prints the same JSON shape: that is the staff's check that switching a kiosk
is a configuration change.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from tests.core import configs
from tests.ils_folio.rig import FolioBackend
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

KIOSK = """
[kiosk]
id = "test-bollnas-1"
library = "SE-BOL"
branch = "BOL-HB"
branch_name = "Bollnäs huvudbibliotek"
state_dir = "{state}"
"""

FOLIO = (
    configs.FOLIO
    + """password_file = "{secret}"
service_point_id = "{service_point}"
timeout_s = 3
retries = 1
"""
)

SIP2 = """
[ils]
backend = "sip2"

[ils.sip2]
host = "{host}"
port = {port}
user = "kiosk-bol-hb"
password_file = "{secret}"
timeout_s = 3
retries = 1
"""


def secret(tmp_path: Path, value: str = "pw-bol-hb", name: str = "secret") -> Path:
    path = tmp_path / name
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return path


def folio_config(tmp_path: Path, folio: FolioBackend, **overrides: str) -> Path:
    values = {
        "state": str(tmp_path / "state"),
        "url": folio.server.url,
        "tenant": folio.server.tenant,
        "secret": str(secret(tmp_path)),
        "service_point": folio.service_point(),
        **overrides,
    }
    path = tmp_path / "folio.toml"
    path.write_text((KIOSK + FOLIO).format(**values), encoding="utf-8")
    return path


def sip2_config(tmp_path: Path, folio: FolioBackend) -> Path:
    values = {
        "state": str(tmp_path / "state"),
        "host": folio.acs.host,
        "port": folio.acs.port,
        "secret": str(secret(tmp_path)),
    }
    path = tmp_path / "sip2.toml"
    path.write_text((KIOSK + SIP2).format(**values), encoding="utf-8")
    return path


async def kiosk_ils(capsys: pytest.CaptureFixture[str], config: Path, *words: str) -> Any:
    """Run ``kiosk ils --config CONFIG WORDS...``; (exit status, parsed stdout, stderr)."""
    status = await asyncio.to_thread(main, ["ils", "--config", str(config), "--no-env", *words])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else None), err


async def test_the_status_of_a_folio_kiosk_names_its_service_point(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, answer, _ = await kiosk_ils(capsys, folio_config(tmp_path, folio), "status")
    assert status == 0
    assert answer["backend"] == "folio" and answer["online"] is True
    assert answer["service_point"] == {
        "id": folio.service_point(),
        "code": "BOL-HB",
        "name": "Bollnäs huvudbibliotek",
    }
    assert "warning" not in answer


async def test_switching_the_ils_section_runs_the_same_transactions_over_sip2_or_folio(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    over_folio, over_sip2 = folio_config(tmp_path, folio), sip2_config(tmp_path, folio)
    model = folio.acs.model
    shapes = []
    for config, item in ((over_folio, "3000000011"), (over_sip2, "3000000012")):
        status, lent, _ = await kiosk_ils(capsys, config, "checkout", "2150000001", item)
        assert status == 0 and lent["ok"] is True and lent["item_id"] == item
        assert lent["due_date"] and model.loan(item).patron == "2150000001"
        status, renewed, _ = await kiosk_ils(capsys, config, "renew", "2150000001", item)
        assert status == 0 and renewed["ok"] is True
        status, info, _ = await kiosk_ils(capsys, config, "item", item)
        assert status == 0 and info["status"] == "on_loan"
        status, returned, _ = await kiosk_ils(capsys, config, "checkin", "3000000003")
        assert status == 0 and returned["alert"] == "send_elsewhere"
        assert returned["destination"] == "SOD-HB"
        shapes.append((set(lent), set(renewed), set(info), set(returned)))
    assert shapes[0] == shapes[1]  # one JSON shape, whichever the back end
    assert model.loan("3000000011").renewals == 1 and model.loan("3000000012").renewals == 1


async def test_a_patron_check_takes_the_pin_and_never_prints_it(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folio_config(tmp_path, folio)
    status, patron, err = await kiosk_ils(capsys, config, "patron", "2150000004", "--pin", "4567")
    assert status == 0
    assert (patron["valid"], patron["pin_valid"]) == (True, True)
    assert "excessive_fees" in patron["blocks"] and patron["currency"] == "SEK"
    assert "4567" not in json.dumps(patron) + err


async def test_a_refusal_is_an_answer_printed_with_the_library_text(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folio_config(tmp_path, folio)
    status, refused, _ = await kiosk_ils(capsys, config, "checkout", "2150000001", "3000000004")
    assert status == 0 and refused["ok"] is False
    assert refused["messages"] == ["Exemplaret är utlånat till någon annan."]


async def test_a_library_system_that_cannot_be_reached_exits_1_in_plain_words(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folio_config(tmp_path, folio, url=f"http://127.0.0.1:{free_port()}")
    status, answer, err = await kiosk_ils(capsys, config, "checkin", "3000000001")
    assert status == 1 and answer is None
    assert "library system unavailable" in err and "cannot reach FOLIO" in err
    status, answer, _ = await kiosk_ils(capsys, config, "status")
    assert status == 0 and answer["online"] is False


async def test_a_wrong_service_point_is_pointed_out_by_the_status(
    folio: FolioBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folio_config(tmp_path, folio, service_point=folio.server.service_point_id("HUD-HB"))
    status, answer, _ = await kiosk_ils(capsys, config, "status")
    assert status == 0 and answer["service_point"]["code"] == "HUD-HB"
    assert "not the kiosk's branch" in answer["warning"]


def test_a_configuration_with_errors_exits_2_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(KIOSK.format(state=tmp_path) + '[ils]\nbackend = "folio"\n', encoding="utf-8")
    assert main(["ils", "--config", str(path), "--no-env", "status"]) == 2
    assert "ils.folio" in capsys.readouterr().err


async def test_the_shipped_folio_example_works_against_the_embedded_library_system(
    folio: FolioBackend, tmp_path: Path
) -> None:
    """The recipe in config/folio-kiosk.toml's header, as a user would type it."""
    env = {
        **os.environ,
        "KIOSK__ILS__FOLIO__BASE_URL": folio.server.url,
        "KIOSK__ILS__FOLIO__TENANT": folio.server.tenant,
        "KIOSK__ILS__FOLIO__PASSWORD_FILE": str(secret(tmp_path)),
        "KIOSK__UI__STAFF_CODE_FILE": str(secret(tmp_path, "13579", "staff-code")),
    }
    command = [sys.executable, "-m", "kiosk", "ils", "--config", "config/folio-kiosk.toml"]
    done = await asyncio.to_thread(
        subprocess.run, [*command, "status"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["online"] is True and answer["service_point"]["code"] == "BOL-HB"


def test_a_demo_configuration_runs_the_transaction_on_its_embedded_library_system(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.config import DEMO_CONFIG

    assert main(["ils", "--config", str(DEMO_CONFIG), "--no-env", "checkin", "3000000003"]) == 0
    returned = json.loads(capsys.readouterr().out)
    assert (returned["ok"], returned["destination"]) == (True, "SOD-HB")
