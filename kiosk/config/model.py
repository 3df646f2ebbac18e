"""The kiosk's configuration as one typed model tree.

Every section forbids unknown keys (a typo such as ``hots = ...`` must not pass silently and leave
the default in place), every value has a type and a range, and the defaults are the ones a
Nordic consortium kiosk would use, so a config file only says what differs. Secrets are
``SecretStr`` (masked in ``repr``, logs and ``kiosk config show``) and may come from files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SecretStr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from kiosk.opening import Weekday, parse_hours
from kiosk.registry import (
    CARD_READERS,
    LIBRARY_SYSTEMS,
    PRINTERS,
    RFID_READERS,
    SCANNERS,
    SORTERS,
)

from .problems import Problem, Problems
from .types import (
    LANGUAGES,
    ConfigPath,
    ConsoleUserName,
    ExistingFile,
    HexColour,
    HexUid,
    Language,
    ListenAddress,
    PasswordHash,
    Port,
    SecretFile,
    SecretFileError,
    check_files,
    is_staff_code,
    matching,
    missing_file,
    read_secret_file,
)

__all__ = [
    "Bin",
    "CardFields",
    "CardReaderSettings",
    "ConsoleSettings",
    "ConsoleUser",
    "EmbeddedSettings",
    "FolioSettings",
    "HardwareSettings",
    "HealthSettings",
    "IlsSettings",
    "KioskConfig",
    "KioskIdentity",
    "LoggingSettings",
    "OfflinePolicy",
    "PolicySettings",
    "PrinterSettings",
    "ReceiptPolicy",
    "ReturnStationSettings",
    "RfidReaderSettings",
    "ScannerSettings",
    "SecretFields",
    "Section",
    "Sip2Dialect",
    "Sip2Settings",
    "SmtpSettings",
    "SorterSettings",
    "SortingRule",
    "ThemeSettings",
    "TlsSettings",
    "UiSettings",
]


class Section(BaseModel):
    """Base of every section: unknown keys are errors, values are immutable after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _load_secret(
    model: BaseModel, info: ValidationInfo, value_field: str, file_field: str
) -> list[Problem]:
    """Fill ``value_field`` from ``file_field`` (a 0600 file); both at once is ambiguous."""
    value = getattr(model, value_field)
    path: Path | None = getattr(model, file_field)
    if path is None:
        return []
    if value is not None:
        return [Problem(file_field, str(path), f"either {value_field} or {file_field}, not both")]
    if not check_files(info):
        return []
    try:
        object.__setattr__(model, value_field, read_secret_file(path))
    except SecretFileError as exc:
        return [Problem(file_field, str(path), str(exc))]
    return []


# --------------------------------------------------------------------------------------------
# kiosk: who this kiosk is


#: An identifier such as a kiosk id, an ISIL, a branch code or a bin id.
Code = Annotated[
    str,
    matching(
        r"[A-Za-z0-9][A-Za-z0-9:/_.-]{0,31}",
        "a code of 1-32 letters, digits or : / _ . - (no spaces), e.g. 'SE-BOL'",
    ),
]


class KioskIdentity(Section):
    """Who this kiosk is: the member library and branch it stands in, and where it keeps state."""

    id: Code = Field(description="Unique name of this kiosk in the fleet (metrics label).")
    library: Code = Field(description="Member library: ISIL (e.g. 'SE-BOL') or library code.")
    library_name: str = ""
    branch: Code = Field(description="Branch code as the library system names it.")
    branch_name: str = ""
    #: Other branches of the consortium, code -> display name (for transit slips and screens).
    branch_names: dict[str, str] = {}
    location: str = Field("", description="Where in the branch, for staff: 'entrance, left'.")
    mode: Literal["checkout", "return-station"] = "checkout"
    out_of_service: bool = Field(
        False, description="Staff took the kiosk out of service: the screen says so."
    )
    opening_hours: dict[Weekday, str] = Field(
        {},
        description="When patrons are served, per weekday: '10:00-19:00' or "
        "'08:00-12:00, 13:00-20:00'; a weekday left out is closed; no table: always open.",
    )
    state_dir: ConfigPath = Path("/var/lib/kiosk")
    journal_path: ConfigPath | None = Field(
        None, description="Offline/transaction journal (SQLite); default STATE_DIR/journal.db."
    )
    statistics_path: ConfigPath | None = Field(
        None, description="Anonymous statistics (SQLite); default STATE_DIR/statistics.db."
    )

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, text in value.items():
            try:
                parse_hours(text)
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        return value

    @property
    def journal_file(self) -> Path:
        """The journal path with its default applied."""
        return self.journal_path or self.state_dir / "journal.db"

    @property
    def statistics_file(self) -> Path:
        """The statistics path with its default applied."""
        return self.statistics_path or self.state_dir / "statistics.db"


