"""The library-system port and its adapters.

Public surface: the port (:class:`LibrarySystem`), its typed results and errors. The SIP2 adapter
is :class:`kiosk.ils.sip2.SIP2LibrarySystem` (imported from its module, so importing the port does
not pull in the SIP2 client). The durable journal and offline policy live in
``kiosk.ils.journal`` and ``kiosk.ils.offline``.
"""

from kiosk.ils.port import (
    BORROWING_BLOCKS,
    CheckinAlert,
    CheckinResult,
    CheckoutResult,
    Fee,
    FeeDue,
    Hold,
    HoldState,
    ItemInfo,
    ItemStatus,
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemProtocolError,
    LibrarySystemUnavailable,
    Loan,
    OutcomeUnknown,
    Patron,
    PatronAccount,
    PatronBlock,
    RenewAllResult,
    RenewResult,
)

__all__ = [
    "BORROWING_BLOCKS",
    "CheckinAlert",
    "CheckinResult",
    "CheckoutResult",
    "Fee",
    "FeeDue",
    "Hold",
    "HoldState",
    "ItemInfo",
    "ItemStatus",
    "LibrarySystem",
    "LibrarySystemError",
    "LibrarySystemProtocolError",
    "LibrarySystemUnavailable",
    "Loan",
    "OutcomeUnknown",
    "Patron",
    "PatronAccount",
    "PatronBlock",
    "RenewAllResult",
    "RenewResult",
]
