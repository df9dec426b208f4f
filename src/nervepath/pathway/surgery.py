# SPDX-License-Identifier: AGPL-3.0-or-later
"""Decompression surgery: the record of each leg's operation, staged bilateral surgery
(the other leg booked from the first), intraoperative monitoring readings, and the
post-operative follow-ups a done surgery creates.

Every function checks everything first and writes inside one transaction, so a refused
change (``PathwayError``, shown to the user as is) stores nothing. A write that depends on
the patient's other surgeries (a repeat of a tunnel, the other leg, a visit's one record)
locks the patient's row first and checks again under that lock, so two submissions at
once cannot both pass. History is kept by django-simple-history on every model written
here, naming the user who made the change (``_history_user``), also outside a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from nervepath.accounts.models import Patient, User
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import (
    FollowUp,
    FollowUpStatus,
    MonitoringReading,
    Nerve,
    ReadingSource,
    Surgery,
    SurgeryStatus,
    authored,
    validate_nerves,
)
from nervepath.scheduling import availability
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    Clinician,
    Leg,
    Location,
    Source,
    Status,
)
from nervepath.science.nerves import monitoring

# Largest monitoring CSV accepted: a device export of a few nerves is a few hundred
# bytes; anything near a megabyte is not such a file.
MAX_CSV_BYTES = 1_000_000

EDITABLE = (
    "operated_on",
    "surgeon",
    "location",
    "tunnels",
    "status",
    "findings",
    "complications",
    "repeat_reason",
)


def other_leg(leg: str) -> str:
    return Leg.LEFT if leg == Leg.RIGHT else Leg.RIGHT


def day_text(value: date) -> str:
    return f"{value:%b %-d, %Y}"


def local_day(starts_at: datetime, tz: tzinfo) -> date:
    """The day of ``starts_at`` at the location; a time that cannot be one (a made-up
    year 1 or 9999 with an offset) is refused rather than overflowing."""
    try:
        return starts_at.astimezone(tz).date()
    except (OverflowError, ValueError):
        raise PathwayError("That time is out of range: choose one of the offered times.") from None


def visit_author(appointment: Appointment) -> User | None:
    """Who changed ``appointment`` last, as its history says: the author of what the
    pathway writes because of that change."""
    named = getattr(appointment, "_history_user", None)
    if named is not None:
        return named
    last = appointment.history.order_by("-history_id").select_related("history_user").first()
    return None if last is None else last.history_user


def _lock_patient(patient_id: int) -> None:
    """Serialise the writes of one patient's surgeries (held until the transaction ends)."""
    Patient.objects.select_for_update().get(pk=patient_id)


ALREADY_RECORDED = "This visit already has a surgery record."


# -- settings ----------------------------------------------------------------------------


def follow_up_plan() -> list[tuple[int, str]]:
    """settings.NERVEPATH["FOLLOW_UPS"] as (days after surgery, label), in day order.

    Each entry is "days:label", e.g. "14:2 weeks" (DESIGN.md step 6: 2 weeks, 3, 6 and
    12 months). A malformed entry stops the app with a message naming it."""
    raw = settings.NERVEPATH.get("FOLLOW_UPS", [])
    plan: dict[int, str] = {}
    for entry in raw:
        days_text, sep, label = str(entry).partition(":")
        label = label.strip()
        try:
            days = int(days_text.strip())
        except ValueError:
            days = -1
        if not sep or days < 1 or not label or len(label) > 40:
            raise ImproperlyConfigured(
                f"NERVEPATH_FOLLOW_UPS: {entry!r} should be days:label with days a whole "
                "number above 0 and a label of at most 40 characters, e.g. '14:2 weeks'."
            )
        if days in plan:
            raise ImproperlyConfigured(
                f"NERVEPATH_FOLLOW_UPS: {days} days appears twice ({plan[days]!r} and {label!r})."
            )
        plan[days] = label
    return sorted(plan.items())


def follow_up_type() -> AppointmentType:
    slug = settings.NERVEPATH["FOLLOW_UP_TYPE"]
    kind = AppointmentType.objects.filter(slug=slug, active=True).first()
    if kind is None:
        raise PathwayError(
            f"The follow-up appointment type {slug!r} (NERVEPATH_FOLLOW_UP_TYPE) does not "
            "exist or is no longer offered: add it in the admin."
        )
    return kind


