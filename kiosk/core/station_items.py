"""The items at the return station's read position: what they are (tags in the chute reader's
field, else a scanned barcode) and which bin they go to.

Why its own module: deciding which tags belong to the item the sorter holds is the station's
subtle part. Tags of the item before may still be in the field, a multi-part set's parts arrive
one inventory apart, a stack on a return shelf holds several items, and a barcode scanned a
moment early still belongs to the item it was scanned for. :class:`ReadPosition` claims the tags
it hands out, so no tag is checked in twice. On a conveyor the next item may enter the field
while this one is still being identified: each item takes the first tags to appear after it
arrived, and leaves the later ones for the items behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
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
#: On a conveyor: how much earlier than the sorter's report of an item (the sorter is polled)
#: its tags may be found, and how soon after it they are certainly its own (the next item has
#: not reached the field yet).
EARLY_S = 0.1
SURE_S = 0.05


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

    def item_arrived(self) -> None:
        """The sorter reported another item at the read position (an item in line before it
        may now tell its tags from the next one's)."""
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

    async def identify(
        self,
        number: int,
        arrived: float,
        *,
        next_arrival: Callable[[], float | None] | None = None,
        timeout_s: float | None = None,
    ) -> list[SortedItem]:
        """What lies at the read position: tags not claimed by an earlier item, else a
        barcode. Waits two full inventories (so every tag in the field had its turn), then until
        every multi-part item is complete, or the timeout (``identify_timeout_s`` unless
        ``timeout_s`` is shorter).

        With ``next_arrival`` (a conveyor: items one after the other, the next one's tags maybe
        in the field already; it tells when the next item reached the read position, if it
        did) the item takes the first tags to appear after it arrived, the parts of their set
        found later, and nothing that appeared well after the next item arrived; one inventory
        begun after the item arrived is waited for."""
        loop = asyncio.get_running_loop()
        deadline = arrived + min(self.identify_timeout_s, timeout_s or self.identify_timeout_s)
        in_line = next_arrival is not None
        looked = self.pad.wait_round_after(arrived) if in_line else self.pad.wait_rounds(2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(looked, timeout=max(0.0, deadline - loop.time()))
        while True:
            unclaimed = [t for uid, t in self.pad.present.items() if uid not in self._claimed]
            following = next_arrival() if next_arrival is not None else None
            mine = _first_to_appear(unclaimed, arrived, following) if in_line else unclaimed
            tags = mine or []
            groups = _groups(tags)
            barcodes = self._take_barcodes(arrived, peek=True)
            complete = bool(groups) and all(len(g.tags) >= g.parts for g in groups.values())
            # In line, an item with no tag of its own once the next one is there has none:
            # waiting longer would only hold up the items behind it.
            if complete or (barcodes and not groups) or (mine == [] and following is not None):
                break
            if loop.time() >= deadline:
                if mine is None and in_line:  # none came after it: its first tags are its own
                    tags = _first_to_appear(unclaimed, arrived, following, last=True) or []
                    groups = _groups(tags)
                break
            self._field_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._field_changed.wait(), timeout=max(0.0, deadline - loop.time())
                )
        self._claimed.update(t.uid for t in tags)
        return self._items(number, arrived, groups, [t for t in tags if not t.data.ok])

    def _items(
        self,
        number: int,
        arrived: float,
        groups: dict[str, SortedItem],
        unreadable: list[PadTag],
    ) -> list[SortedItem]:
        """The items found: tag groups, else barcodes, and unreadable tags for the exceptions."""
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


def _first_to_appear(
    unclaimed: Sequence[PadTag], arrived: float, following: float | None, *, last: bool = False
) -> list[PadTag] | None:
    """On a conveyor: the tags of the item that ``arrived``; None while that cannot be told yet.

    Items pass the reader in line, so an item's tags are the first unclaimed ones to appear
    (found by one inventory), with the parts of their sets found later. Times tell whose they
    are: the sorter reports an item a little after its tags enter the field, and the tags are
    found a little after that. Tags found at most ``SURE_S`` after this item's report are its
    own (the next item cannot be there yet); tags found later are its own only if they came
    before the next item could have been in the field (``EARLY_S`` before its report), so until
    the next item is reported the answer waits -- unless this is the ``last`` item in line.
    """
    candidates = [t for t in unclaimed if t.seen_at >= arrived - EARLY_S]
    if not candidates:
        return None if following is None else []
    first = min(t.seen_at for t in candidates)
    if first > arrived + SURE_S:
        if following is None:
            return None if not last else [t for t in candidates if t.seen_at == first]
        if first >= following - EARLY_S:
            return []  # the next item's: this one has no tag
    ids = {t.item_id for t in candidates if t.seen_at == first}
    return [t for t in candidates if t.seen_at == first or t.item_id in ids]


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
