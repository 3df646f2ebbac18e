"""The statistics page's figures: loans, returns and renewals by one dimension over a period,
as tables and as SVG bar charts drawn here (pictures need no JavaScript and no chart library).

Counting: a loan is a ``borrow`` that was not refused (made online, or offline and journaled),
likewise a renewal; a return is any ``return`` (a return is never refused: an item the library
system does not know still comes back, to staff). The hour dimension is the hour of the day.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from kiosk.core.statistics import DIMENSIONS, Statistics

__all__ = [
    "ACTIONS",
    "CHART_DIMENSIONS",
    "Figures",
    "bar_chart",
    "figures_for",
    "parse_period",
    "period_csv",
]

#: The series each chart shows, as the statistics name them, with their labels.
ACTIONS: dict[str, str] = {"borrow": "Loans", "return": "Returns", "renew": "Renewals"}
#: What the page charts by, with headings.
CHART_DIMENSIONS: dict[str, str] = {
    "library": "Owner library",
    "branch": "Branch",
    "media_type": "Media type",
    "hour": "Hour of the day",
    "language": "Screen language",
}
_COLOURS = {"borrow": "#00546e", "return": "#f2a900", "renew": "#6b8e23"}


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts by ``dimension`` value and action over one period."""

    dimension: str
    categories: list[str]
    counts: dict[str, list[int]]  # action -> count per category

    @property
    def total(self) -> dict[str, int]:
        return {action: sum(values) for action, values in self.counts.items()}


def _rows_in(statistics: Statistics, start: date, end: date) -> list[tuple[object, ...]]:
    """Every counter row whose hour falls within ``start``..``end`` (both days included)."""
    low, high = f"{start.isoformat()} 00", f"{end.isoformat()} 23"
    return [row for row in statistics.summary(DIMENSIONS) if low <= str(row[0]) <= high]


def figures_for(statistics: Statistics, start: date, end: date) -> dict[str, Figures]:
    """The figures of every chart dimension for the period (blocking: a worker thread)."""
    rows = _rows_in(statistics, start, end)
    index = {name: n for n, name in enumerate(DIMENSIONS)}
    found: dict[str, Figures] = {}
    for dimension in CHART_DIMENSIONS:
        totals: dict[str, dict[str, int]] = {}
        for row in rows:
            action, outcome = str(row[index["action"]]), str(row[index["outcome"]])
            if action not in ACTIONS or outcome == "refused":
                continue
            value = str(row[index[dimension]])
            if dimension == "hour":
                value = value[-2:]
            bucket = totals.setdefault(value or "(unknown)", dict.fromkeys(ACTIONS, 0))
            bucket[action] += int(str(row[-1]))
        if dimension == "hour":
            categories = sorted(totals)
        else:
            categories = sorted(totals, key=lambda c: (-sum(totals[c].values()), c))
        found[dimension] = Figures(
            dimension,
            categories,
            {action: [totals[c][action] for c in categories] for action in ACTIONS},
        )
    return found


def period_csv(statistics: Statistics, start: date, end: date) -> str:
    """The period's counters, every dimension, as CSV (the columns of ``kiosk stats --format
    csv --by`` all dimensions, so exports of several kiosks merge with ``kiosk stats --csv``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*DIMENSIONS, "count"])
    writer.writerows(_rows_in(statistics, start, end))
    return out.getvalue()


def bar_chart(figures: Figures, title: str, *, width: int = 640) -> Markup:
    """A horizontal grouped bar chart as inline SVG: one group per category, one bar per
    action, with the counts written at the bars (readable without hovering)."""
    bar, gap, label_width = 12, 10, 150
    group = bar * len(ACTIONS) + gap
    height = 40 + max(1, len(figures.categories)) * group
    peak = max([1, *(v for values in figures.counts.values() for v in values)])
    room = width - label_width - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    x = label_width
    for n, (action, label) in enumerate(ACTIONS.items()):
        lx = x + n * 110
        parts.append(
            f'<rect x="{lx}" y="6" width="12" height="12" fill="{_COLOURS[action]}"/>'
            f'<text x="{lx + 16}" y="16" class="legend">{escape(label)}</text>'
        )
    if not figures.categories:
        parts.append(f'<text x="{label_width}" y="50">No transactions in this period.</text>')
    for row, category in enumerate(figures.categories):
        top = 30 + row * group
        parts.append(
            f'<text x="{label_width - 8}" y="{top + bar * 1.8:.0f}" text-anchor="end" '
            f'class="category">{escape(category)}</text>'
        )
        for n, action in enumerate(ACTIONS):
            value = figures.counts[action][row]
            length = round(room * value / peak)
            y = top + n * bar
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar - 2}" '
                f'fill="{_COLOURS[action]}"><title>{escape(ACTIONS[action])}: {value}</title>'
                f'</rect><text x="{label_width + length + 4}" y="{y + bar - 3}" '
                f'class="value">{value}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The period a form asks for (``YYYY-MM-DD``); default: the current month so far. Raises
    ValueError with a message for the page."""
    try:
        first = date.fromisoformat(start) if start else today.replace(day=1)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        raise ValueError("dates as YYYY-MM-DD") from None
    if last < first:
        raise ValueError("the end on or after the start")
    return first, last