# -- recording a surgery -----------------------------------------------------------------


def _clean_tunnels(tunnels: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(tunnels or []))
    if not chosen:
        raise PathwayError("Choose at least one tunnel released.")
    try:
        validate_nerves(chosen)
    except ValidationError as exc:
        raise PathwayError(" ".join(exc.messages)) from None
    return [t for t in Nerve.values if t in chosen]


def _check_repeat(surgery: Surgery) -> None:
    """A tunnel already released (or planned) on this leg by another surgery that was not
    cancelled is operated on again only with a stated reason (the issue: "a second
    surgery on the same leg and tunnel without a reason: refused")."""
    if surgery.status == SurgeryStatus.CANCELLED or surgery.repeat_reason.strip():
        return
    others = (
        Surgery.objects.filter(patient_id=surgery.patient_id, leg=surgery.leg)
        .exclude(status=SurgeryStatus.CANCELLED)
        .exclude(pk=surgery.pk)
        .order_by("operated_on", "id")
    )
    for other in others:
        shared = [t for t in surgery.tunnels if t in (other.tunnels or [])]
        if shared:
            names = ", ".join(Nerve(t).label for t in shared)
            verb = "released" if other.status == SurgeryStatus.DONE else "planned for release"
            raise PathwayError(
                f"{names} on the {surgery.get_leg_display().lower()} was already {verb} "
                f"on {day_text(other.operated_on)}. Say why it is operated on again (reason for a "
                "repeat surgery), or choose other tunnels."
            )


def _check_appointment(surgery: Surgery, appointment: Appointment) -> None:
    if appointment.patient_id != surgery.patient_id:
        raise PathwayError("That appointment is not this patient's.")
    if appointment.appointment_type.surgery_leg != surgery.leg:
        raise PathwayError(
            f"That appointment is not a surgery of the {surgery.get_leg_display().lower()}."
        )
    if appointment.status == Status.CANCELLED:
        raise PathwayError("That appointment was cancelled.")
    linked = Surgery.objects.filter(appointment=appointment).exclude(pk=surgery.pk).first()
    if linked is not None:
        raise PathwayError(f"That appointment already belongs to {linked}.")
    day = appointment.local_start.date()
    if surgery.operated_on != day:
        raise PathwayError(
            f"The surgery date ({day_text(surgery.operated_on)}) is not the appointment's "
            f"({day_text(day)})."
        )


def _recheck(surgery: Surgery) -> None:
    """What another submission may have changed meanwhile: checked again under the
    patient's lock."""
    if surgery.appointment is not None:
        _check_appointment(surgery, surgery.appointment)
    _check_repeat(surgery)


def _check(
    surgery: Surgery, *, surgeon_changed: bool, today: date, check_visit: bool = True
) -> None:
    if surgery.leg not in Leg.values:
        raise PathwayError("Choose the leg operated on.")
    if surgery.status not in SurgeryStatus.values:
        raise PathwayError("Choose planned, done or cancelled.")
    if surgery.operated_on is None:
        raise PathwayError("Give the date of the surgery.")
    surgery.tunnels = _clean_tunnels(surgery.tunnels)
    if surgeon_changed and not surgery.surgeon.active:
        raise PathwayError(f"{surgery.surgeon} is no longer an active clinician.")
    if surgery.status == SurgeryStatus.DONE and surgery.operated_on > today:
        raise PathwayError(
            f"A surgery on {day_text(surgery.operated_on)} cannot be done yet: mark it planned."
        )
    for field in ("findings", "complications", "repeat_reason"):
        limit = cast(models.Field, Surgery._meta.get_field(field)).max_length
        if limit is not None and len(getattr(surgery, field)) > limit:
            raise PathwayError(f"The {field.replace('_', ' ')} are limited to {limit} characters.")
    if check_visit and surgery.appointment is not None:
        _check_appointment(surgery, surgery.appointment)
    _check_repeat(surgery)


