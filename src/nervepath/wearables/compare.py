# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nights before vs after a treatment event: n, median and range per metric, the change,
and one plain sentence. Medians and ranges, not means: a handful of nights, often with
one odd night, is what a clinic has (descriptive only; no test of significance)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from nervepath.wearables.events import TreatmentEvent

METRICS = [
    ("plms_index", "PLMS index", "/h"),
    ("movements_per_hour", "Movements per hour", "/h"),
    ("moves_every_min", "Moves every", " min"),
    ("total_sleep_h", "Sleep time", " h"),
]


@dataclass(frozen=True)
class Side:
    n: int
    median: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    before: Side
    after: Side

    @property
    def change(self) -> float | None:
        if self.before.median is None or self.after.median is None:
            return None
        return self.after.median - self.before.median


@dataclass(frozen=True)
class Comparison:
    event: TreatmentEvent
    days: int
    n_before: int
    n_after: int
    rows: list[Row]
    sentence: str


def _side(values: Sequence[float | None]) -> Side:
    vals = [v for v in values if v is not None]
    if not vals:
        return Side(0, None, None, None)
    return Side(len(vals), statistics.median(vals), min(vals), max(vals))


def split(nights: Sequence, day: date, days: int) -> tuple[list, list]:
    """Nights in [day - days, day) and [day, day + days): the night of the event day
    counts as after (a procedure is done in the day, the night follows it)."""
    before = [n for n in nights if day - timedelta(days=days) <= n.night_of < day]
    after = [n for n in nights if day <= n.night_of < day + timedelta(days=days)]
    return before, after


def compare(nights: Sequence, event: TreatmentEvent, days: int = 14) -> Comparison:
    before, after = split(nights, event.day, days)
    rows = [
        Row(
            key,
            label,
            unit,
            _side([getattr(n, key) for n in before]),
            _side([getattr(n, key) for n in after]),
        )
        for key, label, unit in METRICS
    ]
    return Comparison(event, days, len(before), len(after), rows, sentence(rows[0], event))


def sentence(row: Row, event: TreatmentEvent) -> str:
    when = f"the {event.label.lower()} on {event.day:%B %-d, %Y}"
    b, a = row.before, row.after
    if b.n == 0 or a.n == 0:
        missing = "before" if b.n == 0 else "after"
        return f"No night with a {row.label} was recorded {missing} {when} in this window."
    change = row.change
    if change is None:
        return f"No night with a {row.label} was recorded around {when} in this window."

    if abs(change) < 1:
        verb = "stayed about the same"
        return (
            f"{row.label} {verb} (median {b.median:.0f}/h over {b.n} nights before "
            f"{when}, {a.median:.0f}/h over {a.n} nights after)."
        )
    verb = "fell" if change < 0 else "rose"
    return (
        f"{row.label} {verb} from a median of {b.median:.0f}/h over {b.n} "
        f"night{'s' if b.n != 1 else ''} before {when} to {a.median:.0f}/h over {a.n} "
        f"night{'s' if a.n != 1 else ''} after."
    )
