"""Test rig: the FOLIO adapter against the embedded library system, through prism's proxy.

    async with folio_backend(gateway) as folio:            # fresh consortium, served over FOLIO
        async with folio.library_system() as ils: ...      # FolioLibrarySystem, kiosk-bol-hb
        folio.acs.model.item("3000000011")                 # the same model the SIP2 side serves

    async with folio_kiosk_rig(tmp_path, gateway) as rig:  # tests.core.fixtures.Rig, on FOLIO
        await rig.login()

The kiosk rig is the core tests' rig (:func:`tests.core.fixtures.kiosk_rig`) with the library
system swapped: same simulated FEIG reader, same journal, same embedded consortium.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from drivers.rfid import FeigReader, FeigSimulator
from kiosk.acs import EmbeddedACS, FolioServer
from kiosk.assembly import branch_directory
from kiosk.core import Kiosk, Statistics
from kiosk.ils.folio import FolioLibrarySystem, FolioOptions
from kiosk.ils.folio_http import FolioConnectionSettings
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflineMode, OfflinePolicy
from tests.core.fixtures import ACCOUNT, EventLog, Rig, rig_settings
from tests.ils_folio.prism import Prism, SpecRouter, spec_paths


@dataclasses.dataclass
class Gateway:
    """The session's embedded FOLIO server and the validating proxy in front of it."""

    server: FolioServer
    proxy: Prism


@dataclasses.dataclass
class FolioBackend:
    """One test's embedded library system, served over FOLIO."""

    acs: EmbeddedACS
    server: FolioServer
    router: SpecRouter

    def settings(self, account: str = ACCOUNT, **overrides: Any) -> FolioConnectionSettings:
        login = self.acs.account(account)
        values: dict[str, Any] = {
            "base_url": self.server.url,
            "tenant": self.server.tenant,
            "username": login.login,
            "password": login.password,
            "timeout_s": 3.0,
            "retries": 1,
        }
        values.update(overrides)
        return FolioConnectionSettings(**values)

    def service_point(self, account: str = ACCOUNT) -> str:
        return self.server.service_point_id(self.acs.account(account).branch)

    def library_system(
        self, account: str = ACCOUNT, *, service_point_id: str | None = None, **overrides: Any
    ) -> FolioLibrarySystem:
        return FolioLibrarySystem(
            self.settings(account, **overrides),
            FolioOptions(service_point_id=service_point_id or self.service_point(account)),
            transport=self.router,
        )


@contextlib.asynccontextmanager
async def folio_backend(
    gateway: Gateway,
    *,
    prism: Prism | None = None,
    acs_options: dict[str, Any] | None = None,
) -> AsyncIterator[FolioBackend]:
    """A fresh consortium served over FOLIO; the adapter's spec requests go through ``prism``
    (default: the validating proxy). Fails the test if prism found anything off-spec."""
    async with EmbeddedACS(**(acs_options or {})) as acs:
        gateway.server.serve(acs.model, faults=acs.faults)
        router = SpecRouter((prism or gateway.proxy).url, spec_paths())
        try:
            yield FolioBackend(acs, gateway.server, router)
        finally:
            await router.close()
        assert router.violations == [], router.violations
        undocumented = "Unable to match the returned status code"
        assert all(undocumented in warning for warning in router.warnings), router.warnings


@contextlib.asynccontextmanager
async def folio_kiosk_rig(
    state_dir: Path,
    gateway: Gateway,
    *,
    account: str = ACCOUNT,
    offline: OfflineMode = OfflineMode.RETURNS_AND_LOANS,
    acs_options: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[Rig]:
    """The core tests' rig with the FOLIO adapter as the library system."""
    async with folio_backend(gateway, acs_options=acs_options) as folio:
        acs = folio.acs
        login = acs.account(account)
        kiosk_settings = rig_settings(branch_code=login.branch, **settings)
        kiosk_settings = dataclasses.replace(
            kiosk_settings, branch_names=branch_directory(acs.model)
        )
        with FeigSimulator(timing=False) as sim:
            async with FeigReader(sim.port) as reader, folio.library_system(account) as ils:
                journal = Journal(state_dir / "journal.db")
                statistics = Statistics(state_dir / "statistics.db")
                kiosk = Kiosk(
                    ils=ils,
                    reader=reader,
                    settings=kiosk_settings,
                    journal=journal,
                    offline_policy=OfflinePolicy(mode=offline),
                    statistics=statistics,
                    replay_interval_s=0.2,
                )
                log = EventLog(kiosk)
                try:
                    async with kiosk:
                        yield Rig(kiosk, acs, sim, journal, statistics, log, kiosk_settings)
                finally:
                    journal.close()
                    statistics.close()