def record_surgery(
    patient: Patient,
    *,
    leg: str,
    operated_on: date | None,
    surgeon: Clinician,
    location: Location,
    tunnels: Sequence[str],
    by: User | None,
    status: str = SurgeryStatus.PLANNED,
    appointment: Appointment | None = None,
    findings: str = "",
    complications: str = "",
    repeat_reason: str = "",
    first_leg: Surgery | None = None,
    today: date | None = None,
) -> Surgery:
    """A new surgery record; a done one gets its follow-ups."""
    today = today or timezone.localdate()
    if appointment is not None and operated_on is None:
        operated_on = appointment.local_start.date()
    if operated_on is None:
        raise PathwayError("Give the date of the surgery.")
    surgery = Surgery(
        patient=patient,
        leg=leg,
        operated_on=operated_on,
        surgeon=surgeon,
        location=location,
        tunnels=list(tunnels),
        status=status,
        appointment=appointment,
        findings=findings.strip(),
        complications=complications.strip(),
        repeat_reason=repeat_reason.strip(),
        first_leg=first_leg,
        created_by=by,
    )
    if first_leg is not None and (first_leg.patient_id != patient.pk or first_leg.leg == leg):
        raise PathwayError("The first leg must be this patient's other leg.")
    _check(surgery, surgeon_changed=True, today=today)
    try:
        with transaction.atomic():
            _lock_patient(patient.pk)
            _recheck(surgery)  # again, under the patient's lock
            authored(surgery, by).save()
            if surgery.status == SurgeryStatus.DONE:
                _sync_follow_ups(surgery, by=by)
    except IntegrityError:
        # The one-to-one link to the visit, should a record of it get past the checks.
        visit = surgery.appointment_id
        if visit is None or not Surgery.objects.filter(appointment_id=visit).exists():
            raise
        raise PathwayError(ALREADY_RECORDED) from None
    return surgery


def update_surgery(
    surgery: Surgery, *, by: User | None, today: date | None = None, **changes: Any
) -> Surgery:
    """Change what a surgery record says (fields in ``EDITABLE``). Marking it done creates
    its follow-ups; a new date moves the follow-ups still to book; leaving "done" is
    refused while a follow-up is booked or done, else its follow-ups are cancelled."""
    today = today or timezone.localdate()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise PathwayError(f"{sorted(unknown)[0]!r} cannot be changed here.")
    with transaction.atomic():
        _lock_patient(surgery.patient_id)
        current = Surgery.objects.select_for_update().get(pk=surgery.pk)
        was_status, was_day, was_surgeon = current.status, current.operated_on, current.surgeon_id
        for field, value in changes.items():
            if isinstance(value, str) and field != "status":
                value = value.strip()
            setattr(current, field, value)
        visit = current.appointment
        _check(
            current,
            surgeon_changed=current.surgeon_id != was_surgeon,
            today=today,
            # A new date must still be the linked visit's (unless that was cancelled).
            check_visit=False,
        )
        if (
            visit is not None
            and visit.status != Status.CANCELLED
            and current.operated_on != was_day
            and current.operated_on != visit.local_start.date()
        ):
            raise PathwayError(
                f"The surgery visit is on {day_text(visit.local_start.date())}: move the visit in "
                "the calendar rather than the surgery's date."
            )
        follow_ups = list(current.follow_ups.select_related("appointment__location"))
        kept = [f for f in follow_ups if f.status in (FollowUpStatus.BOOKED, FollowUpStatus.DONE)]
        if was_status == SurgeryStatus.DONE and current.status != SurgeryStatus.DONE and kept:
            raise PathwayError(
                f"The {kept[0].label} follow-up is {kept[0].get_status_display().lower()}: "
                "cancel that visit before marking the surgery "
                f"{current.get_status_display().lower()}."
            )
        for follow_up in kept:
            seen = follow_up.appointment
            if seen is not None and seen.local_start.date() <= current.operated_on:
                raise PathwayError(
                    f"The {follow_up.label} follow-up visit is on "
                    f"{day_text(seen.local_start.date())}: a follow-up cannot come before its "
                    "surgery. Move that visit first."
                )
        authored(current, by).save()
        if current.status == SurgeryStatus.DONE:
            if was_status != SurgeryStatus.DONE or was_day != current.operated_on:
                _sync_follow_ups(current, by=by)
        elif was_status == SurgeryStatus.DONE:
            for follow_up in current.follow_ups.filter(status=FollowUpStatus.TO_BOOK):
                follow_up.status = FollowUpStatus.CANCELLED
                authored(follow_up, by).save()
    return current


