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
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import serial

from drivers.cards import (
    BarcodeScanner,
    CardReader,
    HidBarcodeScanner,
    PcscCardReader,
    SerialBarcodeScanner,
    SimulatedBarcodeScanner,
    SimulatedCardReader,
)
from drivers.printer import ReceiptPrinter, printer_from_url
from drivers.rfid import FeigReader, FeigSimulator, RfidReader, VirtualTag, tag_for_item
from drivers.tags import TagModel, Usage
from kiosk.config import KioskConfig
from kiosk.core import Kiosk, KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.core.receipts import ReceiptSender, SmtpReceiptSender
from kiosk.core.recovery import RecoveryReport, recover
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy
from kiosk.ils.port import LibrarySystem
from kiosk.ils.sip2 import SIP2LibrarySystem, SIP2Options
from kiosk.sip2.client import ClientSettings

__all__ = [
    "RunningKiosk",
    "branch_directory",
    "demo_item_tags",
    "demo_patron_card",
    "kiosk_settings",
    "open_kiosk",
    "sip2_client_settings",
]

log = logging.getLogger(__name__)

_PARITY = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}


@dataclass(slots=True)
class RunningKiosk:
    """Everything :func:`open_kiosk` built, for the UI, the demo panel, tests and benchmarks."""

    config: KioskConfig
    kiosk: Kiosk
    ils: LibrarySystem
    reader: RfidReader | None
    journal: Journal
    statistics: Statistics
    recovery: RecoveryReport | None = None
    acs: Any = None  # kiosk.acs.EmbeddedACS in demo mode
    simulator: FeigSimulator | None = None
    card_reader: CardReader | None = None
    scanner: BarcodeScanner | None = None
    printer: ReceiptPrinter | None = None
    device_errors: dict[str, str] = field(default_factory=dict)  # device -> why it is missing


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
    staff_code = config.ui.staff_code.get_secret_value() if config.ui.staff_code else None
    if staff_code is None and config.ui.staff_code_file is not None:
        staff_code = Path(config.ui.staff_code_file).read_text(encoding="utf-8").strip()
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
        staff_code=staff_code,
        staff_card_uids=frozenset(uid.upper() for uid in config.ui.staff_card_uids),
        default_language=config.ui.default_language,
    )


def sip2_client_settings(
    config: KioskConfig, *, host: str | None = None, port: int | None = None
) -> ClientSettings:
    sip = config.ils.sip2
    password = ""
    if sip.password is not None:
        password = sip.password.get_secret_value()
    elif sip.password_file is not None:
        password = Path(sip.password_file).read_text(encoding="utf-8").strip()
    tls = sip.tls
    return ClientSettings(
        host=host or sip.host,
        port=port or sip.port,
        user=sip.user or "",
        password=password,
        location_code=sip.location_code,
        institution_id=sip.institution_id,
        charset=sip.charset,
        error_detection=sip.error_detection,
        tls=tls.enabled,
        ca_file=str(tls.ca_file) if tls.ca_file else None,
        client_cert=str(tls.cert_file) if tls.cert_file else None,
        client_key=str(tls.key_file) if tls.key_file else None,
        verify=tls.verify,
        timeout=sip.timeout_s,
        retries=sip.retries,
        pool_size=sip.pool_size,
        keepalive=sip.keepalive_s,
        terminator=b"\r\n" if sip.terminator == "crlf" else b"\r",
    )


def _state_path(config: KioskConfig, explicit: Path | None, name: str) -> Path:
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


def _card_reader(config: KioskConfig) -> CardReader | None:
    settings = config.hardware.card_reader
    if settings.type == "pcsc":
        return PcscCardReader(settings.reader_pattern)
    if settings.type == "simulated":
        return SimulatedCardReader()
    return None


def _scanner(config: KioskConfig) -> BarcodeScanner | None:
    settings = config.hardware.scanner
    terminator = settings.terminator.upper()
    if settings.type == "serial" and settings.port:
        return SerialBarcodeScanner(
            settings.port,
            baudrate=settings.baudrate,
            terminator=terminator,  # type: ignore[arg-type]
        )
    if settings.type == "hid":
        return HidBarcodeScanner(settings.device, layout=settings.keyboard_layout)
    if settings.type == "simulated":
        return SimulatedBarcodeScanner()
    return None


