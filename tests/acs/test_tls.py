"""SIP2 over TLS, as libraries run it (stunnel, FOLIO edge-sip2): the kiosk's client connects."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from kiosk import sip2
from kiosk.acs import EmbeddedACS, server_tls_context
from tests.acs.conftest import kiosk_client
from tests.acs.fixtures import checkout_request


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1")
    kiosk = ca.issue_cert("kiosk-bol-hb.example")
    files = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "acs.pem",
        "kiosk": tmp_path / "kiosk.pem",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    server.private_key_and_cert_chain_pem.write_to_path(str(files["cert"]))
    kiosk.private_key_and_cert_chain_pem.write_to_path(str(files["kiosk"]))
    return {name: str(path) for name, path in files.items()}


async def test_a_kiosk_borrows_over_tls(pki: dict[str, str]) -> None:
    async with EmbeddedACS(tls=server_tls_context(pki["cert"])) as acs:
        async with kiosk_client(acs, tls=True, ca_file=pki["ca"]) as client:
            reply = await client.request(checkout_request("3000000011"))
            assert reply.fixed["ok"]
        with pytest.raises(sip2.SIP2TLSError):  # a kiosk that does not trust the certificate
            async with kiosk_client(acs, tls=True):
                pass


async def test_client_certificates_can_be_required(pki: dict[str, str]) -> None:
    context = server_tls_context(pki["cert"], client_ca_file=pki["ca"])
    async with EmbeddedACS(tls=context) as acs:
        async with kiosk_client(acs, tls=True, ca_file=pki["ca"], client_cert=pki["kiosk"]) as c:
            assert (await c.request(sip2.SCStatus())).code == "98"
        with pytest.raises((sip2.SIP2TLSError, sip2.SIP2ConnectionError)):
            async with kiosk_client(acs, tls=True, ca_file=pki["ca"]):
                pass
