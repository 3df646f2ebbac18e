"""The staff console's web application (Starlette, Jinja2 templates, files shipped in the package).

Pages: status (refreshes itself), reconciliation, statistics with charts and CSV, configuration
(admin level), devices (reader test, printer test page, restart). Every page and every form
post needs a login; every post needs the session's CSRF token; configuration needs the admin
level. Responses carry a strict Content-Security-Policy: the page loads scripts and styles from
the console only (there is no CDN), and no page may be framed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import python_multipart  # noqa: F401 - Starlette reads form posts with it; missing: fail at start
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.config import ConfigError, effective_values, load_layered
from kiosk.config.editing import edit_config
from kiosk.core.model import PrintProblem, TagKind

from .auth import Level, LoginOutcome, Logins, Session, Sessions, same_token
from .bridge import KioskBridge, run_blocking
from .figures import ACTIONS, CHART_DIMENSIONS, bar_chart, figures_for, parse_period, period_csv
from .settings_form import changes_from_form, form_fields

__all__ = ["SESSION_COOKIE", "create_app"]

log = logging.getLogger(__name__)

SESSION_COOKIE = "kiosk_console"
LOGIN_COOKIE = "kiosk_console_login"
_STATIC = Path(__file__).parent / "static"
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Handler = Callable[[Request], Awaitable[Response]]


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(
    bridge: KioskBridge,
    logins: Logins,
    sessions: Sessions,
    *,
    secure_cookies: bool,
) -> Starlette:
    """The console for the kiosk behind ``bridge``."""
    templates = Environment(
        loader=PackageLoader("kiosk.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    target = bridge.target

    def page(request: Request, name: str, session: Session | None, **context: Any) -> Response:
        status_code = context.pop("status_code", 200)
        notice = ""
        if session is not None:
            notice, session.notice = session.notice, ""
        html = templates.get_template(name).render(
            request=request,
            session=session,
            admin=session is not None and session.level >= Level.ADMIN,
            kiosk=target.config.kiosk,
            kind=target.kind,
            notice=notice,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def session_of(request: Request) -> Session | None:
        return sessions.get(request.cookies.get(SESSION_COOKIE))

    def needs(
        level: Level,
    ) -> Callable[[Callable[[Request, Session], Awaitable[Response]]], Handler]:
        """A route for logged-in users of ``level`` or higher; posts also need the CSRF token."""

        def wrap(handler: Callable[[Request, Session], Awaitable[Response]]) -> Handler:
            async def route(request: Request) -> Response:
                session = session_of(request)
                if session is None:
                    if request.method == "GET" and not request.url.path.endswith(".json"):
                        return RedirectResponse("/login", status_code=303)
                    return PlainTextResponse("log in first", status_code=401)
                if session.level < level:
                    return page(
                        request, "refused.html", session, status_code=403,
                        reason="This page needs a login with the admin level.",
                    )  # fmt: skip
                if request.method == "POST":
                    form = await request.form()
                    if not same_token(_text(form, "csrf"), session.csrf):
                        return PlainTextResponse("form expired; reload the page", status_code=403)
                    request.state.form = form
                return await handler(request, session)

            return route

        return wrap

    # ------------------------------------------------------------------------------- login

    async def login_page(request: Request) -> Response:
        if session_of(request) is not None:
            return RedirectResponse("/status", status_code=303)
        return _login_form(request, page, secure_cookies)

    async def login(request: Request) -> Response:
        form = await request.form()
        if not same_token(_text(form, "csrf"), request.cookies.get(LOGIN_COOKIE)):
            return _login_form(request, page, secure_cookies, "The form expired; try again.", 403)
        name, password = _text(form, "name").strip(), _text(form, "password")
        address = request.client.host if request.client else "unknown"
        outcome, user = await run_blocking(logins.check, name, password, address)
        if outcome is LoginOutcome.ACCEPTED and user is not None:
            session = sessions.start(user)
            log.info("console login", extra={"fields": {"user": user.name, "from": address}})
            response = RedirectResponse("/status", status_code=303)
            response.set_cookie(
                SESSION_COOKIE, session.token, httponly=True, samesite="strict",
                secure=secure_cookies, path="/",
            )  # fmt: skip
            response.delete_cookie(LOGIN_COOKIE, path="/")
            return response
        log.warning(
            "console login refused", extra={"fields": {"outcome": outcome.value, "from": address}}
        )
        message = {
            LoginOutcome.WRONG: "Wrong name or password.",
            LoginOutcome.LOCKED: "This login is locked after too many wrong passwords; "
            "try again later.",
            LoginOutcome.THROTTLED: "Too many wrong logins from this computer; wait a minute.",
        }[outcome]
        status = 429 if outcome is LoginOutcome.THROTTLED else 401
        return _login_form(request, page, secure_cookies, message, status)

    @needs(Level.STAFF)
    async def logout(request: Request, session: Session) -> Response:
        sessions.end(session.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # ------------------------------------------------------------------------------ status

    async def home(request: Request) -> Response:
        return RedirectResponse("/status", status_code=303)

    @needs(Level.STAFF)
    async def status(request: Request, session: Session) -> Response:
        view = await bridge.status()
        return page(request, "status.html", session, view=view, tab="status")

    @needs(Level.STAFF)
    async def status_part(request: Request, session: Session) -> Response:
        """The status page's live part, for console.js to swap in every few seconds."""
        view = await bridge.status()
        html = templates.get_template("status_part.html").render(view=view, kind=target.kind)
        return JSONResponse({"html": html, "overall": view.overall})

    # ---------------------------------------------------------------------- reconciliation

    @needs(Level.STAFF)
    async def reconciliation(request: Request, session: Session) -> Response:
        view = await bridge.status()
        return page(
            request, "reconciliation.html", session, lines=view.staff.reconciliation,
            tab="reconciliation",
        )  # fmt: skip

    @needs(Level.STAFF)
    async def resolve(request: Request, session: Session) -> Response:
        entry_id = request.path_params["entry_id"]
        note = _text(request.state.form, "note").strip()[:500]
        known = {line.entry_id for line in (await bridge.status()).staff.reconciliation}
        if entry_id not in known:
            session.notice = "That entry is no longer on the list."
        else:
            await bridge.resolve(entry_id, f"{note} ({session.user}, console)".strip())
            log.info("console: entry resolved", extra={"fields": {"user": session.user}})
            session.notice = "Entry resolved."
        return RedirectResponse("/reconciliation", status_code=303)

    # -------------------------------------------------------------------------- statistics

    @needs(Level.STAFF)
    async def statistics(request: Request, session: Session) -> Response:
        try:
            start, end = _asked_period(request)
        except ValueError as exc:
            start, end = parse_period(None, None, date.today())
            session.notice = f"Period not understood: {exc}."
        found = await run_blocking(figures_for, bridge.statistics(), start, end)
        charts = [
            (CHART_DIMENSIONS[dim], bar_chart(fig, CHART_DIMENSIONS[dim]), fig)
            for dim, fig in found.items()
        ]
        totals = found["library"].total
        return page(
            request, "statistics.html", session, charts=charts, start=start, end=end,
            totals=totals, actions=ACTIONS, tab="statistics",
        )  # fmt: skip

    @needs(Level.STAFF)
    async def statistics_csv(request: Request, session: Session) -> Response:
        try:
            start, end = _asked_period(request)
        except ValueError as exc:
            return PlainTextResponse(f"period: {exc}", status_code=400)
        text = await run_blocking(period_csv, bridge.statistics(), start, end)
        name = f"{target.config.kiosk.id}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # ----------------------------------------------------------------------- configuration

    def _current() -> tuple[Any, dict[Any, str]]:
        path = target.config_path
        if path is None:
            return target.config, {}
        return load_layered(path, check_files=False)

    @needs(Level.ADMIN)
    async def configuration(request: Request, session: Session) -> Response:
        try:
            config, origins = await run_blocking(_current)
        except ConfigError as exc:
            return page(
                request, "configuration.html", session, fields=[], values=[],
                problems=[str(issue) for issue in exc.issues], errors={}, tab="configuration",
                editable=False, path=target.config_path,
            )  # fmt: skip
        return page(
            request, "configuration.html", session, fields=form_fields(config),
            values=effective_values(config, origins), problems=[], errors={},
            tab="configuration", editable=target.config_path is not None,
            path=target.config_path,
        )  # fmt: skip

    @needs(Level.ADMIN)
    async def save_configuration(request: Request, session: Session) -> Response:
        path = target.config_path
        if path is None:
            return PlainTextResponse("this kiosk's settings come from no file", status_code=409)
        form = request.state.form
        config, origins = await run_blocking(_current)
        posted = {key: _values(form, key) for key in form}
        changes = changes_from_form(config, posted)
        try:
            result = await run_blocking(
                lambda: edit_config(path, changes, who=f"{session.user} (console)")
            )
        except ConfigError as exc:
            errors: dict[str, list[str]] = {}
            for issue in exc.issues:
                errors.setdefault(issue.key, []).append(
                    f"got {issue.value}; expected {issue.expected}"
                )
            fields = form_fields(config)
            shown = {f.key: _shown_value(f.kind, posted.get(f.name)) for f in fields}
            return page(
                request, "configuration.html", session, fields=fields,
                values=effective_values(config, origins), errors=errors,
                problems=[f"{issue.key}: got {issue.value}; expected {issue.expected}"
                          for issue in exc.issues],
                posted=shown, tab="configuration", editable=True, path=path, status_code=422,
            )  # fmt: skip
        if result.changed:
            log.info(
                "console: configuration saved",
                extra={"fields": {"user": session.user, "keys": ",".join(result.changed)}},
            )
            session.notice = (
                f"Saved ({', '.join(result.changed)}). The {target.kind} uses the new settings "
                "after a restart."
            )
        else:
            session.notice = "Nothing changed."
        return RedirectResponse("/configuration", status_code=303)

    # ----------------------------------------------------------------------------- devices

    @needs(Level.STAFF)
    async def devices(request: Request, session: Session) -> Response:
        readings = await bridge.reader_test()
        return page(
            request, "devices.html", session, readings=readings, TagKind=TagKind,
            restart=target.restart is not None, tab="devices",
        )  # fmt: skip

    @needs(Level.STAFF)
    async def print_test(request: Request, session: Session) -> Response:
        outcome = await bridge.print_test()
        if outcome.printed:
            session.notice = "Test page printed."
        elif outcome.problem is PrintProblem.NO_PRINTER:
            session.notice = f"This {target.kind} has no printer."
        else:
            session.notice = f"The test page was not printed: {outcome.detail or 'printer error'}."
        return RedirectResponse("/devices", status_code=303)

    @needs(Level.STAFF)
    async def restart(request: Request, session: Session) -> Response:
        if not bridge.restart():
            session.notice = f"This {target.kind} cannot be restarted from the console."
            return RedirectResponse("/devices", status_code=303)
        log.warning("console: restart requested", extra={"fields": {"user": session.user}})
        return page(request, "restarting.html", None, kind_name=target.kind)

    routes = [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/status", status),
        Route("/status.json", status_part),
        Route("/reconciliation", reconciliation),
        Route("/reconciliation/{entry_id}/resolve", resolve, methods=["POST"]),
        Route("/statistics", statistics),
        Route("/statistics.csv", statistics_csv),
        Route("/configuration", configuration, methods=["GET"]),
        Route("/configuration", save_configuration, methods=["POST"]),
        Route("/devices", devices),
        Route("/devices/print-test", print_test, methods=["POST"]),
        Route("/restart", restart, methods=["POST"]),
        Mount("/static", StaticFiles(directory=_STATIC), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_SecurityHeaders)])


def _login_form(
    request: Request,
    page: Callable[..., Response],
    secure: bool,
    message: str = "",
    status_code: int = 200,
) -> Response:
    import secrets

    token = secrets.token_urlsafe(32)
    response = page(
        request, "login.html", None, csrf=token, message=message, status_code=status_code
    )
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )
    return response


def _asked_period(request: Request) -> tuple[date, date]:
    """The statistics period of the page's ?from=&to= (ValueError when not understood)."""
    params = request.query_params
    return parse_period(params.get("from"), params.get("to"), date.today())


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _values(form: FormData, name: str) -> Any:
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    return values if len(values) != 1 else values[0]


def _shown_value(kind: str, raw: Any) -> Any:
    """What a refused form shows again: what the person typed, not the old value."""
    if kind == "choices":
        return raw if isinstance(raw, list) else ([raw] if raw else [])
    if kind == "bool":
        return raw in ("on", "true", "1")
    return raw if raw is not None else ""
