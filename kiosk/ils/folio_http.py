"""FOLIO over HTTP: the tenant, the login and its token refresh, timeouts, retries and errors.

Why one place: every FOLIO call needs the same headers (``x-okapi-tenant``, ``x-okapi-token``),
the same reaction to an expired token (refresh with the ``folioRefreshToken`` cookie, else log
in again, then send the request once more: a 401 means it was refused unread) and the same
mapping of transport failures to the port's errors:

=========================================  =======================================================
what happened                              raised
=========================================  =======================================================
could not connect, TLS failure, login      :class:`LibrarySystemUnavailable`
refused, 503 (gateway: module down)
a read (GET) timed out or got 5xx          retried ``retries`` times, then ``Unavailable``
a change (POST) was sent, no answer        :class:`OutcomeUnknown` -- never re-sent here; the
(timeout, connection closed, 500/502/504)  adapter finds out what happened first
an answer that is not what FOLIO sends     :class:`LibrarySystemProtocolError`
=========================================  =======================================================

A change is only re-sent when it certainly never left (the connection could not be opened).

Privacy: request bodies (PINs, passwords) and query strings (card numbers) are never logged;
log lines carry the method, the path and the status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

import httpx

from kiosk.ils.port import LibrarySystemProtocolError, LibrarySystemUnavailable, OutcomeUnknown

__all__ = ["FolioConnection", "FolioConnectionSettings", "FolioResponse"]

log = logging.getLogger(__name__)

# httpx logs every request URL at INFO, and FOLIO's queries carry card numbers
# (``barcode=="2150000001"``): keep those lines out of the kiosk's log.
logging.getLogger("httpx").setLevel(logging.WARNING)

#: Statuses after which a change may or may not have been carried out.
_UNKNOWN_AFTER = frozenset({500, 502, 504})
#: Statuses a read is retried after (the gateway or a module is briefly away).
_RETRY_AFTER = frozenset({500, 502, 503, 504})

#: Failures before the request left: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
#: Failures after the request may have arrived.
_MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FolioConnectionSettings:
    """Where FOLIO is and how to log in. ``verify``: True, False or a CA bundle path;
    ``client_cert``: a PEM file (certificate and key) or a (certificate, key) pair."""

    base_url: str
    tenant: str
    username: str
    password: str = field(repr=False)
    timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    retries: int = 2
    verify: bool | str = True
    client_cert: str | tuple[str, str] | None = None
    #: Refresh the access token when it expires within this many seconds.
    refresh_margin_s: float = 30.0


@dataclass(frozen=True, slots=True)
class FolioResponse:
    """An answer FOLIO gave (any status); ``data`` is the parsed JSON body, if it had one."""

    status: int
    data: Any
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error_messages(self) -> tuple[str, ...]:
        """The ``errors[].message`` texts of a 422 (FOLIO's refusal), else the plain text."""
        if isinstance(self.data, Mapping):
            errors = self.data.get("errors")
            if isinstance(errors, list):
                found = tuple(
                    str(e.get("message")).strip()
                    for e in errors
                    if isinstance(e, Mapping) and e.get("message")
                )
                if found:
                    return found
        text = self.text.strip()
        return (text[:200],) if text else ()


@dataclass(slots=True)
class _Session:
    access: str
    refresh: str | None
    access_expires: float | None  # monotonic seconds; None: unknown (never expires by itself)


def _expiry(text: Any) -> float | None:
    """An ISO expiry from the login answer as a monotonic deadline."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    remaining = moment.timestamp() - time.time()
    return time.monotonic() + remaining


def _cookies(response: httpx.Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        try:
            jar.load(header)
        except CookieError:
            continue
    return {name: morsel.value for name, morsel in jar.items()}


class FolioConnection:
    """One logged-in HTTP client for one tenant. Safe to share between tasks."""

    def __init__(
        self,
        settings: FolioConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._session: _Session | None = None
        self._auth_lock = asyncio.Lock()
        self.online = False
        self.last_latency: float | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def _make_client(self) -> httpx.AsyncClient:
        s = self.settings
        verify: bool | ssl.SSLContext | str = s.verify
        if isinstance(s.verify, str) or s.client_cert is not None:
            context = ssl.create_default_context(
                cafile=s.verify if isinstance(s.verify, str) else None
            )
            if s.verify is False:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if s.client_cert is not None:
                cert, key = (
                    s.client_cert if isinstance(s.client_cert, tuple) else (s.client_cert, None)
                )
                context.load_cert_chain(cert, key)
            verify = context
        return httpx.AsyncClient(
            base_url=s.base_url,
            timeout=httpx.Timeout(s.timeout_s, connect=s.connect_timeout_s),
            verify=verify,
            transport=self._transport,
            headers={"x-okapi-tenant": s.tenant, "accept": "application/json, text/plain"},
            follow_redirects=False,
        )

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        session, self._session = self._session, None
        if client is None:
            return
        if session is not None and session.refresh:
            # Revoke the refresh token; a FOLIO that cannot be reached lets it expire anyway.
            with contextlib.suppress(httpx.HTTPError):
                await client.post(
                    "/authn/logout", headers={"cookie": f"folioRefreshToken={session.refresh}"}
                )
        await client.aclose()
        self.online = False

    # -- authentication ----------------------------------------------------------------------------

    async def _login(self) -> _Session:
        """``POST /authn/login-with-expiry`` (FOLIO Poppy and later); the legacy
        ``/authn/login`` when a FOLIO answers 404 to that."""
        credentials = {"username": self.settings.username, "password": self.settings.password}
        try:
            response = await self._http().post("/authn/login-with-expiry", json=credentials)
            if response.status_code == 404:
                response = await self._http().post("/authn/login", json=credentials)
        except (*_NOT_SENT, *_MAYBE_SENT) as error:
            self.online = False
            raise LibrarySystemUnavailable(f"cannot reach FOLIO to log in: {_why(error)}") from None
        except httpx.HTTPError as error:
            self.online = False
            raise LibrarySystemUnavailable(f"FOLIO login failed: {_why(error)}") from None
        if response.status_code in (400, 401, 403, 422):
            self.online = False
            answer = FolioResponse(response.status_code, _json(response), response.text)
            reason = "; ".join(answer.error_messages()) or f"status {response.status_code}"
            raise LibrarySystemUnavailable(f"login refused: {reason}")
        if response.status_code >= 500:
            self.online = False
            raise LibrarySystemUnavailable(f"FOLIO login failed with {response.status_code}")
        if response.status_code not in (200, 201):
            raise LibrarySystemProtocolError(f"FOLIO login answered {response.status_code}")
        cookies = _cookies(response)
        body = _json(response)
        access = (
            cookies.get("folioAccessToken")
            or response.headers.get("x-okapi-token")
            or (body.get("accessToken") if isinstance(body, Mapping) else None)
            or (body.get("okapiToken") if isinstance(body, Mapping) else None)
        )
        if not access:
            raise LibrarySystemProtocolError("FOLIO login answered without an access token")
        expires = _expiry(body.get("accessTokenExpiration")) if isinstance(body, Mapping) else None
        log.info("logged in to FOLIO tenant %s", self.settings.tenant)
        return _Session(str(access), cookies.get("folioRefreshToken"), expires)

    async def _refresh(self, session: _Session) -> _Session:
        """``POST /authn/refresh`` with the refresh cookie; a new login when that fails."""
        if session.refresh:
            try:
                response = await self._http().post(
                    "/authn/refresh", headers={"cookie": f"folioRefreshToken={session.refresh}"}
                )
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code in (200, 201):
                cookies = _cookies(response)
                body = _json(response)
                access = cookies.get("folioAccessToken")
                if access:
                    expires = (
                        _expiry(body.get("accessTokenExpiration"))
                        if isinstance(body, Mapping)
                        else None
                    )
                    log.debug("FOLIO access token refreshed")
                    return _Session(access, cookies.get("folioRefreshToken"), expires)
        return await self._login()

    async def _token(self, *, stale: str | None = None) -> str:
        """A valid access token: logs in, refreshes one that is about to expire, or replaces
        ``stale`` (a token FOLIO just refused)."""
        async with self._auth_lock:
            session = self._session
            if session is None:
                session = await self._login()
            elif (stale is not None and session.access == stale) or (
                session.access_expires is not None
                and session.access_expires - time.monotonic() < self.settings.refresh_margin_s
            ):
                session = await self._refresh(session)
            self._session = session
            return session.access

    # -- requests ----------------------------------------------------------------------------------

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> FolioResponse:
        """A read: retried on transport failures and 5xx; raises when FOLIO stays away."""
        return await self._request("GET", path, params=params, changes=False)

    async def post(
        self, path: str, body: Mapping[str, Any], *, changes: bool = True
    ) -> FolioResponse:
        """A POST. ``changes``: it changes circulation, so an unanswered one is
        :class:`OutcomeUnknown` and is never re-sent once it may have arrived."""
        return await self._request("POST", path, json=body, changes=changes)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        changes: bool,
    ) -> FolioResponse:
        attempts = self.settings.retries + 1
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            token = await self._token()
            started = time.monotonic()
            try:
                response = await self._http().request(
                    method, path, params=params, json=json, headers={"x-okapi-token": token}
                )
            except _NOT_SENT as error:
                if attempt < attempts:
                    await _backoff(attempt)
                    continue
                self.online = False
                raise LibrarySystemUnavailable(f"cannot reach FOLIO: {_why(error)}") from None
            except _MAYBE_SENT as error:
                if not changes and attempt < attempts:
                    await _backoff(attempt)
                    continue
                self.online = False
                kind = OutcomeUnknown if changes else LibrarySystemUnavailable
                raise kind(f"no answer from FOLIO to {method} {path}: {_why(error)}") from None
            except httpx.HTTPError as error:
                self.online = False
                raise LibrarySystemUnavailable(f"FOLIO request failed: {_why(error)}") from None
            self.last_latency = time.monotonic() - started
            status = response.status_code
            log.debug("FOLIO %s %s -> %d", method, path, status)
            if status == 401 and not reauthenticated:
                reauthenticated = True  # refused unread: safe to send again with a new token
                await self._token(stale=token)
                attempt -= 1
                continue
            if status in _UNKNOWN_AFTER and changes:
                self.online = False
                raise OutcomeUnknown(f"FOLIO answered {status} to {method} {path}")
            if status in _RETRY_AFTER:
                if not changes and attempt < attempts:
                    await _backoff(attempt)
                    continue
                self.online = False
                raise LibrarySystemUnavailable(f"FOLIO answered {status} to {method} {path}")
            if status == 401:
                self.online = False
                raise LibrarySystemUnavailable(f"FOLIO refuses the kiosk's login for {path}")
            self.online = True
            return FolioResponse(status, _json(response), response.text)


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _why(error: Exception) -> str:
    return str(error) or type(error).__name__


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
