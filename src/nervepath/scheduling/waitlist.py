# SPDX-License-Identifier: AGPL-3.0-or-later
"""The waitlist: a freed time is held for the first patient waiting for that appointment
type at that location, offered by email, and passed down the line when declined or
left to expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.scheduling.care import booking_basis
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    CareBasis,
    Location,
    Source,
    Status,
    WaitlistEntry,
    WaitlistStatus,
)
from nervepath.scheduling.services import (
    Request,
    SlotClaimFailed,
    after_booking,
    check_offer,
    claim_slot,
    end_hold,
    freed_copy,
    lock_slot,
    refused_by_database,
)


def join_waitlist(patient: Patient, kind: AppointmentType, location: Location) -> WaitlistEntry:
    if not kind.locations.filter(id=location.id).exists():
        raise BookingError(f"“{kind.name}” is not offered at {location.name}.")
    open_entries = WaitlistEntry.objects.filter(
        patient=patient,
        appointment_type=kind,
        location=location,
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
    )
    entry = open_entries.first()
    if entry is not None:
        return entry
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(
                patient=patient, appointment_type=kind, location=location
            )
    except IntegrityError:
        # The same form sent twice at once: the other request's entry is the one.
        return open_entries.get()


def offer_freed_slot(freed: Appointment, now: datetime | None = None) -> WaitlistEntry | None:
    """Hold the freed time for the first patient waiting for that type at that location.

    The time is offered only if it could be booked online now: within the clinician's
    hours, outside their leave and the location's closures, with the online notice and
    horizon (a visit cancelled because the clinic is closed that day is not offered);
    the room and the patient's own calendar are asked as for a booking. A patient who
    already has a visit of that type is offered the time only if it is earlier than
    that visit (accepting then moves it, :func:`accept_offer`)."""
    now = now or timezone.now()
    location = freed.location
    req = Request(freed.appointment_type, location, freed.clinician, freed.starts_at)
    try:
        check_offer(req, now)
    except BookingError:
        return None
    waiting = WaitlistEntry.objects.filter(
        appointment_type=freed.appointment_type,
        location=location,
        status=WaitlistStatus.WAITING,
    ).exclude(patient=freed.patient)
    for entry in waiting.select_related("patient__user"):
        current = _visit_to_move(entry.patient, freed.appointment_type, now)
        if current is not None and current.starts_at <= freed.starts_at:
            continue  # not earlier than the visit this patient already has
        expires = min(
            now + timedelta(hours=location.waitlist_offer_hours),
            freed.starts_at - timedelta(hours=location.min_notice_hours),
        )
        from nervepath.scheduling import notifications, tasks

        try:
            with transaction.atomic():
                lock_slot(req)
                entry = WaitlistEntry.objects.get(pk=entry.pk)
                if entry.status != WaitlistStatus.WAITING:
                    continue
                room = claim_slot(req, entry.patient, now, None)
                held = req.create(
                    entry.patient,
                    room,
                    status=Status.HELD,
                    source=Source.WAITLIST,
                    hold_expires_at=expires,
                )
                entry.status = WaitlistStatus.OFFERED
                entry.offered_appointment = held
                entry.save(update_fields=["status", "offered_appointment"])
                # The offer's message is an outbox row of this same transaction.
                notifications.waitlist_offer_email(entry, held)
        except SlotClaimFailed:
            return None  # someone booked the time already; nothing to offer
        except IntegrityError as exc:
            if isinstance(refused_by_database(exc), BookingError):
                continue  # this patient is busy then: ask the next
            return None
        except BookingError:
            continue  # this patient cannot take it (clash, second-leg rule): ask the next
        tasks.schedule_hold_expiry(held)
        return entry
    return None


def _visit_to_move(
    patient: Patient, kind: AppointmentType, after: datetime, *, lock: bool = False
) -> Appointment | None:
    """The patient's next booked visit of this type (at any location) after ``after``:
    the one an accepted offer moves."""
    visits = Appointment.objects.filter(
        patient=patient, appointment_type=kind, status=Status.BOOKED, starts_at__gt=after
    ).order_by("starts_at")
    if lock:
        visits = visits.select_for_update()
    return visits.first()


def visit_to_move(held: Appointment) -> Appointment | None:
    """The patient's visit that accepting the offer of ``held`` would move, if any."""
    return _visit_to_move(held.patient, held.appointment_type, held.starts_at)