# --------------------------------------------------------------------------------------------
# ils: the library system


class TlsSettings(Section):
    """TLS to the library system (SIP2 has none of its own; stunnel or the ACS's own TLS)."""

    enabled: bool = False
    # Checked only while TLS is enabled: a kiosk with TLS off must not fail on a stale path.
    ca_file: ConfigPath | None = Field(None, description="CA bundle; default: system CAs.")
    cert_file: ConfigPath | None = Field(None, description="Client certificate (PEM).")
    key_file: ConfigPath | None = Field(None, description="Client key; default: in cert_file.")
    verify: bool = True

    @model_validator(mode="after")
    def _key_needs_cert(self, info: ValidationInfo) -> Self:
        if self.key_file is not None and self.cert_file is None:
            raise Problems(
                [Problem("cert_file", None, "a client certificate when key_file is set")]
            )
        if self.enabled and check_files(info):
            files = {"ca_file": self.ca_file, "cert_file": self.cert_file}
            files["key_file"] = self.key_file
            Problems.raise_if_any(
                [
                    Problem(key, str(path), problem)
                    for key, path in files.items()
                    if path is not None and (problem := missing_file(path)) is not None
                ]
            )
        return self


class Sip2Dialect(Section):
    """How this particular library system wants SIP2 spoken (they differ in small ways)."""

    #: Send 18 blanks for unused date fields (nb due date); strict servers refuse blanks.
    send_blank_dates: bool = True
    #: The nb-due-date field of checkouts: 18 blanks, or the transaction date.
    nb_due_date: Literal["blank", "now"] = "blank"
    #: Where the PIN (AD) goes in 11/63/29: some servers strip punctuation from the last field,
    #: so the safe default is never last.
    pin_field_position: Literal["early", "last"] = "early"
    #: Read patron status with 63 Patron Information instead of 23 Patron Status.
    use_patron_information_for_status: bool = False
    #: Send 35 End Patron Session when a session ends.
    send_end_session: bool = True
    #: Send 99 SC Status right after login (some servers drop a 99 sent before 93).
    status_after_login: bool = True


class Sip2Settings(Section):
    """A SIP2 connection to the shared library system."""

    host: str = "127.0.0.1"
    port: Port = 6001
    tls: TlsSettings = TlsSettings()
    user: str | None = Field(None, min_length=1, max_length=64, description="SIP2 login (CN).")
    password: SecretStr | None = None
    password_file: SecretFile | None = None
    location_code: str = Field("", max_length=64, description="Login location (CP).")
    institution_id: str = Field("", max_length=64, description="Institution id (AO).")
    charset: Literal["cp850", "iso-8859-1", "utf-8", "ascii"] = "utf-8"
    error_detection: bool = True
    terminator: Literal["cr", "crlf"] = "cr"
    pool_size: int = Field(1, ge=1, le=16)
    timeout_s: float = Field(10.0, gt=0, le=300)
    retries: int = Field(3, ge=0, le=9)
    keepalive_s: float = Field(
        45.0, ge=0, le=3600, description="Send SC status when idle this long; 0 = never."
    )
    dialect: Sip2Dialect = Sip2Dialect()

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value or any(c.isspace() for c in value) or "/" in value:
            raise ValueError(
                "a host name or IP address (no scheme, no path), e.g. 'sip.example.se'"
            )
        return value

    @model_validator(mode="after")
    def _secrets(self, info: ValidationInfo) -> Self:
        Problems.raise_if_any(_load_secret(self, info, "password", "password_file"))
        return self

    @property
    def terminator_bytes(self) -> bytes:
        return b"\r\n" if self.terminator == "crlf" else b"\r"


