"""Every screen in every language, rendered headless: for translators, tests and the README.

Why a gallery apart from the scenarios: a scenario shows one visit in one language; reviewing a
translation (or checking that Arabic mirrors, or that no text overflows) needs *each screen* in
*each language* with every state on it at once: items done, refused, incomplete and "place it
again"; every return instruction; loans, holds and fees. The sample content is fed to the
presenter as the core's own event types, so the screens run their real code paths.

It also renders the questions that cannot wait (items left on the pad, loans whose alarm tag is
still on) over their screen, and every look (large text, high contrast, both), so the layout
audit (:mod:`kiosk.ui.audit`) can be run on everything a patron may see.

``python -m kiosk.ui.gallery OUT_DIR [--languages sv,ar] [--looks all] [--audit]
[--sheet docs/contact-sheet.png]`` writes ``OUT_DIR/<look>/<lang>/<screen>.png`` (the normal
look straight in ``OUT_DIR/<lang>``), audits each when asked, and optionally writes a contact
sheet of a selection.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core import (
    AccountView,
    Action,
    EndReason,
    FeeKind,
    FeeView,
    HoldPlace,
    HoldView,
    ItemRef,
    LoanView,
    Mode,
    PrinterState,
    Reason,
    Receipt,
    ReceiptEntry,
    ReturnKind,
    ReturnOutcome,
    TransferKind,
    events,
)
from kiosk.ui.presenter import Screen

if TYPE_CHECKING:  # imported once Kivy is configured (render_gallery does it)
    from kiosk.ui.harness import HeadlessUI
    from kiosk.ui.theme import Branding

__all__ = [
    "GALLERY_DIALOGS",
    "GALLERY_LOOKS",
    "GALLERY_SCREENS",
    "contact_sheet",
    "render_gallery",
    "sample_events",
]

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
    Screen.CLOSED,
)


#: Questions shown over a screen: (name, the screen under it).
GALLERY_DIALOGS: tuple[tuple[str, Screen], ...] = (
    ("left-on-pad", Screen.BORROW),
    ("finish-held", Screen.BORROW),
)

#: The looks a patron can choose: name -> (large text, high contrast).
GALLERY_LOOKS: dict[str, tuple[bool, bool]] = {
    "normal": (False, False),
    "large-text": (True, False),
    "high-contrast": (False, True),
    "large-text+high-contrast": (True, True),
}


def _due(days: int) -> datetime:
    return datetime(2026, 12, 1) + timedelta(days=days)


def dialog_events(name: str) -> list[events.KioskEvent]:
    """Core events that open the question ``name`` over its screen."""
    ev = events
    if name == "left-on-pad":
        return [
            ev.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU),
            ev.ItemLeftOnPad(item_id="3000000001", title="Gösta Berlings saga"),
            ev.ItemLeftOnPad(item_id="3000000003", title="Kallocain"),
        ]
    if name == "finish-held":
        return [
            ev.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU),
            ev.ItemBorrowed(item_id="3000000011", title="Röda rummet", due_date=_due(19)),
            ev.SecurityNotCleared(item_id="3000000012", action=Action.BORROW, title="Utvandrarna"),
            ev.FinishHeld(items=(ItemRef(item_id="3000000012", title="Utvandrarna"),)),
        ]
    raise KeyError(f"no dialog {name!r}; known: {[n for n, _ in GALLERY_DIALOGS]}")


def sample_events(screen: Screen) -> list[events.KioskEvent]:
    """Core events that put ``screen`` in a representative state."""
    ev = events
    if screen is Screen.PIN:
        return [ev.PinRequired(masked_card="••••••0001"), ev.PinRefused(attempts_left=2)]
    if screen is Screen.IDENTIFY:
        return [ev.IdentifyRefused(reason=Reason.PIN_LOCKED)]
    if screen is Screen.MENU:
        return [
            ev.SessionStarted(
                display_name="Aino",
                masked_card="••••••0001",
                language=None,
                can_borrow=False,
                borrow_refusal=Reason.CARD_EXPIRED,
            ),
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
            ev.ItemRefused(
                item_id="3000000004",
                action=Action.BORROW,
                reason=Reason.RESERVED_FOR_OTHER,
                title="Sofies värld",
                messages=("Avhämtas senast 12 december.",),
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
            (
                "3999999999",
                "",
                ReturnOutcome(kind=ReturnKind.EXCEPTION, exception_reason="checkin_refused"),
            ),
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
            fees=(
                FeeView(
                    amount="20.00",
                    currency="SEK",
                    description="Försenad",
                    kind=FeeKind.OVERDUE,
                    title="Sagan om ringen",
                    created=_due(-2),
                ),
                FeeView(amount="15.00", currency="SEK", description="DVD-hyra", kind=None),
            ),
            total_fees="35.00",
            currency="SEK",
        )
        return [
            ev.ModeChanged(mode=Mode.ACCOUNT, previous=Mode.MENU),
            ev.AccountShown(account=account),
            ev.ItemRenewed(item_id="3000000033", title="Pippi Långstrump", due_date=_due(33)),
            ev.ItemRefused(
                item_id="3000000032",
                action=Action.RENEW,
                reason=Reason.RENEWAL_RESERVED,
                title="Sagan om ringen",
            ),
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
                ReceiptEntry(
                    action="borrowed",
                    item_id="3000000012",
                    title="Utvandrarna",
                    due_date=_due(19),
                    attention="security_not_cleared",
                ),
                ReceiptEntry(action="returned", item_id="3000000001", title="Gösta Berlings saga"),
                ReceiptEntry(action="left_for_staff", item_id="3999999999", title=""),
            ),
        )
        return [
            ev.ModeChanged(mode=Mode.RECEIPT, previous=Mode.BORROW),
            ev.ReceiptReady(
                receipt=receipt,
                email_available=True,
                print_available=False,
                printer=PrinterState(online=True, paper="out"),
            ),
        ]
    if screen is Screen.GOODBYE:
        return [ev.SessionEnded(reason=EndReason.PATRON, items_on_pad=2)]
    if screen is Screen.STAFF:
        return [ev.LibrarySystemStatus(online=False, offline_mode=True), ev.StaffModeEntered()]
    if screen is Screen.CLOSED:  # closed over Christmas: the longest of the closed texts
        return [
            ev.ModeChanged(mode=Mode.CLOSED, previous=Mode.IDLE),
            ev.ServiceChanged(open=False, opens_at=datetime(2026, 12, 28, 10, 0)),
        ]
    return []


_STAFF_SAMPLE = {
    "offline_queue": 2,
    "reconciliation": ["checkout · 3000000011 · refused by the library system"],
    "reader_test": ["UID E0040150A1B2C3D4: item 3000000011, part 1/1, AFI 07"],
}


def _show(ui: HeadlessUI, screen: Screen, sample: list[events.KioskEvent]) -> None:
    app = ui.app
    app.presenter.service = events.ServiceChanged(open=True)
    app.presenter.clear_session()
    app.presenter.online = True
    app.presenter.offline_mode = False
    for event in sample:
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
    app.dialogs.update()


async def _render_one(ui: HeadlessUI, screen: Screen, out: Path) -> Path:
    _show(ui, screen, sample_events(screen))
    return await ui.screenshot(out)


async def _settled_shot(ui: HeadlessUI, out: Path) -> Path:
    """A screenshot once what was built has been laid out and followed (a list scrolled to its
    newest item): a few frames, as a patron would see it."""
    await ui.pump(frames=3)
    return await ui.screenshot(out)


def _look_dir(out_dir: Path, look: str) -> Path:
    return out_dir if look == "normal" else out_dir / look


async def render_gallery(
    out_dir: Path,
    languages: Iterable[str] | None = None,
    screens: Sequence[Screen] = GALLERY_SCREENS,
    *,
    width: int = 800,
    height: int = 480,
    looks: Sequence[str] = ("normal",),
    dialogs: bool = False,
    audit: bool = False,
) -> dict[tuple[str, str], Path]:
    """Render ``screens`` (and the dialogs, when asked) in ``languages`` and ``looks`` to
    ``out_dir/[<look>/]<lang>/<name>.png`` (headless); keyed by (language, name) for the normal
    look and (``look/language``, name) for the others. ``audit``: run the layout audit on each
    and raise ``AssertionError`` listing every finding."""
    from kiosk.ui.harness import HeadlessUI, configure_kivy
    from kiosk.ui.i18n import LANGUAGES

    configure_kivy(headless=True, width=width, height=height)
    from kiosk.ui.app import KioskApp
    from kiosk.ui.audit import audit as audit_screen
    from kiosk.ui.settings import UiSettings

    # The goodbye screen wipes itself after ``goodbye_s``; in a gallery that timer would fire
    # into a later shot (another language, the normal theme) when rendering is fast enough.
    app = KioskApp(None, UiSettings(branding=_gallery_branding(), goodbye_s=24 * 3600.0))
    ui = HeadlessUI(app)
    await ui.start()
    shots: dict[tuple[str, str], Path] = {}
    problems: list[str] = []
    moments: list[tuple[str, Screen, list[events.KioskEvent]]] = [
        (screen.value, screen, sample_events(screen)) for screen in screens
    ]
    if dialogs:
        moments += [(name, screen, dialog_events(name)) for name, screen in GALLERY_DIALOGS]
    try:
        for look in looks:
            large, contrast = GALLERY_LOOKS[look]
            if app.large_text != large:
                app.toggle_large_text()
            if app.high_contrast != contrast:
                app.toggle_high_contrast()
            for code in languages or LANGUAGES:
                app.set_language(code)
                for name, screen, sample in moments:
                    _show(ui, screen, sample)
                    path = _look_dir(out_dir, look) / code / f"{name}.png"
                    key = code if look == "normal" else f"{look}/{code}"
                    shots[(key, name)] = await _settled_shot(ui, path)
                    if audit:
                        problems += [f"{key} {name}: {f}" for f in audit_screen(app)]
    finally:
        ui.close()
    if problems:
        raise AssertionError("layout audit:\n" + "\n".join(problems))
    return shots


def _gallery_branding() -> Branding:
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
        sheet.paste(image.resize((cell_w, cell_h - 24), Image.Resampling.LANCZOS), (x, y + 24))
        draw.text((x + 2, y + 3), caption, fill="white", font=font)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target, optimize=True)
    return target


#: The README's selection: (look, language, screen or dialog) that show the range of the kiosk.
SHEET_SELECTION: tuple[tuple[str, str, str], ...] = (
    ("normal", "sv", "welcome"),
    ("normal", "sv", "borrow"),
    ("normal", "sv", "finish-held"),
    ("normal", "fi", "return"),
    ("large-text", "uk", "account"),
    ("large-text+high-contrast", "ar", "borrow"),
    ("large-text+high-contrast", "ar", "welcome"),
    ("high-contrast", "se", "identify"),
    ("normal", "nb", "left-on-pad"),
    ("large-text", "so", "receipt"),
    ("normal", "da", "pin"),
    ("normal", "en", "staff"),
    ("large-text", "ar", "return"),
    ("high-contrast", "sv", "menu"),
    ("normal", "en", "closed"),
    ("normal", "sv", "return_station"),
)

_LOOK_CAPTIONS = {
    "normal": "",
    "large-text": " · large text",
    "high-contrast": " · high contrast",
    "large-text+high-contrast": " · large text, high contrast",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.gallery", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--languages", help="comma-separated codes (default: all)")
    parser.add_argument(
        "--looks",
        default="normal",
        help=f"comma-separated, or 'all' ({', '.join(GALLERY_LOOKS)}); default: normal",
    )
    parser.add_argument("--audit", action="store_true", help="fail on any layout finding")
    parser.add_argument("--sheet", type=Path, help="also write the README contact sheet here")
    args = parser.parse_args(argv)
    languages = args.languages.split(",") if args.languages else None
    looks = list(GALLERY_LOOKS) if args.looks == "all" else args.looks.split(",")
    if args.sheet:
        looks = sorted(
            set(looks) | {look for look, _, _ in SHEET_SELECTION}, key=list(GALLERY_LOOKS).index
        )
        if languages is not None:
            languages = sorted(set(languages) | {code for _, code, _ in SHEET_SELECTION})
    shots = asyncio.run(
        render_gallery(args.out, languages, looks=looks, dialogs=True, audit=args.audit)
    )
    print(f"{len(shots)} screenshots in {args.out}")
    if args.sheet:
        from kiosk.ui.i18n import LANGUAGES

        # Pillow lays out right-to-left text itself (libraqm), so captions stay in logical order.
        chosen = [
            (
                f"{name} · {LANGUAGES[code].native_name}{_LOOK_CAPTIONS[look]}",
                shots[(code if look == "normal" else f"{look}/{code}", name)],
            )
            for look, code, name in SHEET_SELECTION
        ]
        contact_sheet(chosen, args.sheet)
        print(f"contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
