"""How much of a card number or a PIN may be shown: one rule for every layer of the kiosk.

Why one module: the screens, the receipts, the journal's finished entries, the log lines and
``kiosk config show`` all show card numbers, and three functions that each had their own idea
disagreed (one showed all four digits of a four-digit id). The rule, for card numbers, patron
identifiers and card UIDs: **at most the last four characters stay, and never more than half of
them**; every other character becomes ``fill`` and the length stays (a patron recognises their
card by its end; the length tells nobody anything useful). Examples::

    mask_card("20012345678")  ->  "•••••••5678"     (4 of 11)
    mask_card("123456")       ->  "•••456"          (3 of 6)
    mask_card("1234")         ->  "••34"            (2 of 4)
    mask_card("04A1B2C3", fill="*")  ->  "****B2C3" (a card UID, in a log line)

Secrets (PINs, passwords, staff codes) show nothing at all, not even their length:
:data:`SECRET_MASK`. Masking is idempotent (a masked value masks to itself), and a masked value
always starts with ``fill``.

This module imports nothing of the kiosk, so every layer may use it (the drivers may not:
they never import the kiosk; ``drivers.cards.mask_uid`` shows the last two bytes of a UID,
which is the same rule for UIDs of four bytes and more).
"""

from __future__ import annotations

__all__ = ["MASK_FILL", "SECRET_MASK", "VISIBLE", "mask_card"]

#: What a hidden character of a card number becomes on screens, receipts and in the journal.
MASK_FILL = "•"
#: At most this many characters of a card number stay visible.
VISIBLE = 4
#: What a PIN, password or staff code is shown as (whatever its length).
SECRET_MASK = "***"


def mask_card(value: str, *, fill: str = MASK_FILL) -> str:
    """A card number, patron identifier or card UID with at most its last four characters (and
    never more than half of them) left; ``fill`` replaces the others (``"*"`` in log lines,
    which stay ASCII)."""
    value = str(value)
    keep = min(VISIBLE, len(value) // 2)
    return fill * (len(value) - keep) + (value[len(value) - keep :] if keep else "")
