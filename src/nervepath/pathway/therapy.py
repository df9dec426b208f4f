# SPDX-License-Identifier: AGPL-3.0-or-later
"""Non-surgical therapy courses: electrical stimulation, laser, or both, session by session.

A course plans a number of sessions. Each session is an appointment of a type whose
``treatment`` matches (estim, laser; either for a combined course) in a therapy chair,
booked through the clinic's booking rules (``scheduling.services.book``), then recorded
as done (with the settings used) or missed. A missed session is made up: it does not use one of the
planned sessions, so a course of 10 ends with 10 done sessions when all goes to plan.
At the end the clinician records whether the course was completed or stopped and the
patient's reported improvement (−100 to 100 %, negative: worse), which the patient may
also give later in the portal.

Every function checks everything first and writes inside one transaction, so a refused
change (``PathwayError``) stores nothing. Each write names its author for the record's
history (django-simple-history's ``_history_user``), also outside a web request.
"""

from __future__ import annotations

import contextvars
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from nervepath.accounts.models import Patient, Role, User
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import (
    CourseStatus,
    Modality,
    SessionStatus,
    TherapyCourse,
    TherapySession,
    authored,
)
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    Clinician,
    Location,
    ResourceKind,
    Source,
    Status,
    Treatment,
)

log = logging.getLogger(__name__)

# The treatments (``AppointmentType.treatment``, never a slug) of the appointment types a
# course's sessions are booked as; each is also the modality whose settings it records.
TYPES_OF_MODALITY: dict[str, tuple[str, ...]] = {
    Modality.ESTIM: (Treatment.ESTIM,),
    Modality.LASER: (Treatment.LASER,),
    Modality.BOTH: (Treatment.ESTIM, Treatment.LASER),
}
ALL_TYPES: tuple[str, ...] = (Treatment.ESTIM, Treatment.LASER)

MAX_PLANNED = 60  # the model's own bound
MAX_START_AHEAD_DAYS = 365
SLOT_SEARCH_DAYS = (14, 45, 120)  # widening searches for free session times


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    unit: str
    low: float
    high: float


# Plausibility limits, not prescriptions or safety limits: wide enough for the settings
# of common clinic devices, narrow enough to catch a slipped decimal point or a value in
# the wrong unit. They are nervepath's own bounds, not taken from a guideline; the
# clinician chooses the settings.
PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "estim": (
        Parameter("frequency_hz", "Frequency", "Hz", 0.5, 250),
        Parameter("pulse_width_us", "Pulse width", "µs", 10, 1000),
        Parameter("intensity_ma", "Intensity", "mA", 0.1, 100),
        Parameter("minutes", "Duration", "min", 1, 120),
    ),
    "laser": (
        Parameter("wavelength_nm", "Wavelength", "nm", 400, 1100),
        Parameter("power_mw", "Power", "mW", 1, 30000),
        Parameter("dose_j_cm2", "Dose", "J/cm²", 0.1, 200),
        Parameter("minutes", "Duration", "min", 1, 120),
    ),
}
MODALITY_LABELS = {"estim": "Electrical stimulation", "laser": "Laser"}

# Set while ``book_session`` books, so the booking signal leaves the linking to it.
_booking_for_course: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "nervepath_booking_for_course", default=None
)


def _today() -> date:
    return timezone.localdate()


