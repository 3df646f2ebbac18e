"""Circulation over the consortium model: every change a SIP2 message can ask for.

Plain synchronous Python over SQLite, with no SIP2 in it: :mod:`kiosk.acs.protocol` turns
messages into these calls and results back into messages. Each operation is one transaction
(``BEGIN IMMEDIATE``), so two kiosks lending the same item at the same moment get one loan and
one refusal, never two loans and never none.

Refusals are results, not exceptions: a refused loan is an ordinary answer in SIP2 (ok=0 with a
screen message), and the reason code lets tests and the protocol layer tell them apart.
Screen messages are in Swedish, the consortium's language; the kiosk translates around them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from kiosk.acs import rules
from kiosk.acs.lockout import Check, pin_guard
from kiosk.acs.model import ConsortiumModel, LockedConnection, iso
from kiosk.acs.records import HoldRecord, ItemRecord, PatronRecord
from kiosk.ils.port import LoanRequest, RenewRequest


class Reason(enum.StrEnum):
    """Why something was refused (or what special thing happened)."""

    UNKNOWN_PATRON = "unknown_patron"
    WRONG_PIN = "wrong_pin"
    PIN_LOCKED = "pin_locked"
    PATRON_BLOCKED = "patron_blocked"
    CARD_LOST = "card_lost"
    CARD_EXPIRED = "card_expired"
    EXCESSIVE_FEES = "excessive_fees"
    TOO_MANY_OVERDUE = "too_many_overdue"
    TOO_MANY_LOANS = "too_many_loans"
    UNKNOWN_ITEM = "unknown_item"
    NOT_LOANABLE = "not_loanable"
    ON_LOAN_TO_OTHER = "on_loan_to_other"
    RESERVED_FOR_OTHER = "reserved_for_other"
    FEE_NOT_ACKNOWLEDGED = "fee_not_acknowledged"
    RENEWAL_LIMIT = "renewal_limit"
    RENEWAL_RESERVED = "renewal_reserved"
    NOT_ON_LOAN = "not_on_loan"
    STALE_OFFLINE = "stale_offline_transaction"
    NOT_FOR_OFFLINE_LOAN = "not_for_offline_loan"
    HOLD_LIMIT = "hold_limit"
    HOLD_EXISTS = "hold_exists"
    NO_SUCH_HOLD = "no_such_hold"
    UNKNOWN_RECORD = "unknown_record"
    UNKNOWN_BRANCH = "unknown_branch"
    ALREADY_BORROWED = "already_borrowed"
    PAYMENT_TOO_LARGE = "payment_too_large"
    NOTHING_TO_PAY = "nothing_to_pay"


MESSAGES: dict[Reason, str] = {
    Reason.UNKNOWN_PATRON: "Okänt lånekort.",
    Reason.WRONG_PIN: "Fel PIN-kod.",
    Reason.PIN_LOCKED: (
        "PIN-koden är spärrad efter för många felaktiga försök."
        " Försök igen senare eller kontakta personalen."
    ),
    Reason.PATRON_BLOCKED: "Ditt lånekort är spärrat. Kontakta personalen.",
    Reason.CARD_LOST: "Lånekortet är anmält förlorat. Kontakta personalen.",
    Reason.CARD_EXPIRED: "Lånekortet har gått ut. Kontakta personalen.",
    Reason.EXCESSIVE_FEES: "Du har för höga avgifter för att låna.",
    Reason.TOO_MANY_OVERDUE: "Du har för många försenade lån.",
    Reason.TOO_MANY_LOANS: "Du har nått max antal lån.",
    Reason.UNKNOWN_ITEM: "Okänt exemplar.",
    Reason.NOT_LOANABLE: "Exemplaret får inte lånas hem.",
    Reason.ON_LOAN_TO_OTHER: "Exemplaret är utlånat till någon annan.",
    Reason.RESERVED_FOR_OTHER: "Exemplaret är reserverat för någon annan.",
    Reason.FEE_NOT_ACKNOWLEDGED: "Lånet kostar en avgift.",
    Reason.RENEWAL_LIMIT: "Lånet kan inte förnyas fler gånger.",
    Reason.RENEWAL_RESERVED: "Lånet kan inte förnyas: någon annan väntar på det.",
    Reason.NOT_ON_LOAN: "Exemplaret är inte utlånat till dig.",
    Reason.STALE_OFFLINE: "Offline-transaktionen är för gammal.",
    Reason.NOT_FOR_OFFLINE_LOAN: "Exemplaret får inte lånas ut offline.",
    Reason.HOLD_LIMIT: "Du har nått max antal reservationer.",
    Reason.HOLD_EXISTS: "Du har redan en reservation på titeln.",
    Reason.NO_SUCH_HOLD: "Reservationen finns inte.",
    Reason.UNKNOWN_RECORD: "Okänd titel.",
    Reason.UNKNOWN_BRANCH: "Okänt utlämningsställe.",
    Reason.ALREADY_BORROWED: "Du har redan lånat titeln.",
    Reason.PAYMENT_TOO_LARGE: "Betalningen är större än skulden.",
    Reason.NOTHING_TO_PAY: "Det finns inget att betala.",
}

# Patron status positions (SIP2 24/64, 14 characters).
CHARGE_DENIED, RENEWAL_DENIED, RECALL_DENIED, HOLD_DENIED, CARD_LOST = 0, 1, 2, 3, 4
TOO_MANY_CHARGED, TOO_MANY_OVERDUE, EXCESSIVE_FINES, EXCESSIVE_FEES = 5, 6, 10, 11

KIOSK_BLOCK_PREFIX = "SC: "  # blocks set by a kiosk (01) are the ones a kiosk may lift (25)


@dataclass(frozen=True, slots=True)
class Terminal:
    """Who is asking: the logged-in account and the branch the kiosk stands in."""

    account: str
    branch: str
    library: str


@dataclass(frozen=True, slots=True)
class PatronStanding:
    """A patron's standing, the base of 24 and 64."""

    patron: PatronRecord | None
    pin_ok: bool | None  # None: no PIN was given; False: wrong, or right but locked
    status: tuple[bool, ...]  # 14 positions
    fees_total: int
    fee_limit: int
    reasons: tuple[Reason, ...]  # why borrowing is denied, most important first
    pin_locked_until: datetime | None = None  # too many wrong PINs: refused until then

    @property
    def valid(self) -> bool:
        return self.patron is not None

    @property
    def pin_refusal(self) -> Reason | None:
        """Why a request carrying this PIN is refused (locked, or wrong), or None."""
        if self.pin_locked_until is not None:
            return Reason.PIN_LOCKED
        return Reason.WRONG_PIN if self.pin_ok is False else None

    @property
    def may_borrow(self) -> bool:
        return self.valid and not self.reasons