class FolioSettings(Section):
    """FOLIO's REST API (mod-circulation and friends through Okapi or the API gateway).

    The kiosk logs in as ``username`` (a FOLIO user with the circulation permissions a
    self-check needs) and lends and takes back at ``service_point_id``, whose code should be the
    kiosk's ``[kiosk] branch`` (check-in destinations are reported by service point code).
    """

    base_url: str
    tenant: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1)
    password: SecretStr | None = None
    password_file: SecretFile | None = None
    service_point_id: UUID
    timeout_s: float = Field(10.0, gt=0, le=300, description="Per request, waiting for FOLIO.")
    connect_timeout_s: float = Field(5.0, gt=0, le=60)
    retries: int = Field(
        2, ge=0, le=9, description="Re-sends of reads; a check-out is never re-sent blindly."
    )
    ca_file: ExistingFile | None = Field(None, description="CA bundle; default: system CAs.")
    cert_file: ExistingFile | None = Field(None, description="Client certificate (PEM).")
    key_file: ExistingFile | None = Field(None, description="Client key; default: in cert_file.")
    verify: bool = True
    #: Manual patron block template codes that mean "card reported lost" (refused at once).
    lost_card_block_codes: list[str] = ["LOST-CARD"]
    #: The currency of fees; default: the tenant's locale settings.
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an http:// or https:// URL, e.g. 'https://folio.example.se'")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secrets(self, info: ValidationInfo) -> Self:
        problems = _load_secret(self, info, "password", "password_file")
        if self.password is None and self.password_file is None:
            problems.append(Problem("password", None, "a password or a password_file"))
        if self.key_file is not None and self.cert_file is None:
            problems.append(Problem("cert_file", None, "a client certificate when key_file is set"))
        if (self.ca_file or self.cert_file) and not self.base_url.startswith("https://"):
            problems.append(
                Problem("base_url", self.base_url, "an https:// URL when TLS files are set")
            )
        Problems.raise_if_any(problems)
        return self


class EmbeddedSettings(Section):
    """Demo mode: the kiosk starts the embedded consortium library system itself."""

    enabled: bool = False
    data: ExistingFile | None = Field(None, description="Consortium data; default: built-in demo.")
    db: str = Field(":memory:", description="SQLite database path, or ':memory:'.")
    latency_ms: float = Field(0.0, ge=0, le=60_000)
    jitter_ms: float = Field(0.0, ge=0, le=60_000)


def _embedded_shorthand(value: Any) -> Any:
    """``embedded = true`` is short for ``[ils.embedded] enabled = true``."""
    return {"enabled": value} if isinstance(value, bool) else value