def _clean_text(value: str | None, limit: int, what: str) -> str:
    text = (value or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise PathwayError(f"{what} is at most {limit} characters ({len(text)} given).")
    return text


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise PathwayError(f"{what} must be a whole number.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PathwayError(f"{what} must be a whole number.") from None
    if number != value and str(number) != str(value).strip():
        raise PathwayError(f"{what} must be a whole number.")
    return number


def types_for(course: TherapyCourse) -> tuple[str, ...]:
    return TYPES_OF_MODALITY[course.modality]


def local_day(appointment: Appointment) -> date:
    return appointment.starts_at.astimezone(appointment.location.tz).date()


# -- courses -----------------------------------------------------------------------------


def start_course(
    patient: Patient,
    *,
    modality: str,
    planned_sessions: int,
    clinician: User,
    started_on: date,
    notes: str = "",
    by: User | None,
) -> TherapyCourse:
    if modality not in Modality.values:
        raise PathwayError("Choose electrical stimulation, laser, or both.")
    planned = _as_int(planned_sessions, "The number of planned sessions")
    if not 1 <= planned <= MAX_PLANNED:
        raise PathwayError(f"Plan between 1 and {MAX_PLANNED} sessions.")
    if not isinstance(clinician, User) or clinician.role != Role.CLINICIAN:
        raise PathwayError("The course's clinician must be one of the clinic's clinicians.")
    if not clinician.is_active:
        raise PathwayError(f"{clinician} no longer works at the clinic.")
    if not isinstance(started_on, date):
        raise PathwayError("Give the day the course starts.")
    if started_on > _today() + timedelta(days=MAX_START_AHEAD_DAYS):
        raise PathwayError("A course can be planned at most a year ahead.")
    notes = _clean_text(notes, 4000, "The notes")
    with transaction.atomic():
        list(Patient.objects.select_for_update().filter(pk=patient.pk))
        wanted = set(TYPES_OF_MODALITY[modality])
        for other in TherapyCourse.objects.filter(patient=patient, status=CourseStatus.ACTIVE):
            if wanted & set(types_for(other)):
                raise PathwayError(
                    f"{patient} already has a course under way ({other}, since "
                    f"{other.started_on:%b %-d, %Y}); end it before starting another "
                    "of the same kind."
                )
        course = authored(
            TherapyCourse(
                patient=patient,
                modality=modality,
                planned_sessions=planned,
                clinician=clinician,
                started_on=started_on,
                notes=notes,
            ),
            by,
        )
        course.save()
    return course


def _open_session(course: TherapyCourse) -> TherapySession | None:
    """A planned session whose booking fell through (cancelled, or its appointment
    removed): the next booking fills it rather than adding a session."""
    return (
        TherapySession.objects.filter(course=course, status=SessionStatus.PLANNED)
        .filter(Q(appointment__isnull=True) | Q(appointment__status=Status.CANCELLED))
        .order_by("number")
        .first()
    )


def _used(course: TherapyCourse) -> int:
    """Planned sessions spoken for: done, or planned with a booking that still stands."""
    sessions = TherapySession.objects.filter(course=course)
    done = sessions.filter(status=SessionStatus.DONE).count()
    held = (
        sessions.filter(status=SessionStatus.PLANNED, appointment__isnull=False)
        .exclude(appointment__status=Status.CANCELLED)
        .count()
    )
    return done + held


def _attach(course: TherapyCourse, appointment: Appointment, by: User | None) -> TherapySession:
    """Link ``appointment`` to the course's next session (inside the caller's transaction,
    the course row locked)."""
    session = _open_session(course)
    if session is None:
        last = TherapySession.objects.filter(course=course).order_by("-number").first()
        session = TherapySession(
            course=course, patient=course.patient, number=(last.number + 1) if last else 1
        )
    session.appointment = appointment
    session.on_date = local_day(appointment)
    authored(session, by).save()
    return session


@dataclass(frozen=True)
class SessionSlot:
    """A free time for a session: a type at a location with a clinician."""

    appointment_type: AppointmentType
    location: Location
    clinician: Clinician
    starts_at: datetime
    ends_at: datetime

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.location.tz)


def session_slots(
    course: TherapyCourse,
    count: int,
    after: datetime | None = None,
    *,
    per_day: int | None = None,
) -> list[SessionSlot]:
    """The next ``count`` free times for the course's sessions (either type for a combined
    course), in a therapy chair, from ``after`` (default now) and not before the course
    starts; times when the patient already has a visit are left out. ``per_day`` keeps at
    most that many a day, so that the times offered span several days."""
    if count <= 0:
        return []
    now = timezone.now()
    window = availability.staff_window(now)
    # Never before now, never past the staff booking horizon (a far-off day would
    # overflow the calendar and could offer nothing anyway).
    after = min(max(after or now, now), window.latest)
    kinds = list(
        AppointmentType.objects.filter(
            treatment__in=types_for(course), active=True, resource_kind=ResourceKind.THERAPY_CHAIR
        ).prefetch_related("locations")
    )
    locations = {loc.id: loc for kind in kinds for loc in kind.locations.all()}
    clinicians = {c.id: c for c in Clinician.objects.select_related("user").filter(active=True)}
    if not kinds or not locations:
        return []
    tz = next(iter(locations.values())).tz
    start_day = max(after.astimezone(tz).date() - timedelta(days=1), course.started_on)
    busy = list(
        Appointment.objects.filter(
            patient=course.patient, status__in=ACTIVE_STATUSES, ends_at__gt=after
        ).values_list("starts_at", "ends_at")
    )
    found: list[SessionSlot] = []
    for days in SLOT_SEARCH_DAYS:
        found = []
        for kind in kinds:
            for slot in availability.free_slots(
                kind,
                list(kind.locations.all()),
                start_day,
                days,
                window=window,
            ):
                location = locations[slot.location_id]
                if slot.starts_at <= after or slot.clinician_id not in clinicians:
                    continue
                if slot.starts_at.astimezone(location.tz).date() < course.started_on:
                    continue
                if any(s < slot.ends_at and slot.starts_at < e for s, e in busy):
                    continue
                found.append(
                    SessionSlot(
                        kind, location, clinicians[slot.clinician_id], slot.starts_at, slot.ends_at
                    )
                )
        found.sort(key=lambda s: (s.starts_at, s.appointment_type.slug, s.location.name))
        if per_day is not None:
            taken: dict[date, int] = {}
            spread = []
            for offered in found:
                day = offered.local_start.date()
                if taken.get(day, 0) < per_day:
                    taken[day] = taken.get(day, 0) + 1
                    spread.append(offered)
            found = spread
        if len(found) >= count:
            break
    return found[:count]


def has_room(course: TherapyCourse) -> bool:
    """Whether the course may book another session."""
    return course.status == CourseStatus.ACTIVE and _used(course) < course.planned_sessions


def _check_room(course: TherapyCourse) -> None:
    if _used(course) >= course.planned_sessions:
        raise PathwayError(
            f"All {course.planned_sessions} planned sessions are booked or done; a course "
            "books no more sessions than it plans."
        )


def book_session(
    course: TherapyCourse,
    *,
    appointment_type: AppointmentType,
    location: Location,
    clinician: Clinician,
    starts_at: datetime,
    by: User,
) -> TherapySession:
    """Book the course's next session through the clinic's booking rules."""
    if course.status != CourseStatus.ACTIVE:
        raise PathwayError("This course has ended; start a new course to book sessions.")
    if appointment_type.treatment not in types_for(course):
        raise PathwayError(
            f"A {course.get_modality_display().lower()} course books "
            + " or ".join(f"“{s}”" for s in types_for(course))
            + f" sessions, not “{appointment_type.name}”."
        )
    if timezone.is_naive(starts_at):
        raise PathwayError("The session time must include a time zone.")
    day = starts_at.astimezone(location.tz).date()
    if day < course.started_on:
        raise PathwayError(
            f"The course starts on {course.started_on:%b %-d, %Y}; a session cannot be "
            "booked before it."
        )
    _check_room(course)
    request = services.Request(appointment_type, location, clinician, starts_at)
    try:
        with transaction.atomic():
            locked = TherapyCourse.objects.select_for_update().get(pk=course.pk)
            if locked.status != CourseStatus.ACTIVE:
                raise PathwayError("This course has ended meanwhile.")
            _check_room(locked)
            token = _booking_for_course.set(locked.pk)
            try:
                appointment = services.book(request, course.patient, by=by, source=Source.STAFF)
            finally:
                _booking_for_course.reset(token)
            session = _attach(locked, appointment, by)
    except SlotTaken:
        raise PathwayError(
            "That time was just taken by someone else; choose another of the times offered."
        ) from None
    except BookingError as exc:
        raise PathwayError(exc.message) from None
    return session


def link_appointment(appointment: Appointment) -> TherapySession | None:
    """For the booking signal: a therapy visit booked for a patient with a course under
    way (online by the patient, by the front desk, from the waitlist) becomes the course's
    next session; a moved session follows its appointment's day. Never refuses a
    booking: when the course has no room left, the visit stays a plain appointment."""
    if _booking_for_course.get() is not None:
        return None
    treatment = appointment.appointment_type.treatment
    if treatment not in ALL_TYPES:
        return None
    linked = TherapySession.objects.filter(appointment=appointment).first()
    if linked is not None:
        day = local_day(appointment)
        if (
            linked.status == SessionStatus.PLANNED
            and appointment.status in ACTIVE_STATUSES
            and linked.on_date != day
        ):
            linked.on_date = day
            authored(linked, appointment.created_by).save(update_fields=["on_date"])
        return linked
    if appointment.status != Status.BOOKED:
        return None
    day = local_day(appointment)
    with transaction.atomic():
        course = (
            TherapyCourse.objects.select_for_update()
            .filter(
                patient_id=appointment.patient_id,
                status=CourseStatus.ACTIVE,
                modality__in=[m for m, kinds in TYPES_OF_MODALITY.items() if treatment in kinds],
                started_on__lte=day,
            )
            .order_by("started_on", "id")
            .first()
        )
        if course is None:
            return None
        if _used(course) >= course.planned_sessions:
            log.info("Therapy visit %s left unlinked: course %s is full", appointment.pk, course.pk)
            return None
        return _attach(course, appointment, appointment.created_by)


# -- recording sessions ------------------------------------------------------------------


def session_modalities(session: TherapySession) -> tuple[str, ...]:
    """The kinds of settings a session records: its appointment's type, else the course's."""
    appointment = session.appointment
    if appointment is not None and appointment.appointment_type.treatment in ALL_TYPES:
        return (appointment.appointment_type.treatment,)
    return types_for(session.course)


def _number(value: Any, param: Parameter) -> float | int:
    if isinstance(value, bool):
        raise PathwayError(f"{param.label} must be a number in {param.unit}.")
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise PathwayError(f"{param.label} must be a number in {param.unit}.") from None
    if not math.isfinite(number):
        raise PathwayError(f"{param.label} must be a number in {param.unit}.")
    if not param.low <= number <= param.high:
        raise PathwayError(
            f"{param.label} of {number:g} {param.unit} is outside {param.low:g}–{param.high:g} "
            f"{param.unit}, the plausible range nervepath accepts. Check the value and its unit."
        )
    return int(number) if number.is_integer() else round(number, 3)


def validate_parameters(modalities: tuple[str, ...], parameters: dict[str, Any]) -> dict[str, Any]:
    """The settings of one modality, every value given and within its plausible range."""
    given = {k: v for k, v in (parameters or {}).items() if v not in (None, "")}
    if not given:
        raise PathwayError("Record the settings used in a session that was done.")
    candidates = [m for m in modalities if set(given) <= {p.key for p in PARAMETERS[m]}]
    if not candidates:
        allowed = sorted({p.key for m in modalities for p in PARAMETERS[m]})
        unknown = sorted(set(given) - set(allowed))
        if unknown:
            raise PathwayError(f"Unknown setting {unknown[0]!r}.")
        raise PathwayError("Record the settings of one modality per session.")
    # With a combined course and only "minutes" given, the first modality is assumed.
    modality = candidates[0]
    missing = [p.label.lower() for p in PARAMETERS[modality] if p.key not in given]
    if missing:
        raise PathwayError(
            f"Record every {MODALITY_LABELS[modality].lower()} setting: "
            + ", ".join(missing)
            + " missing."
        )
    return {p.key: _number(given[p.key], p) for p in PARAMETERS[modality]}


def record_session(
    session: TherapySession,
    *,
    status: str,
    parameters: dict[str, Any] | None = None,
    notes: str = "",
    by: User,
    on: date | None = None,
    now: datetime | None = None,
) -> TherapySession:
    """Record a session as done (with the settings used) or missed; ``on`` is the day it
    was held (default: its booked day). The linked appointment, if still booked, is
    marked completed or no-show."""
    now = now or timezone.now()
    course = session.course
    if status not in (SessionStatus.DONE, SessionStatus.MISSED):
        raise PathwayError("A session is recorded as done or as missed.")
    if session.status != SessionStatus.PLANNED:
        raise PathwayError(
            f"Session {session.number} is already recorded as "
            f"{session.get_status_display().lower()}."
        )
    if course.status != CourseStatus.ACTIVE:
        raise PathwayError("This course has ended; its sessions can no longer be recorded.")
    appointment = session.appointment
    if appointment is not None and appointment.status == Status.CANCELLED:
        raise PathwayError(
            f"Session {session.number}'s appointment was cancelled; book it again first."
        )
    day = on or session.on_date
    if not isinstance(day, date):
        raise PathwayError("Give the day the session was held.")
    if day < course.started_on:
        raise PathwayError(
            f"The course started on {course.started_on:%b %-d, %Y}; a session cannot be "
            "dated before it."
        )
    if appointment is not None and appointment.status == Status.BOOKED:
        if appointment.starts_at > now:
            raise PathwayError(
                f"Session {session.number} is booked for "
                f"{appointment.local_start:%b %-d, %Y %-I:%M %p}; record it once it has started."
            )
    if day > timezone.localdate(now):
        raise PathwayError("A session is recorded on or after its day, not ahead of it.")
    if status == SessionStatus.DONE:
        clean = validate_parameters(session_modalities(session), parameters or {})
    else:
        if any(v not in (None, "") for v in (parameters or {}).values()):
            raise PathwayError("A missed session has no settings; leave them empty.")
        clean = {}
    notes = _clean_text(notes, 1000, "The notes")
    try:
        with transaction.atomic():
            current = TherapySession.objects.select_for_update().get(pk=session.pk)
            if current.status != SessionStatus.PLANNED:
                raise PathwayError(
                    f"Session {current.number} is already recorded as "
                    f"{current.get_status_display().lower()}."
                )
            if appointment is not None:
                stored = Appointment.objects.get(pk=appointment.pk)
                if stored.status == Status.BOOKED:
                    outcome = Status.COMPLETED if status == SessionStatus.DONE else Status.NO_SHOW
                    services.record_outcome(stored, outcome, now=now)
            current.status = status
            current.parameters = clean
            current.notes = notes
            current.on_date = day
            current.recorded_by = by
            authored(current, by).save()
    except BookingError as exc:
        raise PathwayError(exc.message) from None
    return current


# -- ending a course ---------------------------------------------------------------------


def _improvement(value: Any) -> int:
    number = _as_int(value, "The improvement")
    if not -100 <= number <= 100:
        raise PathwayError(
            gettext(
                "The improvement is a percentage from −100 (much worse) to 100 (symptoms gone)."
            )
        )
    return number


def end_course(
    course: TherapyCourse,
    *,
    status: str,
    ended_on: date,
    improvement_pct: int | None,
    by: User,
) -> TherapyCourse:
    """Close the course as completed or stopped early, with the patient's reported
    improvement if known (the patient may give it later in the portal)."""
    if status not in (CourseStatus.COMPLETED, CourseStatus.STOPPED):
        raise PathwayError("A course ends completed or stopped early.")
    if course.status != CourseStatus.ACTIVE:
        raise PathwayError(f"This course already ended on {course.ended_on:%b %-d, %Y}.")
    if not isinstance(ended_on, date):
        raise PathwayError("Give the day the course ended.")
    if ended_on < course.started_on:
        raise PathwayError(
            f"The course started on {course.started_on:%b %-d, %Y}; it cannot end before."
        )
    if ended_on > _today():
        raise PathwayError("A course is ended on or after its last day, not ahead of it.")
    improvement = None if improvement_pct is None else _improvement(improvement_pct)
    last_done = (
        TherapySession.objects.filter(course=course, status=SessionStatus.DONE)
        .order_by("-on_date")
        .first()
    )
    if last_done is not None and ended_on < last_done.on_date:
        raise PathwayError(
            f"Session {last_done.number} was done on {last_done.on_date:%b %-d, %Y}; the "
            "course cannot end before it."
        )
    still_booked = (
        TherapySession.objects.filter(
            course=course, status=SessionStatus.PLANNED, appointment__status=Status.BOOKED
        )
        .select_related("appointment__location")
        .order_by("number")
        .first()
    )
    if still_booked is not None and still_booked.appointment is not None:
        raise PathwayError(
            f"Session {still_booked.number} is still booked for "
            f"{still_booked.appointment.local_start:%b %-d, %Y}: record it, or cancel the "
            "appointment, before ending the course."
        )
    with transaction.atomic():
        current = TherapyCourse.objects.select_for_update().get(pk=course.pk)
        if current.status != CourseStatus.ACTIVE:
            raise PathwayError("This course was ended meanwhile.")
        current.status = status
        current.ended_on = ended_on
        current.improvement_pct = improvement
        authored(current, by).save()
    return current


def report_improvement(course: TherapyCourse, *, improvement_pct: Any, by: User) -> TherapyCourse:
    """The patient's reported improvement for an ended course that has none yet (from the
    portal, or entered by a clinician)."""
    if course.status == CourseStatus.ACTIVE:
        raise PathwayError(gettext("The improvement is reported once the course has ended."))
    improvement = _improvement(improvement_pct)
    with transaction.atomic():
        current = TherapyCourse.objects.select_for_update().get(pk=course.pk)
        if current.improvement_pct is not None:
            raise PathwayError(
                gettext("An improvement of %(pct)s %% is already recorded for this course.")
                % {"pct": current.improvement_pct}
            )
        current.improvement_pct = improvement
        authored(current, by).save(update_fields=["improvement_pct"])
    return current


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    planned: int
    done: int
    missed: int
    booked: int

    @property
    def to_go(self) -> int:
        return max(self.planned - self.done, 0)

    def __str__(self) -> str:
        text = f"{self.done} of {self.planned} done"
        if self.missed:
            text += f", {self.missed} missed"
        return text


def progress(course: TherapyCourse, sessions: list[TherapySession] | None = None) -> Progress:
    rows = (
        sessions
        if sessions is not None
        else list(TherapySession.objects.filter(course=course).select_related("appointment"))
    )
    return Progress(
        planned=course.planned_sessions,
        done=sum(1 for s in rows if s.status == SessionStatus.DONE),
        missed=sum(1 for s in rows if s.status == SessionStatus.MISSED),
        booked=sum(
            1
            for s in rows
            if s.status == SessionStatus.PLANNED
            and s.appointment is not None
            and s.appointment.status == Status.BOOKED
        ),
    )


def _booked_start(session: TherapySession) -> datetime:
    """When a session's booked visit starts (only sessions with a visit are asked)."""
    return cast(Appointment, session.appointment).starts_at


def next_booked(
    course: TherapyCourse,
    now: datetime | None = None,
    *,
    sessions: list[TherapySession] | None = None,
) -> TherapySession | None:
    """The course's next booked session to come. ``sessions``: the course's sessions with
    their appointments when already loaded (a page listing courses), which saves the
    query."""
    now = now or timezone.now()
    if sessions is not None:
        coming = [
            s
            for s in sessions
            if s.status == SessionStatus.PLANNED
            and s.appointment is not None
            and s.appointment.status == Status.BOOKED
            and s.appointment.starts_at >= now
        ]
        return min(coming, key=_booked_start, default=None)
    return (
        TherapySession.objects.filter(
            course=course,
            status=SessionStatus.PLANNED,
            appointment__status=Status.BOOKED,
            appointment__starts_at__gte=now,
        )
        .select_related("appointment__location", "appointment__clinician__user")
        .order_by("appointment__starts_at")
        .first()
    )


def parameter_text(session: TherapySession) -> str:
    """The recorded settings in words, e.g. "Frequency 10 Hz, pulse width 250 µs, …"."""
    values = session.parameters or {}
    for modality in ALL_TYPES:
        params = PARAMETERS[modality]
        if values and set(values) <= {p.key for p in params}:
            return ", ".join(
                f"{p.label} {values[p.key]:g} {p.unit}" for p in params if p.key in values
            )
    return ""
