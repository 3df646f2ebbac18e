"""When the kiosk serves patrons: its opening hours, and "out of service" at staff's word.

This module imports nothing of the kiosk: the configuration checks hours with it, and the core
keeps them.

Why the kiosk itself keeps hours: a self-service kiosk in a branch that closes at 19:00 stands in
a dark, locked room, or in an entrance hall open to anyone; lending from it then makes loans
nobody at the library can help with. Staff also take a kiosk out of service (a jammed pad, a
cleaning day) without switching it off, so that the screen says so instead of failing. Outside
the hours, or out of service, the kiosk shows its closed screen and takes only staff commands;
a patron's visit already under way is never cut short by the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal

__all__ = ["WEEKDAYS", "OpeningHours", "Weekday", "parse_hours"]

#: A weekday as the configuration names it.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

#: The config's weekday keys, Monday first (``datetime.weekday()`` order).
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[time, time]


def parse_hours(text: str) -> tuple[Span, ...]:
    """``"10:00-19:00"`` or ``"08:00-12:00, 13:00-20:00"`` (empty: closed all day); a closing
    time of ``24:00`` means midnight. Raises ValueError naming what is wrong."""
    spans: list[Span] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if not (h1 < 24 and m1 < 60 and m2 < 60 and (h2 < 24 or (h2, m2) == (24, 0))):
            raise ValueError(f"{part!r} is not a time of day")
        start = time(h1, m1)
        end = time.max if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f"{part!r} closes before it opens")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise ValueError(f"{text!r}: the hours overlap")
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Opening hours per weekday (``WEEKDAYS`` order); a day without spans is closed."""

    days: tuple[tuple[Span, ...], ...]

    @classmethod
    def from_config(cls, hours: Mapping[Weekday, str]) -> OpeningHours:
        """From ``{"mon": "10:00-19:00", ...}``; a weekday not given is closed."""
        return cls(tuple(parse_hours(hours.get(day, "")) for day in WEEKDAYS))

    def is_open(self, moment: datetime) -> bool:
        now = moment.time()
        return any(start <= now < end for start, end in self.days[moment.weekday()])

    def next_opening(self, moment: datetime) -> datetime | None:
        """When it opens next after ``moment`` (None: never, every day is closed)."""
        for ahead in range(8):
            day: date = (moment + timedelta(days=ahead)).date()
            for start, _ in self.days[day.weekday()]:
                opening = datetime.combine(day, start, tzinfo=moment.tzinfo)
                if opening > moment:
                    return opening
        return None
