"""The composition root: a running kiosk from a :class:`~kiosk.config.KioskConfig`.

Why one place: ``kiosk demo``, ``kiosk run``, the benchmarks and the end-to-end tests all need
the same wiring (library system, reader, card reader, scanner, printer, journal, statistics,
offline policy, recovery), and none of the layers below may know the others' concrete classes.
Here, and only here, configuration values become objects::

    async with open_kiosk(load_config(path)) as running:
        running.kiosk.subscribe(ui.on_event)
        ...                                   # running.simulator / running.acs in demo mode

Simulated hardware (the FEIG simulator on a pty, in-process card reader and scanner, the
printer simulator) and the embedded library system are started here when the config asks for
them and stopped on exit; real devices are opened and closed likewise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from drivers.cards import BarcodeScanner, CardReader
from drivers.printer import ReceiptPrinter
from drivers.rfid import RfidReader, VirtualTag, tag_for_item
from drivers.tags import TagModel, Usage
from kiosk.config import KioskConfig, secret_text
from kiosk.core import Kiosk, KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.core.receipts import ReceiptSender, SmtpReceiptSender
from kiosk.core.recovery import RecoveryReport, recover
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import StaffCode
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy
from kiosk.ils.port import LibrarySystem
from kiosk.lockout import GuessGuard
from kiosk.opening import OpeningHours
from kiosk.passwords import hash_password
from kiosk.registry import (
    CARD_READERS,
    LIBRARY_SYSTEMS,
    PRINTERS,
    RFID_READERS,
    SCANNERS,
    DeviceContext,
    LibrarySystemContext,
)

if TYPE_CHECKING:
    from drivers.rfid import FeigSimulator
    from kiosk.sip2.client import ClientSettings

__all__ = [
    "Basics",
    "Running",
    "RunningKiosk",
    "branch_directory",
    "demo_item_tags",
    "demo_patron_card",
    "kiosk_settings",
    "library_system",
    "open_basics",
    "open_kiosk",
    "printer_for",
    "scanner_for",
    "sip2_client_settings",
    "staff_code_for",
    "state_path",
]

#: The file in the state directory that counts wrong staff codes and console passwords.
LOCKOUT_FILE = "lockouts.db"

log = logging.getLogger(__name__)


@dataclass(slots=True, kw_only=True)
class Running:
    """What a kiosk or a return station hands its owner (the UI, the demo panel, the health
    endpoint, tests and benchmarks): its configuration, the :class:`Basics` it stands on, the
    optional devices that opened and what start-up recovery did."""

    config: KioskConfig
    ils: LibrarySystem
    reader: RfidReader
    journal: Journal
    statistics: Statistics
    recovery: RecoveryReport | None = None
    acs: Any = None  # kiosk.acs.EmbeddedACS in demo mode
    simulator: FeigSimulator | None = None
    scanner: BarcodeScanner | None = None
    printer: ReceiptPrinter | None = None
    device_errors: dict[str, str] = field(default_factory=dict)  # device -> why it is missing

    @classmethod
    def on(cls, basics: Basics, config: KioskConfig, **own: Any) -> Self:
        """The running kiosk or station on ``basics``; ``own`` are the rest of its fields."""
        return cls(
            config=config,
            ils=basics.ils,
            reader=basics.reader,
            journal=basics.journal,
            statistics=basics.statistics,
            acs=basics.acs,
            simulator=basics.simulator,
            device_errors=basics.device_errors,
            **own,
        )


@dataclass(slots=True, kw_only=True)
class RunningKiosk(Running):
    """Everything :func:`open_kiosk` built."""

    kiosk: Kiosk
    card_reader: CardReader | None = None


def branch_directory(model: Any) -> dict[str, str]:
    """Branch code -> name from the embedded library system's model (demo mode)."""
    return {branch.code: branch.name for branch in model.branches()}


