"""The kiosk's typed configuration (TOML file + ``KIOSK__...`` environment overrides).

Public surface::

    from kiosk.config import KioskConfig, load_config, ConfigError, DEMO_CONFIG

    config = load_config("/etc/kiosk/kiosk.toml")          # env defaults to os.environ
    config = load_config(DEMO_CONFIG, env={})               # the demo, ignoring the environment
    config.ils.sip2.host, config.ils.sip2.password.get_secret_value()
    config.policy.afi_secured, config.ui.languages, config.return_station.rules

    try:
        load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:        # every problem: source, line, key, value, expected
            print(issue)

Sections (see ``model.py`` for every key, its default and range): ``kiosk`` (identity, mode,
state paths), ``ils`` (``backend``, ``sip2`` incl. ``tls`` and ``dialect``, ``folio``,
``embedded``), ``hardware`` (``rfid``, ``card_reader``, ``scanner``, ``printer``, ``sorter``:
each table is the settings of the vendor its ``type`` names, see :mod:`kiosk.registry`),
``policy`` (``pin``, ``offline``, timeouts, ``security`` + AFI values, ``receipt``),
``ui`` (languages, ``theme``, accessibility, staff code/cards), ``return_station`` (bins,
ordered rules, exception bin), ``health`` and ``logging``.

Environment overrides: ``KIOSK__<SECTION>__<KEY>`` (case-insensitive, ``__`` between levels), e.g.
``KIOSK__ILS__SIP2__HOST=sip.example.se``; JSON for lists (``KIOSK__UI__LANGUAGES='["sv","en"]'``).
Relative paths are relative to the kiosk's own file. Fleet layers: ``extends = [...]`` at the
top of a file names the files it builds on (consortium -> library -> kiosk; later ones win);
``load_layered`` also returns where each value came from (``kiosk config show --origin``).
Secrets (``password``, ``staff_code``) are ``SecretStr``; ``*_file`` variants read them from a
file that only its owner may read; the staff code and console passwords are best kept as salted
hashes (``staff_code_hash``, ``console.users.NAME.password_hash``; kiosk.passwords).
"""

from __future__ import annotations

from pathlib import Path

from .advice import config_warnings
from .loader import ENV_PREFIX, EXTENDS, env_overrides, load_config, load_layered, validate_config
from .model import (
    Bin,
    CardReaderSettings,
    ConsoleSettings,
    ConsoleUser,
    FolioSettings,
    HardwareSettings,
    IlsSettings,
    KioskConfig,
    KioskIdentity,
    PolicySettings,
    PrinterSettings,
    ReturnStationSettings,
    RfidReaderSettings,
    ScannerSettings,
    Section,
    Sip2Settings,
    SorterSettings,
    SortingRule,
    UiSettings,
)
from .problems import ConfigError, ConfigIssue
from .render import effective_values, render_config, render_origins
from .types import LANGUAGES, SecretFileError, is_staff_code, read_secret_file, secret_text

#: ``config/demo.toml`` of the source tree: embedded library system + simulated hardware.
DEMO_CONFIG: Path = Path(__file__).resolve().parents[2] / "config" / "demo.toml"

__all__ = [
    "DEMO_CONFIG",
    "ENV_PREFIX",
    "EXTENDS",
    "LANGUAGES",
    "Bin",
    "CardReaderSettings",
    "ConfigError",
    "ConfigIssue",
    "ConsoleSettings",
    "ConsoleUser",
    "FolioSettings",
    "HardwareSettings",
    "IlsSettings",
    "KioskConfig",
    "KioskIdentity",
    "PolicySettings",
    "PrinterSettings",
    "ReturnStationSettings",
    "RfidReaderSettings",
    "ScannerSettings",
    "SecretFileError",
    "Section",
    "Sip2Settings",
    "SorterSettings",
    "SortingRule",
    "UiSettings",
    "config_warnings",
    "effective_values",
    "env_overrides",
    "is_staff_code",
    "load_config",
    "load_layered",
    "read_secret_file",
    "render_config",
    "render_origins",
    "secret_text",
    "validate_config",
]