@dataclass(frozen=True, slots=True)
class LoanResult:
    """Result of a checkout or a renewal."""

    ok: bool
    reason: Reason | None = None
    renewal: bool = False
    item: ItemRecord | None = None
    patron: str | None = None
    due: datetime | None = None
    fee: int = 0  # cents: charged (ok) or asked to acknowledge (refused)
    fee_type: str = "rental"
    message: str = ""
    unchanged: bool = False  # an offline replay of a loan that already existed


@dataclass(frozen=True, slots=True)
class ReturnResult:
    ok: bool
    outcome: str
    item: ItemRecord | None = None
    destination: str | None = None  # branch code
    sort_bin: str | None = None
    hold_patron: str | None = None
    hold_patron_short: str | None = None  # first name + initial, for the hold slip
    previous_borrower: str | None = None
    fine: int = 0
    reason: Reason | None = None
    message: str = ""

    @property
    def alert(self) -> bool:
        return self.outcome in rules.ALERT_TYPE or self.outcome == rules.EXCEPTION

    @property
    def alert_type(self) -> str | None:
        return rules.ALERT_TYPE.get(self.outcome)


@dataclass(frozen=True, slots=True)
class RenewAllResult:
    ok: bool
    renewed: list[str] = field(default_factory=list)
    unrenewed: list[str] = field(default_factory=list)
    reason: Reason | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class HoldResult:
    ok: bool
    reason: Reason | None = None
    hold: HoldRecord | None = None
    available: bool = False
    record: str | None = None
    title: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    accepted: bool
    paid: int = 0
    remaining: int = 0
    transaction_id: str = ""
    reason: Reason | None = None
    message: str = ""


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59))


def short_name(name: str) -> str:
    """ "Kjærsti Løvås" -> "Kjærsti L." for a hold slip; never the full name."""
    parts = name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0]}."


@dataclass(frozen=True, slots=True)
class EnableResult:
    lifted: bool
    standing: PatronStanding  # after the change, with the verdict on the PIN that was sent


