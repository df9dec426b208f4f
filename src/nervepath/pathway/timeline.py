# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient's whole course of care on one page: every visit, questionnaire, night,
nerve block, surgery, follow-up, therapy session and medication change as dated events,
an "at a glance" summary of where the patient stands, and a swimlane SVG of it all.

``course(patient)`` reads each kind of record with one query (related rows joined or
prefetched), so the number of queries does not grow with the length of the history.
Stored values that the science layer refuses (a monitoring set with an "after" reading
but no baseline, a diary that cannot be summarised) are shown as recorded, without a
computed change, rather than failing the page.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.assessment import summary as assessment_summary
from nervepath.assessment.services import instrument
from nervepath.pathway import blocks
from nervepath.pathway.models import (
    CourseStatus,
    FollowUp,
    FollowUpStatus,
    Medication,
    NerveBlock,
    SessionStatus,
    Surgery,
    SurgeryStatus,
    TherapyCourse,
)
from nervepath.scheduling.models import Appointment, Leg, Status
from nervepath.science.nerves import monitoring, relief
from nervepath.wearables import events as wearable_events
from nervepath.wearables.clinical import PLMS_CUTOFF_ADULT
from nervepath.wearables.models import Night

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
COLOURS = {
    "visit": "#1f6f8b",
    "questionnaire": "#6a4c93",
    "night": "#2a7f62",
    "block": "#b86e00",
    "surgery": "#b3261e",
    "follow_up": "#3d5a80",
    "therapy": "#00838f",
    "medication": "#7b5e3b",
}
MUTED = "#8a96a3"
INK = "#1d2733"

# nervepath's verdicts as the block pages word them, inside a sentence here.
VERDICT_WORDS = {
    verdict: words[0].lower() + words[1:] for verdict, words in blocks.VERDICT_WORDS.items()
}
DECISION_WORDS = {"candidate": "likely surgical candidate", "not_candidate": "not a candidate"}
DOCTOR_TITLES = {"MD", "DO", "DPM", "PHD", "DC"}


# -- what the page shows -----------------------------------------------------------------


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
            return f"{_num(self.latest)}{self.unit} (baseline only)"
        change = self.change
        shown = "no change" if not change else f"{change:+g}"
        return f"{_num(self.baseline)} → {_num(self.latest)}{self.unit} ({shown})"


@dataclass(frozen=True)
class Glance:
    stage: list[str]
    measures: list[Measure]
    candidacy: list[str]
    next_follow_up: str
    medications: list[str]
    flags: list[dict[str, str]]
    flags_on: date | None


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


# -- small helpers -----------------------------------------------------------------------


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{round(value, 1):g}"


def _day(day: date, today: date) -> str:
    return f"{day:%b %-d}" if day.year == today.year else f"{day:%b %-d, %Y}"


def _ago(day: date, today: date) -> str:
    days = (today - day).days
    if days < 0:
        return f"on {_day(day, today)}"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    return f"{round(days / 30.44)} months ago"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _person(user: Any) -> str:
    """E.g. "Dr Hale" for a doctor, else the full name (or email)."""
    if user is None:
        return "someone"
    try:
        clinician = user.clinician
    except (ObjectDoesNotExist, AttributeError):
        clinician = None
    title = (getattr(clinician, "title", "") or "").replace(".", "").upper()
    if title in DOCTOR_TITLES and user.last_name:
        return f"Dr {user.last_name}"
    return user.get_full_name() or user.email


def _url(obj: Any, fallback: str = "") -> str:
    """The record's own page when its model has one, else ``fallback``."""
    get = getattr(obj, "get_absolute_url", None)
    return str(get()) if callable(get) else fallback


def _short(label: str) -> str:
    """E.g. "Common peroneal nerve (fibular neck)" → "Common peroneal nerve"."""
    return label.split(" (")[0]


def _nerve(nerve: str) -> str:
    return _short(monitoring.NERVE_LABELS.get(nerve, nerve))


def _leg(leg: str) -> str:
    return Leg(leg).label if leg in Leg.values else leg


def _leg_word(leg: str) -> str:
    return {"right": "right", "left": "left"}.get(leg, leg)


# -- reading the records -----------------------------------------------------------------


@dataclass(frozen=True)
class BlockView:
    block: NerveBlock
    summary: relief.ReliefSummary | None
    review_text: str
    decision: str  # the reviewed decision, else nervepath's verdict, else ""

    @property
    def relief_days(self) -> int | None:
        return None if self.summary is None else self.summary.meaningful_days

    @property
    def verdict_text(self) -> str:
        if self.summary is None:
            return "the diary could not be summarised"
        return VERDICT_WORDS[self.summary.verdict]

    @property
    def relief_text(self) -> str:
        if self.summary is None:
            return "relief diary not summarised"
        text = _plural(self.summary.meaningful_days, "day") + " of relief"
        length = self.summary.rule.length
        if self.summary.verdict == relief.Verdict.UNDETERMINED and self.summary.recorded < length:
            text += f" ({self.summary.recorded} of {length} diary days filled)"
        return text

    @property
    def outcome(self) -> str:
        """E.g. "6 days of relief — likely surgical candidate, confirmed by Dr Hale"."""
        text = f"{self.relief_text} — {self.verdict_text}"
        return f"{text}, {self.review_text}" if self.review_text else text