def demo_item_tags(
    model: Any,
    barcode: str,
    *,
    security: SecuritySettings | None = None,
    secured: bool | None = None,
) -> list[VirtualTag]:
    """Virtual tags (one per part) for an item of the embedded library system, programmed as
    its data file says (data model, owner, parts, usage, "not for loan offline") and with the
    security state that matches its loan state (on loan: unsecured) unless ``secured`` is given.
    The demo panel, the tests and the benchmarks put these on the simulated pad."""
    item = model.item(barcode)
    if item is None:
        raise KeyError(f"no item {barcode!r} in the embedded library system")
    security = security or SecuritySettings()
    if secured is None:
        secured = item.loan is None
    tag_model = TagModel.ISO28560_2 if item.tag_model == "iso28560-2" else TagModel.DANISH
    return [
        tag_for_item(
            barcode,
            item.owner_isil,
            parts=item.parts,
            part_number=part,
            model=tag_model,
            usage=item.tag_usage,
            not_for_loan_offline=not item.offline_loan,
            secured=secured,
            security=security.method.value,
            afi_secured=security.afi_secured,
            afi_unsecured=security.afi_unsecured,
        )
        for part in range(1, item.parts + 1)
    ]


def demo_patron_card(model: Any, barcode: str) -> VirtualTag:
    """An RFID library card (type of usage 8) for a patron of the embedded library system."""
    if model.patron(barcode) is None:
        raise KeyError(f"no patron {barcode!r} in the embedded library system")
    return tag_for_item(barcode, usage=Usage.PATRON_CARD, secured=False)


def kiosk_settings(config: KioskConfig) -> KioskSettings:
    """The core's settings from the config tree."""
    policy = config.policy
    identity = config.kiosk
    names = dict(identity.branch_names)
    if identity.branch_name:
        names.setdefault(identity.branch, identity.branch_name)
    return KioskSettings(
        library_name=identity.library_name or identity.library,
        library_code=identity.library,
        branch_code=identity.branch,
        branch_name=identity.branch_name or identity.branch,
        branch_names=names,
        pin=PinPolicy(policy.pin),
        pin_attempts=policy.pin_attempts,
        pin_lockout_after=policy.pin_lockout_after,
        pin_lockout_minutes=policy.pin_lockout_minutes,
        inactivity_timeout_s=policy.inactivity_timeout_s,
        inactivity_warning_s=policy.inactivity_warning_s,
        security=SecuritySettings(
            method=SecurityMethod(policy.security),
            afi_secured=policy.afi_secured,
            afi_unsecured=policy.afi_unsecured,
        ),
        ask_fees=policy.fee_acknowledgement == "ask",
        receipt_print="print" in policy.receipt.choices,
        receipt_email="email" in policy.receipt.choices and policy.receipt.email is not None,
        staff_code=staff_code_for(config),
        staff_card_uids=frozenset(uid.upper() for uid in config.ui.staff_card_uids),
        default_language=config.ui.default_language,
        receipt_footer={
            language: tuple(text.splitlines()) for language, text in policy.receipt.footer.items()
        },
        opening_hours=(
            OpeningHours.from_config(identity.opening_hours) if identity.opening_hours else None
        ),
        out_of_service=identity.out_of_service,
    )


def staff_code_for(config: KioskConfig) -> StaffCode | None:
    """The staff code as the core checks it: its salted hash (a plain code from the config is
    hashed here, so every kiosk checks one way) and the guard that counts wrong tries in the
    state directory's lockout file, across sessions and restarts."""
    ui = config.ui
    if ui.staff_code_hash is not None:
        hashed = ui.staff_code_hash.get_secret_value()
    else:
        code = secret_text(ui.staff_code, ui.staff_code_file)
        if code is None:
            return None
        hashed = hash_password(code)
    guard = GuessGuard(
        state_path(config, None, LOCKOUT_FILE),
        kind="staff_code",
        attempts=ui.staff_code_attempts,
        lockout_s=ui.staff_code_lockout_minutes * 60,
    )
    return StaffCode(hashed, guard)


def patron_pin_guard(config: KioskConfig) -> GuessGuard | None:
    """Wrong patron PINs counted per card over every visit and restart, in the state directory's
    lockout file (cards kept as keyed hashes); None when ``pin_lockout_after`` is 0."""
    policy = config.policy
    if policy.pin_lockout_after == 0:
        return None
    return GuessGuard(
        state_path(config, None, LOCKOUT_FILE),
        kind="patron_pin",
        attempts=policy.pin_lockout_after,
        lockout_s=policy.pin_lockout_minutes * 60,
        hide_subjects=True,
    )


