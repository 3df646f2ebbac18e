"""The screens, one per part of a visit; each draws one part of
:class:`~kiosk.ui.presenter.UiState` and offers buttons.

They live in modules by the part of the visit they serve (:mod:`~kiosk.ui.screens_entry`: the
way in; :mod:`~kiosk.ui.screens_items`: the items on the pad; :mod:`~kiosk.ui.screens_visit`:
menu, account, receipt, goodbye; :mod:`~kiosk.ui.screens_staff`), all on the frame of
:mod:`~kiosk.ui.screen_base`. This module names them for the app.
"""

from __future__ import annotations

from kiosk.ui.screen_base import KioskScreen
from kiosk.ui.screens_entry import ClosedScreen, IdentifyScreen, PinScreen, WelcomeScreen
from kiosk.ui.screens_items import BorrowScreen, ReturnScreen, ReturnStationScreen, describe_item
from kiosk.ui.screens_staff import StaffLoginScreen, StaffScreen
from kiosk.ui.screens_visit import AccountScreen, GoodbyeScreen, MenuScreen, ReceiptScreen

__all__ = ["SCREEN_CLASSES", "KioskScreen", "describe_item"]

SCREEN_CLASSES: tuple[type[KioskScreen], ...] = (
    WelcomeScreen,
    IdentifyScreen,
    PinScreen,
    MenuScreen,
    BorrowScreen,
    ReturnScreen,
    AccountScreen,
    ReceiptScreen,
    GoodbyeScreen,
    StaffLoginScreen,
    StaffScreen,
    ReturnStationScreen,
    ClosedScreen,
)
