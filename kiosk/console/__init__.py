"""The staff console: the kiosk's status, reconciliation, statistics, configuration and device
tests in a browser, served by the kiosk itself on a thread of its own.

Public surface::

    from kiosk.console import ConsoleTarget, StaffConsole

    target = ConsoleTarget(config, loop, running.kiosk.staff_desk, config_path=path,
                           metrics=runtime.metrics, restart=ask_the_kiosk_to_restart)
    console = StaffConsole(target).start()     # [console] host, port, TLS, users
    ...
    console.stop()

Pages: ``/status`` (live), ``/reconciliation``, ``/statistics`` (charts, ``.csv``),
``/configuration`` (admin level), ``/devices`` (reader test, printer test page, restart).
See :mod:`kiosk.console.auth` for logins, sessions, CSRF and the guessing limits, and
:mod:`kiosk.console.bridge` for how the console's thread reaches the kiosk's loop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.config import ConsoleSettings
from kiosk.lockout import GuessGuard

from .auth import Level, Logins, Sessions, User
from .bridge import ConsoleTarget, KioskBridge, RecentProblems
from .server import ConsoleServer

__all__ = ["LOCKOUT_FILE", "ConsoleTarget", "StaffConsole", "serve_console"]

log = logging.getLogger(__name__)

#: The state directory's lockout file (shared with the staff code; kiosk.assembly names it too).
LOCKOUT_FILE = "lockouts.db"


class StaffConsole:
    """One console for one running kiosk or return station."""

    def __init__(self, target: ConsoleTarget, settings: ConsoleSettings | None = None) -> None:
        self.target = target
        self.settings = settings or target.config.console
        self.problems = RecentProblems()
        self.bridge = KioskBridge(target, self.problems)
        self.server: ConsoleServer | None = None

    def start(self) -> StaffConsole:
        """Serve the console (raises OSError when it cannot listen)."""
        from .app import create_app

        settings = self.settings
        users = {
            name: User(name, Level.named(user.level), user.password_hash.get_secret_value())
            for name, user in settings.users.items()
        }
        state_dir = Path(self.target.config.kiosk.state_dir).expanduser()
        state_dir.mkdir(parents=True, exist_ok=True)
        guard = GuessGuard(
            state_dir / LOCKOUT_FILE,
            kind="console",
            attempts=settings.login_attempts,
            lockout_s=settings.login_lockout_minutes * 60,
        )
        app = create_app(
            self.bridge,
            Logins(users, guard),
            Sessions(settings.session_minutes * 60),
            secure_cookies=settings.tls,
        )
        server = ConsoleServer(
            app,
            settings.host,
            settings.port,
            cert_file=settings.cert_file,
            key_file=settings.key_file,
        )
        logging.getLogger().addHandler(self.problems)
        try:
            self.server = server.start()
        except OSError:
            logging.getLogger().removeHandler(self.problems)
            raise
        log.info("staff console on %s (%d logins)", server.url, len(users))
        return self

    @property
    def url(self) -> str:
        return self.server.url if self.server is not None else ""

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        logging.getLogger().removeHandler(self.problems)
        self.bridge.close()


def serve_console(target: ConsoleTarget) -> StaffConsole | None:
    """The console the config asks for, started; None when ``[console]`` is off or has no
    logins, or when it cannot listen (logged: the kiosk serves patrons without its console)."""
    settings = target.config.console
    if not settings.enabled:
        return None
    if not settings.users:
        log.warning(
            "staff console enabled without logins; add one with "
            "kiosk config set-console-password CONFIG NAME --level admin"
        )
        return None
    try:
        return StaffConsole(target).start()
    except OSError as error:
        log.error("staff console not started: %s", error)
        return None
