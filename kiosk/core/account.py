"""The account as the patron sees it: loans with due dates, holds by where they are, fees.

Why a function of its own: "ready here" or "ready elsewhere" depends on the branch the kiosk
stands in, and branch codes become names through the directory; the screen gets a view in
which all of that is decided.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kiosk.core.model import AccountView, FeeView, HoldPlace, HoldView, LoanView
from kiosk.ils.port import HoldState, PatronAccount, PatronBlock

__all__ = ["account_view", "money"]


def money(amount: Decimal | None) -> str | None:
    """A decimal amount as text with two decimals (``"25.00"``), None stays None."""
    return None if amount is None else f"{amount:.2f}"


def account_view(
    account: PatronAccount, *, here: str, name_of: Callable[[str | None], str | None]
) -> AccountView:
    """The patron's account for the screen, at the branch ``here``."""
    holds = []
    for hold in account.holds:
        if hold.state is HoldState.READY:
            place = (
                HoldPlace.READY_HERE
                if hold.pickup_location in (None, here)
                else HoldPlace.READY_ELSEWHERE
            )
        elif hold.state is HoldState.IN_TRANSIT:
            place = HoldPlace.IN_TRANSIT
        else:
            place = HoldPlace.WAITING
        holds.append(
            HoldView(
                title=hold.title,
                place=place,
                pickup_location=hold.pickup_location,
                pickup_name=name_of(hold.pickup_location),
                pickup_by=hold.pickup_by,
                item_id=hold.item_id,
            )
        )
    fees = tuple(
        FeeView(
            amount=money(fee.amount),
            currency=fee.currency or account.patron.currency,
            description=fee.description,
            item_id=fee.item_id,
            kind=fee.kind,
            title=fee.title,
            created=fee.created,
        )
        for fee in account.fees
    )
    total = account.patron.fee_amount
    if total is None and account.fees:
        total = sum((fee.amount or Decimal(0) for fee in account.fees), Decimal(0))
    currency = account.patron.currency or next(
        (fee.currency for fee in account.fees if fee.currency), None
    )
    return AccountView(
        loans=tuple(
            LoanView(
                item_id=loan.item_id,
                title=loan.title,
                due_date=loan.due_date,
                overdue=loan.overdue,
            )
            for loan in account.loans
        ),
        holds=tuple(holds),
        fees=fees,
        total_fees=money(total),
        currency=currency,
        can_renew=bool(account.loans) and PatronBlock.RENEWAL_DENIED not in account.patron.blocks,
    )