def _printer(config: KioskConfig) -> ReceiptPrinter | None:
    settings = config.hardware.printer
    address = settings.address or ""
    url = {
        "escpos-network": f"tcp://{address}",
        "escpos-usb": f"usb://{address}",
        "escpos-serial": f"serial://{address}?baudrate={settings.baudrate}",
        "file": f"usb://{address}",
        "simulated": f"sim:{address}" if address else "sim:",
    }.get(settings.type)
    if url is None:
        return None
    return printer_from_url(url, code_pages=[settings.code_page])


def _receipt_sender(config: KioskConfig) -> ReceiptSender | None:
    smtp = config.policy.receipt.email
    if smtp is None:
        return None
    password = smtp.password.get_secret_value() if smtp.password else None
    if password is None and smtp.password_file is not None:
        password = Path(smtp.password_file).read_text(encoding="utf-8").strip()
    return SmtpReceiptSender(
        host=smtp.host,
        port=smtp.port,
        sender=smtp.sender,
        starttls=smtp.starttls,
        username=smtp.username,
        password=password,
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
        acs = None
        host = port = None
        if config.ils.embedded.enabled:
            acs = await _start_embedded_acs(config, stack)
            host, port = acs.host, acs.port
        if config.ils.backend != "sip2":
            raise NotImplementedError(
                f"library-system backend {config.ils.backend!r} has no adapter yet; use sip2"
            )
        settings = kiosk_settings(config)
        if acs is not None:
            names = {**branch_directory(acs.model), **settings.branch_names}
            settings = dataclasses.replace(settings, branch_names=names)
        dialect = config.ils.sip2.dialect
        ils = SIP2LibrarySystem(
            sip2_client_settings(config, host=host, port=port),
            branch_names=settings.branch_names,
            options=SIP2Options(
                use_patron_information_for_status=dialect.use_patron_information_for_status,
                send_end_session=dialect.send_end_session,
                nb_due_date=dialect.nb_due_date,
            ),
        )
        await stack.enter_async_context(ils)

        simulator = None
        rfid = config.hardware.rfid
        if rfid.type == "simulated":
            simulator = stack.enter_context(FeigSimulator(timing=simulator_timing))
            reader: RfidReader = FeigReader(simulator.port)
        else:
            if not rfid.port:
                raise ValueError("hardware.rfid.port is required for a FEIG reader")
            reader = FeigReader(
                rfid.port,
                baudrate=rfid.baudrate,
                parity=_PARITY[rfid.parity],
                com_adr=rfid.bus_address,
            )
        await stack.enter_async_context(reader)

        # A card reader, scanner or printer that cannot be opened is not fatal: the kiosk still
        # lends and takes back (RFID library cards, typed card numbers, no paper receipt), and
        # the failure is logged and reported in ``RunningKiosk.device_errors`` for staff.
        device_errors: dict[str, str] = {}

        async def opened(name: str, device: Any) -> Any:
            if device is None:
                return None
            try:
                await device.open()
            except Exception as error:  # each driver has its own error types
                log.warning("%s not available: %s", name, error)
                device_errors[name] = str(error)
                return None
            stack.push_async_callback(device.close)
            return device

        card_reader = await opened("card reader", _card_reader(config))
        scanner = await opened("scanner", _scanner(config))
        printer = await opened("printer", _printer(config))

        journal = Journal(_state_path(config, config.kiosk.journal_path, "journal.db"))
        stack.callback(journal.close)
        statistics = Statistics(_state_path(config, config.kiosk.statistics_path, "statistics.db"))
        stack.callback(statistics.close)
        offline = OfflinePolicy.from_values(
            config.policy.offline.mode,
            config.policy.offline.max_loans_per_patron,
            config.policy.offline.max_loans_per_session,
        )
        kiosk = Kiosk(
            ils=ils,
            reader=reader,
            settings=settings,
            journal=journal,
            offline_policy=offline,
            statistics=statistics,
            card_reader=card_reader,
            scanner=scanner,
            printer=printer,
            receipt_sender=_receipt_sender(config),
            replay_interval_s=replay_interval_s,
        )
        report = None
        if run_recovery and kiosk.security is not None:
            report = await recover(journal, ils, kiosk.security)
            if not report.complete:
                log.warning("start-up recovery left work for later: %s", report)
        await stack.enter_async_context(kiosk)
        yield RunningKiosk(
            config=config,
            kiosk=kiosk,
            ils=ils,
            reader=reader,
            journal=journal,
            statistics=statistics,
            recovery=report,
            acs=acs,
            simulator=simulator,
            card_reader=card_reader,
            scanner=scanner,
            printer=printer,
            device_errors=device_errors,
        )
