# SPDX-License-Identifier: AGPL-3.0-or-later
"""A freed slot is held for the first patient waiting for that type at that location."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from helpers import at, kind, next_weekday
from nervepath.accounts.models import Patient, Role, User
from nervepath.scheduling import availability, services, waitlist
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    ExceptionKind,
    Status,
    WaitlistEntry,
    WaitlistStatus,
)

pytestmark = pytest.mark.booking


@pytest.fixture
def carol(clinic) -> Patient:
    user = User.objects.create_user("carol@example.org", first_name="Carol", role=Role.PATIENT)
    return Patient.objects.create(user=user)


@pytest.fixture
def freed(clinic, hale, alice, bob, carol, django_capture_on_commit_callbacks):
    """Bob then Carol join the waitlist; Alice cancels her follow-up."""
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=alice.user,
    )
    waitlist.join_waitlist(bob, kind("follow-up"), fc)
    waitlist.join_waitlist(carol, kind("follow-up"), fc)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    return appt


def test_joining_twice_keeps_one_place(clinic, bob):
    fc = clinic["fort-collins"]
    first = waitlist.join_waitlist(bob, kind("follow-up"), fc)
    again = waitlist.join_waitlist(bob, kind("follow-up"), fc)
    assert first.pk == again.pk
    assert WaitlistEntry.objects.count() == 1


def test_a_cancellation_holds_the_slot_for_the_first_waiting(freed, bob, carol):
    entry = WaitlistEntry.objects.get(patient=bob)
    assert entry.status == WaitlistStatus.OFFERED
    held = entry.offered_appointment
    assert held.status == Status.HELD and held.starts_at == freed.starts_at
    assert held.hold_expires_at > timezone.now()
    assert WaitlistEntry.objects.get(patient=carol).status == WaitlistStatus.WAITING
    offer_mail = [m for m in mail.outbox if m.to == ["bob@example.org"]]
    assert offer_mail and f"/waitlist/{entry.token}/" in offer_mail[0].body
    # Held means taken for everyone else.
    slots = availability.free_slots(
        freed.appointment_type,
        [freed.location],
        freed.local_start.date(),
        1,
        clinician_ids=[freed.clinician_id],
    )
    assert freed.starts_at not in [s.starts_at for s in slots]


def test_accepting_books_the_held_slot(freed, bob):
    entry = WaitlistEntry.objects.get(patient=bob)
    appt = waitlist.accept_offer(entry)
    assert appt.status == Status.BOOKED and appt.patient == bob
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED
    with pytest.raises(BookingError):
        waitlist.accept_offer(entry)


def test_declining_offers_it_to_the_next_in_line(
    freed, bob, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waitlist.decline_offer(WaitlistEntry.objects.get(patient=bob))
    assert WaitlistEntry.objects.get(patient=bob).status == WaitlistStatus.WITHDRAWN
    carols = WaitlistEntry.objects.get(patient=carol)
    assert carols.status == WaitlistStatus.OFFERED
    assert carols.offered_appointment.starts_at == freed.starts_at
    assert Appointment.objects.filter(status=Status.HELD).count() == 1


def test_an_expired_hold_is_released_and_offered_on(
    freed, bob, carol, django_capture_on_commit_callbacks
):
    held = WaitlistEntry.objects.get(patient=bob).offered_appointment
    assert waitlist.expire_hold(held.id) is False  # not yet
    later = held.hold_expires_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist.expire_hold(held.id, now=later) is True
    held.refresh_from_db()
    assert held.status == Status.CANCELLED
    assert WaitlistEntry.objects.get(patient=bob).status == WaitlistStatus.WAITING
    assert WaitlistEntry.objects.get(patient=carol).status == WaitlistStatus.OFFERED
    with pytest.raises(BookingError, match="no longer open"):
        waitlist.accept_offer(WaitlistEntry.objects.get(patient=bob))


def test_an_expired_hold_does_not_block_a_new_booking(freed, bob, alice):
    held = WaitlistEntry.objects.get(patient=bob).offered_appointment
    Appointment.objects.filter(pk=held.pk).update(hold_expires_at=timezone.now())
    req = services.Request(held.appointment_type, held.location, held.clinician, held.starts_at)
    appt = services.book(req, alice, by=alice.user)
    assert appt.status == Status.BOOKED
    held.refresh_from_db()
    assert held.status == Status.CANCELLED


def _book(patient, clinic, clinician, day, clock, by=None):
    fc = clinic["fort-collins"]
    req = services.Request(kind("follow-up"), fc, clinician, at(fc, day, clock))
    return services.book(req, patient, by=by or patient.user)


@pytest.mark.parametrize("closed_by", ["leave", "closure"])
def test_a_time_freed_on_a_closed_day_is_not_offered(
    clinic, hale, alice, bob, frontdesk, closed_by, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    appt = _book(alice, clinic, hale, monday, "10:00")
    waitlist.join_waitlist(bob, kind("follow-up"), fc)
    # Leave entered for every location, or the whole location closed, after the booking.
    AvailabilityException.objects.create(
        clinician=hale if closed_by == "leave" else None,
        location=None if closed_by == "leave" else fc,
        kind=ExceptionKind.UNAVAILABLE,
        starts_at=at(fc, monday, "00:00"),
        ends_at=at(fc, monday, "23:59"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=frontdesk)
    assert WaitlistEntry.objects.get(patient=bob).status == WaitlistStatus.WAITING
    assert not Appointment.objects.filter(status=Status.HELD).exists()


def test_a_time_later_than_the_patients_own_visit_is_not_offered(
    clinic, hale, alice, bob, carol, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    _book(bob, clinic, hale, monday, "09:00")
    appt = _book(alice, clinic, hale, monday, "10:00")
    waitlist.join_waitlist(bob, kind("follow-up"), fc)
    waitlist.join_waitlist(carol, kind("follow-up"), fc)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    # Bob's own visit is earlier: the offer passes him by and goes to Carol.
    assert WaitlistEntry.objects.get(patient=bob).status == WaitlistStatus.WAITING
    assert WaitlistEntry.objects.get(patient=carol).status == WaitlistStatus.OFFERED
    assert [m.to for m in mail.outbox if "earlier slot" in m.subject] == [["carol@example.org"]]


def test_accepting_moves_the_patients_later_visit_and_offers_its_time_on(
    client, clinic, hale, alice, bob, carol, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    later = _book(bob, clinic, hale, monday + timedelta(days=7), "11:00")
    appt = _book(alice, clinic, hale, monday, "10:00")
    waitlist.join_waitlist(bob, kind("follow-up"), fc)
    waitlist.join_waitlist(carol, kind("follow-up"), fc)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(appt, by=alice.user)
    entry = WaitlistEntry.objects.get(patient=bob)
    assert entry.status == WaitlistStatus.OFFERED
    page = client.get(reverse("scheduling:waitlist_offer", args=[entry.token])).content.decode()
    assert "Taking it moves your visit of" in page and later.local_start.strftime("%B %-d") in page
    with django_capture_on_commit_callbacks(execute=True):
        moved = waitlist.accept_offer(entry)
    # One visit, the same one (its manage link and calendar event), at the earlier time.
    visits = Appointment.objects.filter(patient=bob, status=Status.BOOKED)
    assert list(visits) == [moved] and moved.pk == later.pk
    assert moved.starts_at == appt.starts_at and moved.manage_token == later.manage_token
    assert moved.sequence == later.sequence + 1
    assert not Appointment.objects.filter(patient=bob, status=Status.HELD).exists()
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistStatus.BOOKED
    # Bob's old time goes to the next in line.
    carols = WaitlistEntry.objects.get(patient=carol)
    assert carols.status == WaitlistStatus.OFFERED
    assert carols.offered_appointment.starts_at == later.starts_at
