"""The demo's control panel: put demo items and library cards on the simulated pad by touch.

Why: ``kiosk demo`` must let a person try the kiosk without an RFID pad. The panel sits beside
the kiosk's screen and plays the hands of the patron: it places and removes the virtual tags of
the demo consortium's showcase items (a stack, a three-part set, a reference book, a loan with a
fee, returns for every routing outcome) and switches the library system off and on.

It is a developer tool shown only in the demo, so its labels are English (not in the catalogs).
"""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.settings import DEMO_PANEL_WIDTH
from kiosk.ui.widgets import KButton, KLabel

__all__ = ["demo_items", "demo_panel"]


def demo_items(examples: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """(label, barcode) of the showcase items, in the order a visitor would try them."""
    items: list[tuple[str, str]] = []
    first = int(examples["borrow_stack"]["first"])
    items += [(f"Stack book {i + 1}", str(first + i)) for i in range(4)]
    named = [
        ("3-part set", "borrow_multipart"),
        ("Reference book", "borrow_reference"),
        ("Loan with a fee", "borrow_chargeable"),
        ("Return: shelf", "return_reshelve"),
        ("Return: hold here", "return_hold_here"),
        ("Return: goes home", "return_transit_home"),
        ("Return: hold elsewhere", "return_hold_transit"),
    ]
    items += [(label, examples[key]["item"]) for label, key in named if key in examples]
    return items


class _Toggle(KButton):
    """A panel button that remembers whether its tags are on the pad."""


def demo_panel(running: Any) -> Any:
    """A factory for :class:`~kiosk.ui.app.KioskApp`'s ``side_panel`` over a running demo."""
    from kiosk.assembly import demo_item_tags, demo_patron_card

    model = running.acs.model
    sim = running.simulator
    examples = running.acs.examples

    def build(app: Any) -> Widget:
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(6), padding=dp(6))
        box.bind(minimum_height=box.setter("height"))
        box.add_widget(KLabel(logical="Demo controls", role="item"))
        patron = examples["patron"]
        box.add_widget(
            KLabel(
                logical=f"Card {patron['barcode']}, PIN {patron['pin']}; staff code 2468",
                role="small",
                tone="muted_text",
            )
        )

        def toggle(label: str, make_tags: Any) -> None:
            button = _Toggle(logical="☐ " + label, role="small", kind="secondary")
            button.tags = []

            def flip(*_: object) -> None:
                if button.tags:
                    for tag in button.tags:
                        sim.remove(tag.uid)
                    button.tags = []
                else:
                    button.tags = list(make_tags())
                    sim.place(*button.tags)
                on = bool(button.tags)
                button.selected = on
                button.logical = ("☑ " if on else "☐ ") + label

            button.bind(on_release=flip)
            box.add_widget(button)

        toggle("Library card on pad", lambda: [demo_patron_card(model, patron["barcode"])])
        for label, barcode in demo_items(examples):
            toggle(label, lambda barcode=barcode: demo_item_tags(model, barcode))

        offline = KButton(logical="☐ Library system offline", role="small", kind="secondary")

        def flip_offline(*_: object) -> None:
            now = not running.acs.faults.offline
            running.acs.faults.update(offline=now)
            offline.selected = now
            offline.logical = ("☑ " if now else "☐ ") + "Library system offline"

        offline.bind(on_release=flip_offline)
        box.add_widget(offline)
        view = ScrollView(size_hint_x=None, width=dp(DEMO_PANEL_WIDTH), do_scroll_x=False)
        view.add_widget(box)
        return view

    return build