class Circulation:
    """All circulation operations of one consortium model."""

    def __init__(self, model: ConsortiumModel) -> None:
        self.model = model
        self.pins = pin_guard(model)

    # -- helpers ---------------------------------------------------------------------------------

    def terminal(self, account: str, branch: str) -> Terminal:
        record = self.model.branch(branch)
        if record is None:
            raise LookupError(f"unknown branch {branch!r}")
        return Terminal(account=account, branch=record.code, library=record.library)

    def _log(
        self,
        db: LockedConnection,
        t: Terminal,
        action: str,
        *,
        item: str | None,
        patron: str | None,
        ok: bool,
        detail: str = "",
    ) -> None:
        db.execute(
            "INSERT INTO circulation_log (at, account, branch, action, item, patron, ok, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (iso(self.model.now()), t.account, t.branch, action, item, patron, int(ok), detail),
        )

    def standing(self, identifier: str, pin: str | None = None) -> PatronStanding:
        """Validity, PIN check and the 14 status bits of a patron (barcode or card UID).

        A PIN given here is checked and counted against guessing (:mod:`kiosk.acs.lockout`):
        call this once per request that carries one.
        """
        patron = self.model.find_patron(identifier) if identifier else None
        if patron is None:
            return PatronStanding(
                None,
                None if pin is None else False,
                (False,) * 14,
                0,
                self.model.policy.fee_limit,
                (Reason.UNKNOWN_PATRON,),
            )
        return self._standing_of(patron, self.check_pin(patron, pin))

    def check_pin(self, patron: PatronRecord, pin: str | None) -> Check | None:
        """The patron's PIN checked and counted; None when no PIN was given."""
        if pin is None or pin == "":
            return None
        return self.pins.check(patron.barcode, pin, patron.pin)

    def _standing_of(self, patron: PatronRecord, pin: Check | None) -> PatronStanding:
        policy = self.model.policy
        pin_ok = None if pin is None else pin.ok
        locked_until = pin.locked_until if pin is not None else None
        status = [False] * 14
        reasons: list[Reason] = []
        if locked_until is not None:  # nothing that carries this PIN is carried out
            reasons.append(Reason.PIN_LOCKED)
            status[CHARGE_DENIED] = status[RENEWAL_DENIED] = status[HOLD_DENIED] = True
            status[RECALL_DENIED] = True
        today = self.model.now().date()
        fees = self.model.fees_of(patron.barcode)
        fees_total = sum(f.outstanding for f in fees)
        fines_total = sum(f.outstanding for f in fees if f.type == "overdue")
        loans, overdue = self.model.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(due < ?), 0) FROM loan WHERE patron = ?",
            (iso(self.model.now()), patron.barcode),
        ).fetchone()
        default_max = self.model.loan_rule(patron.home_library, "*").max_loans
        if patron.blocked:
            reasons.append(Reason.PATRON_BLOCKED)
            status[CHARGE_DENIED] = status[RENEWAL_DENIED] = status[HOLD_DENIED] = True
            status[RECALL_DENIED] = True
        if patron.card_lost:
            reasons.append(Reason.CARD_LOST)
            status[CARD_LOST] = status[CHARGE_DENIED] = status[RENEWAL_DENIED] = True
        if patron.expires is not None and patron.expires < today:
            reasons.append(Reason.CARD_EXPIRED)
            status[CHARGE_DENIED] = status[RENEWAL_DENIED] = status[HOLD_DENIED] = True
        if fees_total > policy.fee_limit:
            reasons.append(Reason.EXCESSIVE_FEES)
            status[EXCESSIVE_FEES] = status[CHARGE_DENIED] = True
            status[EXCESSIVE_FINES] = fines_total > policy.fee_limit
        if overdue > policy.overdue_limit:
            reasons.append(Reason.TOO_MANY_OVERDUE)
            status[TOO_MANY_OVERDUE] = status[CHARGE_DENIED] = True
        if loans >= default_max:
            status[TOO_MANY_CHARGED] = True
        return PatronStanding(
            patron,
            pin_ok,
            tuple(status),
            fees_total,
            policy.fee_limit,
            tuple(reasons),
            locked_until,
        )

    def _refuse_loan(
        self,
        reason: Reason,
        *,
        patron: str | None = None,
        item: ItemRecord | None = None,
        renewal: bool = False,
        fee: int = 0,
    ) -> LoanResult:
        return LoanResult(
            ok=False,
            reason=reason,
            message=MESSAGES[reason],
            patron=patron,
            item=item,
            renewal=renewal,
            fee=fee,
        )

    def _offline_too_old(self, when: datetime | None) -> bool:
        if when is None:
            return False
        limit = timedelta(days=self.model.policy.offline_replay_max_age_days)
        return self.model.now() - when > limit

    # -- checkout and renew ----------------------------------------------------------------------

    def checkout(
        self,
        t: Terminal,
        request: LoanRequest,
        *,
        nb_due_date: datetime | None = None,
        renewal_allowed: bool = True,
    ) -> LoanResult:
        """Lend an item; an item the patron already has is renewed instead.

        The request is the library-system port's (:class:`kiosk.ils.port.LoanRequest`): the same
        facts whoever asks, a SIP2 terminal, the FOLIO API or staff. ``nb_due_date``: the due date
        a terminal asks for an offline loan (honoured only with ``no_block``).
        ``renewal_allowed`` is the kiosk's "SC renewal policy": when False, borrowing what one
        already has is refused instead of renewed. An offline replay (``no_block``) of a loan
        that already exists for the same patron is answered yes and changes nothing, so a
        replay whose first attempt did reach the library system is never doubled.

        With ``no_block`` (an offline transaction the kiosk already carried out) the patron's
        blocks, limits and fee acknowledgement are not checked, but the replay is still refused
        when it is older than the policy allows, when the item is marked "not for loan while
        offline", when it is on loan to someone else, or when patron or item are unknown.
        """
        with self.model.transaction() as db:
            result = self._checkout(
                db, t, request, nb_due_date=nb_due_date, renewal_allowed=renewal_allowed
            )
            self._log(
                db,
                t,
                "renew"
                if result.renewal
                else "checkout_replayed"
                if result.unchanged
                else "checkout",
                item=request.item_id,
                patron=result.patron,
                ok=result.ok,
                detail=(result.reason or "") + (" offline" if request.no_block else ""),
            )
        if result.ok:
            return replace(result, item=self.model.item(request.item_id))
        return result

    def _checkout(
        self,
        db: LockedConnection,
        t: Terminal,
        request: LoanRequest,
        *,
        nb_due_date: datetime | None,
        renewal_allowed: bool,
    ) -> LoanResult:
        no_block, fee_acknowledged = request.no_block, request.fee_acknowledged
        standing = self.standing(request.patron_id, request.pin)
        if standing.patron is None:
            return self._refuse_loan(Reason.UNKNOWN_PATRON)
        patron = standing.patron.barcode
        if standing.pin_refusal is not None:
            return self._refuse_loan(standing.pin_refusal, patron=patron)
        item = self.model.item(request.item_id)
        if item is None:
            return self._refuse_loan(Reason.UNKNOWN_ITEM, patron=patron)
        if no_block and item.loan is not None and item.loan.patron == patron:
            # An offline loan replayed after it already reached us (the reply was lost):
            # the loan exists, so the answer is yes and nothing changes.
            return LoanResult(ok=True, patron=patron, item=item, due=item.loan.due, unchanged=True)
        if no_block:
            if self._offline_too_old(request.transaction_date):
                return self._refuse_loan(Reason.STALE_OFFLINE, patron=patron, item=item)
            if not item.offline_loan:
                return self._refuse_loan(Reason.NOT_FOR_OFFLINE_LOAN, patron=patron, item=item)
        if item.loan is not None:
            if item.loan.patron == patron:
                if not renewal_allowed:
                    return self._refuse_loan(
                        Reason.ALREADY_BORROWED, patron=patron, item=item, renewal=True
                    )
                return self._renew(
                    db, t, standing, item, fee_acknowledged=fee_acknowledged, no_block=no_block
                )
            return self._refuse_loan(Reason.ON_LOAN_TO_OTHER, patron=patron, item=item)
        if not no_block and standing.reasons:
            return self._refuse_loan(standing.reasons[0], patron=patron, item=item)
        rule = self.model.loan_rule(t.library, item.media_type)
        if item.status in ("reference", "in_process") or item.tag_usage == 2 or not rule.loanable:
            return self._refuse_loan(Reason.NOT_LOANABLE, patron=patron, item=item)
        if item.hold is not None and item.hold.patron != patron and not no_block:
            return self._refuse_loan(Reason.RESERVED_FOR_OTHER, patron=patron, item=item)
        if not no_block and self._over_loan_limit(patron, item.media_type, t.library):
            return self._refuse_loan(Reason.TOO_MANY_LOANS, patron=patron, item=item)
        if rule.loan_fee and not fee_acknowledged and not no_block:
            return self._refuse_loan(
                Reason.FEE_NOT_ACKNOWLEDGED, patron=patron, item=item, fee=rule.loan_fee
            )
        when = request.transaction_date
        loaned = when if no_block and when else self.model.now()
        due = (
            nb_due_date
            if no_block and nb_due_date
            else _end_of_day(loaned.date() + timedelta(days=rule.loan_days))
        )
        if item.hold is not None:
            if item.hold.patron == patron:  # picking up one's own hold fulfils it
                db.execute("DELETE FROM hold WHERE id = ?", (item.hold.id,))
            else:  # offline loan of a trapped item: the hold goes back to the queue
                db.execute(
                    "UPDATE hold SET state = 'waiting', item = NULL, expires = NULL WHERE id = ?",
                    (item.hold.id,),
                )
        db.execute(
            "INSERT INTO loan VALUES (?, ?, ?, ?, ?, 0)",
            (item.barcode, patron, t.branch, iso(loaned), iso(due)),
        )
        db.execute(
            "UPDATE item SET status = 'on_loan', location = ?, transit_to = NULL WHERE barcode = ?",
            (t.branch, item.barcode),
        )
        if rule.loan_fee:
            self._charge(db, patron, rule.loan_fee, "rental", item.barcode, "Hyresavgift")
        return LoanResult(ok=True, patron=patron, item=item, due=due, fee=rule.loan_fee)

    def _over_loan_limit(self, patron: str, media_type: str, library: str) -> bool:
        total = self.model.conn.execute(
            "SELECT COUNT(*) FROM loan WHERE patron = ?", (patron,)
        ).fetchone()[0]
        if total >= self.model.loan_rule(library, "*").max_loans:
            return True
        rule = self.model.loan_rule(library, media_type)
        if rule.media_type == "*":
            return False
        same = self.model.conn.execute(
            "SELECT COUNT(*) FROM loan JOIN item ON item.barcode = loan.item"
            " WHERE loan.patron = ? AND item.media_type = ?",
            (patron, media_type),
        ).fetchone()[0]
        return bool(same >= rule.max_loans)

    def _charge(
        self,
        db: LockedConnection,
        patron: str,
        amount: int,
        kind: str,
        item: str | None,
        description: str,
    ) -> None:
        db.execute(
            "INSERT INTO fee (patron, amount, type, item, description, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (patron, amount, kind, item, description, iso(self.model.now())),
        )

    def renew(self, t: Terminal, request: RenewRequest, *, no_block: bool = False) -> LoanResult:
        """Renew a loan the patron has (the port's request; ``no_block``: a SIP2 terminal's
        offline renewal, which skips the patron's blocks and the fee acknowledgement)."""
        with self.model.transaction() as db:
            result = self._renew_checked(db, t, request, no_block=no_block)
            self._log(
                db,
                t,
                "renew",
                item=request.item_id,
                patron=result.patron,
                ok=result.ok,
                detail=result.reason or "",
            )
        return result

    def _renew_checked(
        self, db: LockedConnection, t: Terminal, request: RenewRequest, *, no_block: bool
    ) -> LoanResult:
        standing = self.standing(request.patron_id, request.pin)
        if standing.patron is None:
            return self._refuse_loan(Reason.UNKNOWN_PATRON)
        if standing.pin_refusal is not None:
            return self._refuse_loan(standing.pin_refusal, patron=standing.patron.barcode)
        item = self.model.item(request.item_id)
        if item is None:
            return self._refuse_loan(Reason.UNKNOWN_ITEM, patron=standing.patron.barcode)
        if item.loan is None or item.loan.patron != standing.patron.barcode:
            return self._refuse_loan(Reason.NOT_ON_LOAN, patron=standing.patron.barcode, item=item)
        return self._renew(
            db, t, standing, item, fee_acknowledged=request.fee_acknowledged, no_block=no_block
        )

    def _renew(
        self,
        db: LockedConnection,
        t: Terminal,
        standing: PatronStanding,
        item: ItemRecord,
        *,
        fee_acknowledged: bool,
        no_block: bool,
    ) -> LoanResult:
        assert standing.patron is not None and item.loan is not None
        patron = standing.patron.barcode

        def refuse(reason: Reason, fee: int = 0) -> LoanResult:
            return self._refuse_loan(reason, patron=patron, item=item, renewal=True, fee=fee)

        if not no_block and standing.status[RENEWAL_DENIED]:
            return refuse(standing.reasons[0])
        if not no_block and Reason.EXCESSIVE_FEES in standing.reasons:
            return refuse(Reason.EXCESSIVE_FEES)
        loan_branch = self.model.branch(item.loan.branch)
        rule = self.model.loan_rule(
            loan_branch.library if loan_branch else t.library, item.media_type
        )
        if item.loan.renewals >= rule.renewals:
            return refuse(Reason.RENEWAL_LIMIT)
        waiting = db.execute(
            "SELECT COUNT(*) FROM hold WHERE record = ? AND state = 'waiting'", (item.record,)
        ).fetchone()[0]
        if waiting:
            return refuse(Reason.RENEWAL_RESERVED)
        if rule.loan_fee and not fee_acknowledged and not no_block:
            return refuse(Reason.FEE_NOT_ACKNOWLEDGED, fee=rule.loan_fee)
        due = max(
            item.loan.due, _end_of_day(self.model.now().date() + timedelta(days=rule.loan_days))
        )
        db.execute(
            "UPDATE loan SET due = ?, renewals = renewals + 1 WHERE item = ?",
            (iso(due), item.barcode),
        )
        if rule.loan_fee:
            self._charge(db, patron, rule.loan_fee, "rental", item.barcode, "Hyresavgift")
        return LoanResult(
            ok=True, renewal=True, patron=patron, item=item, due=due, fee=rule.loan_fee
        )

    def renew_all(
        self, t: Terminal, patron_id: str, *, pin: str | None = None, fee_acknowledged: bool = False
    ) -> RenewAllResult:
        standing = self.standing(patron_id, pin)
        if standing.patron is None:
            return RenewAllResult(
                False, reason=Reason.UNKNOWN_PATRON, message=MESSAGES[Reason.UNKNOWN_PATRON]
            )
        if standing.pin_refusal is not None:
            return RenewAllResult(
                False, reason=standing.pin_refusal, message=MESSAGES[standing.pin_refusal]
            )
        renewed: list[str] = []
        unrenewed: list[str] = []
        for loan in self.model.loans_of(standing.patron.barcode):
            ask = RenewRequest(
                patron_id=standing.patron.barcode,
                item_id=loan.item,
                fee_acknowledged=fee_acknowledged,
            )
            result = self.renew(t, ask)
            (renewed if result.ok else unrenewed).append(loan.item)
        return RenewAllResult(True, renewed, unrenewed)

    # -- checkin ---------------------------------------------------------------------------------

    def checkin(
        self,
        t: Terminal,
        item_id: str,
        *,
        return_date: datetime | None = None,
        no_block: bool = False,
    ) -> ReturnResult:
        """Take an item back and decide where it goes. Never refuses: unknown -> exception."""
        with self.model.transaction() as db:
            result = self._checkin(db, t, item_id, return_date=return_date)
            self._log(
                db,
                t,
                "checkin",
                item=item_id,
                patron=result.previous_borrower,
                ok=result.ok,
                detail=result.outcome + (" offline" if no_block else ""),
            )
        if result.ok:
            return replace(result, item=self.model.item(item_id))
        return result

    def _checkin(
        self, db: LockedConnection, t: Terminal, item_id: str, *, return_date: datetime | None
    ) -> ReturnResult:
        sort_rules = self.model.sort_rules(t.branch)
        item = self.model.item(item_id)
        if item is None:
            bin_ = rules.sort_bin(
                sort_rules,
                outcome=rules.EXCEPTION,
                media_type=None,
                destination_library=None,
                collection=None,
            )
            return ReturnResult(
                ok=False,
                outcome=rules.EXCEPTION,
                sort_bin=bin_,
                reason=Reason.UNKNOWN_ITEM,
                message=MESSAGES[Reason.UNKNOWN_ITEM],
            )
        previous = None
        fine = 0
        if item.loan is not None:
            previous = item.loan.patron
            fine = self._overdue_fine(item, return_date or self.model.now())
            db.execute("DELETE FROM loan WHERE item = ?", (item.barcode,))
            if fine:
                self._charge(db, previous, fine, "overdue", item.barcode, "Förseningsavgift")
        hold = item.hold
        if hold is None and item.status not in ("reference", "in_process"):
            row = db.execute(
                "SELECT id FROM hold WHERE record = ? AND state = 'waiting' ORDER BY id LIMIT 1",
                (item.record,),
            ).fetchone()
            hold = self.model.hold(row[0]) if row else None
        route = rules.route_return(
            here=t.branch,
            home_branch=item.home_branch,
            floating=item.floating,
            hold_pickup=hold.pickup if hold else None,
        )
        hold_patron = hold_short = None
        if hold is not None:
            hold_patron = hold.patron
            patron = self.model.patron(hold.patron)
            hold_short = short_name(patron.name) if patron else None
            if route.outcome == rules.HOLD_HERE:
                expires = self.model.now().date() + timedelta(
                    days=self.model.policy.hold_shelf_days
                )
                db.execute(
                    "UPDATE hold SET state = 'ready', item = ?, expires = ? WHERE id = ?",
                    (item.barcode, iso(expires), hold.id),
                )
                db.execute(
                    "UPDATE item SET status = 'on_hold_shelf', location = ?,"
                    " transit_to = NULL WHERE barcode = ?",
                    (t.branch, item.barcode),
                )
            else:
                db.execute(
                    "UPDATE hold SET state = 'in_transit', item = ?, expires = NULL WHERE id = ?",
                    (item.barcode, hold.id),
                )
                db.execute(
                    "UPDATE item SET status = 'in_transit', location = ?,"
                    " transit_to = ? WHERE barcode = ?",
                    (t.branch, route.destination, item.barcode),
                )
        elif route.outcome == rules.TRANSIT_HOME:
            db.execute(
                "UPDATE item SET status = 'in_transit', location = ?, transit_to = ?"
                " WHERE barcode = ?",
                (t.branch, route.destination, item.barcode),
            )
        else:  # reshelve here, or a floating item makes this branch its home
            status = item.status if item.status in ("reference", "in_process") else "available"
            db.execute(
                "UPDATE item SET status = ?, location = ?, home_branch = ?,"
                " transit_to = NULL WHERE barcode = ?",
                (status, t.branch, t.branch, item.barcode),
            )
        destination_library = None
        if route.destination:
            branch = self.model.branch(route.destination)
            destination_library = branch.library if branch else None
        bin_ = rules.sort_bin(
            sort_rules,
            outcome=route.outcome,
            media_type=item.media_type,
            destination_library=destination_library,
            collection=item.collection,
        )
        return ReturnResult(
            ok=True,
            outcome=route.outcome,
            item=item,
            destination=route.destination,
            sort_bin=bin_,
            hold_patron=hold_patron,
            hold_patron_short=hold_short,
            previous_borrower=previous,
            fine=fine,
        )

    def _overdue_fine(self, item: ItemRecord, returned: datetime) -> int:
        assert item.loan is not None
        if returned <= item.loan.due:
            return 0
        branch = self.model.branch(item.loan.branch)
        rule = self.model.loan_rule(branch.library if branch else "*", item.media_type)
        days = (returned.date() - item.loan.due.date()).days
        return max(days, 0) * rule.overdue_fee_per_day

    # -- holds -----------------------------------------------------------------------------------

    def hold(
        self,
        t: Terminal,
        mode: str,
        patron_id: str,
        *,
        pin: str | None = None,
        item_id: str | None = None,
        title_id: str | None = None,
        pickup: str | None = None,
    ) -> HoldResult:
        """Place (``+``), cancel (``-``) or change the pickup branch (``*``) of a hold."""
        with self.model.transaction() as db:
            result = self._hold(
                db, t, mode, patron_id, pin=pin, item_id=item_id, title_id=title_id, pickup=pickup
            )
            action = {"+": "hold", "-": "hold_cancel", "*": "hold_change"}.get(mode, "hold")
            self._log(
                db,
                t,
                action,
                item=item_id,
                patron=result.hold.patron if result.hold else None,
                ok=result.ok,
                detail=result.reason or "",
            )
        return result

    def _hold(
        self,
        db: LockedConnection,
        t: Terminal,
        mode: str,
        patron_id: str,
        *,
        pin: str | None,
        item_id: str | None,
        title_id: str | None,
        pickup: str | None,
    ) -> HoldResult:
        def refuse(
            reason: Reason,
            *,
            record: str | None = None,
            title: str | None = None,
            hold: HoldRecord | None = None,
        ) -> HoldResult:
            return HoldResult(
                False,
                reason=reason,
                message=MESSAGES[reason],
                record=record,
                title=title,
                hold=hold,
            )

        standing = self.standing(patron_id, pin)
        if standing.patron is None:
            return refuse(Reason.UNKNOWN_PATRON)
        if standing.pin_refusal is not None:
            return refuse(standing.pin_refusal)
        patron = standing.patron
        record = title = None
        if item_id:
            item = self.model.item(item_id)
            if item is not None:
                record, title = item.record, item.title
        elif title_id:
            row = db.execute(
                "SELECT record, title FROM item WHERE record = ? OR title = ?"
                " ORDER BY record = ? DESC, record LIMIT 1",  # a record id beats a title match
                (title_id, title_id, title_id),
            ).fetchone()
            if row:
                record, title = row[0], row[1]
        if record is None:
            return refuse(Reason.UNKNOWN_RECORD)
        existing = db.execute(
            "SELECT id FROM hold WHERE patron = ? AND record = ?", (patron.barcode, record)
        ).fetchone()
        if mode == "-":
            if existing is None:
                return refuse(Reason.NO_SUCH_HOLD, record=record, title=title)
            hold = self.model.hold(existing[0])
            db.execute("DELETE FROM hold WHERE id = ?", (existing[0],))
            if hold is not None and hold.item:
                db.execute(
                    "UPDATE item SET status = 'available', transit_to = NULL"
                    " WHERE barcode = ? AND status IN ('on_hold_shelf', 'in_transit')",
                    (hold.item,),
                )
            return HoldResult(True, hold=hold, record=record, title=title)
        pickup_branch = self.model.branch(pickup or patron.home_branch)
        if pickup_branch is None:
            return refuse(Reason.UNKNOWN_BRANCH, record=record, title=title)
        pickup = pickup_branch.code  # as the data file spells it, whatever case was sent
        if mode == "*":
            if existing is None:
                return refuse(Reason.NO_SUCH_HOLD, record=record, title=title)
            db.execute("UPDATE hold SET pickup = ? WHERE id = ?", (pickup, existing[0]))
            return HoldResult(True, hold=self.model.hold(existing[0]), record=record, title=title)
        if standing.status[HOLD_DENIED]:
            return refuse(standing.reasons[0], record=record, title=title)
        if existing is not None:
            return refuse(
                Reason.HOLD_EXISTS, record=record, title=title, hold=self.model.hold(existing[0])
            )
        borrowed = db.execute(
            "SELECT 1 FROM loan JOIN item ON item.barcode = loan.item"
            " WHERE loan.patron = ? AND item.record = ?",
            (patron.barcode, record),
        ).fetchone()
        if borrowed:
            return refuse(Reason.ALREADY_BORROWED, record=record, title=title)
        count = db.execute(
            "SELECT COUNT(*) FROM hold WHERE patron = ?", (patron.barcode,)
        ).fetchone()[0]
        if count >= self.model.policy.hold_limit:
            return refuse(Reason.HOLD_LIMIT, record=record, title=title)
        cursor = db.execute(
            "INSERT INTO hold (patron, record, pickup, placed, state) VALUES (?, ?, ?, ?,"
            " 'waiting')",
            (patron.barcode, record, pickup, iso(self.model.now())),
        )
        available = (
            db.execute(
                "SELECT 1 FROM item WHERE record = ? AND status = 'available'", (record,)
            ).fetchone()
            is not None
        )
        return HoldResult(
            True,
            hold=self.model.hold(int(cursor.lastrowid or 0)),
            available=available,
            record=record,
            title=title,
        )

    # -- fees, blocks, item properties -----------------------------------------------------------

    def pay(
        self,
        t: Terminal,
        patron_id: str,
        amount: int,
        *,
        fee_id: str | None = None,
        transaction_id: str | None = None,
    ) -> PaymentResult:
        """Pay ``amount`` cents towards one fee (``fee_id``) or the oldest fees first."""
        with self.model.transaction() as db:
            result = self._pay(db, patron_id, amount, fee_id=fee_id, transaction_id=transaction_id)
            self._log(
                db,
                t,
                "fee_paid",
                item=None,
                patron=patron_id if result.accepted else None,
                ok=result.accepted,
                detail=f"{amount} {result.reason or ''}".strip(),
            )
        return result

    def _pay(
        self,
        db: LockedConnection,
        patron_id: str,
        amount: int,
        *,
        fee_id: str | None,
        transaction_id: str | None,
    ) -> PaymentResult:
        patron = self.model.find_patron(patron_id)
        if patron is None:
            return PaymentResult(
                False, reason=Reason.UNKNOWN_PATRON, message=MESSAGES[Reason.UNKNOWN_PATRON]
            )
        fees = self.model.fees_of(patron.barcode)
        if fee_id:
            fees = [f for f in fees if str(f.id) == fee_id]
        owed = sum(f.outstanding for f in fees)
        if owed == 0:
            return PaymentResult(
                False, reason=Reason.NOTHING_TO_PAY, message=MESSAGES[Reason.NOTHING_TO_PAY]
            )
        if amount > owed or amount <= 0:
            return PaymentResult(
                False,
                remaining=owed,
                reason=Reason.PAYMENT_TOO_LARGE,
                message=MESSAGES[Reason.PAYMENT_TOO_LARGE],
            )
        left = amount
        for fee in fees:
            part = min(left, fee.outstanding)
            db.execute("UPDATE fee SET paid = paid + ? WHERE id = ?", (part, fee.id))
            left -= part
            if left == 0:
                break
        tx = transaction_id or f"P{self.model.now():%Y%m%d%H%M%S}"
        return PaymentResult(True, paid=amount, remaining=owed - amount, transaction_id=tx)

    def block_patron(
        self, t: Terminal, patron_id: str, message: str, *, card_retained: bool = False
    ) -> PatronRecord | None:
        with self.model.transaction() as db:
            patron = self.model.find_patron(patron_id)
            if patron is not None:
                reason = KIOSK_BLOCK_PREFIX + (message or "Spärrat av automat")
                db.execute(
                    "UPDATE patron SET blocked = ? WHERE barcode = ?", (reason, patron.barcode)
                )
                if card_retained:
                    db.execute(
                        "UPDATE patron SET card_lost = 1 WHERE barcode = ?", (patron.barcode,)
                    )
            self._log(
                db,
                t,
                "block_patron",
                item=None,
                patron=patron.barcode if patron else None,
                ok=patron is not None,
            )
        return patron

    def enable_patron(self, t: Terminal, patron_id: str, *, pin: str | None = None) -> EnableResult:
        """Lift a block a kiosk set (01); blocks set by staff stay.

        A PIN, when given, must be the patron's and not locked: a wrong one lifts nothing
        (otherwise anyone holding a blocked card could unblock it by sending any PIN).
        """
        with self.model.transaction() as db:
            patron = self.model.find_patron(patron_id) if patron_id else None
            if patron is None:
                self._log(db, t, "patron_enable", item=None, patron=None, ok=False)
                return EnableResult(False, self.standing(patron_id, pin))
            pin_check = self.check_pin(patron, pin)
            refused = pin_check is not None and not pin_check.ok
            lifted = (
                not refused
                and bool(patron.blocked)
                and str(patron.blocked).startswith(KIOSK_BLOCK_PREFIX)
            )
            if lifted:
                db.execute("UPDATE patron SET blocked = NULL WHERE barcode = ?", (patron.barcode,))
                patron = self.model.patron(patron.barcode) or patron
            standing = self._standing_of(patron, pin_check)
            self._log(
                db,
                t,
                "patron_enable",
                item=None,
                patron=patron.barcode,
                ok=lifted,
                detail=standing.pin_refusal or "",
            )
        return EnableResult(lifted, standing)

    def set_item_properties(self, t: Terminal, item_id: str, properties: str) -> bool:
        with self.model.transaction() as db:
            cursor = db.execute(
                "UPDATE item SET properties = ? WHERE barcode = ?", (properties, item_id)
            )
            ok = cursor.rowcount == 1
            self._log(db, t, "item_status_update", item=item_id, patron=None, ok=ok)
        return ok