def _block_view(block: NerveBlock) -> BlockView:
    summary: relief.ReliefSummary | None
    try:
        summary = blocks.summary(block, block.diary.all())
    except ValueError:
        summary = None
    review_text, decision = "", ""
    if summary is not None:
        decision = str(summary.verdict)
    try:
        review = block.review
    except ObjectDoesNotExist:
        review = None
    if review is not None:
        who = _person(review.decided_by)
        decision = review.decision
        if review.decision == review.computed:
            review_text = f"confirmed by {who}"
        else:
            review_text = (
                f"{who} decided: {DECISION_WORDS.get(review.decision, review.decision)} "
                f"(overriding nervepath's verdict)"
            )
    elif summary is not None:
        review_text = "not yet reviewed"
    return BlockView(block, summary, review_text, decision)


def _monitoring_text(surgery: Surgery) -> list[str]:
    readings = list(surgery.readings.all())
    if not readings:
        return []
    try:
        return [
            f"{_nerve(c.nerve)}: {c.describe()}"
            for c in monitoring.changes(r.as_reading() for r in readings)
        ]
    except (monitoring.MonitoringError, TypeError, ValueError):
        shown = [
            f"{_nerve(r.nerve)} {r.phase}: {_num(r.amplitude_uv)} µV"
            for r in sorted(readings, key=lambda r: (str(r.nerve), str(r.phase)))
        ]
        return [*shown, "readings incomplete, no change computed"]


def _med_text(med: Medication) -> str:
    text = f"{med.name} {med.dose.normalize():f} {med.unit}"
    return f"{text} {med.frequency}" if med.frequency else text


def _therapy_counts(course: TherapyCourse) -> dict[str, int]:
    counts = {s.value: 0 for s in SessionStatus}
    for session in course.sessions.all():
        counts[session.status] = counts.get(session.status, 0) + 1
    return counts


def _improvement(pct: int | None) -> str:
    if pct is None:
        return ""
    if pct > 0:
        return f"{pct} % better at the end"
    if pct < 0:
        return f"{-pct} % worse at the end"
    return "no change at the end"