def _open_offer(entry: WaitlistEntry) -> tuple[WaitlistEntry, Appointment]:
    """Inside a transaction: the entry and its held appointment, locked, if still offered."""
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitlistStatus.OFFERED or entry.offered_appointment_id is None:
        raise BookingError("This offer is no longer open.")
    held = Appointment.objects.select_for_update().get(pk=entry.offered_appointment_id)
    return entry, held


def accept_offer(entry: WaitlistEntry, now: datetime | None = None) -> Appointment:
    """The patient takes the offered time. If they already have a later visit of that
    type, that visit moves to the offered time (same manage link, calendar event and
    revision + 1) and its old time is offered on; otherwise the held time becomes their
    visit."""
    now = now or timezone.now()
    with transaction.atomic():
        entry, held = _open_offer(entry)
        if (
            held.status != Status.HELD
            or held.hold_expires_at is None
            or held.hold_expires_at <= now
        ):
            raise BookingError("Sorry, this offer has expired and the time was released.")
        moved = _visit_to_move(held.patient, held.appointment_type, held.starts_at, lock=True)
        entry.status = WaitlistStatus.BOOKED
        if moved is None:
            held.status = Status.BOOKED
            held.hold_expires_at = None
            # Answered from the link in the patient's mailbox.
            held.care_basis = booking_basis(None, held.patient, confirmed_by_mail=True)
            held.save(update_fields=["status", "hold_expires_at", "care_basis"])
            entry.save(update_fields=["status"])
            after_booking(held, "confirmed")
            return held
        freed = freed_copy(moved)
        entry.offered_appointment = None
        entry.save(update_fields=["status", "offered_appointment"])
        # The hold only kept the time; the patient's visit takes its place.
        slot = freed_copy(held)
        held.delete()
        moved.clinician, moved.location, moved.resource = (
            slot.clinician,
            slot.location,
            slot.resource,
        )
        moved.starts_at, moved.ends_at = slot.starts_at, slot.ends_at
        moved.blocked_from, moved.blocked_until = slot.blocked_from, slot.blocked_until
        moved.reminder_sent_at = None
        moved.sequence += 1
        moved.save()
        after_booking(moved, "moved")
        transaction.on_commit(lambda: offer_freed_slot(freed))
    return moved


def decline_offer(entry: WaitlistEntry, now: datetime | None = None) -> None:
    """The patient does not want this time: release it and offer it to the next in line."""
    now = now or timezone.now()
    with transaction.atomic():
        entry, held = _open_offer(entry)
        freed = freed_copy(held)
        end_hold(held, now)
        entry.refresh_from_db()
        entry.status = WaitlistStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        transaction.on_commit(lambda: offer_freed_slot(freed))


def expire_hold(appointment_id: int, now: datetime | None = None) -> bool:
    """Release a hold nobody accepted in time, and offer it to the next in line."""
    now = now or timezone.now()
    with transaction.atomic():
        held = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if held is None or held.status != Status.HELD or held.hold_expires_at is None:
            return False
        if held.hold_expires_at > now:
            return False
        freed = freed_copy(held)
        unconfirmed = held.care_basis == CareBasis.UNCONFIRMED
        end_hold(held, now)
        if unconfirmed:
            # An unconfirmed online booking never was a visit: its time is simply free
            # again (availability shows it), and is not offered to the waitlist, so that
            # anonymous holds cannot be used to send offers.
            return True
        # The patient who let it lapse keeps their place for a later slot but is not
        # offered this one again.
        transaction.on_commit(lambda: offer_freed_slot(freed, now))
    return True