def _sync_follow_ups(surgery: Surgery, *, by: User | None) -> list[FollowUp]:
    """The follow-ups of a done surgery, one per configured interval: created, or moved
    to the surgery's date while still to book (cancelled ones are opened again); ``by``
    is the author in their history."""
    plan = follow_up_plan()
    existing = {f.days_after: f for f in surgery.follow_ups.all()}
    made: list[FollowUp] = []
    for days, label in plan:
        due = surgery.operated_on + timedelta(days=days)
        follow_up = existing.get(days)
        if follow_up is None:
            follow_up = FollowUp(
                surgery=surgery, patient_id=surgery.patient_id, label=label, days_after=days,
                due_on=due,
            )  # fmt: skip
            authored(follow_up, by).save()
        elif follow_up.status in (FollowUpStatus.TO_BOOK, FollowUpStatus.CANCELLED):
            if follow_up.due_on != due:
                follow_up.questionnaires_sent_on = None
            follow_up.due_on, follow_up.label = due, label
            follow_up.status = FollowUpStatus.TO_BOOK
            authored(follow_up, by).save()
        made.append(follow_up)
    first = min((f.due_on for f in made if f.status == FollowUpStatus.TO_BOOK), default=None)
    if first is not None:
        from nervepath.pathway.tasks import enqueue_questionnaire_run

        lead = timedelta(days=settings.NERVEPATH["QUESTIONNAIRE_LEAD_DAYS"])
        transaction.on_commit(lambda: enqueue_questionnaire_run(first - lead))
    return made


def follow_visit(appointment: Appointment, *, by: User | None = None) -> None:
    """A planned surgery's visit moved in the calendar: the surgery's date follows it.
    The author in its history is ``by``, else whoever moved the visit (its history)."""
    day = appointment.local_start.date()
    planned_here = Surgery.objects.filter(
        appointment_id=appointment.pk, status=SurgeryStatus.PLANNED
    )
    moved = list(planned_here.exclude(operated_on=day))
    if not moved:
        return
    author = by or visit_author(appointment)
    for planned in moved:
        planned.operated_on = day
        authored(planned, author).save(update_fields=["operated_on"])


# -- staged bilateral surgery ------------------------------------------------------------


def other_leg_type(surgery: Surgery) -> AppointmentType:
    leg = other_leg(surgery.leg)
    kind = (
        AppointmentType.objects.filter(surgery_leg=leg, active=True).order_by("order", "id").first()
    )
    if kind is None:
        raise PathwayError(
            f"No appointment type is set up for surgery of the {Leg(leg).label.lower()}."
        )
    return kind


def other_leg_surgery(surgery: Surgery) -> Surgery | None:
    """The other leg's surgery that was not cancelled, if any."""
    return (
        Surgery.objects.filter(patient_id=surgery.patient_id, leg=other_leg(surgery.leg))
        .exclude(status=SurgeryStatus.CANCELLED)
        .order_by("operated_on")
        .first()
    )


def earliest_other_leg_day(surgery: Surgery, kind: AppointmentType) -> date:
    # DESIGN.md step 5: the second leg about three weeks after the first; the gap is the
    # booking system's (AppointmentType.second_leg_gap, settings SECOND_LEG_MIN_DAYS).
    return surgery.operated_on + kind.second_leg_gap


def other_leg_slots(
    surgery: Surgery,
    count: int = 6,
    *,
    clinician: Clinician | None = None,
    location: Location | None = None,
    now: datetime | None = None,
) -> list[availability.Slot]:
    """The first ``count`` free slots for the other leg's surgery (the same surgeon and
    location by default), from the surgery's date plus the type's second-leg gap."""
    now = now or timezone.now()
    kind = other_leg_type(surgery)
    location = location or surgery.location
    clinician = clinician or surgery.surgeon
    start = max(earliest_other_leg_day(surgery, kind), now.astimezone(location.tz).date())
    found: list[availability.Slot] = []
    for days in (14, 60, 180, 365):
        found = availability.free_slots(
            kind,
            [location],
            start,
            days,
            window=availability.staff_window(now),
            clinician_ids=[clinician.id],
        )
        if len(found) >= count:
            break
    return found[:count]


