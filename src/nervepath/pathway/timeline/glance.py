# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course "at a glance": where the patient stands (stage), the main measures from
baseline to latest, the candidacy per leg, the next follow-up, the current medications
and the red flags of the latest symptom history.

It reads the records the sources read (``Found.records`` of each kind), so it costs no
query of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from nervepath.assessment import summary as assessment_summary
from nervepath.pathway.models import (
    CourseStatus,
    FollowUp,
    FollowUpStatus,
    Medication,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
)
from nervepath.pathway.timeline.sources.medications import med_text
from nervepath.pathway.timeline.sources.nerve_blocks import DECISION_WORDS, BlockView
from nervepath.pathway.timeline.sources.therapy import improvement, session_counts
from nervepath.pathway.timeline.words import ago, leg_name, leg_word, num, on_day
from nervepath.scheduling.models import Appointment, Leg, Status
from nervepath.wearables.models import Night

Series = Mapping[str, list[assessment_summary.Point]]


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    baseline: float | None
    baseline_on: date | None
    latest: float | None
    latest_on: date | None
    count: int

    @property
    def change(self) -> float | None:
        if self.count < 2 or self.baseline is None or self.latest is None:
            return None
        return round(self.latest - self.baseline, 1)

    @property
    def text(self) -> str:
        if self.baseline is None or self.latest is None:
            return "not measured yet"
        if self.count < 2:
            return f"{num(self.latest)}{self.unit} (baseline only)"
        change = self.change
        shown = "no change" if not change else f"{change:+g}"
        return f"{num(self.baseline)} → {num(self.latest)}{self.unit} ({shown})"


@dataclass(frozen=True)
class Glance:
    stage: list[str]
    measures: list[Measure]
    candidacy: list[str]
    next_follow_up: str
    medications: list[str]
    flags: list[dict[str, str]]
    flags_on: date | None


def glance(today: date, records: Mapping[str, Any]) -> Glance:
    """The summary of the records found, by kind (a kind not found counts as none)."""
    series: Series = records.get("questionnaire") or {}
    block_views: list[BlockView] = records.get("block") or []
    nights: list[Night] = records.get("night") or []
    flags, flags_on = _flags(series)
    return Glance(
        stage=_stage(
            today,
            visits=records.get("visit") or [],
            block_views=block_views,
            surgeries=records.get("surgery") or [],
            courses=records.get("therapy") or [],
        ),
        measures=[
            _measure("IRLS total (0–40)", "", _totals(series, "irls")),
            _measure("Worst leg pain (0–10)", "", _totals(series, "pain_nrs")),
            _measure(
                "PLMS index",
                "/h",
                [(n.night_of, float(n.plms_index)) for n in nights if n.plms_index is not None],
            ),
        ],
        candidacy=_candidacy(today, block_views),
        next_follow_up=_next_follow_up(today, records.get("follow_up") or []),
        medications=_current_medications(today, records.get("medication") or []),
        flags=flags,
        flags_on=flags_on,
    )


# -- where the patient stands


def _stage(
    today: date,
    *,
    visits: list[Appointment],
    block_views: list[BlockView],
    surgeries: list[Surgery],
    courses: list[TherapyCourse],
) -> list[str]:
    stage: list[str] = []
    operations = [s for s in surgeries if s.status != SurgeryStatus.CANCELLED]
    if operations:
        stage.append(_operations(operations, today))
    elif block_views:
        latest = block_views[-1]
        block = latest.block
        stage.append(
            f"Nerve block {on_day(block.given_on, today)}, {leg_word(block.leg)}: {latest.outcome}"
        )
    stage += _therapy(courses)
    if not stage:
        stage.append(_before_treatment(visits, today))
    return stage


def _operations(operations: list[Surgery], today: date) -> str:
    """E.g. "Right leg decompressed 12 days ago (Mar 4); left leg planned Mar 25"."""
    parts = []
    for surgery in operations:
        leg = leg_name(surgery.leg)
        when = on_day(surgery.operated_on, today)
        if surgery.status == SurgeryStatus.DONE:
            parts.append(f"{leg} decompressed {ago(surgery.operated_on, today)} ({when})")
        elif surgery.operated_on >= today:
            parts.append(f"{leg} planned {when}")
        else:
            parts.append(f"{leg} planned {when}, not yet recorded as done")
    return "; ".join(p[:1].lower() + p[1:] if n else p for n, p in enumerate(parts))