def course(patient: Patient, *, today: date | None = None) -> Course:
    """Everything recorded about ``patient``'s care as dated events, oldest first."""
    today = today or timezone.localdate()
    events: list[Event] = []
    bars: list[Bar] = []

    # Visits
    visits = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "clinician__user", "location")
        .order_by("starts_at")
    )
    for visit in visits:
        events.append(
            Event(
                day=visit.local_start.date(),
                kind="visit",
                title=visit.appointment_type.name,
                detail=(
                    f"{visit.local_start:%-I:%M %p} · {_person(visit.clinician.user)} · "
                    f"{visit.location.name}"
                ),
                obj=visit,
                url=reverse("scheduling:staff_appointment", args=[visit.pk]),
                status=visit.status,
                status_label=visit.get_status_display(),
                key=f"visit-{visit.pk}",
            )
        )

    # Questionnaires: the current response of each correction chain
    series = assessment_summary.points(patient)
    summary_url = reverse("assessment:summary", args=[patient.pk])
    for instrument_id in assessment_summary.ordered(list(series)):
        inst = instrument(instrument_id)
        max_score = None
        score_label = ""
        if inst.main_score is not None:
            score = inst.score_def(inst.main_score)
            max_score, score_label = score.range[1], score.label
        for point in series[instrument_id]:
            result = point.response.result or {}
            flags = result.get("flags") or []
            if point.total is not None:
                detail = f"{score_label} {_num(point.total)} of {_num(max_score)}"
                if point.band_label:
                    detail += f" ({point.band_label})"
            else:
                detail = "answers recorded"
            if flags:
                worst = sorted({str(f.get("severity", "")) for f in flags})
                detail += f" · {_plural(len(flags), 'red flag')} ({', '.join(worst)})"
            events.append(
                Event(
                    day=timezone.localtime(point.measured_at).date(),
                    kind="questionnaire",
                    title=_short(inst.title),
                    detail=detail,
                    obj=point.response,
                    url=summary_url,
                    status="flagged" if flags else "done",
                    value=None if point.total is None else float(point.total),
                    group=instrument_id,
                    key=f"questionnaire-{point.response.pk}",
                )
            )

    # Nights
    nights = list(
        Night.objects.filter(patient=patient)
        .only("pk", "public_id", "night_of", "plms_index", "patient_id")
        .order_by("night_of", "pk")
    )
    for night in nights:
        if night.plms_index is None:
            detail = "PLMS index not computed"
        else:
            above = " (above 15/h)" if night.plms_index > PLMS_CUTOFF_ADULT else ""
            detail = f"PLMS index {_num(night.plms_index)}/h{above}"
        events.append(
            Event(
                day=night.night_of,
                kind="night",
                title="Night recorded",
                detail=detail,
                obj=night,
                url=reverse("wearables:night", args=[night.public_id]),
                status="done",
                value=night.plms_index,
                key=f"night-{night.pk}",
            )
        )

    # Nerve blocks with their diaries and reviews
    blocks = list(
        NerveBlock.objects.filter(patient=patient)
        .select_related("review__decided_by__clinician")
        .prefetch_related("diary")
        .order_by("given_on", "pk")
    )
    block_views = [_block_view(b) for b in blocks]
    for view in block_views:
        block = view.block
        sites = ", ".join(_short(label) for label in block.site_labels) or "no site recorded"
        events.append(
            Event(
                day=block.given_on,
                kind="block",
                title=f"Nerve block, {_leg(block.leg).lower()}",
                detail=f"{sites} · {view.outcome}",
                obj=block,
                url=_url(block),
                status=view.decision or "pending",
                status_label=view.verdict_text,
                value=None if view.relief_days is None else float(view.relief_days),
                group=block.leg,
                key=f"block-{block.pk}",
            )
        )
        summary = view.summary
        if summary is not None and summary.run_first is not None and summary.run_last:
            start = block.given_on + timedelta(days=summary.run_first - 1)
            end = block.given_on + timedelta(days=summary.run_last)
            bars.append(
                Bar(
                    kind="block",
                    start=start,
                    end=end,
                    title=(
                        f"Relief after the block of {_day(block.given_on, today)} "
                        f"({_leg_word(block.leg)}): {view.relief_text}"
                    ),
                    label=f"{summary.meaningful_days} d",
                )
            )

    # Surgeries with their monitoring readings
    surgeries = list(
        Surgery.objects.filter(patient=patient)
        .select_related("surgeon__user", "location")
        .prefetch_related("readings")
        .order_by("operated_on", "pk")
    )
    for surgery in surgeries:
        tunnels = ", ".join(_short(t) for t in surgery.tunnel_labels) or "no tunnel recorded"
        parts = [tunnels, _person(surgery.surgeon.user)]
        parts += _monitoring_text(surgery)
        events.append(
            Event(
                day=surgery.operated_on,
                kind="surgery",
                title=f"Decompression, {_leg(surgery.leg).lower()}",
                detail=" · ".join(parts),
                obj=surgery,
                url=_url(surgery),
                status=surgery.status,
                status_label=surgery.get_status_display(),
                group=surgery.leg,
                key=f"surgery-{surgery.pk}",
            )
        )

    # Follow-ups
    follow_ups = list(
        FollowUp.objects.filter(patient=patient)
        .select_related("surgery", "appointment__location")
        .order_by("due_on", "pk")
    )
    for follow_up in follow_ups:
        detail = f"due {_day(follow_up.due_on, today)}"
        url = ""
        day = follow_up.due_on  # drawn on the day of its visit once one is booked
        if follow_up.appointment is not None:
            visit = follow_up.appointment
            day = visit.local_start.date()
            detail += f" · visit {_day(day, today)}"
            url = reverse("scheduling:staff_appointment", args=[visit.pk])
        if (
            follow_up.status == FollowUpStatus.TO_BOOK
            and follow_up.due_on < today
            and follow_up.window[1] < today
        ):
            detail += " · overdue"
        events.append(
            Event(
                day=day,
                kind="follow_up",
                title=f"{follow_up.label} follow-up, {_leg(follow_up.surgery.leg).lower()}",
                detail=detail,
                obj=follow_up,
                url=_url(follow_up, url or _url(follow_up.surgery)),
                status=follow_up.status,
                status_label=follow_up.get_status_display(),
                key=f"follow_up-{follow_up.pk}",
            )
        )

    # Therapy courses and sessions
    courses = list(
        TherapyCourse.objects.filter(patient=patient)
        .prefetch_related("sessions")
        .order_by("started_on", "pk")
    )
    for therapy in courses:
        name = therapy.get_modality_display()
        counts = _therapy_counts(therapy)
        tally = (
            f"{counts['done']} of {therapy.planned_sessions} sessions done"
            + (f", {counts['missed']} missed" if counts["missed"] else "")
            + (f", {counts['planned']} planned" if counts["planned"] else "")
        )
        course_url = _url(therapy)
        events.append(
            Event(
                day=therapy.started_on,
                kind="therapy",
                title=f"{name} course started",
                detail=f"{therapy.planned_sessions} sessions planned · {tally}",
                obj=therapy,
                url=course_url,
                status=therapy.status,
                status_label=therapy.get_status_display(),
                group=f"course-{therapy.pk}",
                key=f"therapy-{therapy.pk}",
            )
        )
        sessions = sorted(therapy.sessions.all(), key=lambda s: (s.on_date, s.number))
        for session in sessions:
            events.append(
                Event(
                    day=session.on_date,
                    kind="therapy",
                    title=f"{name}, session {session.number} of {therapy.planned_sessions}",
                    detail=session.get_status_display(),
                    obj=session,
                    url=_url(session, course_url),
                    status=session.status,
                    status_label=session.get_status_display(),
                    group=f"course-{therapy.pk}",
                    key=f"therapy-session-{session.pk}",
                )
            )
        if therapy.ended_on is not None:
            verb = "stopped early" if therapy.status == CourseStatus.STOPPED else "completed"
            end_detail = tally
            if therapy.improvement_pct is not None:
                end_detail += f" · {_improvement(therapy.improvement_pct)}"
            events.append(
                Event(
                    day=therapy.ended_on,
                    kind="therapy",
                    title=f"{name} course {verb}",
                    detail=end_detail,
                    obj=therapy,
                    url=course_url,
                    status=therapy.status,
                    status_label=therapy.get_status_display(),
                    value=None
                    if therapy.improvement_pct is None
                    else float(therapy.improvement_pct),
                    group=f"course-{therapy.pk}",
                    key=f"therapy-end-{therapy.pk}",
                )
            )
        last = max([therapy.ended_on or therapy.started_on, *(s.on_date for s in sessions)])
        end = therapy.ended_on or max(
            last, today if therapy.status == CourseStatus.ACTIVE else last
        )
        bars.append(
            Bar(
                kind="therapy",
                start=therapy.started_on,
                end=end,
                title=f"{name}: {tally} ({therapy.get_status_display().lower()})",
                open_ended=therapy.ended_on is None and therapy.status == CourseStatus.ACTIVE,
            )
        )

    # Medications: a change is a record replacing another
    medications = list(Medication.objects.filter(patient=patient).order_by("started_on", "pk"))
    by_id = {m.pk: m for m in medications}
    replaced = {m.replaces_id for m in medications if m.replaces_id is not None}

    def root(med: Medication) -> Medication:
        seen = {med.pk}
        while med.replaces_id is not None and med.replaces_id in by_id:
            med = by_id[med.replaces_id]
            if med.pk in seen:
                break
            seen.add(med.pk)
        return med

    rows: list[int] = []
    row_names: list[str] = []
    labelled: set[int] = set()
    for med in medications:
        chain = root(med)
        if chain.pk not in rows:
            rows.append(chain.pk)
            row_names.append(chain.name)
        row = rows.index(chain.pk)
        med_url = _url(med)
        previous = by_id.get(med.replaces_id) if med.replaces_id is not None else None
        if med.replaces_id is None:
            title, kind_word = f"Started {_med_text(med)}", "start"
            detail = f"side effects: {med.side_effects}" if med.side_effects else "new medication"
        else:
            kind_word = "change"
            if previous is not None:
                title = (
                    f"Changed {med.name}: {previous.dose.normalize():f} {previous.unit} → "
                    f"{med.dose.normalize():f} {med.unit}"
                )
                before = _med_text(previous)
                detail = f"was {before}; now {_med_text(med)}"
                if previous.stop_reason:
                    detail += f" · why: {previous.stop_reason}"
            else:
                title, detail = f"Changed to {_med_text(med)}", "replaces an earlier record"
            if med.side_effects:
                detail += f" · side effects: {med.side_effects}"
        events.append(
            Event(
                day=med.started_on,
                kind="medication",
                title=title,
                detail=detail,
                obj=med,
                url=med_url,
                status=kind_word,
                status_label="Current" if med.current else "Ended",
                group=str(chain.pk),
                key=f"medication-{med.pk}-{kind_word}",
                row=row,
            )
        )
        if med.stopped_on is not None and med.pk not in replaced:
            events.append(
                Event(
                    day=med.stopped_on,
                    kind="medication",
                    title=f"Stopped {_med_text(med)}",
                    detail=f"why: {med.stop_reason}" if med.stop_reason else "stopped",
                    obj=med,
                    url=med_url,
                    status="stop",
                    status_label="Stopped",
                    group=str(chain.pk),
                    key=f"medication-{med.pk}-stop",
                    row=row,
                )
            )
        end = med.stopped_on or max(today, med.started_on)
        label = "" if row in labelled else med.name  # the medicine's name once per row
        labelled.add(row)
        bars.append(
            Bar(
                kind="medication",
                start=med.started_on,
                end=end,
                row=row,
                title=(
                    f"{_med_text(med)}: {_day(med.started_on, today)} – "
                    + (_day(med.stopped_on, today) if med.stopped_on else "today")
                ),
                label=label,
                open_ended=med.stopped_on is None,
            )
        )

    order = {k: n for n, k in enumerate(KINDS)}
    events.sort(key=lambda e: (e.day, order[e.kind], e.key))
    glance = _glance(
        today=today,
        visits=visits,
        series=series,
        nights=nights,
        block_views=block_views,
        surgeries=surgeries,
        follow_ups=follow_ups,
        courses=courses,
        medications=medications,
    )
    return Course(
        patient=patient,
        today=today,
        events=events,
        bars=bars,
        glance=glance,
        medication_rows=row_names,
    )


