"""Library-system back ends: SIP2 (every library system, and the embedded one) and FOLIO's REST
API (``[ils] backend``; each back end's settings in ``[ils.<name>]``).

The two built-in back ends keep their settings models in :mod:`kiosk.config.model`
(``Sip2Settings``, ``FolioSettings``) because other parts read them too: the embedded library
system and ``kiosk sip2`` speak SIP2 whatever the back end is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.config import FolioSettings, Sip2Settings, secret_text
from kiosk.registry import LIBRARY_SYSTEMS, LibrarySystemContext

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.ils.port import LibrarySystem
    from kiosk.sip2.client import ClientSettings

__all__ = ["sip2_client_settings"]


def sip2_client_settings(
    config: KioskConfig, *, host: str | None = None, port: int | None = None
) -> ClientSettings:
    """The SIP2 client's settings from ``[ils.sip2]`` (``host``/``port`` override them)."""
    from kiosk.sip2.client import ClientSettings

    sip = config.ils.sip2
    tls = sip.tls
    return ClientSettings(
        host=host or sip.host,
        port=port or sip.port,
        user=sip.user or "",
        password=secret_text(sip.password, sip.password_file) or "",
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
        terminator=sip.terminator_bytes,
    )


def sip2_library_system(settings: Sip2Settings, context: LibrarySystemContext) -> LibrarySystem:
    from kiosk.ils.sip2 import SIP2LibrarySystem, SIP2Options

    dialect = settings.dialect
    return SIP2LibrarySystem(
        sip2_client_settings(context.config, host=context.host, port=context.port),
        branch_names=context.branch_names,
        options=SIP2Options(
            use_patron_information_for_status=dialect.use_patron_information_for_status,
            send_end_session=dialect.send_end_session,
            nb_due_date=dialect.nb_due_date,
        ),
    )


def folio_library_system(settings: FolioSettings, context: LibrarySystemContext) -> LibrarySystem:
    # Imported only when configured, so SIP2 kiosks never load the HTTP client.
    from kiosk.ils.folio import FolioLibrarySystem, FolioOptions
    from kiosk.ils.folio_http import FolioConnectionSettings

    verify: bool | str = settings.verify and (str(settings.ca_file) if settings.ca_file else True)
    cert: str | tuple[str, str] | None = None
    if settings.cert_file is not None and settings.key_file is not None:
        cert = (str(settings.cert_file), str(settings.key_file))
    elif settings.cert_file is not None:
        cert = str(settings.cert_file)
    return FolioLibrarySystem(
        FolioConnectionSettings(
            base_url=settings.base_url,
            tenant=settings.tenant,
            username=settings.username,
            password=secret_text(settings.password, settings.password_file) or "",
            timeout_s=settings.timeout_s,
            connect_timeout_s=settings.connect_timeout_s,
            retries=settings.retries,
            verify=verify,
            client_cert=cert,
        ),
        FolioOptions(
            service_point_id=str(settings.service_point_id),
            lost_card_block_codes=frozenset(settings.lost_card_block_codes),
            currency=settings.currency,
        ),
        branch_names=context.branch_names,
    )


LIBRARY_SYSTEMS.register(
    "sip2",
    Sip2Settings,
    sip2_library_system,
    "SIP2 (3M Standard Interchange Protocol 2.00)",
    example={"host": "sip.example.se", "port": 6001, "user": "kiosk-1", "password": "secret"},
)
LIBRARY_SYSTEMS.register(
    "folio",
    FolioSettings,
    folio_library_system,
    "FOLIO's REST API (Okapi or the API gateway)",
    example={
        "base_url": "https://folio.example.se",
        "tenant": "diku",
        "username": "kiosk-1",
        "password": "secret",
        "service_point_id": "3a40852d-49fd-4df2-a1f9-6e2641a6e91f",
    },
)
