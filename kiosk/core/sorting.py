"""Sorting rules: which bin a returned item drops into, and why.

A pure function over plain facts: the check-in response (alert type CV, destination CT, sort
bin CL, permanent location AQ, collection CR, call number CS, media type CK), the tag (owner
library) and what the station knows locally (a hold waits here, the check-in was journaled
offline). The rules come from the configuration, in order; the first rule whose every condition
matches takes the item (within a condition's list, any value will do). So the same function
serves the station and ``kiosk sort explain``, which prints the whole reasoning.

Before the rules, some items always go to the exception bin, because no rule could route them
safely: items that were not checked in (not identified, or the library system was unavailable
and the offline policy takes no returns), items the station already knows need staff (an
unreadable tag, a tag that could not be re-armed, an incomplete set, several items at once bound
for different bins), check-ins the library system refused, and check-ins the core's routing
(:func:`kiosk.core.routing.decide_return`) sends to staff: alert type 99 "special handling", a
transit without a destination. An **offline**
check-in carries none of the library system's facts (no holds, no destination), so it only
matches rules that say ``offline = true``. An item no rule takes goes to the exception bin too.

Comparisons: codes (alert types, locations, bins, collections, media types, ISILs) ignore case
and surrounding blanks; call-number prefixes are compared as written (SAB's ``uHc`` is not
``UHc``). Media types are compared by name (``book``), which is what the library-system port
reports; a rule may also give a SIP2 CK code (``001``), read as its name
(:func:`kiosk.ils.port.media_type_name`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.core.model import ReturnKind
from kiosk.core.pad import PadTag
from kiosk.core.returns import ReturnDone
from kiosk.ils.port import CheckinAlert, media_type_name

__all__ = [
    "CONDITIONS",
    "ConditionCheck",
    "RuleCheck",
    "SortDecision",
    "SortFacts",
    "SortingRuleLike",
    "explain",
    "sort_item",
]

#: The SIP2 alert type (CV) behind each back-end neutral alert.
ALERT_CODES: dict[CheckinAlert, str] = {
    CheckinAlert.HOLD_HERE: "01",
    CheckinAlert.HOLD_ELSEWHERE: "02",
    CheckinAlert.INTERLIBRARY_LOAN: "03",
    CheckinAlert.SEND_ELSEWHERE: "04",
    CheckinAlert.OTHER: "99",
}

#: Every condition a rule may set, in the order ``explain`` reports them.
CONDITIONS: tuple[str, ...] = (
    "offline",
    "hold_here",
    "alert_type",
    "destination",
    "sort_bin",
    "permanent_location",
    "collection",
    "call_number_prefix",
    "media_type",
    "owner_library",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SortFacts:
    """What is known about one returned item when it reaches the diverter.

    ``exception`` is a reason the station already knows the item needs staff (e.g.
    ``"tag_unreadable"``, ``"security_not_verified"``); ``checked_in`` is False when the item
    was not checked in at all (``exception`` then says why).
    """

    checked_in: bool = True
    accepted: bool = True  # the library system accepted the check-in (SIP2 ok=1)
    offline: bool = False
    hold_here: bool = False
    alert_type: str | None = None  # "01" hold here ... "99" other; None: no alert
    destination: str | None = None
    sort_bin: str | None = None
    permanent_location: str | None = None
    collection: str | None = None
    call_number: str | None = None
    media_type: str | None = None
    owner_library: str | None = None
    exception: str | None = None

    @classmethod
    def from_return(
        cls, done: ReturnDone, tags: Sequence[PadTag] = (), *, exception: str | None = None
    ) -> SortFacts:
        """The facts of one check-in made by :class:`~kiosk.core.returns.ReturnService`."""
        owner = next(
            (t.data.owner_library.isil for t in tags if t.data.owner_library is not None), None
        )
        if done.outcome is None:  # not taken: the library system was unavailable
            reason = done.refused.value if done.refused else "not_checked_in"
            return cls(checked_in=False, owner_library=owner, exception=exception or reason)
        result = done.checkin
        if result is None:  # accepted offline
            return cls(offline=True, owner_library=owner, exception=exception)
        if result.ok and done.outcome.kind is ReturnKind.EXCEPTION:
            # The core's routing already said "staff must look at it" (CV 99 special handling,
            # a transit without a destination): the station does not overrule it.
            exception = exception or done.outcome.exception_reason or "exception"
        return cls(
            accepted=result.ok,
            hold_here=done.outcome.kind is ReturnKind.HOLD_HERE,
            alert_type=ALERT_CODES.get(result.alert),
            destination=result.destination,
            sort_bin=result.sort_bin,
            permanent_location=result.permanent_location,
            collection=result.collection,
            call_number=result.call_number,
            media_type=result.media_type,
            owner_library=owner or result.owner,
            exception=exception,
        )

    @classmethod
    def not_checked_in(cls, reason: str, *, owner_library: str | None = None) -> SortFacts:
        """An item the station could not check in (not identified...)."""
        return cls(checked_in=False, owner_library=owner_library, exception=reason)


class SortingRuleLike(Protocol):
    """A rule as the configuration holds it (``kiosk.config.SortingRule``, read-only)."""

    @property
    def name(self) -> str: ...

    @property
    def bin(self) -> str: ...

    @property
    def conditions(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """One condition of one rule against the facts."""

    name: str
    wanted: Any
    actual: Any
    matched: bool


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """How one rule fared; ``checks`` stops at the first condition that failed."""

    index: int
    name: str
    bin: str
    matched: bool
    checks: tuple[ConditionCheck, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SortDecision:
    """The bin, the rule that took the item (None: an exception before or after the rules),
    the reason in a word, and every rule tried on the way."""

    bin: str
    reason: str  # "rule", "no_rule_matched", or the exception reason
    rule_index: int | None = None
    rule_name: str | None = None
    tried: tuple[RuleCheck, ...] = ()
    facts: SortFacts | None = None

    @property
    def exception(self) -> bool:
        return self.rule_index is None


def sort_item(
    facts: SortFacts, rules: Sequence[SortingRuleLike], exception_bin: str
) -> SortDecision:
    """The bin for one item (see the module docs for the order of evidence)."""
    if not facts.checked_in:
        return SortDecision(exception_bin, facts.exception or "not_checked_in", facts=facts)
    if facts.exception:
        return SortDecision(exception_bin, facts.exception, facts=facts)
    if not facts.accepted:
        return SortDecision(exception_bin, "checkin_refused", facts=facts)
    tried: list[RuleCheck] = []
    for index, rule in enumerate(rules):
        check = _check(index, rule, facts)
        tried.append(check)
        if check.matched:
            return SortDecision(
                rule.bin,
                "rule",
                rule_index=index,
                rule_name=rule.name or None,
                tried=tuple(tried),
                facts=facts,
            )
    return SortDecision(exception_bin, "no_rule_matched", tried=tuple(tried), facts=facts)


def _check(index: int, rule: SortingRuleLike, facts: SortFacts) -> RuleCheck:
    conditions = dict(rule.conditions)
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        raise ValueError(f"sorting rule {index}: unknown condition(s) {sorted(unknown)}")
    if facts.offline and conditions.get("offline") is not True:
        return RuleCheck(
            index,
            rule.name,
            rule.bin,
            False,
            note="offline check-ins only match rules with offline = true",
        )
    checks: list[ConditionCheck] = []
    for name in CONDITIONS:
        if name not in conditions:
            continue
        wanted = conditions[name]
        actual = _actual(facts, name)
        matched = _matches(name, wanted, actual)
        checks.append(ConditionCheck(name, wanted, actual, matched))
        if not matched:
            return RuleCheck(index, rule.name, rule.bin, False, tuple(checks))
    return RuleCheck(index, rule.name, rule.bin, True, tuple(checks))


def _actual(facts: SortFacts, name: str) -> Any:
    if name == "call_number_prefix":
        return facts.call_number
    return getattr(facts, name)


def _code(value: Any) -> str:
    return str(value).strip().casefold()


def _matches(name: str, wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, bool):
        return bool(actual) is wanted
    if actual is None or actual == "":
        return False
    values = [wanted] if isinstance(wanted, str) else list(wanted)
    if name == "call_number_prefix":
        return any(str(actual).strip().startswith(str(v).strip()) for v in values)
    got = _code(actual)
    if name == "media_type":
        got = media_type_name(got)
        return any(media_type_name(_code(v)) == got for v in values)
    return any(_code(v) == got for v in values)


# ----------------------------------------------------------------------------- explanation


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(repr(v) for v in value)
    return repr(value)


_REASONS = {
    "no_rule_matched": "no rule matched",
    "checkin_refused": "the library system refused the check-in",
    "library_system_unavailable": "not checked in: the library system was unavailable "
    "and the offline policy takes no returns",
    "not_identified": "not identified: no readable tag and no barcode",
    "tag_unreadable": "the tag could not be read and no barcode was scanned",
    "security_not_verified": "the tag could not be re-armed and verified",
    "incomplete_set": "parts of a multi-part item are missing",
    "several_items": "several items at once, bound for different bins",
    "special_handling": "the library system asks for special handling (CV 99)",
    "no_destination": "the library system named no destination for a transit",
    "patron_card": "a library card, not an item",
}


def explain(decision: SortDecision) -> str:
    """The decision as lines a person reads: the facts, each rule tried, the outcome."""
    lines: list[str] = []
    facts = decision.facts
    if facts is not None:
        lines.append("facts:")
        shown = {
            "checked in": facts.checked_in,
            "accepted": facts.accepted,
            "offline": facts.offline,
            "hold here": facts.hold_here,
            "alert type (CV)": facts.alert_type,
            "destination (CT)": facts.destination,
            "sort bin (CL)": facts.sort_bin,
            "permanent location (AQ)": facts.permanent_location,
            "collection (CR)": facts.collection,
            "call number (CS)": facts.call_number,
            "media type (CK)": facts.media_type,
            "owner library": facts.owner_library,
        }
        for label, value in shown.items():
            text = _show(value)
            if label.startswith("media") and isinstance(value, str):
                code = _code(value)
                name = media_type_name(code)
                text += f" ({name})" if name != code else ""
            lines.append(f"  {label}: {text}")
    for rule in decision.tried:
        title = f"rule {rule.index + 1}" + (f" ({rule.name})" if rule.name else "")
        verdict = f"matches -> bin {rule.bin!r}" if rule.matched else "does not match"
        lines.append(f"{title}: {verdict}")
        if rule.note:
            lines.append(f"  {rule.note}")
        if not rule.checks and not rule.note:
            lines.append("  no conditions: matches anything")
        for check in rule.checks:
            mark = "yes" if check.matched else "no"
            lines.append(
                f"  {check.name}: wanted {_show(check.wanted)}, got {_show(check.actual)}: {mark}"
            )
    if decision.exception:
        why = _REASONS.get(decision.reason, decision.reason.replace("_", " "))
        lines.append(f"=> bin {decision.bin!r} (the exception bin): {why}")
    else:
        name = f" ({decision.rule_name})" if decision.rule_name else ""
        assert decision.rule_index is not None
        lines.append(f"=> bin {decision.bin!r}: rule {decision.rule_index + 1}{name}")
    return "\n".join(lines)
