"""Which command the kiosk takes in which mode: one table instead of checks spread over code.

Why a table: a command taken in the wrong mode is how a kiosk lends to the wrong patron (an
identification in the middle of someone's session) or loses a receipt (a second "finish" while
the first is printing). Written as a table, every cell can be read, reviewed and tested
(``tests/core/test_modes.py`` tries every command in every mode).

A rule is the set of modes a command is taken in, and whether it needs an identified patron
(``True``), needs nobody identified yet (``False``), or does not care (``None``): returns need
no identification, so the RETURN mode holds both an anonymous return visit and a patron's.
A refused command changes nothing; the kiosk tells the screen with
:class:`~kiosk.core.events.CommandRefused`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["RULES", "Command", "Mode", "Rule", "allowed"]


class Mode(enum.Enum):
    """Where the kiosk is in a patron's visit; the screen shows one screen per mode."""

    IDLE = "idle"  # welcome screen, nobody identified
    IDENTIFYING = "identifying"  # a card (or a PIN) is being checked with the library system
    PIN = "pin"  # identified, PIN needed
    MENU = "menu"  # identified: borrow / return / account
    BORROW = "borrow"  # the pad lends what is placed on it
    RETURN = "return"  # the pad returns what is placed on it
    ACCOUNT = "account"
    RECEIPT = "receipt"  # the patron chooses print / e-mail / none
    STAFF = "staff"
    CLOSED = "closed"  # outside the opening hours, or out of service: staff only

    @property
    def between_visits(self) -> bool:
        """Nobody's visit is open: the screen rests (welcome or closed) and has nothing to end."""
        return self in (Mode.IDLE, Mode.CLOSED)


class Command(enum.Enum):
    """What a screen (or a device acting for the patron) can ask of the kiosk."""

    IDENTIFY = "identify"  # a card number: typed, scanned, an RFID card on the pad, PC/SC
    ENTER_PIN = "enter_pin"
    START_BORROW = "start_borrow"
    START_RETURN = "start_return"
    SHOW_ACCOUNT = "show_account"
    RENEW = "renew"
    ACKNOWLEDGE_FEE = "acknowledge_fee"
    RETRY = "retry"
    FINISH = "finish"  # held while lent items keep their security on (see SEEK_STAFF)
    SEEK_STAFF = "seek_staff"  # the patron takes items whose security stayed on to the staff
    CONFIRM_LEFT_ITEMS = "confirm_left_items"  # items left on the pad before: theirs or not
    CHOOSE_RECEIPT = "choose_receipt"
    END_SESSION = "end_session"
    STAFF_ENTER = "staff_enter"
    STAFF_EXIT = "staff_exit"
    STAFF_STATUS = "staff_status"
    STAFF_RESOLVE = "staff_resolve"
    STAFF_PRINT_TEST = "staff_print_test"
    READER_TEST = "reader_test"
    TOUCH = "touch"
    SET_LANGUAGE = "set_language"


@dataclass(frozen=True, slots=True)
class Rule:
    modes: frozenset[Mode]
    patron: bool | None = None  # True: needs an identified patron; False: needs nobody yet


def _modes(*modes: Mode) -> frozenset[Mode]:
    return frozenset(modes)


_EVERY = frozenset(Mode)
#: A patron's session, once identified: what the menu offers.
_SESSION = _modes(Mode.MENU, Mode.BORROW, Mode.RETURN, Mode.ACCOUNT)
#: Where a visit can be ended (the patron leaves, or is sent away).
_VISIT = _modes(Mode.IDENTIFYING, Mode.PIN, *_SESSION, Mode.RECEIPT)

RULES: dict[Command, Rule] = {
    # An anonymous return visit becomes the patron's when they identify.
    Command.IDENTIFY: Rule(_modes(Mode.IDLE, Mode.RETURN), patron=False),
    Command.ENTER_PIN: Rule(_modes(Mode.PIN)),
    Command.START_BORROW: Rule(_SESSION, patron=True),
    Command.START_RETURN: Rule(_modes(Mode.IDLE, *_SESSION)),
    Command.SHOW_ACCOUNT: Rule(_SESSION, patron=True),
    Command.RENEW: Rule(_SESSION, patron=True),
    Command.ACKNOWLEDGE_FEE: Rule(_modes(Mode.BORROW), patron=True),
    Command.RETRY: Rule(_modes(Mode.BORROW, Mode.RETURN)),
    Command.FINISH: Rule(_SESSION),
    Command.SEEK_STAFF: Rule(_SESSION, patron=True),
    Command.CONFIRM_LEFT_ITEMS: Rule(_modes(Mode.BORROW), patron=True),
    Command.CHOOSE_RECEIPT: Rule(_modes(Mode.RECEIPT)),
    Command.END_SESSION: Rule(_VISIT),
    Command.STAFF_ENTER: Rule(_EVERY),  # a patron's session still open is ended first
    Command.STAFF_EXIT: Rule(_modes(Mode.STAFF)),
    Command.STAFF_STATUS: Rule(_modes(Mode.STAFF)),
    Command.STAFF_RESOLVE: Rule(_modes(Mode.STAFF)),
    Command.STAFF_PRINT_TEST: Rule(_modes(Mode.STAFF)),
    Command.READER_TEST: Rule(_modes(Mode.STAFF)),
    Command.TOUCH: Rule(_EVERY),
    Command.SET_LANGUAGE: Rule(_EVERY),
}


def allowed(command: Command, mode: Mode, *, patron: bool) -> bool:
    """Does the kiosk take ``command`` in ``mode``, with a patron identified or not?"""
    rule = RULES[command]
    return mode in rule.modes and (rule.patron is None or rule.patron is patron)
