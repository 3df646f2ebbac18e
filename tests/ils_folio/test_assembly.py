"""A whole kiosk from a configuration whose ``[ils]`` says FOLIO, as ``kiosk run`` builds it.

The kiosk section, the hardware and the policy are the ones the SIP2 assembly test uses; only
``[ils]`` differs. The kiosk lends and takes back, gets its branch names from FOLIO's service
points, and starts (offline) when FOLIO is not there yet.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.assembly import open_kiosk
from kiosk.config import load_config
from kiosk.ils.folio import FolioLibrarySystem
from tests.core.configs import FOLIO, KIOSK, POLICY_AND_HARDWARE
from tests.core.fixtures import lend_and_take_back, logged_in
from tests.ils_folio.rig import FolioBackend
from tests.ports import free_port

CONFIG = (
    KIOSK
    + FOLIO
    + """password = "pw-bol-hb"
service_point_id = "{service_point}"
timeout_s = 3
"""
    + POLICY_AND_HARDWARE
)


def write(tmp_path: Path, folio: FolioBackend, url: str | None = None) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        CONFIG.format(
            state=tmp_path / "state",
            url=url or folio.server.url,
            tenant=folio.server.tenant,
            service_point=folio.service_point(),
        ),
        encoding="utf-8",
    )
    return path


async def test_a_kiosk_configured_for_folio_lends_and_takes_back(
    folio: FolioBackend, tmp_path: Path
) -> None:
    config = load_config(write(tmp_path, folio), env={})
    model = folio.acs.model
    async with open_kiosk(config, simulator_timing=False, replay_interval_s=0.5) as running:
        assert isinstance(running.ils, FolioLibrarySystem) and running.ils.online
        assert running.acs is None  # a real library system, not the embedded one
        kiosk = running.kiosk
        assert running.ils.branch_names()["SOD-HB"] == "Söderhamns stadsbibliotek"
        returned = await lend_and_take_back(running, model, await logged_in(kiosk))
        assert model.loan("3000000012").patron == "2150000001"
        assert returned.outcome.destination_name == "Söderhamns stadsbibliotek"
        await kiosk.end_session()


async def test_a_kiosk_whose_folio_is_not_there_starts_offline(
    folio: FolioBackend, tmp_path: Path
) -> None:
    config = load_config(write(tmp_path, folio, f"http://127.0.0.1:{free_port()}"), env={})
    async with open_kiosk(config, simulator_timing=False) as running:
        assert not running.ils.online
        assert not await running.ils.check_online()
