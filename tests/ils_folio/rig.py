"""Test rig: the FOLIO adapter against the embedded library system, through prism's proxy.

    async with folio_backend(gateway) as folio:            # fresh consortium, served over FOLIO
        async with folio.library_system() as ils: ...      # FolioLibrarySystem, kiosk-bol-hb
        folio.acs.model.item("3000000011")                 # the same model the SIP2 side serves

    async with folio_kiosk_rig(tmp_path, gateway) as rig:  # tests.core.fixtures.Rig, on FOLIO
        await rig.login()

The kiosk rig is the core tests' rig (:func:`tests.core.fixtures.rig_kiosk`) with the library
system swapped: same simulated FEIG reader, same journal, same embedded consortium.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kiosk.acs import EmbeddedACS, FolioServer
from kiosk.ils.folio import FolioLibrarySystem, FolioOptions
from kiosk.ils.folio_http import FolioConnectionSettings
from kiosk.ils.offline import OfflineMode
from tests.core.fixtures import ACCOUNT, Rig, consortium_settings, rig_kiosk
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
        kiosk_settings = consortium_settings(folio.acs, account, **settings)
        async with (
            folio.library_system(account) as ils,
            rig_kiosk(state_dir, folio.acs, ils, kiosk_settings, offline=offline) as rig,
        ):
            yield rig
