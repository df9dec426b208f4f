# SPDX-License-Identifier: AGPL-3.0-or-later
"""Booking, moving and cancelling appointments (the waitlist is in ``waitlist.py``).

Every operation checks the clinic's rules, then writes inside one transaction that
first locks the clinician (and rooms), then the patient, so that two bookings for the
same time, or for the same patient, are serialised (the patient's overlap and the
second-leg rule are checked under that lock). The database itself refuses overlapping
appointments as a last guard: per clinician and room (migration 0002) and per patient
(migration 0008). A clinician's or room's refusal is turned into :class:`SlotTaken`
with the nearest free slots, a patient's into a :class:`BookingError` that says so. A
refused operation changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from nervepath.accounts.models import Patient, User
from nervepath.scheduling import availability
from nervepath.scheduling.care import booking_basis
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    CareBasis,
    Clinician,
    ExceptionKind,
    Leg,
    Location,
    Resource,
    Source,
    Status,
    WaitlistEntry,
    WaitlistStatus,
    new_token,
)

log = logging.getLogger(__name__)

TAKEN = "Sorry, that time was just taken by someone else. Here are the nearest free times."
ALREADY_BOOKED = "You already booked this time."
PATIENT_BUSY = "You already have an appointment at that time."


@dataclass(frozen=True)
class Request:
    """What someone asked for: a type at a location with a clinician at an instant."""

    appointment_type: AppointmentType
    location: Location
    clinician: Clinician
    starts_at: datetime

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.appointment_type.duration

    @property
    def blocked_from(self) -> datetime:
        return self.starts_at - self.appointment_type.buffer_before

    @property
    def blocked_until(self) -> datetime:
        return self.ends_at + self.appointment_type.buffer_after

    def create(self, patient: Patient, room: Resource | None, **fields: object) -> Appointment:
        """The appointment row for this request (the caller has claimed the time)."""
        return Appointment.objects.create(
            patient=patient,
            clinician=self.clinician,
            location=self.location,
            appointment_type=self.appointment_type,
            resource=room,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            blocked_from=self.blocked_from,
            blocked_until=self.blocked_until,
            **fields,
        )


class SlotClaimFailed(Exception):
    """Raised inside the transaction; turned into SlotTaken after the rollback."""


def _window(location: Location, online: bool, now: datetime) -> availability.SearchWindow:
    return availability.online_window(location, now) if online else availability.staff_window(now)


def _check_request(
    req: Request, *, online: bool, now: datetime, on_grid: bool | None = None
) -> None:
    """The clinic's rules for ``req``: the type, the clinician, notice and horizon (the
    online ones when ``online``), and the clinician's hours, leave and the location's
    closures. ``on_grid``: the time must be one the online slot grid offers (default:
    as ``online``); otherwise any 5-minute step within hours is accepted."""
    kind, location, clinician = req.appointment_type, req.location, req.clinician
    if on_grid is None:
        on_grid = online
    if not kind.active:
        raise BookingError(f"“{kind.name}” is no longer offered.")
    if not kind.locations.filter(id=location.id).exists():
        raise BookingError(f"“{kind.name}” is not offered at {location.name}.")
    if not clinician.active or not kind.clinicians.filter(id=clinician.id).exists():
        raise BookingError(f"{clinician} does not offer “{kind.name}”.")
    if online and not kind.online_bookable:
        raise BookingError(f"“{kind.name}” is booked by the clinic: please call {location.phone}.")
    if timezone.is_naive(req.starts_at):
        raise BookingError("The appointment time must include a time zone.")
    if req.starts_at <= now:
        raise BookingError("That time has already passed. Please choose a time in the future.")
    if req.starts_at > availability.staff_window(now).latest:
        raise BookingError("That date is too far ahead to book.")
    if online:
        window = availability.online_window(location, now)
        if req.starts_at < window.earliest:
            raise BookingError(
                f"Online bookings need at least {location.min_notice_hours} hours' notice. "
                f"For a sooner visit please call {location.phone}."
            )
        if req.starts_at > window.latest:
            raise BookingError(
                f"Online bookings open {location.max_horizon_days} days ahead. "
                "Please choose an earlier date."
            )
    local_day = req.starts_at.astimezone(location.tz).date()
    within_hours = availability.free_slots(
        kind,
        [location],
        local_day,
        1,
        window=availability.staff_window(now),
        clinician_ids=[clinician.id],
        include_bookings=False,
        step_minutes=None if on_grid else 5,
    )
    if not any(slot.starts_at == req.starts_at for slot in within_hours):
        raise BookingError(
            f"{clinician} is not available for “{kind.name}” at {location.name} at that time."
        )


def check_offer(req: Request, now: datetime) -> None:
    """Whether a freed time may be offered to the waitlist: the rules of an online booking
    (hours, leave, closures, notice and horizon), at whatever minute the freed visit
    started (staff may have booked it off the online grid). Rooms and the patient's own
    calendar are asked when the offer claims the time. Raises :class:`BookingError`."""
    _check_request(req, online=True, now=now, on_grid=False)


def _check_second_leg(req: Request, patient: Patient, ignore_id: int | None) -> None:
    """The two legs' decompressions must be at least the configured number of calendar
    days apart, whichever is booked first (DESIGN.md: the second leg about three weeks
    after the first)."""
    leg = req.appointment_type.surgery_leg
    if not leg:
        return
    other = Leg.LEFT if leg == Leg.RIGHT else Leg.RIGHT
    gap = req.appointment_type.second_leg_gap
    day = req.starts_at.astimezone(req.location.tz).date()
    nearby = (
        Appointment.objects.filter(
            patient=patient,
            appointment_type__surgery_leg=other,
            status__in=[Status.BOOKED, Status.HELD, Status.COMPLETED],
            starts_at__gt=req.starts_at - gap - timedelta(days=1),
            starts_at__lt=req.starts_at + gap + timedelta(days=1),
        )
        .exclude(Q(id=ignore_id))  # None: nothing is left out
        .select_related("location")
    )
    for clash in nearby:
        other_day = clash.local_start.date()
        if abs((day - other_day).days) < gap.days:
            raise BookingError(
                f"The {Leg(other).label.lower()} surgery is on {other_day:%B %-d, %Y}. Surgery "
                f"on the {Leg(leg).label.lower()} must be at least {gap.days} days from it "
                f"(not before {other_day + gap:%B %-d} if it follows)."
            )


def lock_slot(req: Request, extra_clinician: Clinician | None = None) -> None:
    """Row locks that serialise writers for this clinician and these rooms (PostgreSQL);
    on SQLite the transaction already holds the database write lock (BEGIN IMMEDIATE)."""
    ids = sorted({req.clinician.id} | ({extra_clinician.id} if extra_clinician else set()))
    list(Clinician.objects.select_for_update().filter(id__in=ids).order_by("id"))
    if req.appointment_type.resource_kind:
        list(
            Resource.objects.select_for_update()
            .filter(location=req.location, kind=req.appointment_type.resource_kind)
            .order_by("id")
        )


def _release_expired_holds(req: Request, now: datetime) -> None:
    expired = Appointment.objects.filter(status=Status.HELD, hold_expires_at__lte=now).overlapping(
        req.blocked_from, req.blocked_until
    )
    for held in expired:
        end_hold(held, now)


def end_hold(held: Appointment, now: datetime) -> None:
    held.status = Status.CANCELLED
    held.cancelled_at = now
    held.confirm_token = None
    held.save(update_fields=["status", "cancelled_at", "confirm_token"])
    WaitlistEntry.objects.filter(offered_appointment=held, status=WaitlistStatus.OFFERED).update(
        status=WaitlistStatus.WAITING, offered_appointment=None
    )


def lock_patient(patient: Patient) -> None:
    """Row lock on the patient (PostgreSQL): two bookings for one patient, with two
    clinicians or at two locations, are checked one after the other. Taken after the
    clinician and room locks, always in that order, so writers never wait in a circle."""
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))


def _check_patient_free(
    req: Request, patient: Patient, now: datetime, ignore_id: int | None
) -> None:
    """Refuse a time at which the patient already has an active appointment; the same
    visit sent twice (a double click, two tabs) is told so."""
    own = (
        Appointment.objects.active(now)
        .filter(patient=patient)
        .overlapping(req.starts_at, req.ends_at)
        .exclude(Q(id=ignore_id))  # None: nothing is left out
        .first()
    )
    if own is None:
        return
    if (
        own.starts_at == req.starts_at
        and own.appointment_type_id == req.appointment_type.id
        and own.location_id == req.location.id
    ):
        if own.awaiting_confirmation:
            raise BookingError(
                f"{ALREADY_BOOKED} Please open the link we emailed you to confirm it."
            )
        raise BookingError(ALREADY_BOOKED)
    raise BookingError(PATIENT_BUSY)


def _check_no_time_off(req: Request) -> None:
    """Under the locks: leave or a closure saved since the hours were checked (outside
    the transaction) refuses the time, so that a booking racing the closure's transaction
    (``scheduling.closures.apply``, which takes the same clinician locks) never lands
    inside it."""
    clashing = AvailabilityException.objects.filter(
        Q(clinician=req.clinician) | Q(clinician__isnull=True),
        Q(location=req.location) | Q(location__isnull=True),
        kind=ExceptionKind.UNAVAILABLE,
        starts_at__lt=req.blocked_until,
        ends_at__gt=req.blocked_from,
    )
    if clashing.exists():
        raise BookingError(
            f"{req.clinician} is not available for “{req.appointment_type.name}” at "
            f"{req.location.name} at that time."
        )


def claim_slot(
    req: Request, patient: Patient, now: datetime, ignore_id: int | None
) -> Resource | None:
    """Inside the transaction, after :func:`lock_slot`: lock the patient, refuse if the
    patient or the clinician is busy then, or the other leg's surgery is too close;
    return the room to use."""
    lock_patient(patient)
    _check_no_time_off(req)
    _release_expired_holds(req, now)
    _check_patient_free(req, patient, now, ignore_id)
    clinician_busy = (
        Appointment.objects.active(now)
        .filter(clinician=req.clinician)
        .overlapping(req.blocked_from, req.blocked_until)
        .exclude(Q(id=ignore_id))  # None: nothing is left out
    )
    if clinician_busy.exists():
        raise SlotClaimFailed
    _check_second_leg(req, patient, ignore_id)
    if not req.appointment_type.resource_kind:
        return None
    room = availability.pick_resource(
        req.appointment_type,
        req.location,
        req.blocked_from,
        req.blocked_until,
        ignore_appointment_id=ignore_id,
    )
    if room is None:
        raise SlotClaimFailed
    return room


def refused_by_database(exc: IntegrityError) -> Exception:
    """What the database's overlap guards' refusal means: the patient's own guard is a
    :class:`BookingError`; a clinician's or room's is :class:`SlotClaimFailed`."""
    log.info("Database refused an overlapping appointment: %s", exc)
    if PATIENT_GUARD in str(exc):
        return BookingError(PATIENT_BUSY)
    return SlotClaimFailed()


#: The name both databases' patient guard carries in its refusal (migration 0008).
PATIENT_GUARD = "appointment_patient_no_overlap"


#: Where a patient books for themself: these count towards the online ceiling.
ONLINE_SOURCES = (Source.ONLINE, Source.API)


def check_online_ceiling(patient: Patient, now: datetime, *, exclude_id: int | None = None) -> None:
    """Refuse a further online booking once ``patient`` holds
    ``NERVEPATH_MAX_FUTURE_ONLINE_VISITS`` future visits booked online (signed in, by
    e-mail or by the API; booked or held). Staff bookings neither count nor are bound.
    Call inside the booking's transaction, after :func:`lock_slot`."""
    from django.conf import settings

    ceiling = int(settings.NERVEPATH["MAX_FUTURE_ONLINE_VISITS"])
    # Two bookings for one patient with two clinicians at once: counted one after the other.
    lock_patient(patient)
    held = (
        Appointment.objects.active(now)
        .filter(patient=patient, source__in=ONLINE_SOURCES, starts_at__gt=now)
        .exclude(Q(pk=exclude_id))  # None: nothing is left out
        .count()
    )
    if held >= ceiling:
        raise BookingError(
            f"You already have {held} upcoming visits booked online, the most the clinic "
            "allows. Please cancel one you no longer need, or call the clinic to book more."
        )


