"""Every screen in every language, rendered headless: for translators, tests and the README.

Why a gallery apart from the scenarios: a scenario shows one visit in one language; reviewing a
translation (or checking that Arabic mirrors, or that no text overflows) needs *each screen* in
*each language* with every state on it at once: items done, refused, incomplete and "place it
again"; every return instruction; loans, holds and fees. The sample content is fed to the
presenter as the core's own event types, so the screens run their real code paths.

``python -m kiosk.ui.gallery OUT_DIR [--languages sv,ar] [--sheet docs/contact-sheet.png]``
writes ``OUT_DIR/<lang>/<screen>.png`` and optionally a contact sheet of a selection.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.core import (
    AccountView,
    Action,
    EndReason,
    FeeView,
    HoldPlace,
    HoldView,
    LoanView,
    Mode,
    Reason,
    Receipt,
    ReceiptEntry,
    ReturnKind,
    ReturnOutcome,
    TransferKind,
    events,
)
from kiosk.ui.presenter import Screen

__all__ = ["GALLERY_SCREENS", "contact_sheet", "render_gallery", "sample_events"]

#: The screens of the gallery, in the order a visit goes.
GALLERY_SCREENS: tuple[Screen, ...] = (
    Screen.WELCOME,
    Screen.IDENTIFY,
    Screen.PIN,
    Screen.MENU,
    Screen.BORROW,
    Screen.RETURN,
    Screen.ACCOUNT,
    Screen.RECEIPT,
    Screen.GOODBYE,
    Screen.STAFF,
    Screen.RETURN_STATION,
)


def _due(days: int) -> datetime:
    return datetime(2026, 12, 1) + timedelta(days=days)


def sample_events(screen: Screen) -> list[events.KioskEvent]:
    """Core events that put ``screen`` in a representative state."""
    ev = events
    if screen is Screen.PIN:
        return [ev.PinRequired(masked_card="••••••0001"), ev.PinRefused(attempts_left=2)]
    if screen is Screen.IDENTIFY:
        return [ev.IdentifyRefused(reason=Reason.PATRON_UNKNOWN)]
    if screen is Screen.MENU:
        return [
            ev.SessionStarted(display_name="Aino", masked_card="••••••0001", language=None),
            ev.ModeChanged(mode=Mode.MENU, previous=Mode.PIN),
            ev.ScreenMessages(messages=("Välkommen! Biblioteket stänger kl. 16 på fredag.",)),
        ]
    if screen is Screen.BORROW:
        return [
            ev.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU),
            ev.ItemBorrowed(item_id="3000000011", title="Röda rummet", due_date=_due(19)),
            ev.ItemRefused(
                item_id="3000000010",
                action=Action.BORROW,
                reason=Reason.NOT_FOR_LOAN,
                title="Nationalencyklopedin, band 1",
            ),
            ev.SecurityNotCleared(item_id="3000000012", action=Action.BORROW, title="Utvandrarna"),
            ev.IncompleteSet(
                item_id="3000000007",
                parts=3,
                present=(1,),
                missing=(2, 3),
                title="Finska för nybörjare",
            ),
            ev.ItemChecking(item_id="3000000013", action=Action.BORROW),
        ]
    if screen in (Screen.RETURN, Screen.RETURN_STATION):
        outcomes = [
            ("3000000001", "Gösta Berlings saga", ReturnOutcome(kind=ReturnKind.RESHELVE)),
            ("3000000004", "Mumintrollet", ReturnOutcome(kind=ReturnKind.HOLD_HERE)),
            (
                "3000000003",
                "Kallocain",
                ReturnOutcome(
                    kind=ReturnKind.OTHER_LIBRARY,
                    transfer=TransferKind.TRANSIT,
                    destination="SOD-HB",
                    destination_name="Söderhamn",
                ),
            ),
            (
                "3000000005",
                "Hundraåringen",
                ReturnOutcome(
                    kind=ReturnKind.OTHER_LIBRARY,
                    transfer=TransferKind.HOLD,
                    destination="LJD-HB",
                    destination_name="Ljusdal",
                ),
            ),
            ("3999999999", "", ReturnOutcome(kind=ReturnKind.EXCEPTION)),
        ]
        returned: list[events.KioskEvent] = [ev.ModeChanged(mode=Mode.RETURN, previous=Mode.IDLE)]
        returned += [
            ev.ItemReturned(item_id=item, title=title, outcome=outcome)
            for item, title, outcome in outcomes
        ]
        return returned
    if screen is Screen.ACCOUNT:
        account = AccountView(
            loans=(
                LoanView(item_id="3000000033", title="Pippi Långstrump", due_date=_due(5)),
                LoanView(
                    item_id="3000000032", title="Sagan om ringen", due_date=_due(-3), overdue=True
                ),
            ),
            holds=(
                HoldView(
                    title="Stormen",
                    place=HoldPlace.READY_HERE,
                    pickup_location="BOL-HB",
                    pickup_name="Bollnäs",
                    pickup_by=_due(7),
                ),
                HoldView(
                    title="Liftarens guide",
                    place=HoldPlace.IN_TRANSIT,
                    pickup_location="BOL-HB",
                    pickup_name="Bollnäs",
                ),
                HoldView(
                    title="Bröderna Lejonhjärta",
                    place=HoldPlace.READY_ELSEWHERE,
                    pickup_location="HUD-HB",
                    pickup_name="Hudiksvall",
                ),
                HoldView(
                    title="Ronja Rövardotter",
                    place=HoldPlace.WAITING,
                    pickup_location=None,
                    pickup_name=None,
                ),
            ),
            fees=(FeeView(amount="15.00", currency="SEK", description="DVD"),),
            total_fees="15.00",
            currency="SEK",
        )
        return [
            ev.ModeChanged(mode=Mode.ACCOUNT, previous=Mode.MENU),
            ev.AccountShown(account=account),
            ev.ItemRenewed(item_id="3000000033", title="Pippi Långstrump", due_date=_due(33)),
        ]
    if screen is Screen.RECEIPT:
        receipt = Receipt(
            library_name="Bollnäs bibliotek",
            branch_name="Bollnäs",
            masked_card="••••••0001",
            created=datetime(2026, 11, 22, 14, 5),
            entries=(
                ReceiptEntry(
                    action="borrowed", item_id="3000000011", title="Röda rummet", due_date=_due(19)
                ),
                ReceiptEntry(action="returned", item_id="3000000001", title="Gösta Berlings saga"),
            ),
        )
        return [
            ev.ModeChanged(mode=Mode.RECEIPT, previous=Mode.BORROW),
            ev.ReceiptReady(receipt=receipt, email_available=True, print_available=True),
        ]
    if screen is Screen.GOODBYE:
        return [ev.SessionEnded(reason=EndReason.PATRON)]
    if screen is Screen.STAFF:
        return [ev.LibrarySystemStatus(online=False, offline_mode=True), ev.StaffModeEntered()]
    return []


_STAFF_SAMPLE = {
    "offline_queue": 2,
    "reconciliation": ["checkout · 3000000011 · refused by the library system"],
    "reader_test": ["UID E0040150A1B2C3D4: item 3000000011, part 1/1, AFI 07"],
}


async def _render_one(ui: Any, screen: Screen, out: Path) -> Path:
    app = ui.app
    app.presenter.clear_session()
    app.presenter.online = True
    app.presenter.offline_mode = False
    for event in sample_events(screen):
        app.presenter.apply(event)
    if screen is Screen.STAFF:
        app.staff_status = dict(_STAFF_SAMPLE)
        app.staff_status["devices"] = {
            app.tr("RFID reader"): (True, app.tr("working")),
            app.tr("Receipt printer"): (False, app.tr("paper out")),
        }
    if app.presenter.state.screen is not screen:
        app.presenter.go(screen)
    else:
        app.show(screen)
    return await ui.screenshot(out)


async def render_gallery(
    out_dir: Path,
    languages: Iterable[str] | None = None,
    screens: Sequence[Screen] = GALLERY_SCREENS,
    *,
    width: int = 800,
    height: int = 480,
) -> dict[tuple[str, Screen], Path]:
    """Render ``screens`` in ``languages`` to ``out_dir/<lang>/<screen>.png`` (headless)."""
    from kiosk.ui.harness import HeadlessUI, configure_kivy
    from kiosk.ui.i18n import LANGUAGES

    configure_kivy(headless=True, width=width, height=height)
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import UiSettings

    # The goodbye screen wipes itself after ``goodbye_s``; in a gallery that timer would fire
    # into a later shot (another language, the normal theme) when rendering is fast enough.
    app = KioskApp(None, UiSettings(branding=_gallery_branding(), goodbye_s=24 * 3600.0))
    ui = HeadlessUI(app)
    await ui.start()
    shots: dict[tuple[str, Screen], Path] = {}
    try:
        for code in languages or LANGUAGES:
            app.set_language(code)
            for screen in screens:
                shots[(code, screen)] = await _render_one(
                    ui, screen, out_dir / code / f"{screen.value}.png"
                )
    finally:
        ui.close()
    return shots


def _gallery_branding() -> Any:
    from kiosk.ui.theme import Branding

    return Branding(library_name="Bollnäs bibliotek")


def contact_sheet(
    images: Sequence[tuple[str, Path]], target: Path, columns: int = 4, thumb: int = 380
) -> Path:
    """A grid of captioned thumbnails (Pillow), e.g. the README's picture of the kiosk."""
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.ui.theme import FONTS_DIR

    font = ImageFont.truetype(str(FONTS_DIR / "DejaVuSans.ttf"), 15)
    opened = [(caption, Image.open(path).convert("RGB")) for caption, path in images]
    if not opened:
        raise ValueError("no images for the contact sheet")
    ratio = opened[0][1].height / opened[0][1].width
    cell_w, cell_h = thumb, int(thumb * ratio) + 24
    rows = (len(opened) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (cell_w + 8) + 8, rows * (cell_h + 8) + 8), "#3d3846")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, image) in enumerate(opened):
        x = 8 + (index % columns) * (cell_w + 8)
        y = 8 + (index // columns) * (cell_h + 8)
        sheet.paste(image.resize((cell_w, cell_h - 24), Image.LANCZOS), (x, y + 24))
        draw.text((x + 2, y + 3), caption, fill="white", font=font)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target, optimize=True)
    return target


