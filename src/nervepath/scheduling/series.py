# SPDX-License-Identifier: AGPL-3.0-or-later
"""A course of sessions (e.g. ten electrical-stimulation sessions, twice a week) booked in
one step: the wanted times are planned first, each clash listed with the nearest free
times of the same clinician, and nothing is saved until every session has a time; then
all are booked together or none."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction

from nervepath.accounts.models import Patient, User
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    Clinician,
    Location,
    Source,
)

MAX_SESSIONS = 40
ALTERNATIVES = 3
# Alternatives are looked for this many days either side of the wanted day.
SEARCH_DAYS = 3


@dataclass
class Session:
    number: int
    wanted: datetime
    free: bool
    reason: str = ""
    alternatives: list[datetime] = field(default_factory=list)


def wanted_days(first: date, weekdays: list[int], count: int) -> list[date]:
    """The first ``count`` days from ``first`` that fall on ``weekdays`` (0 = Monday)."""
    if not weekdays or count < 1:
        return []
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def plan(
    kind: AppointmentType,
    location: Location,
    clinician: Clinician,
    patient: Patient,
    days: list[date],
    clock: time,
    *,
    now: datetime,
) -> list[Session]:
    """Each wanted session, whether its time is free, and if not why and the nearest free
    times with the same clinician (never a day another session of the course takes)."""
    if not days:
        return []
    lo = days[0] - timedelta(days=SEARCH_DAYS)
    span = (days[-1] - lo).days + SEARCH_DAYS + 1
    slots = availability.free_slots(
        kind,
        [location],
        lo,
        span,
        window=availability.staff_window(now),
        clinician_ids=[clinician.id],
        step_minutes=15,
    )
    theirs = list(
        Appointment.objects.active(now)
        .filter(patient=patient, blocked_until__gt=now)
        .values_list("starts_at", "ends_at")
    )
    free = {s.starts_at for s in slots if not _overlaps(theirs, s.starts_at, s.ends_at)}
    taken_days = set(days)
    sessions = []
    for number, day in enumerate(days, start=1):
        wanted = datetime.combine(day, clock, tzinfo=location.tz)
        if wanted in free and wanted > now:
            sessions.append(Session(number, wanted, True))
            continue
        if wanted <= now:
            reason = "This time has passed."
        elif _overlaps(theirs, wanted, wanted + kind.duration):
            reason = "The patient has another visit then."
        else:
            reason = f"{clinician} is not free then (booked, on leave or not working)."
        options = [
            s
            for s in free
            if s.astimezone(location.tz).date() == day
            or s.astimezone(location.tz).date() not in taken_days
        ]
        options = [
            s for s in options if abs((s.astimezone(location.tz).date() - day).days) <= SEARCH_DAYS
        ]
        options.sort(key=lambda s: (abs((s - wanted).total_seconds()), s))
        local = [s.astimezone(location.tz) for s in options[:ALTERNATIVES]]
        sessions.append(Session(number, wanted, False, reason, sorted(local)))
    return sessions


def _overlaps(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in spans)


def book_series(
    kind: AppointmentType,
    location: Location,
    clinician: Clinician,
    patient: Patient,
    starts: list[datetime],
    *,
    by: User,
) -> list[Appointment]:
    """Book every session or none: a session that cannot be booked undoes the others and
    is named in the error."""
    if not starts:
        raise BookingError("The course has no sessions to book.")
    if len(starts) > MAX_SESSIONS:
        raise BookingError(f"A course has at most {MAX_SESSIONS} sessions.")
    if len(set(starts)) != len(starts):
        raise BookingError("Two sessions are at the same time: choose another for one.")
    key = secrets.token_hex(8)
    booked: list[Appointment] = []
    with transaction.atomic():
        for number, start in enumerate(sorted(starts), start=1):
            req = services.Request(kind, location, clinician, start)
            try:
                appointment = services.book(req, patient, by=by, source=Source.STAFF)
            except SlotTaken:
                local = start.astimezone(location.tz)
                raise BookingError(
                    f"Session {number} ({local:%a %b %-d, %-I:%M %p}) was just taken: nothing "
                    "was booked. Check the course again."
                ) from None
            except BookingError as exc:
                raise BookingError(f"Session {number}: {exc.message} Nothing was booked.") from None
            appointment.series = key
            appointment.save(update_fields=["series"])
            booked.append(appointment)
    return booked
