"""Who is at the kiosk: a card number, the PIN, the library system's word on the patron.

Why its own module: identification decides what the rest of the visit may do (borrow or only
return, online or under the offline policy) and is where a visit ends before it starts (an
unknown card, a lost card, too many wrong PINs). While the library system is asked, the kiosk is
in :attr:`~kiosk.core.events.Mode.IDENTIFYING`, so a second card or PIN cannot overtake it.

Wrong PINs are counted twice: per visit (``pin_attempts``: the visit ends), and per card over
every visit and restart (a :class:`kiosk.lockout.GuessGuard`, ``pin_lockout_after``): a card
whose PIN was guessed at too often is locked at this kiosk for ``pin_lockout_minutes``, without
asking the library system, so reading the card again does not buy new guesses.
"""

from __future__ import annotations

import asyncio
import logging

from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import EndReason, Mode, Reason
from kiosk.core.library_reasons import free_text, reason_for
from kiosk.core.receipts import mask_card
from kiosk.core.session import Session
from kiosk.core.settings import PinPolicy
from kiosk.ils.port import (
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    Patron,
    PatronBlock,
)
from kiosk.lockout import GuessGuard, Verdict

__all__ = ["Identification"]

log = logging.getLogger(__name__)

#: Patron blocks -> the reason the UI shows, most specific first.
_BLOCK_REASONS: tuple[tuple[PatronBlock, Reason], ...] = (
    (PatronBlock.CARD_LOST, Reason.CARD_LOST),
    (PatronBlock.EXCESSIVE_FEES, Reason.EXCESSIVE_FEES),
    (PatronBlock.EXCESSIVE_FINES, Reason.EXCESSIVE_FEES),
    (PatronBlock.TOO_MANY_BILLED, Reason.EXCESSIVE_FEES),
    (PatronBlock.TOO_MANY_OVERDUE, Reason.TOO_MANY_OVERDUE),
    (PatronBlock.RECALL_OVERDUE, Reason.RECALL_OVERDUE),
    (PatronBlock.TOO_MANY_LOST, Reason.TOO_MANY_LOST),
    (PatronBlock.TOO_MANY_CHARGED, Reason.TOO_MANY_ITEMS),
    (PatronBlock.CHARGE_DENIED, Reason.PATRON_BLOCKED),
)