def schedule_other_leg(
    surgery: Surgery,
    starts_at: datetime,
    *,
    by: User,
    clinician: Clinician | None = None,
    location: Location | None = None,
    tunnels: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Surgery:
    """Book the other leg's surgery through the booking system (all its rules, the
    second-leg gap among them) and record it as planned, linked to the appointment."""
    if surgery.status == SurgeryStatus.CANCELLED:
        raise PathwayError("This surgery was cancelled; schedule from one that was not.")
    existing = other_leg_surgery(surgery)
    if existing is not None:
        raise PathwayError(f"The other leg already has a surgery: {existing}.")
    kind = other_leg_type(surgery)
    location = location or surgery.location
    clinician = clinician or surgery.surgeon
    chosen = _clean_tunnels(tunnels if tunnels is not None else surgery.tunnels)
    day = local_day(starts_at, location.tz)
    has_visit = surgery.appointment is not None and surgery.appointment.status != Status.CANCELLED
    if not has_visit and (day - surgery.operated_on).days < kind.second_leg_gap.days:
        # The booking system checks the gap against booked surgeries only; a surgery
        # recorded without an appointment is checked here, by the same rule.
        raise PathwayError(
            f"Surgery on the {Leg(kind.surgery_leg).label.lower()} must be at least "
            f"{kind.second_leg_gap.days} days after {day_text(surgery.operated_on)} "
            f"(not before {day_text(earliest_other_leg_day(surgery, kind))})."
        )
    from nervepath.scheduling import services as booking

    req = booking.Request(kind, location, clinician, starts_at)
    try:
        with transaction.atomic():
            _lock_patient(surgery.patient_id)
            # Again under the lock: a second submission waits here and finds the first's.
            if Surgery.objects.filter(pk=surgery.pk, status=SurgeryStatus.CANCELLED).exists():
                raise PathwayError("This surgery was cancelled; schedule from one that was not.")
            existing = other_leg_surgery(surgery)
            if existing is not None:
                raise PathwayError(f"The other leg already has a surgery: {existing}.")
            appointment = booking.book(req, surgery.patient, by=by, source=Source.STAFF, now=now)
            second = Surgery(
                patient_id=surgery.patient_id,
                leg=kind.surgery_leg,
                operated_on=appointment.local_start.date(),
                surgeon=clinician,
                location=location,
                tunnels=chosen,
                status=SurgeryStatus.PLANNED,
                appointment=appointment,
                first_leg=surgery,
                created_by=by,
            )
            _check(second, surgeon_changed=True, today=timezone.localdate())
            authored(second, by).save()
    except SlotTaken as exc:
        times = ", ".join(
            f"{s.starts_at.astimezone(location.tz):%a %b %-d %-I:%M %p}" for s in exc.alternatives
        )
        raise PathwayError(f"{exc.message} {times}".strip()) from None
    except BookingError as exc:
        raise PathwayError(exc.message) from None
    return second


# -- intraoperative monitoring -----------------------------------------------------------


@dataclass(frozen=True)
class NerveRow:
    """One row of the monitoring table on the surgery page."""

    nerve: str
    label: str
    before: MonitoringReading | None
    after: MonitoringReading | None
    change: str


def monitoring_table(surgery: Surgery) -> list[NerveRow]:
    readings = {(r.nerve, r.phase): r for r in surgery.readings.all()}
    described = {
        c.nerve: c.describe() for c in monitoring.changes(r.as_reading() for r in readings.values())
    }
    rows = []
    for nerve in Nerve.values:
        before, after = readings.get((nerve, "before")), readings.get((nerve, "after"))
        if before is None and after is None:
            continue
        rows.append(NerveRow(nerve, Nerve(nerve).label, before, after, described.get(nerve, "")))
    return rows


def _write_readings(
    surgery: Surgery,
    readings: list[monitoring.Reading],
    *,
    source: str,
    replace: bool,
    by: User | None,
) -> list[MonitoringReading]:
    """Write ``readings`` after checking the whole resulting set. With ``replace`` they
    become the surgery's readings (a reading left out is removed, an unchanged one is
    kept as is); without, they are added and a nerve and phase already read is refused."""
    if surgery.status == SurgeryStatus.CANCELLED:
        raise PathwayError("This surgery was cancelled: it has no monitoring readings.")
    if not readings:
        raise PathwayError("Enter at least one amplitude.")
    with transaction.atomic():
        current = {
            (r.nerve, r.phase): r
            for r in MonitoringReading.objects.select_for_update().filter(surgery=surgery)
        }
        if not replace:
            clash = [current[(r.nerve, r.phase)] for r in readings if (r.nerve, r.phase) in current]
            if clash:
                raise PathwayError(
                    f"{clash[0].get_nerve_display()} already has a reading "
                    f"{clash[0].get_phase_display().lower()}. Tick “replace the readings "
                    "already entered” to overwrite them."
                )
        kept = [] if replace else [r.as_reading() for r in current.values()]
        try:
            monitoring.changes([*kept, *readings])  # the whole resulting set
        except monitoring.MonitoringError as exc:
            raise PathwayError(str(exc)) from None
        new_keys = {(r.nerve, r.phase) for r in readings}
        if replace:
            for key, stale in current.items():
                if key not in new_keys:
                    authored(stale, by).delete()
        written = []
        for r in readings:
            row = current.get((r.nerve, r.phase))
            if row is None:
                row = MonitoringReading(
                    surgery=surgery, patient_id=surgery.patient_id, nerve=r.nerve, phase=r.phase
                )
            elif row.as_reading() == r:
                written.append(row)
                continue
            row.amplitude_uv, row.latency_ms = r.amplitude_uv, r.latency_ms
            row.source, row.recorded_by = source, by
            authored(row, by).save()
            written.append(row)
    return written


def enter_readings(
    surgery: Surgery,
    values: Mapping[tuple[str, str], tuple[float | None, float | None]],
    *,
    by: User | None,
) -> list[MonitoringReading]:
    """The monitoring table entered by hand: {(nerve, phase): (amplitude µV, latency ms)};
    a blank amplitude is "not recorded". What is entered becomes the surgery's readings
    (the form shows the current ones). Refused as a whole when any value, or the
    resulting set, is impossible."""
    readings = []
    for (nerve, phase), (amplitude, latency) in values.items():
        if amplitude is None:
            if latency is not None:
                raise PathwayError(
                    f"{Nerve(nerve).label} {phase} release: a latency needs its amplitude."
                )
            continue
        reading = monitoring.Reading(nerve, phase, float(amplitude), latency)
        try:
            reading.check()
        except monitoring.MonitoringError as exc:
            raise PathwayError(str(exc)) from None
        readings.append(reading)
    return _write_readings(surgery, readings, source=ReadingSource.MANUAL, replace=True, by=by)


def check_csv_size(size: int) -> None:
    if size > MAX_CSV_BYTES:
        raise PathwayError(
            f"The file is {size / 1_000_000:.1f} MB; a monitoring export is at most "
            f"{MAX_CSV_BYTES // 1_000_000} MB."
        )


def decode_csv(data: bytes) -> str:
    check_csv_size(len(data))
    if b"\x00" in data:
        raise PathwayError("That is not a text (CSV) file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PathwayError("That is not a text (CSV) file.")


def import_csv(
    surgery: Surgery, data: bytes, *, replace: bool, by: User | None
) -> list[MonitoringReading]:
    """Readings from the monitoring device's CSV export (docs/pathway-surgery.md); a
    row whose side column names the other leg is refused."""
    text = decode_csv(data)
    try:
        readings = monitoring.parse_csv(text, leg=surgery.leg)
    except monitoring.MonitoringError as exc:
        raise PathwayError(str(exc)) from None
    return _write_readings(surgery, readings, source=ReadingSource.CSV, replace=replace, by=by)