def _taken(req: Request, online: bool, now: datetime, ignore_id: int | None = None) -> SlotTaken:
    return SlotTaken(
        TAKEN,
        lambda: availability.nearest_slots(
            req.appointment_type,
            req.location,
            req.starts_at,
            window=_window(req.location, online, now),
            ignore_appointment_id=ignore_id,
        ),
    )


def book(
    req: Request,
    patient: Patient,
    *,
    by: User | None,
    source: str = Source.ONLINE,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book ``req`` for ``patient``. Online and API bookings follow the online rules."""
    now = now or timezone.now()
    online = source in (Source.ONLINE, Source.API) and not (by and by.can_manage_schedule)
    _check_request(req, online=online, now=now)
    basis = booking_basis(by, patient)
    try:
        with transaction.atomic():
            lock_slot(req)
            if online:
                check_online_ceiling(patient, now)
            room = claim_slot(req, patient, now, None)
            try:
                with transaction.atomic():
                    appointment = req.create(
                        patient,
                        room,
                        status=Status.BOOKED,
                        source=source,
                        created_by=by,
                        patient_note=note,
                        care_basis=basis,
                    )
            except IntegrityError as exc:
                raise refused_by_database(exc) from exc
            after_booking(appointment, "confirmed")
    except SlotClaimFailed:
        raise _taken(req, online, now) from None
    return appointment


def hold_for_confirmation(
    req: Request, patient: Patient, *, note: str = "", now: datetime | None = None
) -> Appointment:
    """A booking made without signing in: the time is held for
    ``NERVEPATH_UNCONFIRMED_HOLD_MINUTES`` and becomes a visit only once confirmed from
    the patient's mailbox (``confirm_hold``); otherwise it lapses by itself (no reminder,
    no waitlist offer). The online rules apply."""
    now = now or timezone.now()
    _check_request(req, online=True, now=now)
    minutes = settings.NERVEPATH["UNCONFIRMED_HOLD_MINUTES"]
    try:
        with transaction.atomic():
            lock_slot(req)
            room = claim_slot(req, patient, now, None)
            try:
                with transaction.atomic():
                    held = req.create(
                        patient,
                        room,
                        status=Status.HELD,
                        source=Source.ONLINE,
                        patient_note=note,
                        care_basis=booking_basis(None, patient, held=True),
                        hold_expires_at=now + timedelta(minutes=minutes),
                        confirm_token=new_token(),
                    )
            except IntegrityError as exc:
                raise refused_by_database(exc) from exc
            _after_hold(held)
    except SlotClaimFailed:
        raise _taken(req, True, now) from None
    return held


def check_hold(req: Request, now: datetime | None = None) -> None:
    """The checks ``hold_for_confirmation`` makes, without holding anything: for an
    address that cannot hold a visit (a staff account's), so that the public form answers
    exactly as it would for any other address."""
    now = now or timezone.now()
    _check_request(req, online=True, now=now)
    busy = (
        Appointment.objects.active(now)
        .filter(clinician=req.clinician)
        .overlapping(req.blocked_from, req.blocked_until)
        .exists()
    )
    room_free = not req.appointment_type.resource_kind or availability.pick_resource(
        req.appointment_type, req.location, req.blocked_from, req.blocked_until
    )
    if busy or not room_free:
        raise _taken(req, True, now)


def _after_hold(held: Appointment) -> None:
    from nervepath.scheduling import notifications, tasks

    notifications.confirm_booking_email(held)
    tasks.schedule_hold_expiry(held)


def confirm_hold(token: str, now: datetime | None = None) -> Appointment:
    """The patient opened the link sent to their mailbox: the held time becomes their
    visit (confirmed from the mailbox, so it puts them in the clinician's care). The
    link works once."""
    now = now or timezone.now()
    with transaction.atomic():
        held = (
            Appointment.objects.select_for_update()
            .filter(confirm_token=token, status=Status.HELD, care_basis=CareBasis.UNCONFIRMED)
            .first()
        )
        if held is None:
            raise BookingError("This link was already used or is not valid.")
        lapsed = held.hold_expires_at is None or held.hold_expires_at <= now
        if lapsed:
            end_hold(held, now)
        else:
            # The ceiling is asked here, of the mailbox's owner, not when the hold is made:
            # there it would tell a stranger how many visits an address already holds.
            check_online_ceiling(held.patient, now, exclude_id=held.pk)
            held.status = Status.BOOKED
            held.hold_expires_at = None
            held.confirm_token = None
            held.care_basis = booking_basis(None, held.patient, confirmed_by_mail=True)
            held.save(update_fields=["status", "hold_expires_at", "confirm_token", "care_basis"])
            after_booking(held, "confirmed")
    if lapsed:
        raise BookingError(
            "Sorry, this booking was not confirmed in time and the time was released. "
            "Please book again."
        )
    return held


def reschedule(
    appointment: Appointment,
    starts_at: datetime,
    *,
    by: User | None,
    clinician: Clinician | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment to ``starts_at`` (and optionally another clinician)."""
    now = now or timezone.now()
    online = not (by and by.can_manage_schedule)
    if appointment.status != Status.BOOKED:
        raise BookingError("Only a booked appointment can be moved.")
    if online:
        _check_cutoff(appointment, now, "moved")
    req = Request(
        appointment.appointment_type,
        appointment.location,
        clinician or appointment.clinician,
        starts_at,
    )
    _check_request(req, online=online, now=now)
    try:
        with transaction.atomic():
            lock_slot(req, extra_clinician=appointment.clinician)
            current = Appointment.objects.get(pk=appointment.pk)
            if current.status != Status.BOOKED:
                raise BookingError("This appointment was cancelled meanwhile.")
            room = claim_slot(req, appointment.patient, now, appointment.id)
            freed = freed_copy(current)
            current.clinician = req.clinician
            current.resource = room
            current.starts_at, current.ends_at = req.starts_at, req.ends_at
            current.blocked_from, current.blocked_until = req.blocked_from, req.blocked_until
            current.reminder_sent_at = None
            current.sequence += 1
            try:
                with transaction.atomic():
                    current.save()
            except IntegrityError as exc:
                raise refused_by_database(exc) from exc
            after_booking(current, "moved")
            transaction.on_commit(lambda: _offer(freed))
    except SlotClaimFailed:
        raise _taken(req, online, now, appointment.id) from None
    return current


def _check_cutoff(appointment: Appointment, now: datetime, verb: str) -> None:
    if appointment.clinic_only:
        raise BookingError(
            f"{appointment.appointment_type.name} visits are changed by the clinic only. "
            f"Please call {appointment.location.name} on {appointment.location.phone}."
        )
    cutoff = appointment.location.cancel_cutoff_hours
    if appointment.starts_at - now < timedelta(hours=cutoff):
        raise BookingError(
            f"Appointments can be {verb} online until {cutoff} hours before. "
            f"Please call {appointment.location.name} on {appointment.location.phone}."
        )


def cancel(
    appointment: Appointment, *, by: User | None, now: datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    online = not (by and by.can_manage_schedule)
    if appointment.status != Status.BOOKED:
        raise BookingError("This appointment is not booked, so it cannot be cancelled.")
    if appointment.starts_at <= now:
        raise BookingError("This appointment has already started.")
    if online:
        _check_cutoff(appointment, now, "cancelled")
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            raise BookingError("This appointment was already cancelled.")
        freed = freed_copy(current)
        current.status = Status.CANCELLED
        current.cancelled_at = now
        current.sequence += 1
        current.save(update_fields=["status", "cancelled_at", "sequence"])
        _after_cancel(current, freed)
    return current


def record_outcome(appointment: Appointment, status: str, *, now: datetime | None = None) -> None:
    """Mark a visit that has started as completed or as a no-show."""
    now = now or timezone.now()
    if status not in (Status.COMPLETED, Status.NO_SHOW):
        raise BookingError("An appointment's outcome is either completed or no-show.")
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            raise BookingError(
                f"This appointment is already marked {current.get_status_display().lower()}."
            )
        if current.starts_at > now:
            raise BookingError("An appointment's outcome can be recorded once it has started.")
        current.status = status
        current.save(update_fields=["status"])


def freed_copy(appointment: Appointment) -> Appointment:
    """An unsaved snapshot of the time an appointment is leaving."""
    return Appointment(
        patient=appointment.patient,
        clinician=appointment.clinician,
        location=appointment.location,
        appointment_type=appointment.appointment_type,
        resource=appointment.resource,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        blocked_from=appointment.blocked_from,
        blocked_until=appointment.blocked_until,
    )


def after_booking(appointment: Appointment, kind: str) -> None:
    """In the booking's transaction: the message (an outbox row) and the reminder task
    are written with the booking, or not at all."""
    from nervepath.scheduling import notifications, tasks

    notifications.appointment_email(appointment, kind)
    tasks.schedule_reminder(appointment)


def _after_cancel(appointment: Appointment, freed: Appointment) -> None:
    from nervepath.scheduling import notifications

    notifications.appointment_email(appointment, "cancelled")
    transaction.on_commit(lambda: _offer(freed))


def _offer(freed: Appointment) -> None:
    from nervepath.scheduling import waitlist  # it builds on this module

    waitlist.offer_freed_slot(freed)