class Identification:
    """Identifies patrons for one kiosk."""

    def __init__(
        self, ctx: KioskContext, ils: LibrarySystem, pin_guard: GuessGuard | None = None
    ) -> None:
        self.ctx = ctx
        self.ils = ils
        self.pin_guard = pin_guard  # wrong PINs per card, over every visit and restart

    async def identify(self, card: str) -> None:
        """A card number; the mode table has already said that nobody is identified."""
        ctx = self.ctx
        if ctx.mode is not Mode.RETURN:
            ctx.session = Session()
        # else: an anonymous return visit becomes the patron's (returns, receipt lines, the
        # tags still on the pad all carry over)
        session = ctx.session
        session.patron_id = card
        session.pin_attempts_left = ctx.settings.pin_attempts
        policy = ctx.settings.pin
        if policy is not PinPolicy.NEVER and await self._pin_locked(card):
            self._refuse(Reason.PIN_ATTEMPTS_EXCEEDED)
            return
        if policy is PinPolicy.ALWAYS:
            ctx.set_mode(Mode.PIN)
            ctx.emit(ev.PinRequired(masked_card=mask_card(card)))
            return
        await self._validate(pin=None, pin_policy=policy)

    async def enter_pin(self, pin: str) -> None:
        card = self.ctx.session.patron_id
        if card is None:
            return
        if await self._pin_locked(card):
            self._refuse(Reason.PIN_ATTEMPTS_EXCEEDED)
            return
        await self._validate(pin=pin, pin_policy=PinPolicy.ALWAYS)

    async def _pin_locked(self, card: str) -> bool:
        if self.pin_guard is None:
            return False
        return await asyncio.to_thread(self.pin_guard.locked_until, card) is not None

    async def _count_pin(self, card: str, *, right: bool) -> bool:
        """Count a right or wrong PIN for ``card`` over all visits; True when it is locked."""
        if self.pin_guard is None:
            return False
        verdict = await asyncio.to_thread(self.pin_guard.record, card, right=right)
        if verdict is Verdict.LOCKED:
            log.warning("a card's PIN is locked at this kiosk after too many wrong tries")
        return verdict is Verdict.LOCKED

    async def _validate(self, *, pin: str | None, pin_policy: PinPolicy) -> None:
        ctx = self.ctx
        session = ctx.session
        patron_id = session.patron_id
        assert patron_id is not None
        back_to = ctx.mode
        ctx.set_mode(Mode.IDENTIFYING)
        try:
            patron = await self.ils.patron(patron_id, pin)
        except LibrarySystemError as error:
            unavailable = isinstance(error, LibrarySystemUnavailable)
            if unavailable:
                ctx.ils_state(False)
            else:
                log.warning("patron check failed: %s", error)
            if ctx.session is not session:
                return  # the visit ended while the library system was asked
            if unavailable:
                self._start_offline_session(session, pin)
            else:
                self._refuse(Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            return
        ctx.ils_state(True)
        if ctx.session is not session:
            return
        if not patron.valid:
            self._refuse(Reason.PATRON_UNKNOWN, patron.messages)
            return
        if pin_policy is PinPolicy.PER_PATRON and patron.pin_valid is not True:
            ctx.set_mode(Mode.PIN)
            ctx.emit(ev.PinRequired(masked_card=mask_card(patron_id)))
            return
        if pin is not None and patron.pin_locked:
            self._refuse(Reason.PIN_LOCKED, patron.messages)
            return
        if pin is not None and patron.pin_valid is not True:
            session.pin_attempts_left -= 1
            locked = await self._count_pin(patron_id, right=False)
            if ctx.session is not session:
                return
            if locked or session.pin_attempts_left <= 0:
                self._refuse(Reason.PIN_ATTEMPTS_EXCEEDED)
            else:
                ctx.set_mode(back_to)
                ctx.emit(ev.PinRefused(attempts_left=session.pin_attempts_left))
            return
        if PatronBlock.CARD_LOST in patron.blocks:
            self._refuse(Reason.CARD_LOST, patron.messages)
            return
        if pin is not None:
            await self._count_pin(patron_id, right=True)
        session.pin = pin
        session.patron = patron
        session.verified = True
        refusal = _borrow_refusal(patron)
        session.can_borrow = refusal is None
        session.borrow_refusal = refusal
        ctx.set_mode(Mode.MENU)
        ctx.emit(
            ev.SessionStarted(
                display_name=patron.name,
                masked_card=mask_card(patron_id),
                language=patron.language,
                messages=free_text(patron.messages),
                can_borrow=refusal is None,
                borrow_refusal=refusal,
            )
        )

    def _start_offline_session(self, session: Session, pin: str | None) -> None:
        """The library system cannot check the card: the offline policy decides what is left."""
        ctx = self.ctx
        policy = ctx.offline_policy
        if not policy.allows_returns:
            self._refuse(Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            return
        assert session.patron_id is not None
        session.pin = pin
        session.verified = True
        session.offline = True
        session.can_borrow = policy.allows_loans
        session.borrow_refusal = None if policy.allows_loans else Reason.LIBRARY_SYSTEM_UNAVAILABLE
        ctx.set_mode(Mode.MENU)
        ctx.emit(
            ev.SessionStarted(
                display_name="",
                masked_card=mask_card(session.patron_id),
                language=None,
                can_borrow=session.can_borrow,
                borrow_refusal=session.borrow_refusal,
            )
        )

    def _refuse(self, reason: Reason, messages: tuple[str, ...] = ()) -> None:
        self.ctx.emit(ev.IdentifyRefused(reason=reason, messages=free_text(messages)))
        self.ctx.reset_session(EndReason.REFUSED)


def _borrow_refusal(patron: Patron) -> Reason | None:
    blocks = patron.borrowing_blocks
    for block, reason in _BLOCK_REASONS:
        if block in blocks and reason is not Reason.PATRON_BLOCKED:
            return reason
    if not blocks:
        return None
    # "Charge denied" says no more than "blocked": the library system's recognised text may
    # say why (an expired card, a block by staff).
    return reason_for(patron.notices, Reason.PATRON_BLOCKED)