# -- at a glance ---------------------------------------------------------------------------


def _measure(label: str, unit: str, points: Sequence[tuple[date, float]]) -> Measure:
    if not points:
        return Measure(label, unit, None, None, None, None, 0)
    (first_on, first), (last_on, last) = points[0], points[-1]
    return Measure(label, unit, first, first_on, last, last_on, len(points))


def _glance(
    *,
    today: date,
    visits: list[Appointment],
    series: dict[str, list[assessment_summary.Point]],
    nights: list[Night],
    block_views: list[BlockView],
    surgeries: list[Surgery],
    follow_ups: list[FollowUp],
    courses: list[TherapyCourse],
    medications: list[Medication],
) -> Glance:
    stage: list[str] = []
    operations = [s for s in surgeries if s.status != SurgeryStatus.CANCELLED]
    if operations:
        parts = []
        for surgery in operations:
            leg = _leg(surgery.leg)
            when = _day(surgery.operated_on, today)
            if surgery.status == SurgeryStatus.DONE:
                parts.append(f"{leg} decompressed {_ago(surgery.operated_on, today)} ({when})")
            elif surgery.operated_on >= today:
                parts.append(f"{leg} planned {when}")
            else:
                parts.append(f"{leg} planned {when}, not yet recorded as done")
        text = "; ".join(p[:1].lower() + p[1:] if n else p for n, p in enumerate(parts))
        stage.append(text)
    elif block_views:
        latest = block_views[-1]
        block = latest.block
        stage.append(
            f"Nerve block {_day(block.given_on, today)}, {_leg_word(block.leg)}: {latest.outcome}"
        )
    active = [c for c in courses if c.status == CourseStatus.ACTIVE]
    for therapy in active:
        counts = _therapy_counts(therapy)
        stage.append(
            f"{therapy.get_modality_display()}: {counts['done']} of "
            f"{therapy.planned_sessions} sessions"
        )
    if not active and courses:
        therapy = courses[-1]
        counts = _therapy_counts(therapy)
        verb = "stopped early" if therapy.status == CourseStatus.STOPPED else "completed"
        text = (
            f"{therapy.get_modality_display()} {verb}: {counts['done']} of "
            f"{therapy.planned_sessions} sessions"
        )
        if therapy.improvement_pct is not None:
            text += f", {_improvement(therapy.improvement_pct)}"
        stage.append(text)
    if not stage:
        done = [v for v in visits if v.status == Status.COMPLETED]
        coming = [v for v in visits if v.is_active and v.local_start.date() >= today]
        if done:
            first = done[0]
            stage.append(
                f"Assessment: {first.appointment_type.name.lower()} "
                f"{_day(first.local_start.date(), today)}; no treatment recorded yet"
            )
        elif coming:
            stage.append(
                f"First visit booked for {_day(coming[0].local_start.date(), today)} "
                f"({coming[0].appointment_type.name})"
            )
        else:
            stage.append("Nothing recorded yet")

    def totals(instrument_id: str) -> list[tuple[date, float]]:
        return [
            (timezone.localtime(p.measured_at).date(), float(p.total))
            for p in series.get(instrument_id, [])
            if p.total is not None
        ]

    measures = [
        _measure("IRLS total (0–40)", "", totals("irls")),
        _measure("Worst leg pain (0–10)", "", totals("pain_nrs")),
        _measure(
            "PLMS index",
            "/h",
            [(n.night_of, float(n.plms_index)) for n in nights if n.plms_index is not None],
        ),
    ]

    candidacy = []
    for leg in Leg.values:
        mine = [v for v in block_views if v.block.leg == leg]
        if mine:
            view = mine[-1]
            verdict = DECISION_WORDS.get(view.decision, view.verdict_text)
            candidacy.append(
                f"{_leg(leg)}: {verdict} — {view.relief_text} after the block of "
                f"{_day(view.block.given_on, today)}"
                + (f", {view.review_text}" if view.review_text else "")
            )

    open_ones = [
        f for f in follow_ups if f.status in (FollowUpStatus.TO_BOOK, FollowUpStatus.BOOKED)
    ]
    if open_ones:
        nxt = open_ones[0]
        late = " — overdue" if nxt.due_on < today else ""
        next_follow_up = (
            f"{nxt.label} follow-up ({_leg_word(nxt.surgery.leg)} leg) due "
            f"{_day(nxt.due_on, today)}, {nxt.get_status_display().lower()}{late}"
        )
    elif follow_ups:
        next_follow_up = "none open (all done or cancelled)"
    else:
        next_follow_up = "none scheduled"

    current = []
    for med in medications:
        if med.current:
            text = f"{_med_text(med)}, since {_day(med.started_on, today)}"
            if med.side_effects:
                text += f" (side effects: {med.side_effects})"
            current.append(text)

    flags: list[dict[str, str]] = []
    flags_on = None
    history = series.get("symptom_history") or []
    if history:
        latest = history[-1]
        flags_on = timezone.localtime(latest.measured_at).date()
        for flag in (latest.response.result or {}).get("flags") or []:
            if isinstance(flag, dict):
                flags.append(
                    {
                        "severity": str(flag.get("severity", "")),
                        "code": str(flag.get("code", "")),
                        "message": str(flag.get("message", "")),
                    }
                )
    return Glance(
        stage=stage,
        measures=measures,
        candidacy=candidacy,
        next_follow_up=next_follow_up,
        medications=current,
        flags=flags,
        flags_on=flags_on,
    )


