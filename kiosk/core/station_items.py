"""The items at the return station's read position: what they are (tags in the chute reader's
field, else a scanned barcode) and which bin they go to.

Why its own module: deciding which tags belong to the item the sorter holds is the station's
subtle part. Tags of the item before may still be in the field, a multi-part set's parts arrive
one inventory apart, a stack on a return shelf holds several items, and a barcode scanned a
moment early still belongs to the item it was scanned for. :class:`ReadPosition` claims the tags
it hands out, so no tag is checked in twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from drivers.cards.contract import BarcodeScanner
from kiosk.core.model import ReturnKind, ReturnOutcome
from kiosk.core.pad import PadTag, PadWatcher
from kiosk.core.returns import ReturnDone
from kiosk.core.routing import exception_outcome
from kiosk.core.sorting import SortDecision, SortFacts, SortingRuleLike, sort_item

__all__ = ["BARCODE_GRACE_S", "ReadPosition", "SortedItem", "batch_decision"]

log = logging.getLogger(__name__)

#: A barcode scanned this long before the item reached the read position still belongs to it.
BARCODE_GRACE_S = 0.3


@dataclass(slots=True)
class SortedItem:
    """One library item of a physical arrival, as far as the station got with it."""

    item_id: str
    tags: list[PadTag] = field(default_factory=list)
    parts: int = 1
    done: ReturnDone | None = None
    facts: SortFacts | None = None
    decision: SortDecision | None = None
    outcome: ReturnOutcome | None = None
    title: str = ""

    def sort(
        self,
        rules: Sequence[SortingRuleLike],
        exception_bin: str,
        *,
        exception: str | None = None,
    ) -> None:
        """Decide the bin by the station's rules, from its check-in (``done``) or, for an item
        that could not be checked in, from ``facts``; ``exception`` (e.g. a set with parts
        missing) sends a checked-in item to the exceptions as well."""
        done = self.done
        if done is not None and self.facts is None:
            self.facts = SortFacts.from_return(done, self.tags, exception=exception)
        assert self.facts is not None
        self.decision = sort_item(self.facts, rules, exception_bin)
        if done is None or done.outcome is None:
            self.outcome = exception_outcome(self.item_id, self.decision.reason)
        elif self.decision.exception and done.outcome.kind is not ReturnKind.EXCEPTION:
            self.outcome = exception_outcome(
                self.item_id, self.decision.reason, done.checkin, title=done.title
            )
        else:
            self.outcome = done.outcome


def batch_decision(items: Sequence[SortedItem], exception_bin: str) -> SortDecision:
    """One bin for what lies at the read position: the items' common bin, else the exception
    bin (a sorter cannot split a stack)."""
    decisions = [item.decision for item in items if item.decision is not None]
    if len({d.bin for d in decisions}) == 1:
        return decisions[0]
    return SortDecision(exception_bin, "several_items")


class ReadPosition:
    """The chute reader's field and the scanner, as seen from the item at the read position."""

    def __init__(self, pad: PadWatcher, *, identify_timeout_s: float) -> None:
        self.pad = pad
        self.identify_timeout_s = identify_timeout_s
        self._claimed: set[bytes] = set()
        self._barcodes: list[tuple[float, str]] = []
        self._field_changed = asyncio.Event()

    def tag_arrived(self, tag: PadTag) -> None:
        self._field_changed.set()

    def tag_left(self, tag: PadTag) -> None:
        self._claimed.discard(tag.uid)

    async def read_barcodes(self, scanner: BarcodeScanner) -> None:
        """Barcodes scanned at the chute (labels of items without a readable tag)."""
        try:
            async for barcode in scanner.barcodes():
                code = barcode.strip()
                if code:
                    self._barcodes.append((asyncio.get_running_loop().time(), code))
                    self._field_changed.set()
        except Exception as error:
            log.warning("barcode scanner stopped: %s", error)

    async def identify(self, number: int, arrived: float) -> list[SortedItem]:
        """What lies at the read position: tags not claimed by an earlier item, else a
        barcode. Waits two full inventories (so every tag in the field had its turn), then until
        every multi-part item is complete, or ``identify_timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = arrived + self.identify_timeout_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self.pad.wait_rounds(2), timeout=max(0.0, deadline - loop.time())
            )
        while True:
            tags = [t for uid, t in self.pad.present.items() if uid not in self._claimed]
            groups = _groups(tags)
            barcodes = self._take_barcodes(arrived, peek=True)
            unreadable = [t for t in tags if not t.data.ok]
            complete = bool(groups) and all(len(g.tags) >= g.parts for g in groups.values())
            if complete or (barcodes and not groups) or loop.time() >= deadline:
                break
            self._field_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._field_changed.wait(), timeout=max(0.0, deadline - loop.time())
                )
        self._claimed.update(t.uid for t in tags)
        barcodes = self._take_barcodes(arrived)
        items = list(groups.values())
        if barcodes and not items:
            # Barcode fallback: a barcode-only item, or a tag that cannot be read (its tag is
            # still armed through the check-in, if it answers at all).
            for n, code in enumerate(dict.fromkeys(barcodes)):
                items.append(
                    SortedItem(item_id=code, tags=unreadable[:1] if n == 0 else [], parts=1)
                )
            unreadable = unreadable[1:]
        for tag in unreadable:
            items.append(_unchecked(tag.uid_hex, "tag_unreadable"))
        if not items:
            items.append(_unchecked("", "not_identified"))
            log.warning("sorter item %d: no readable tag and no barcode", number)
        return items

    def _take_barcodes(self, arrived: float, *, peek: bool = False) -> list[str]:
        """Barcodes scanned since the item arrived; taken (not peeked) they are used up, and
        older ones belonged to nobody (scanned with nothing at the read position)."""
        found = [code for at, code in self._barcodes if at >= arrived - BARCODE_GRACE_S]
        if not peek:
            self._barcodes.clear()
        return found


def _groups(tags: Sequence[PadTag]) -> dict[str, SortedItem]:
    """Readable tags grouped into items (parts of a set share one item id)."""
    items: dict[str, SortedItem] = {}
    for tag in tags:
        if not tag.data.ok:
            continue
        if tag.is_patron_card:
            items[tag.item_id] = _unchecked(tag.item_id, "patron_card", tag)
            continue
        item = items.setdefault(tag.item_id, SortedItem(item_id=tag.item_id, parts=tag.parts))
        item.tags.append(tag)
        item.parts = max(item.parts, tag.parts)
    return items


def _unchecked(item_id: str, reason: str, tag: PadTag | None = None) -> SortedItem:
    item = SortedItem(item_id=item_id, tags=[tag] if tag else [])
    owner = tag.data.owner_library.isil if tag and tag.data.owner_library else None
    item.facts = SortFacts.not_checked_in(reason, owner_library=owner)
    return item