class IlsSettings(Section):
    """Which library system the kiosk talks to and how.

    ``backend`` names a registered back end (kiosk.registry.LIBRARY_SYSTEMS); its settings are
    the table ``[ils.<backend>]``. SIP2's and FOLIO's are keys of this model (other parts read
    them); a back end registered from elsewhere has its table validated by its own model and
    kept in :attr:`backend_settings`.
    """

    backend: str = "sip2"
    sip2: Sip2Settings = Sip2Settings()
    folio: FolioSettings | None = None
    embedded: EmbeddedSettings = EmbeddedSettings()
    _other_backends: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    @field_validator("embedded", mode="before")
    @classmethod
    def _embedded(cls, value: Any) -> Any:
        return _embedded_shorthand(value)

    @field_validator("backend")
    @classmethod
    def _registered(cls, value: str) -> str:
        if value not in LIBRARY_SYSTEMS:
            raise ValueError(f"{LIBRARY_SYSTEMS.expected()} (the known library-system back ends)")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _other_backend_tables(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        """Validate ``[ils.<name>]`` of back ends that are no key here by their own models,
        reporting their problems beside the other keys' (one error report for the section)."""
        if not isinstance(data, dict):
            return handler(data)
        tables = {
            name: value
            for name, value in data.items()
            if name not in cls.model_fields and name in LIBRARY_SYSTEMS
        }
        errors: list[Any] = []
        parsed: dict[str, BaseModel] = {}
        for name, value in tables.items():
            try:
                parsed[name] = LIBRARY_SYSTEMS.get(name).settings.model_validate(
                    value, context=info.context
                )
            except ValidationError as exc:
                errors += [{**e, "loc": (name, *e["loc"])} for e in exc.errors()]
        model = None
        try:
            model = handler({k: v for k, v in data.items() if k not in tables})
        except ValidationError as exc:
            errors = [*exc.errors(), *errors]
        backend = data.get("backend", "sip2")
        needs_table = model is not None and backend not in cls.model_fields
        if needs_table and backend not in parsed and backend not in tables:
            missing = Problem(backend, None, f"an [ils.{backend}] section for this back end")
            errors.append(
                {"type": "value_error", "loc": (), "input": data,
                 "ctx": {"error": Problems([missing])}}
            )  # fmt: skip
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        assert model is not None
        model._other_backends.update(parsed)
        return model

    @model_serializer(mode="wrap")
    def _dump_other_backends(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        for name, settings in self._other_backends.items():
            dumped[name] = settings.model_dump(mode=info.mode)
        return dumped

    @model_validator(mode="after")
    def _backend_is_configured(self) -> Self:
        problems: list[Problem] = []
        if self.backend == "folio" and self.folio is None:
            problems.append(Problem("folio", None, "an [ils.folio] section when backend = 'folio'"))
        if self.backend != "sip2" and self.embedded.enabled:
            problems.append(
                Problem("embedded.enabled", True, "false: the embedded library system speaks SIP2")
            )
        if self.backend == "sip2" and self.sip2.user is None:
            problems.append(Problem("sip2.user", None, "the SIP2 login user of this kiosk"))
        if (
            self.backend == "sip2"
            and self.sip2.password is None
            and self.sip2.password_file is None
        ):
            problems.append(Problem("sip2.password", None, "a password or a password_file"))
        Problems.raise_if_any(problems)
        return self

    @property
    def backend_settings(self) -> BaseModel:
        """The settings of the selected back end (``[ils.<backend>]``)."""
        if self.backend in type(self).model_fields:
            chosen: BaseModel | None = getattr(self, self.backend)
        else:
            chosen = self._other_backends.get(self.backend)
        assert chosen is not None, "checked when the config was loaded"
        return chosen


# --------------------------------------------------------------------------------------------
# hardware: each device's table is the settings model of the vendor its ``type`` names, from the
# registries of kiosk.registry (the kiosk's own vendors: kiosk.vendors)


class RfidReaderSettings(Section):
    """Base of every RFID reader's settings (``[hardware.rfid]``); ``type`` picks the vendor."""

    type: str


class CardReaderSettings(Section):
    """Base of every library card reader's settings (``[hardware.card_reader]``)."""

    type: str


class ScannerSettings(Section):
    """Base of every barcode scanner's settings (``[hardware.scanner]``)."""

    type: str


class PrinterSettings(Section):
    """Base of every receipt printer's settings (``[hardware.printer]``)."""

    type: str


class SorterSettings(Section):
    """Base of every return-station sorter's settings (``[hardware.sorter]``)."""

    type: str


if TYPE_CHECKING:  # what a type checker sees; at run time the registries validate
    RfidReaderField = RfidReaderSettings
    CardReaderField = CardReaderSettings
    ScannerField = ScannerSettings
    PrinterField = PrinterSettings
    SorterField = SorterSettings
else:
    RfidReaderField = RFID_READERS.field_type(RfidReaderSettings)
    CardReaderField = CARD_READERS.field_type(CardReaderSettings)
    ScannerField = SCANNERS.field_type(ScannerSettings)
    PrinterField = PRINTERS.field_type(PrinterSettings)
    SorterField = SORTERS.field_type(SorterSettings)


class HardwareSettings(Section):
    """The devices, each a registered vendor's settings (defaults: the simulated ones)."""

    rfid: RfidReaderField = RFID_READERS.field()
    card_reader: CardReaderField = CARD_READERS.field()
    scanner: ScannerField = SCANNERS.field()
    printer: PrinterField = PRINTERS.field()
    sorter: SorterField = SORTERS.field()


# --------------------------------------------------------------------------------------------
# policy


class OfflinePolicy(Section):
    """What the kiosk may do while the library system is unreachable (journaled, replayed later)."""

    mode: Literal["off", "returns", "returns-and-loans"] = "returns"
    max_loans_per_patron: int = Field(5, ge=0, le=100)
    max_loans_per_session: int = Field(10, ge=0, le=100)


class SmtpSettings(Section):
    """E-mail receipts go out through the library's mail relay."""

    host: str
    port: Port = 587
    starttls: bool = True
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    username: str | None = None
    password: SecretStr | None = None
    password_file: SecretFile | None = None

    @model_validator(mode="after")
    def _secrets(self, info: ValidationInfo) -> Self:
        Problems.raise_if_any(_load_secret(self, info, "password", "password_file"))
        return self


class ReceiptPolicy(Section):
    """Which receipts the patron is offered, in this order on screen."""

    choices: list[Literal["print", "email", "none"]] = Field(["print", "none"], min_length=1)
    default: Literal["print", "email", "none"] = "none"
    email: SmtpSettings | None = None
    footer: dict[Language, str] = Field(
        {},
        description="Lines at the end of every receipt, per language (the patron's, else the "
        "kiosk's default): opening hours, a phone number, a greeting.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[Problem] = []
        if len(set(self.choices)) != len(self.choices):
            problems.append(Problem("choices", self.choices, "each choice at most once"))
        if self.default not in self.choices:
            problems.append(Problem("default", self.default, f"one of choices {self.choices}"))
        if "email" in self.choices and self.email is None:
            problems.append(Problem("email", None, "an [policy.receipt.email] SMTP section"))
        Problems.raise_if_any(problems)
        return self


def _offline_shorthand(value: Any) -> Any:
    """``offline = "returns"`` is short for ``[policy.offline] mode = "returns"``."""
    return {"mode": value} if isinstance(value, str) else value


class PolicySettings(Section):
    """How the kiosk treats patrons and items."""

    pin: Literal["always", "never", "per-patron"] = "always"
    pin_attempts: int = Field(3, ge=1, le=10, description="Wrong PINs in one visit before it ends.")
    pin_lockout_after: int = Field(
        6,
        ge=0,
        le=100,
        description="Wrong PINs for one card in a row, over all visits, before the kiosk locks "
        "that card's PIN (0: never).",
    )
    pin_lockout_minutes: float = Field(15.0, gt=0, le=1440, description="How long the lock lasts.")
    offline: OfflinePolicy = OfflinePolicy()
    inactivity_timeout_s: float = Field(60.0, ge=10, le=3600)
    inactivity_warning_s: float = Field(15.0, ge=0, le=600)
    security: Literal["afi", "eas", "both"] = "afi"
    afi_secured: int = Field(0x07, ge=0, le=255, description="AFI of an item in stock.")
    afi_unsecured: int = Field(0xC2, ge=0, le=255, description="AFI of an item on loan.")
    receipt: ReceiptPolicy = ReceiptPolicy()
    #: Loans that carry a fee: ask the patron to accept it on screen, or refuse them at the kiosk.
    fee_acknowledgement: Literal["ask", "refuse"] = "ask"

    @field_validator("offline", mode="before")
    @classmethod
    def _offline(cls, value: Any) -> Any:
        return _offline_shorthand(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[Problem] = []
        if self.inactivity_warning_s >= self.inactivity_timeout_s:
            problems.append(
                Problem(
                    "inactivity_warning_s",
                    self.inactivity_warning_s,
                    f"less than inactivity_timeout_s ({self.inactivity_timeout_s:g})",
                )
            )
        if self.security != "eas" and self.afi_secured == self.afi_unsecured:
            problems.append(
                Problem("afi_unsecured", self.afi_unsecured, "a value different from afi_secured")
            )
        Problems.raise_if_any(problems)
        return self


# --------------------------------------------------------------------------------------------
# ui


class ThemeSettings(Section):
    """Per-library look: logo, colours, welcome text per language."""

    logo: ExistingFile | None = None
    primary: HexColour = "#00546e"
    accent: HexColour = "#f2a900"
    background: HexColour = "#ffffff"
    text: HexColour = "#1a1a1a"
    welcome: dict[Language, str] = {}


class UiSettings(Section):
    """The touch screen: languages, theme, accessibility, staff access."""

    languages: list[Language] = Field(list(LANGUAGES), min_length=1)
    default_language: Language = "sv"
    theme: ThemeSettings = ThemeSettings()
    large_text: bool = Field(True, description="Offer the large-text mode.")
    high_contrast: bool = Field(True, description="Offer the high-contrast mode.")
    spoken_prompts: bool = Field(False, description="Read prompts aloud (espeak-ng).")
    patron_language: bool = Field(
        True,
        description="At sign-in, switch to the language of the patron's account, unless they "
        "chose one on the screen.",
    )
    pin_help: dict[Language, str] = Field(
        {},
        description="Where a patron who forgot their PIN gets a new one, per language "
        "(e.g. the desk, or the library's web site).",
    )
    staff_code: SecretStr | None = None
    staff_code_file: SecretFile | None = None
    staff_code_hash: PasswordHash | None = Field(
        None, description="The staff code as a salted hash: kiosk config set-staff-code FILE."
    )
    staff_code_attempts: int = Field(
        5, ge=1, le=20, description="Wrong staff codes in a row that lock the code."
    )
    staff_code_lockout_minutes: float = Field(
        15.0, gt=0, le=1440, description="How long the staff code stays locked."
    )
    staff_card_uids: list[HexUid] = []

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        problems = _load_secret(self, info, "staff_code", "staff_code_file")
        if self.staff_code_hash is not None and (
            self.staff_code is not None or self.staff_code_file is not None
        ):
            given = "staff_code_file" if self.staff_code_file is not None else "staff_code"
            problems.append(
                Problem("staff_code_hash", self.staff_code_hash, f"either it or {given}, not both")
            )
        if len(set(self.languages)) != len(self.languages):
            problems.append(Problem("languages", self.languages, "each language at most once"))
        if self.default_language not in self.languages:
            problems.append(
                Problem(
                    "default_language",
                    self.default_language,
                    f"one of the configured languages ({', '.join(self.languages)})",
                )
            )
        for key, texts in (("theme.welcome", self.theme.welcome), ("pin_help", self.pin_help)):
            for language in texts:
                if language not in self.languages:
                    problems.append(Problem(f"{key}.{language}", language, "a configured language"))
        code = self.staff_code.get_secret_value() if self.staff_code else None
        if code is not None and not is_staff_code(code):
            problems.append(Problem("staff_code", self.staff_code, "4 to 12 digits"))
        Problems.raise_if_any(problems)
        return self


# --------------------------------------------------------------------------------------------
# return station


class Bin(Section):
    """One bin of the sorter."""

    id: Code
    label: str = ""
    #: The sorter's output this bin stands at (1..16); default: its position in the list.
    number: int | None = Field(None, ge=1, le=16)
    #: Items staff want in it before they empty it; the station counts and stops at this.
    capacity: int = Field(100, ge=1, le=10_000)
    #: Where items go when this bin is full (another bin's id).
    overflow: str | None = None


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


#: A condition's values: one (``"01"``) or several (``["01", "02"]``), read as a list.
OneOrMany = Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)]


class SortingRule(Section):
    """One sorting rule: every condition given must match (AND); within a list, any value (OR).

    Conditions read the check-in response: ``alert_type`` (CV: 01 hold here, 02 hold elsewhere,
    03 ILL, 04 transit), ``destination`` (CT), ``sort_bin`` (CL), ``permanent_location``
    (AQ), ``collection`` (CR), ``call_number_prefix`` (CS starts with), plus ``media_type`` (CK
    code or SIP2 name), ``owner_library`` (tag owner ISIL), ``hold_here`` and ``offline`` (the
    check-in was journaled). How they match, and what goes to the exception bin before any rule
    is asked (CV 99 among them): :mod:`kiosk.core.sorting`; try them with ``kiosk sort explain``.
    """

    name: str = ""
    alert_type: OneOrMany | None = None
    destination: OneOrMany | None = None
    sort_bin: OneOrMany | None = None
    permanent_location: OneOrMany | None = None
    collection: OneOrMany | None = None
    call_number_prefix: OneOrMany | None = None
    media_type: OneOrMany | None = None
    owner_library: OneOrMany | None = None
    hold_here: bool | None = None
    offline: bool | None = None
    bin: str

    @field_validator("alert_type")
    @classmethod
    def _alert_codes(cls, value: list[str] | None) -> list[str] | None:
        for code in value or []:
            if not (len(code) == 2 and code.isdigit()):
                raise ValueError(f"two-digit SIP2 alert types such as '01' or '02' (not {code!r})")
        return value

    @property
    def conditions(self) -> dict[str, Any]:
        """The conditions this rule sets (unset ones match anything)."""
        return {
            name: value
            for name, value in self.model_dump(exclude={"name", "bin"}).items()
            if value is not None
        }


class ReturnStationSettings(Section):
    """Bins and the ordered sorting rules of a return station (first matching rule wins)."""

    bins: list[Bin] = Field(min_length=1)
    rules: list[SortingRule] = []
    exception_bin: str
    #: Print a slip for items that go to a hold shelf / transit, to lay on the item.
    #: Exceptions always get one (it says why staff must look at the item).
    slip_for_holds: bool = True
    slip_for_transits: bool = True
    #: A full bin (count at capacity, or its full sensor on): "overflow" sends items on to the
    #: bin's overflow (the inlet pauses only when no bin down the chain has room); "pause"
    #: stops the inlet until staff empty the bin.
    when_full: Literal["overflow", "pause"] = "overflow"
    #: How long an item may sit at the read position before it counts as "no tag, no barcode".
    identify_timeout_s: float = Field(1.5, gt=0, le=30)
    #: Where each item went and the bin counts (SQLite); default STATE_DIR/return-station.db.
    ledger_path: ConfigPath | None = None

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[Problem] = []
        ids: set[str] = set()
        for n, bin_ in enumerate(self.bins):
            if bin_.id in ids:
                problems.append(Problem(f"bins[{n}].id", bin_.id, "a bin id used only once"))
            ids.add(bin_.id)
        known = f"a bin id ({', '.join(sorted(ids))})"
        for n, bin_ in enumerate(self.bins):
            if bin_.overflow is None:
                continue
            if bin_.overflow not in ids:
                problems.append(Problem(f"bins[{n}].overflow", bin_.overflow, known))
            elif bin_.overflow == bin_.id:
                problems.append(Problem(f"bins[{n}].overflow", bin_.overflow, "another bin"))
        overflow = {b.id: b.overflow for b in self.bins}
        for start in overflow:
            if overflow[start] == start:
                continue  # reported above
            seen, current = {start}, overflow[start]
            while current is not None and current in overflow:
                if current in seen:
                    n = next(i for i, b in enumerate(self.bins) if b.id == start)
                    problems.append(
                        Problem(f"bins[{n}].overflow", overflow[start], "no overflow cycle")
                    )
                    break
                seen.add(current)
                current = overflow[current]
        for n, rule in enumerate(self.rules):
            if rule.bin not in ids:
                problems.append(Problem(f"rules[{n}].bin", rule.bin, known))
        if self.exception_bin not in ids:
            problems.append(Problem("exception_bin", self.exception_bin, known))
        outputs: set[int] = set()
        for n, bin_ in enumerate(self.bins):
            number = bin_.number or n + 1
            if number in outputs:
                problems.append(
                    Problem(f"bins[{n}].number", number, "a sorter output used by one bin only")
                )
            outputs.add(number)
        Problems.raise_if_any(problems)
        return self

    def bin(self, bin_id: str) -> Bin:
        """The bin with this id (ids are checked at load time)."""
        return next(b for b in self.bins if b.id == bin_id)

    def bin_numbers(self) -> dict[str, int]:
        """Bin id -> the sorter output it stands at (its ``number``, or its position)."""
        return {b.id: b.number or n + 1 for n, b in enumerate(self.bins)}


# --------------------------------------------------------------------------------------------
# operations


class HealthSettings(Section):
    """The /healthz and /metrics endpoint (for the fleet's Prometheus)."""

    enabled: bool = True
    host: ListenAddress = "127.0.0.1"
    port: Port = 9464


class ConsoleUser(Section):
    """One login of the staff console."""

    #: "staff": status, reconciliation, statistics, device tests, restart; "admin": also the
    #: configuration.
    level: Literal["staff", "admin"]
    password_hash: PasswordHash = Field(
        description="Salted hash: kiosk config set-console-password FILE NAME."
    )


class ConsoleSettings(Section):
    """The staff console in the browser, served by the kiosk itself (kiosk.console)."""

    enabled: bool = False
    host: ListenAddress = Field(
        "127.0.0.1", description="Where it listens; loopback unless you open it."
    )
    port: Port = 8470
    cert_file: ExistingFile | None = Field(None, description="TLS certificate (PEM): https.")
    key_file: ExistingFile | None = Field(None, description="TLS key; default: in cert_file.")
    session_minutes: float = Field(
        30.0, ge=1, le=1440, description="A login ends after this long without a request."
    )
    login_attempts: int = Field(5, ge=1, le=20, description="Wrong passwords that lock a login.")
    login_lockout_minutes: float = Field(15.0, gt=0, le=1440)
    users: dict[ConsoleUserName, ConsoleUser] = {}

    @model_validator(mode="after")
    def _key_needs_cert(self) -> Self:
        if self.key_file is not None and self.cert_file is None:
            raise Problems([Problem("cert_file", None, "a certificate when key_file is set")])
        return self

    @property
    def tls(self) -> bool:
        return self.cert_file is not None


class LoggingSettings(Section):
    """Log lines on standard output (journald under systemd)."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["kv", "json"] = "kv"


#: Dotted keys (relative to their section) whose values are secrets: masked wherever shown.
SecretFields = frozenset({"password", "staff_code", "staff_code_hash", "password_hash"})
#: Keys whose values are card UIDs (or lists of them): shown as kiosk.privacy.mask_card allows.
CardFields = frozenset({"staff_card_uids"})


class KioskConfig(Section):
    """The whole configuration of one kiosk or return station.

    Load it with :func:`kiosk.config.load_config`, which reads TOML plus ``KIOSK__...``
    environment overrides (``KIOSK__ILS__SIP2__HOST=sip.example.se``) and turns every problem
    into one precise :class:`~kiosk.config.ConfigError`.

    Why a plain model and not a pydantic-settings ``BaseSettings``: a settings class validates
    through its own ``__init__``, which reads ``os.environ`` by itself and drops the validation
    context (the config file's directory for relative paths, ``check_files``). The loader merges
    the environment itself with the same ``KIOSK__`` / ``__`` naming, so that every error can
    name the variable a value came from.
    """

    kiosk: KioskIdentity
    ils: IlsSettings
    hardware: HardwareSettings = Field(default_factory=HardwareSettings)
    policy: PolicySettings = PolicySettings()
    ui: UiSettings = UiSettings()
    return_station: ReturnStationSettings | None = None
    health: HealthSettings = HealthSettings()
    console: ConsoleSettings = ConsoleSettings()
    logging: LoggingSettings = LoggingSettings()

    @model_validator(mode="after")
    def _mode_fits(self) -> Self:
        problems: list[Problem] = []
        if self.kiosk.mode == "return-station":
            if self.return_station is None:
                problems.append(
                    Problem(
                        "return_station", None, "a [return_station] section with bins and rules"
                    )
                )
            if self.hardware.sorter.type == "none":
                sorters = tuple(name for name in SORTERS.names() if name != "none")
                problems.append(
                    Problem(
                        "hardware.sorter.type",
                        "none",
                        f"{SORTERS.expected(sorters)}: a return station needs a sorter",
                    )
                )
        Problems.raise_if_any(problems)
        return self