# -- the swimlane figure -------------------------------------------------------------------

WIDTH = 960
HORIZON_DAYS = 92  # drawn to scale this far ahead of today
LATER_W = 72  # the column for events due after the horizon
LEFT = 118  # lane labels
RIGHT = 16
TOP = 22  # room for "today"
AXIS = 30  # month labels below the lanes
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def _lane_heights(course: Course) -> dict[str, int]:
    return {
        "visit": 30,
        "questionnaire": 64,
        "night": 56,
        "block": 34,
        "surgery": 46,
        "follow_up": 30,
        "therapy": 34,
        "medication": max(30, 18 * max(1, len(course.medication_rows)) + 10),
    }


def _months(start: date, end: date) -> list[date]:
    found = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            found.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def _el(parent: ET.Element, tag: str, title: str | None = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if title:
        ET.SubElement(element, "title").text = title
    return element


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: Any) -> ET.Element:
    attrs.setdefault("font_size", 11)
    attrs.setdefault("fill", INK)
    element = _el(parent, "text", x=f"{x:.1f}", y=f"{y:.1f}", **attrs)
    element.text = text
    return element


def _event_title(event: Event, today: date) -> str:
    text = f"{_day(event.day, today)} — {event.title}"
    if event.status_label and event.kind in ("visit", "surgery", "follow_up"):
        text += f" ({event.status_label.lower()})"
    return f"{text}: {event.detail}" if event.detail else text


