"""The patron's account at the kiosk: show it, renew loans from it.

Why apart from :mod:`kiosk.core.account`: that module shapes the library system's account into
a view; this one is the conversation around it (asking the library system, renewing loans in
parallel through the pool, telling the screen each answer, the receipt lines).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from kiosk.core import events as ev
from kiosk.core.account import account_view
from kiosk.core.context import KioskContext
from kiosk.core.events import Action, Mode, Reason
from kiosk.core.library_reasons import free_text
from kiosk.core.model import AccountView
from kiosk.core.receipts import ReceiptEntry
from kiosk.core.renewals import RenewalService
from kiosk.core.session import Session
from kiosk.ils.port import (
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    PatronAccount,
)

__all__ = ["AccountDesk"]

log = logging.getLogger(__name__)

#: The library system's "no" to a renewal (counted as refused; not a failure to ask).
_RENEWAL_REFUSALS = frozenset(
    {Reason.RENEWAL_REFUSED, Reason.RENEWAL_RESERVED, Reason.RENEWAL_LIMIT}
)


class AccountDesk:
    """Shows the identified patron's account and renews their loans."""

    def __init__(
        self,
        ctx: KioskContext,
        ils: LibrarySystem,
        renewals: RenewalService,
        name_of: Callable[[str | None], str | None],
    ) -> None:
        self.ctx = ctx
        self.ils = ils
        self.renewals = renewals
        self.name_of = name_of

    async def show(self) -> AccountView | None:
        """Ask the library system for the account and show it (mode ACCOUNT)."""
        ctx = self.ctx
        session = ctx.session
        account = await self._account(session, Action.ACCOUNT)
        if account is None:
            return None
        view = account_view(account, here=ctx.settings.branch_code, name_of=self.name_of)
        if ctx.session is session:
            ctx.set_mode(Mode.ACCOUNT)
            ctx.emit(ev.AccountShown(account=view))
            messages = free_text(account.patron.messages)
            if messages:  # the library system's word on the account
                ctx.emit(ev.ScreenMessages(messages=messages))
        return view

    async def renew(self, item_ids: Iterable[str]) -> None:
        """Renew the selected loans (in parallel through the pool), then show the account."""
        session = self.ctx.session
        await asyncio.gather(*(self._renew_one(session, item_id) for item_id in item_ids))
        await self.show()

    async def renew_all(self) -> None:
        account = await self._account(self.ctx.session, Action.RENEW)
        if account is not None:
            await self.renew(loan.item_id for loan in account.loans)

    async def _account(self, session: Session, action: Action) -> PatronAccount | None:
        assert session.patron_id is not None  # the mode table requires an identified patron
        try:
            return await self.ils.account(session.patron_id, session.pin)
        except LibrarySystemError as error:
            if isinstance(error, LibrarySystemUnavailable):
                self.ctx.ils_state(False)
            else:
                log.warning("account could not be read: %s", error)
            self.ctx.emit(ev.ActionRefused(action=action, reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE))
            return None

    async def _renew_one(self, session: Session, item_id: str) -> None:
        ctx = self.ctx
        assert session.patron_id is not None
        ctx.emit(ev.ItemChecking(item_id=item_id, action=Action.RENEW))
        done = await self.renewals.renew(
            session.patron_id, item_id, pin=session.pin, session_id=session.id
        )
        if done.renewed:
            session.receipt_entries.append(
                ReceiptEntry(
                    action="renewed", item_id=item_id, title=done.title, due_date=done.due_date
                )
            )
            ctx.stat("renew", "ok", None, None)
            ctx.emit(
                ev.ItemRenewed(
                    item_id=item_id,
                    title=done.title,
                    due_date=done.due_date,
                    messages=done.messages,
                )
            )
            return
        if done.reason in _RENEWAL_REFUSALS:
            ctx.stat("renew", "refused", None, None)
        ctx.emit(
            ev.ItemRefused(
                item_id=item_id,
                action=Action.RENEW,
                reason=done.reason or Reason.REFUSED_BY_LIBRARY,
                title=done.title,
                messages=done.messages,
                retry_possible=done.retry,
            )
        )
