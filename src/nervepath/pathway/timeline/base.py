# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the course of care is made of: the kinds of event (one lane each), the dated
events and bars, what one source of events finds, and the registry of sources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from nervepath.accounts.models import Patient

if TYPE_CHECKING:
    from nervepath.pathway.timeline.glance import Glance

#: Event kinds in the order of the swimlanes (and of the kind filter).
KINDS = (
    "visit",
    "questionnaire",
    "night",
    "block",
    "surgery",
    "follow_up",
    "therapy",
    "medication",
)
KIND_LABELS = {
    "visit": "Visits",
    "questionnaire": "Questionnaires",
    "night": "Nights",
    "block": "Blocks",
    "surgery": "Surgery",
    "follow_up": "Follow-ups",
    "therapy": "Therapy",
    "medication": "Medications",
}
KIND_SINGULAR = {
    "visit": "Visit",
    "questionnaire": "Questionnaire",
    "night": "Night",
    "block": "Nerve block",
    "surgery": "Surgery",
    "follow_up": "Follow-up",
    "therapy": "Therapy",
    "medication": "Medication",
}


@dataclass(frozen=True)
class Event:
    """One dated thing in the course. ``obj`` is the record it comes from."""

    day: date
    kind: str
    title: str
    detail: str
    obj: Any
    url: str = ""
    status: str = ""  # a word for styling and the marks: done, planned, missed, ...
    status_label: str = ""  # the same for reading ("Planned", "Completed")
    value: float | None = None  # IRLS total, PLMS index, days of relief
    group: str = ""  # instrument id, leg, therapy course, medication chain
    key: str = ""  # unique within the course
    row: int = 0  # the mark's row in its lane (medication chains)

    @property
    def kind_label(self) -> str:
        return KIND_SINGULAR[self.kind]

    @property
    def month(self) -> date:
        return self.day.replace(day=1)


@dataclass(frozen=True)
class Bar:
    """A span drawn in a lane: relief after a block, a therapy course, a medication."""

    kind: str
    start: date
    end: date
    title: str
    row: int = 0
    label: str = ""
    open_ended: bool = False  # still going today


@dataclass
class Course:
    patient: Patient
    today: date
    events: list[Event]
    bars: list[Bar]
    glance: Glance
    medication_rows: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        found = {k: 0 for k in KINDS}
        for event in self.events:
            found[event.kind] += 1
        return found

    @property
    def span(self) -> tuple[date, date]:
        """First and last day the course covers (today included)."""
        days = [self.today]
        days += [e.day for e in self.events]
        days += [b.start for b in self.bars] + [b.end for b in self.bars]
        return min(days), max(days)


@dataclass
class Found:
    """What one source found for a patient: its events and bars, the records it read
    (which the "at a glance" summary reads too) and the names of its lane's rows."""

    events: list[Event] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    records: Any = None
    rows: list[str] = field(default_factory=list)


#: A source reads one kind of record of a patient (``today`` for "overdue", "still
#: going"), with a fixed number of queries however long the history is.
Source = Callable[[Patient, date], Found]
_SOURCES: dict[str, Source] = {}


def register_source(kind: str, source: Source) -> Source:
    """Make ``source`` the source of the ``kind`` lane (registering it again is
    harmless; a second, different source for a kind is a mistake)."""
    if kind not in KINDS:
        raise ValueError(f"No lane for events of kind {kind!r}; the kinds are {KINDS}.")
    known = _SOURCES.get(kind)
    if known is not None and known is not source:
        raise ValueError(f"Events of kind {kind!r} already come from {known.__qualname__}.")
    _SOURCES[kind] = source
    return source


def registered_sources() -> list[tuple[str, Source]]:
    """The registered sources, in the order of the lanes."""
    return [(kind, _SOURCES[kind]) for kind in KINDS if kind in _SOURCES]