def course_svg(course: Course) -> str:
    """The course as an SVG swimlane: one lane per kind of event, months along the
    bottom, a line for today. Every mark carries a ``<title>``; all text is escaped."""
    today = course.today
    first, last = course.span
    start = (first - timedelta(days=7)).replace(day=1)
    # Months ahead are drawn to scale up to the horizon; what is due later (the 6- and
    # 12-month follow-ups) sits in a "later" column so it does not squeeze the past.
    horizon = today + timedelta(days=HORIZON_DAYS)
    later = [e for e in course.events if e.day > horizon]
    end = min(last, horizon) + timedelta(days=10)
    span_days = max((end - start).days, 1)
    plot_right = WIDTH - RIGHT - (LATER_W if later else 0)
    plot_w = plot_right - LEFT
    heights = _lane_heights(course)
    height = TOP + sum(heights.values()) + AXIS

    def x(day: date) -> float:
        return LEFT + plot_w * (min(day, end) - start).days / span_days

    later_x: dict[str, float] = {}
    for kind in KINDS:
        mine = [e for e in later if e.kind == kind]
        for n, event in enumerate(mine):
            later_x[event.key] = plot_right + 14 + (n * 14) % max(LATER_W - 24, 14)

    counts = course.counts
    described = (
        ", ".join(_plural(counts[k], KIND_SINGULAR[k].lower()) for k in KINDS if counts[k])
        or "nothing recorded yet"
    )
    label = (
        f"Course of care of {course.patient}, {start:%b %Y} to {end:%b %Y}: {described}. "
        f"Today is {today:%b %-d, %Y}."
    )
    if later:
        label += (
            f" {_plural(len(later), 'event')} after {horizon:%b %-d, %Y} "
            "shown in the column marked later."
        )
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "width": str(WIDTH),
            "height": str(height),
            "role": "img",
            "aria-label": label,
            "class": "course-figure",
            "font-family": FONT,
        },
    )
    ET.SubElement(svg, "title").text = f"Course of care of {course.patient}"
    ET.SubElement(svg, "desc").text = label

    # Lanes
    lane_top: dict[str, int] = {}
    y = TOP
    for n, kind in enumerate(KINDS):
        lane_top[kind] = y
        h = heights[kind]
        _el(svg, "rect", x=0, y=y, width=WIDTH, height=h, fill="#f4f7f9" if n % 2 else "#ffffff")
        _text(svg, 8, y + h / 2 + 4, KIND_LABELS[kind], font_weight="600", font_size=12)
        if not counts[kind] and not any(b.kind == kind for b in course.bars):
            _text(svg, LEFT + 6, y + h / 2 + 4, "none recorded", fill=MUTED, font_size=10)
        y += h
    bottom = y
    _el(svg, "line", x1=LEFT, y1=TOP, x2=LEFT, y2=bottom, stroke="#c9d2da")
    if later:
        _el(
            svg,
            "rect",
            f"Due after {horizon:%b %-d, %Y}",
            x=plot_right,
            y=TOP,
            width=WIDTH - plot_right,
            height=bottom - TOP,
            fill="#eef1f4",
            fill_opacity=0.7,
        )
        _el(
            svg,
            "line",
            x1=plot_right,
            y1=TOP,
            x2=plot_right,
            y2=bottom,
            stroke="#9aa6b2",
            stroke_dasharray="3 3",
        )
        _text(svg, plot_right + 6, bottom + 16, "later", fill="#5a6877", font_size=11)

    # Month ticks
    months = _months(start, end)
    step = max(1, math.ceil(len(months) / 14))
    for n, month in enumerate(months):
        mx = x(month)
        _el(svg, "line", x1=f"{mx:.1f}", y1=TOP, x2=f"{mx:.1f}", y2=bottom, stroke="#e3e8ed")
        # A label needs about 50 px: none that would run into the "later" column's own
        # label or off the figure.
        if n % step == 0 and mx + 50 <= (plot_right if later else WIDTH):
            text = f"{month:%b %Y}" if n == 0 or month.month == 1 else f"{month:%b}"
            _text(svg, mx + 2, bottom + 16, text, fill="#5a6877", font_size=11)

    # Bars first, marks on top
    for bar in course.bars:
        top = lane_top[bar.kind]
        x1, x2 = x(bar.start), x(bar.end)
        width = max(x2 - x1, 2.0)
        if bar.kind == "block":
            _el(
                svg,
                "rect",
                bar.title,
                x=f"{x1:.1f}",
                y=top + 20,
                width=f"{width:.1f}",
                height=8,
                rx=2,
                fill="#f3cf8f",
                class_="bar bar-block",
            )
            if bar.label:
                _text(svg, x1 + width + 3, top + 28, bar.label, font_size=10, fill="#7a4b00")
        elif bar.kind == "therapy":
            _el(
                svg,
                "rect",
                bar.title,
                x=f"{x1:.1f}",
                y=top + 12,
                width=f"{width:.1f}",
                height=10,
                rx=3,
                fill="#cdeef0",
                class_="bar bar-therapy",
            )
        elif bar.kind == "medication":
            row_y = top + 8 + 18 * bar.row
            _el(
                svg,
                "rect",
                bar.title,
                x=f"{x1:.1f}",
                y=row_y + 6,
                width=f"{width:.1f}",
                height=7,
                rx=2,
                fill="#d9c7ad" if not bar.open_ended else "#c29a66",
                class_="bar bar-medication",
            )
            if bar.label:
                _text(svg, x1 + 2, row_y + 3, bar.label, font_size=10, fill="#5b4428")

    # IRLS line and the questionnaire points
    q_top, q_h = lane_top["questionnaire"], heights["questionnaire"]

    def q_y(total: float) -> float:
        return q_top + q_h - 8 - (q_h - 16) * max(0.0, min(total, 40.0)) / 40.0

    irls = [e for e in course.of_kind("questionnaire") if e.group == "irls" and e.value is not None]
    if len(irls) > 1:
        _el(
            svg,
            "polyline",
            points=" ".join(
                f"{later_x.get(e.key, x(e.day)):.1f},{q_y(e.value or 0):.1f}" for e in irls
            ),
            fill="none",
            stroke=COLOURS["questionnaire"],
            stroke_width=1.5,
        )
    for e in irls[:1] + irls[-1:] if len(irls) > 1 else irls:
        ex = later_x.get(e.key, x(e.day))
        _text(svg, ex + 5, q_y(e.value or 0) - 4, _num(e.value), font_size=10)

    # Nights: dots scaled by PLMS index, the clinical cut-off dashed
    n_top, n_h = lane_top["night"], heights["night"]
    peak = max([60.0, *(e.value or 0 for e in course.of_kind("night"))])

    def n_y(value: float) -> float:
        return n_top + n_h - 6 - (n_h - 12) * max(0.0, min(value, peak)) / peak

    if counts["night"]:
        cut = n_y(PLMS_CUTOFF_ADULT)
        _el(
            svg,
            "line",
            f"PLMS index cut-off {PLMS_CUTOFF_ADULT:g}/h",
            x1=LEFT,
            y1=f"{cut:.1f}",
            x2=plot_right,
            y2=f"{cut:.1f}",
            stroke="#9fb8ad",
            stroke_dasharray="4 3",
        )
        _text(svg, plot_right - 30, cut - 3, f"{PLMS_CUTOFF_ADULT:g}/h", font_size=9, fill=MUTED)

    # One mark per event
    for event in course.events:
        mx = later_x.get(event.key, x(event.day))
        _mark(svg, event, mx, lane_top[event.kind], heights[event.kind], today, q_y, n_y)

    # Today
    tx = x(today)
    _el(
        svg,
        "line",
        f"Today, {today:%b %-d, %Y}",
        x1=f"{tx:.1f}",
        y1=TOP - 4,
        x2=f"{tx:.1f}",
        y2=bottom,
        stroke="#b3261e",
        stroke_width=1.5,
        stroke_dasharray="5 3",
        class_="today",
    )
    # The label sits right of the line, or left of it near the figure's right edge.
    near_edge = tx + 40 > WIDTH
    _text(
        svg,
        tx - 3 if near_edge else tx + 3,
        TOP - 8,
        "today",
        fill="#b3261e",
        font_size=11,
        font_weight="600",
        text_anchor="end" if near_edge else "start",
    )
    return ET.tostring(svg, encoding="unicode")


