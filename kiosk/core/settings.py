"""The few settings the core acts on, as plain frozen dataclasses.

Why not the pydantic config model directly: the core is tested and benchmarked without a TOML
file, and the config model serves many areas. ``kiosk.assembly`` maps ``KioskConfig`` onto these.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.opening import OpeningHours

if TYPE_CHECKING:
    from kiosk.lockout import GuessGuard

__all__ = ["KioskSettings", "PinPolicy", "SecurityMethod", "SecuritySettings", "StaffCode"]


class PinPolicy(enum.Enum):
    ALWAYS = "always"
    NEVER = "never"
    #: Ask for a PIN unless the library system accepts an empty one for this patron.
    PER_PATRON = "per-patron"


class SecurityMethod(enum.Enum):
    AFI = "afi"
    EAS = "eas"
    BOTH = "both"


@dataclass(frozen=True, slots=True, kw_only=True)
class SecuritySettings:
    """How the consortium's gates see a secured item (values are per consortium, never fixed)."""

    method: SecurityMethod = SecurityMethod.AFI
    afi_secured: int = 0x07  # in stock: the gates alarm
    afi_unsecured: int = 0xC2  # on loan
    attempts: int = 3  # writes on a pad fail often; each attempt is verified by reading back

    @property
    def uses_afi(self) -> bool:
        return self.method in (SecurityMethod.AFI, SecurityMethod.BOTH)

    @property
    def uses_eas(self) -> bool:
        return self.method in (SecurityMethod.EAS, SecurityMethod.BOTH)


@dataclass(frozen=True, slots=True)
class StaffCode:
    """The staff code as a kiosk keeps it: a salted hash (kiosk.passwords), and the guard that
    counts wrong tries across sessions and restarts (kiosk.lockout; None: not counted)."""

    hash: str
    guard: GuessGuard | None = None

    def __repr__(self) -> str:  # the hash stays out of reprs, tracebacks and logs
        return "StaffCode(hash='***')"


@dataclass(frozen=True, slots=True, kw_only=True)
class KioskSettings:
    """Who this kiosk is and how it treats patrons."""

    library_name: str = "Library"
    library_code: str = ""  # ISIL of the member library, e.g. "SE-Hud"
    branch_code: str = ""  # the branch this kiosk stands in (as the library system names it)
    branch_name: str = ""
    branch_names: dict[str, str] = field(default_factory=dict)  # code -> name, all branches
    pin: PinPolicy = PinPolicy.ALWAYS
    pin_attempts: int = 3  # wrong PINs in one visit before it ends
    #: Wrong PINs for one card in a row, over every visit, before the card's PIN is locked at
    #: this kiosk (0: never), and for how long.
    pin_lockout_after: int = 6
    pin_lockout_minutes: float = 15.0
    inactivity_timeout_s: float = 60.0
    inactivity_warning_s: float = 15.0
    security: SecuritySettings = field(default_factory=SecuritySettings)
    pad_interval_s: float = 0.05  # pause between two inventories of the pad
    pad_active_interval_s: float = 0.02  # the same while borrowing or returning (stacks come)
    pad_absent_rounds: int = 2  # inventories a tag must miss before it counts as taken away
    ask_fees: bool = True  # False: loans that cost money are refused at the kiosk
    receipt_print: bool = True
    receipt_email: bool = False
    #: A plain code (tests), or the hashed code with its lockout (kiosk.assembly builds this).
    staff_code: str | StaffCode | None = None
    staff_card_uids: frozenset[str] = frozenset()  # hex, upper case
    default_language: str = "sv"
    #: Lines at the end of every receipt, per language.
    receipt_footer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: When patrons are served (None: always); ``out_of_service``: not at all, by staff's word.
    opening_hours: OpeningHours | None = None
    out_of_service: bool = False

    def branch_name_of(self, code: str | None) -> str | None:
        if code is None:
            return None
        return self.branch_names.get(code) or (
            self.branch_name if code == self.branch_code else None
        )
