"""The library-system port and its adapters.

Public surface: the port (:class:`LibrarySystem`), its typed results and errors. The adapters
are :class:`kiosk.ils.sip2.SIP2LibrarySystem` and :class:`kiosk.ils.folio.FolioLibrarySystem`
(imported from their modules, so importing the port pulls in neither the SIP2 client nor httpx);
``kiosk.assembly.library_system(config)`` builds the one a configuration names. The durable
journal and offline policy live in ``kiosk.ils.journal`` and ``kiosk.ils.offline``.
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