def _mark(
    svg: ET.Element,
    event: Event,
    mx: float,
    top: int,
    height: int,
    today: date,
    q_y: Any,
    n_y: Any,
) -> None:
    colour = COLOURS[event.kind]
    title = _event_title(event, today)
    common = {"class_": f"mark mark-{event.kind}", "data_kind": event.kind}
    middle = top + height / 2
    faded = event.status in ("cancelled", "no_show", "missed")
    planned = event.status in ("planned", "booked", "held", "to_book") or event.day > today
    fill = "#ffffff" if planned else (MUTED if faded else colour)
    stroke = MUTED if faded else colour
    if event.kind == "visit":
        _el(
            svg,
            "circle",
            title,
            cx=f"{mx:.1f}",
            cy=middle,
            r=5,
            fill=fill,
            stroke=stroke,
            stroke_width=1.5,
            **common,
        )
    elif event.kind == "questionnaire":
        if event.group == "irls" and event.value is not None:
            _el(
                svg,
                "circle",
                title,
                cx=f"{mx:.1f}",
                cy=f"{q_y(event.value):.1f}",
                r=3.5,
                fill=colour,
                **common,
            )
        else:
            colour = COLOURS["surgery"] if event.status == "flagged" else "#a48fc4"
            _el(
                svg,
                "rect",
                title,
                x=f"{mx - 2.5:.1f}",
                y=top + height - 9,
                width=5,
                height=5,
                fill=colour,
                **common,
            )
    elif event.kind == "night":
        if event.value is None:
            _el(
                svg,
                "circle",
                title,
                cx=f"{mx:.1f}",
                cy=top + height - 6,
                r=3,
                fill="#ffffff",
                stroke=colour,
                **common,
            )
        else:
            above = event.value > PLMS_CUTOFF_ADULT
            _el(
                svg,
                "circle",
                title,
                cx=f"{mx:.1f}",
                cy=f"{n_y(event.value):.1f}",
                r=3,
                fill=colour if above else "#7fbfa6",
                **common,
            )
    elif event.kind == "block":
        points = f"{mx:.1f},{top + 6} {mx - 6:.1f},{top + 18} {mx + 6:.1f},{top + 18}"
        _el(svg, "polygon", title, points=points, fill=colour, **common)
    elif event.kind == "surgery":
        row_y = top + (14 if event.group == "right" else 33)
        points = (
            f"{mx:.1f},{row_y - 7} {mx + 7:.1f},{row_y} {mx:.1f},{row_y + 7} {mx - 7:.1f},{row_y}"
        )
        _el(
            svg,
            "polygon",
            title,
            points=points,
            fill=fill,
            stroke=stroke,
            stroke_width=1.5,
            **common,
        )
        letter = {"right": "R", "left": "L"}.get(event.group, "?")
        _text(svg, mx + 9, row_y + 4, letter, font_size=10, font_weight="600", fill=stroke)
    elif event.kind == "follow_up":
        _el(
            svg,
            "rect",
            title,
            x=f"{mx - 4:.1f}",
            y=middle - 4,
            width=8,
            height=8,
            rx=1,
            fill=fill,
            stroke=stroke,
            stroke_width=1.5,
            **common,
        )
    elif event.kind == "therapy":
        if isinstance(event.obj, TherapyCourse):
            # start and end of a course: a flag on the course bar
            _el(
                svg,
                "line",
                title,
                x1=f"{mx:.1f}",
                y1=top + 4,
                x2=f"{mx:.1f}",
                y2=top + 30,
                stroke=colour,
                stroke_width=2,
                **common,
            )
        else:
            tick = {"done": colour, "missed": "#b3261e"}.get(event.status, MUTED)
            _el(
                svg,
                "line",
                title,
                x1=f"{mx:.1f}",
                y1=top + 9,
                x2=f"{mx:.1f}",
                y2=top + 25,
                stroke=tick,
                stroke_width=1.5 if event.status != "planned" else 1,
                stroke_dasharray="2 2" if event.status == "planned" else "none",
                **common,
            )
    elif event.kind == "medication":
        _el(
            svg,
            "circle",
            title,
            cx=f"{mx:.1f}",
            cy=top + 8 + 18 * event.row + 9.5,
            r=3.5,
            fill=colour if event.status != "stop" else "#ffffff",
            stroke=colour,
            **common,
        )