#: The README's selection: (language, screen) pairs that show the range of the kiosk.
SHEET_SELECTION: tuple[tuple[str, Screen], ...] = (
    ("sv", Screen.WELCOME),
    ("sv", Screen.BORROW),
    ("sv", Screen.RETURN),
    ("sv", Screen.ACCOUNT),
    ("se", Screen.WELCOME),
    ("ar", Screen.BORROW),
    ("uk", Screen.RETURN),
    ("fi", Screen.PIN),
    ("so", Screen.RECEIPT),
    ("nn", Screen.MENU),
    ("en", Screen.STAFF),
    ("da", Screen.RETURN_STATION),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.gallery", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--languages", help="comma-separated codes (default: all)")
    parser.add_argument("--sheet", type=Path, help="also write the README contact sheet here")
    args = parser.parse_args(argv)
    languages = args.languages.split(",") if args.languages else None
    if args.sheet and languages is not None:
        languages = sorted(set(languages) | {code for code, _ in SHEET_SELECTION})
    shots = asyncio.run(render_gallery(args.out, languages))
    print(f"{len(shots)} screenshots in {args.out}")
    if args.sheet:
        from kiosk.ui.i18n import LANGUAGES

        # Pillow lays out right-to-left text itself (libraqm), so captions stay in logical order.
        chosen = [
            (f"{screen.value} · {LANGUAGES[code].native_name}", shots[(code, screen)])
            for code, screen in SHEET_SELECTION
        ]
        contact_sheet(chosen, args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