def sip2_client_settings(
    config: KioskConfig, *, host: str | None = None, port: int | None = None
) -> ClientSettings:
    """The SIP2 client's settings from ``[ils.sip2]`` (the SIP2 back end's, in kiosk.vendors)."""
    from kiosk.vendors.library_systems import sip2_client_settings as from_config

    return from_config(config, host=host, port=port)


def library_system(
    config: KioskConfig,
    *,
    branch_names: dict[str, str] | None = None,
    host: str | None = None,
    port: int | None = None,
) -> LibrarySystem:
    """The library-system port the config names (not yet opened), built by the back end
    registered under ``[ils] backend`` (kiosk.registry.LIBRARY_SYSTEMS).

    ``host``/``port`` point SIP2 at the embedded library system in demo mode. Each back end
    imports its adapter when built, so SIP2 kiosks never load FOLIO's HTTP client.
    """
    context = LibrarySystemContext(config, branch_names=branch_names, host=host, port=port)
    ils = config.ils
    return LIBRARY_SYSTEMS.build(ils.backend_settings, context, name=ils.backend)


def state_path(config: KioskConfig, explicit: Path | None, name: str) -> Path:
    """``explicit``, or the file ``name`` in the kiosk's state directory (created if missing)."""
    if explicit is not None:
        return Path(explicit).expanduser()
    folder = Path(config.kiosk.state_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


async def _start_embedded_acs(config: KioskConfig, stack: AsyncExitStack) -> Any:
    from kiosk.acs import EmbeddedACS  # only demo mode needs the embedded library system

    embedded = config.ils.embedded
    acs = EmbeddedACS(
        data=embedded.data,
        db_path=embedded.db,
        latency_ms=embedded.latency_ms,
        jitter_ms=embedded.jitter_ms,
    )
    return await stack.enter_async_context(acs)


def _card_reader(config: KioskConfig, context: DeviceContext | None = None) -> CardReader | None:
    """The configured card reader (not yet opened), or None."""
    return CARD_READERS.build(config.hardware.card_reader, context or _own_context())


def scanner_for(config: KioskConfig, context: DeviceContext | None = None) -> BarcodeScanner | None:
    """The configured barcode scanner (not yet opened), or None."""
    return SCANNERS.build(config.hardware.scanner, context or _own_context())


def printer_for(config: KioskConfig, context: DeviceContext | None = None) -> ReceiptPrinter | None:
    """The configured receipt/slip printer (not yet opened), or None."""
    return PRINTERS.build(config.hardware.printer, context or _own_context())


def _own_context() -> DeviceContext:
    """For a device built on its own (``kiosk devices``, tests): a stack of its own, which the
    kiosk's card readers, scanners and printers leave empty. Within a kiosk, pass
    :attr:`Basics.devices`, so whatever a vendor starts beside its device closes with the kiosk."""
    return DeviceContext(ExitStack())


def _receipt_sender(config: KioskConfig) -> ReceiptSender | None:
    smtp = config.policy.receipt.email
    if smtp is None:
        return None
    return SmtpReceiptSender(
        host=smtp.host,
        port=smtp.port,
        sender=smtp.sender,
        starttls=smtp.starttls,
        username=smtp.username,
        password=secret_text(smtp.password, smtp.password_file),
    )


@dataclass(slots=True)
class Basics:
    """What every kind of kiosk stands on, opened by :func:`open_basics`: the library system
    (the embedded one in demo mode), the RFID reader (the FEIG simulator when configured), the
    journal, the statistics and the offline policy. ``settings`` carry the branch names the
    library system knows. :meth:`open_device` opens the optional devices around them."""

    settings: KioskSettings
    ils: LibrarySystem
    reader: RfidReader
    journal: Journal
    statistics: Statistics
    offline: OfflinePolicy
    stack: AsyncExitStack
    acs: Any = None  # kiosk.acs.EmbeddedACS in demo mode
    simulator: FeigSimulator | None = None
    device_errors: dict[str, str] = field(default_factory=dict)  # device -> why it is missing
    #: For building the other devices (kiosk.registry): the same stack, and the simulators.
    devices: DeviceContext | None = None

    async def open_device(self, name: str, device: Any) -> Any:
        """Open an optional device (card reader, scanner, printer), closed with the stack.

        One that cannot be opened is not fatal: the kiosk still lends and takes back (RFID
        library cards, typed card numbers, no paper receipt); the failure is logged and kept in
        ``device_errors`` for staff and the health endpoint. Returns the device, or None.
        """
        if device is None:
            return None
        try:
            await device.open()
        except Exception as error:  # each driver has its own error types
            log.warning("%s not available: %s", name, error)
            self.device_errors[name] = str(error)
            return None
        self.stack.push_async_callback(device.close)
        return device

    async def recover_half_done(self, security: SecurityWriter) -> RecoveryReport:
        """Start-up recovery of what the journal left half done (:func:`kiosk.core.recovery.
        recover`) under the configured offline policy, at a kiosk and a return station alike
        (a return left on the pad is queued offline when the policy takes returns); what it
        cannot settle yet is logged and left for the next pass."""
        report = await recover(self.journal, self.ils, security, policy=self.offline)
        if not report.complete:
            log.warning("start-up recovery left work for later: %s", report)
        return report


async def open_basics(
    config: KioskConfig,
    stack: AsyncExitStack,
    *,
    settings: KioskSettings,
    simulator_timing: bool = True,
) -> Basics:
    """Open the :class:`Basics` the config describes; everything closes with ``stack``."""
    acs = None
    host = port = None
    if config.ils.embedded.enabled:
        acs = await _start_embedded_acs(config, stack)
        host, port = acs.host, acs.port
        names = {**branch_directory(acs.model), **settings.branch_names}
        settings = dataclasses.replace(settings, branch_names=names)
    ils = library_system(config, branch_names=settings.branch_names, host=host, port=port)
    await stack.enter_async_context(ils)

    devices = DeviceContext(stack, simulator_timing=simulator_timing)
    reader = RFID_READERS.build(config.hardware.rfid, devices)
    simulator: FeigSimulator | None = devices.simulators.get("rfid")
    await stack.enter_async_context(reader)

    journal = Journal(state_path(config, config.kiosk.journal_path, "journal.db"))
    stack.callback(journal.close)
    statistics = Statistics(state_path(config, config.kiosk.statistics_path, "statistics.db"))
    stack.callback(statistics.close)
    offline = OfflinePolicy.from_values(
        config.policy.offline.mode,
        config.policy.offline.max_loans_per_patron,
        config.policy.offline.max_loans_per_session,
    )
    return Basics(
        settings=settings,
        ils=ils,
        reader=reader,
        journal=journal,
        statistics=statistics,
        offline=offline,
        stack=stack,
        acs=acs,
        simulator=simulator,
        devices=devices,
    )


@contextlib.asynccontextmanager
async def open_kiosk(
    config: KioskConfig,
    *,
    simulator_timing: bool = True,
    run_recovery: bool = True,
    replay_interval_s: float = 5.0,
) -> AsyncIterator[RunningKiosk]:
    """Build, open and start everything the config describes; close it all on exit."""
    async with AsyncExitStack() as stack:
        basics = await open_basics(
            config, stack, settings=kiosk_settings(config), simulator_timing=simulator_timing
        )
        devices = basics.devices
        card_reader = await basics.open_device("card reader", _card_reader(config, devices))
        scanner = await basics.open_device("scanner", scanner_for(config, devices))
        printer = await basics.open_device("printer", printer_for(config, devices))
        pin_guard = patron_pin_guard(config)
        kiosk = Kiosk(
            ils=basics.ils,
            reader=basics.reader,
            settings=basics.settings,
            journal=basics.journal,
            offline_policy=basics.offline,
            statistics=basics.statistics,
            card_reader=card_reader,
            scanner=scanner,
            printer=printer,
            receipt_sender=_receipt_sender(config),
            pin_guard=pin_guard,
            replay_interval_s=replay_interval_s,
        )
        report = None
        if run_recovery and kiosk.security is not None:
            report = await basics.recover_half_done(kiosk.security)
        await stack.enter_async_context(kiosk)
        yield RunningKiosk.on(
            basics,
            config,
            kiosk=kiosk,
            recovery=report,
            card_reader=card_reader,
            scanner=scanner,
            printer=printer,
        )