# -- treatment events for the nights timeline and before/after comparison -----------------


def treatment_events(patient: Patient) -> list[wearable_events.TreatmentEvent]:
    """The pathway's treatments not already listed by ``completed_treatments`` (which
    lists completed visits of treatment types): blocks and done surgeries whose visit is
    not among those, therapy course starts, and medication starts, changes and stops."""
    listed = set(
        Appointment.objects.filter(
            patient=patient,
            status=Status.COMPLETED,
            appointment_type__slug__in=list(wearable_events.TREATMENT_TYPES),
        ).values_list("pk", flat=True)
    )
    found: list[wearable_events.TreatmentEvent] = []
    for block in NerveBlock.objects.filter(patient=patient).only(
        "pk", "given_on", "leg", "appointment_id"
    ):
        if block.appointment_id is None or block.appointment_id not in listed:
            found.append(
                wearable_events.TreatmentEvent(
                    key=f"block-{block.pk}",
                    day=block.given_on,
                    label=f"Nerve block, {_leg(block.leg).lower()}",
                    kind="block",
                )
            )
    for surgery in Surgery.objects.filter(patient=patient, status=SurgeryStatus.DONE).only(
        "pk", "operated_on", "leg", "appointment_id"
    ):
        if surgery.appointment_id is None or surgery.appointment_id not in listed:
            found.append(
                wearable_events.TreatmentEvent(
                    key=f"surgery-{surgery.pk}",
                    day=surgery.operated_on,
                    label=f"Decompression, {_leg(surgery.leg).lower()}",
                    kind="surgery",
                )
            )
    for therapy in TherapyCourse.objects.filter(patient=patient):
        found.append(
            wearable_events.TreatmentEvent(
                key=f"therapy-course-{therapy.pk}",
                day=therapy.started_on,
                label=f"{therapy.get_modality_display()} course started",
                kind="therapy",
            )
        )
    medications = list(Medication.objects.filter(patient=patient))
    by_id = {m.pk: m for m in medications}
    replaced = {m.replaces_id for m in medications if m.replaces_id is not None}
    for med in medications:
        previous = by_id.get(med.replaces_id) if med.replaces_id is not None else None
        if med.replaces_id is None:
            label = f"Started {med}"
        elif previous is not None:
            label = (
                f"{med.name} {previous.dose.normalize():f} → {med.dose.normalize():f} {med.unit}"
            )
        else:
            label = f"Changed to {med}"
        found.append(
            wearable_events.TreatmentEvent(
                key=f"medication-{med.pk}",
                day=med.started_on,
                label=label,
                kind="medication",
            )
        )
        if med.stopped_on is not None and med.pk not in replaced:
            found.append(
                wearable_events.TreatmentEvent(
                    key=f"medication-{med.pk}-stop",
                    day=med.stopped_on,
                    label=f"Stopped {med}",
                    kind="medication",
                )
            )
    return found


def register_treatment_events() -> None:
    wearable_events.register(treatment_events)