def _therapy(courses: list[TherapyCourse]) -> list[str]:
    """Each active course's progress, else how the last course ended."""
    active = [c for c in courses if c.status == CourseStatus.ACTIVE]
    found = []
    for therapy in active:
        counts = session_counts(therapy)
        found.append(
            f"{therapy.get_modality_display()}: {counts['done']} of "
            f"{therapy.planned_sessions} sessions"
        )
    if not active and courses:
        therapy = courses[-1]
        counts = session_counts(therapy)
        verb = "stopped early" if therapy.status == CourseStatus.STOPPED else "completed"
        text = (
            f"{therapy.get_modality_display()} {verb}: {counts['done']} of "
            f"{therapy.planned_sessions} sessions"
        )
        if therapy.improvement_pct is not None:
            text += f", {improvement(therapy.improvement_pct)}"
        found.append(text)
    return found


def _before_treatment(visits: list[Appointment], today: date) -> str:
    done = [v for v in visits if v.status == Status.COMPLETED]
    coming = [v for v in visits if v.is_active and v.local_start.date() >= today]
    if done:
        first = done[0]
        return (
            f"Assessment: {first.appointment_type.name.lower()} "
            f"{on_day(first.local_start.date(), today)}; no treatment recorded yet"
        )
    if coming:
        return (
            f"First visit booked for {on_day(coming[0].local_start.date(), today)} "
            f"({coming[0].appointment_type.name})"
        )
    return "Nothing recorded yet"


# -- measures, candidacy, follow-up, medications, red flags


def _totals(series: Series, instrument_id: str) -> list[tuple[date, float]]:
    return [
        (timezone.localtime(p.measured_at).date(), float(p.total))
        for p in series.get(instrument_id, [])
        if p.total is not None
    ]


def _measure(label: str, unit: str, points: Sequence[tuple[date, float]]) -> Measure:
    if not points:
        return Measure(label, unit, None, None, None, None, 0)
    (first_on, first), (last_on, last) = points[0], points[-1]
    return Measure(label, unit, first, first_on, last, last_on, len(points))


def _candidacy(today: date, block_views: list[BlockView]) -> list[str]:
    """Per leg, what the latest block on it says about surgery."""
    candidacy = []
    for leg in Leg.values:
        mine = [v for v in block_views if v.block.leg == leg]
        if mine:
            view = mine[-1]
            verdict = DECISION_WORDS.get(view.decision, view.verdict_text)
            candidacy.append(
                f"{leg_name(leg)}: {verdict} — {view.relief_text} after the block of "
                f"{on_day(view.block.given_on, today)}"
                + (f", {view.review_text}" if view.review_text else "")
            )
    return candidacy


def _next_follow_up(today: date, follow_ups: list[FollowUp]) -> str:
    open_ones = [
        f for f in follow_ups if f.status in (FollowUpStatus.TO_BOOK, FollowUpStatus.BOOKED)
    ]
    if open_ones:
        nxt = open_ones[0]
        late = " — overdue" if nxt.due_on < today else ""
        return (
            f"{nxt.label} follow-up ({leg_word(nxt.surgery.leg)} leg) due "
            f"{on_day(nxt.due_on, today)}, {nxt.get_status_display().lower()}{late}"
        )
    if follow_ups:
        return "none open (all done or cancelled)"
    return "none scheduled"


def _current_medications(today: date, medications: list[Medication]) -> list[str]:
    current = []
    for med in medications:
        if med.current:
            text = f"{med_text(med)}, since {on_day(med.started_on, today)}"
            if med.side_effects:
                text += f" (side effects: {med.side_effects})"
            current.append(text)
    return current


def _flags(series: Series) -> tuple[list[dict[str, str]], date | None]:
    """The red flags of the latest symptom history, and its day."""
    history = series.get("symptom_history") or []
    if not history:
        return [], None
    latest = history[-1]
    scored = latest.response.scored
    flags = [
        {"severity": flag.severity, "code": flag.code, "message": flag.message}
        for flag in (scored.flags if scored is not None else [])
    ]
    return flags, timezone.localtime(latest.measured_at).date()
