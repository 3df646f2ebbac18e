"""Settings that are valid but risky: ``kiosk config check`` prints them as warnings.

Why not errors: each has a legitimate use (a test library system on the same host, a demo with
its password in the file), but in a branch they usually mean patron data or a password is less
protected than the person who wrote the config thinks.
"""

from __future__ import annotations

import ipaddress

from .model import KioskConfig

__all__ = ["config_warnings"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def config_warnings(config: KioskConfig) -> list[str]:
    """One line per risky setting, naming the key and what to do instead."""
    found: list[str] = []
    ils = config.ils
    remote_sip2 = ils.backend == "sip2" and not ils.embedded.enabled
    if remote_sip2:
        sip = ils.sip2
        if not sip.tls.enabled and not _is_loopback(sip.host):
            found.append(
                f"ils.sip2.tls.enabled: false for {sip.host}: PINs and patron data cross the "
                "network in clear text; enable TLS or use a VPN/stunnel on 127.0.0.1"
            )
        if sip.tls.enabled and not sip.tls.verify:
            found.append(
                "ils.sip2.tls.verify: false: any server can pose as the library system; "
                "set ca_file instead"
            )
        if sip.password is not None and sip.password_file is None:
            found.append(
                "ils.sip2.password: written in the config file; prefer password_file (chmod 600)"
            )
    if ils.backend == "folio" and ils.folio is not None:
        if ils.folio.base_url.startswith("http://") and not _is_loopback(
            ils.folio.base_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
        ):
            found.append("ils.folio.base_url: http:// sends the password in clear text; use https")
        if ils.folio.password is not None and ils.folio.password_file is None:
            found.append("ils.folio.password: written in the config file; prefer password_file")
    ui = config.ui
    if ui.staff_code is not None and not ils.embedded.enabled:
        key = "ui.staff_code_file" if ui.staff_code_file is not None else "ui.staff_code"
        found.append(
            f"{key}: the staff code is kept in clear; store it as a salted hash instead: "
            "kiosk config set-staff-code CONFIG (writes ui.staff_code_hash)"
        )
    no_staff_access = (
        ui.staff_code is None
        and ui.staff_code_file is None
        and ui.staff_code_hash is None
        and not ui.staff_card_uids
    )
    if no_staff_access and config.kiosk.mode == "checkout":
        found.append(
            "ui: no staff_code and no staff_card_uids: staff cannot open staff mode "
            "(set a code with kiosk config set-staff-code CONFIG)"
        )
    console = config.console
    if console.enabled:
        if not _is_loopback(console.host) and not console.tls:
            found.append(
                f"console.host: {console.host} without TLS: staff passwords and patron data "
                "cross the network in clear text; set console.cert_file (and key_file) or keep "
                "127.0.0.1"
            )
        if not console.users:
            found.append(
                "console.users: none, so nobody can log in to the staff console; add one: "
                "kiosk config set-console-password CONFIG NAME --level admin"
            )
    if config.health.enabled and not _is_loopback(config.health.host):
        found.append(
            f"health.host: {config.health.host}: /metrics and /healthz are open to the network; "
            "keep 127.0.0.1 and let a node agent or reverse proxy expose them"
        )
    return found
