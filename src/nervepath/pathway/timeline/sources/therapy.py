# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's therapy courses: their start, every session, their end, and a bar over
the course."""

from __future__ import annotations

from datetime import date

from nervepath.accounts.models import Patient
from nervepath.pathway.models import CourseStatus, SessionStatus, TherapyCourse
from nervepath.pathway.timeline.base import Bar, Event, Found
from nervepath.pathway.timeline.words import page_url


def session_counts(course: TherapyCourse) -> dict[str, int]:
    counts = {s.value: 0 for s in SessionStatus}
    for session in course.sessions.all():
        counts[session.status] = counts.get(session.status, 0) + 1
    return counts


def improvement(pct: int | None) -> str:
    if pct is None:
        return ""
    if pct > 0:
        return f"{pct} % better at the end"
    if pct < 0:
        return f"{-pct} % worse at the end"
    return "no change at the end"


def events(patient: Patient, today: date) -> Found:
    courses = list(
        TherapyCourse.objects.filter(patient=patient)
        .prefetch_related("sessions")
        .order_by("started_on", "pk")
    )
    found = Found(records=courses)
    for therapy in courses:
        _add_course(found, therapy, today)
    return found


def _add_course(found: Found, therapy: TherapyCourse, today: date) -> None:
    name = therapy.get_modality_display()
    counts = session_counts(therapy)
    tally = (
        f"{counts['done']} of {therapy.planned_sessions} sessions done"
        + (f", {counts['missed']} missed" if counts["missed"] else "")
        + (f", {counts['planned']} planned" if counts["planned"] else "")
    )
    course_url = page_url(therapy)
    group = f"course-{therapy.pk}"
    found.events.append(
        Event(
            day=therapy.started_on,
            kind="therapy",
            title=f"{name} course started",
            detail=f"{therapy.planned_sessions} sessions planned · {tally}",
            obj=therapy,
            url=course_url,
            status=therapy.status,
            status_label=therapy.get_status_display(),
            group=group,
            key=f"therapy-{therapy.pk}",
        )
    )
    sessions = sorted(therapy.sessions.all(), key=lambda s: (s.on_date, s.number))
    for session in sessions:
        found.events.append(
            Event(
                day=session.on_date,
                kind="therapy",
                title=f"{name}, session {session.number} of {therapy.planned_sessions}",
                detail=session.get_status_display(),
                obj=session,
                url=page_url(session, course_url),
                status=session.status,
                status_label=session.get_status_display(),
                group=group,
                key=f"therapy-session-{session.pk}",
            )
        )
    if therapy.ended_on is not None:
        found.events.append(_end(therapy, therapy.ended_on, tally, course_url))
    last = max([therapy.ended_on or therapy.started_on, *(s.on_date for s in sessions)])
    end = therapy.ended_on or max(last, today if therapy.status == CourseStatus.ACTIVE else last)
    found.bars.append(
        Bar(
            kind="therapy",
            start=therapy.started_on,
            end=end,
            title=f"{name}: {tally} ({therapy.get_status_display().lower()})",
            open_ended=therapy.ended_on is None and therapy.status == CourseStatus.ACTIVE,
        )
    )


def _end(therapy: TherapyCourse, ended_on: date, tally: str, course_url: str) -> Event:
    """The course's end (completed or stopped early), with its improvement."""
    verb = "stopped early" if therapy.status == CourseStatus.STOPPED else "completed"
    detail = tally
    if therapy.improvement_pct is not None:
        detail += f" · {improvement(therapy.improvement_pct)}"
    return Event(
        day=ended_on,
        kind="therapy",
        title=f"{therapy.get_modality_display()} course {verb}",
        detail=detail,
        obj=therapy,
        url=course_url,
        status=therapy.status,
        status_label=therapy.get_status_display(),
        value=None if therapy.improvement_pct is None else float(therapy.improvement_pct),
        group=f"course-{therapy.pk}",
        key=f"therapy-end-{therapy.pk}",
    )
