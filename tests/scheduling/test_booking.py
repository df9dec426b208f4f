# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from helpers import at, kind, next_weekday
from nervepath.scheduling import services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    ExceptionKind,
    Source,
    Status,
)

pytestmark = pytest.mark.booking


def _req(clinic, clinician, type_slug, day, clock, location="fort-collins"):
    loc = clinic[location]
    return services.Request(kind(type_slug), loc, clinician, at(loc, day, clock))


def test_booking_creates_the_appointment_and_emails_an_ics(
    clinic, hale, alice, django_capture_on_commit_callbacks
):
    req = _req(clinic, hale, "follow-up", next_weekday(0), "10:00")
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.book(req, alice, by=alice.user)
    assert appt.status == Status.BOOKED
    assert appt.ends_at - appt.starts_at == timedelta(minutes=30)
    assert appt.blocked_until - appt.ends_at == timedelta(minutes=5)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert appt.get_absolute_url() in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "appointment.ics" and mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content and "Follow-up visit" in content


def test_the_same_slot_cannot_be_booked_twice(clinic, hale, alice, bob):
    req = _req(clinic, hale, "follow-up", next_weekday(0), "10:00")
    services.book(req, alice, by=alice.user)
    with pytest.raises(SlotTaken) as caught:
        services.book(req, bob, by=bob.user)
    assert "just taken" in caught.value.message
    alternatives = caught.value.alternatives
    assert alternatives
    assert all((s.starts_at, s.clinician_id) != (req.starts_at, hale.id) for s in alternatives)
    # The nearest ones come first in time order and sit around the wanted time.
    assert all(abs(s.starts_at - req.starts_at) <= timedelta(days=1) for s in alternatives)
    assert Appointment.objects.filter(patient=bob).count() == 0


def test_an_overlap_through_buffers_is_refused(clinic, hale, alice, bob):
    monday = next_weekday(0)
    services.book(_req(clinic, hale, "new-patient", monday, "10:00"), alice, by=alice.user)
    # 10:00-11:00 plus 10 minutes after: a follow-up at 11:00 starts in the buffer.
    with pytest.raises(SlotTaken):
        services.book(_req(clinic, hale, "follow-up", monday, "11:00"), bob, by=None)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_overlapping_rows_even_without_the_service(clinic, hale, alice, bob):
    req = _req(clinic, hale, "follow-up", next_weekday(0), "10:00")
    services.book(req, alice, by=alice.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            patient=bob,
            clinician=hale,
            location=req.location,
            appointment_type=req.appointment_type,
            starts_at=req.starts_at + timedelta(minutes=10),
            ends_at=req.ends_at + timedelta(minutes=10),
            blocked_from=req.starts_at + timedelta(minutes=10),
            blocked_until=req.blocked_until + timedelta(minutes=10),
        )
    # A cancelled row may overlap; moving the original onto it again is refused too.
    other = Appointment.objects.create(
        patient=bob,
        clinician=hale,
        location=req.location,
        appointment_type=req.appointment_type,
        starts_at=req.starts_at,
        ends_at=req.ends_at,
        blocked_from=req.blocked_from,
        blocked_until=req.blocked_until,
        status=Status.CANCELLED,
    )
    other.status = Status.BOOKED
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()
    assert Appointment.objects.filter(status=Status.BOOKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_patients_racing_for_one_slot_exactly_one_wins(clinic, hale, alice, bob):
    req = _req(clinic, hale, "follow-up", next_weekday(0), "10:00")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(patient) -> None:
        barrier.wait()
        try:
            services.book(req, patient, by=patient.user)
            outcomes[patient.user.email] = "booked"
        except SlotTaken:
            outcomes[patient.user.email] = "taken"
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in (alice, bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["booked", "taken"]
    assert Appointment.objects.filter(clinician=hale, status=Status.BOOKED).count() == 1


def test_a_time_outside_the_clinicians_hours_is_refused(clinic, hale, alice):
    with pytest.raises(BookingError, match="not available"):
        services.book(_req(clinic, hale, "follow-up", next_weekday(0), "17:00"), alice, by=None)
    with pytest.raises(BookingError, match="not available"):
        # Hale is in Broomfield, not Fort Collins, on Wednesdays.
        services.book(_req(clinic, hale, "follow-up", next_weekday(2), "10:00"), alice, by=None)
    assert not Appointment.objects.exists()


def test_past_times_and_online_notice_and_horizon(clinic, hale, alice):
    fc = clinic["fort-collins"]
    past = services.Request(kind("follow-up"), fc, hale, timezone.now() - timedelta(days=1))
    with pytest.raises(BookingError, match="already passed"):
        services.book(past, alice, by=alice.user)
    soon = services.Request(kind("follow-up"), fc, hale, timezone.now() + timedelta(hours=2))
    with pytest.raises(BookingError, match="notice"):
        services.book(soon, alice, by=alice.user)
    far = next_weekday(0, after_days=fc.max_horizon_days + 1)
    with pytest.raises(BookingError, match="days ahead"):
        services.book(_req(clinic, hale, "follow-up", far, "10:00"), alice, by=alice.user)
    assert not Appointment.objects.exists()


def test_staff_may_book_inside_the_online_notice_and_off_the_grid(clinic, hale, alice, frontdesk):
    monday = next_weekday(0)
    appt = services.book(
        _req(clinic, hale, "follow-up", monday, "10:05"), alice, by=frontdesk, source=Source.STAFF
    )
    assert appt.local_start.strftime("%H:%M") == "10:05"
    with pytest.raises(BookingError, match="not available"):
        services.book(_req(clinic, hale, "follow-up", monday, "12:07"), alice, by=None)


def test_clinic_booked_types_cannot_be_booked_online(clinic, hale, alice, frontdesk):
    req = _req(clinic, hale, "nerve-block", next_weekday(0), "10:00")
    with pytest.raises(BookingError, match="booked by the clinic"):
        services.book(req, alice, by=alice.user)
    appt = services.book(req, alice, by=frontdesk, source=Source.STAFF)
    assert appt.resource is not None and appt.resource.kind == "procedure_room"


def test_a_clinician_who_does_not_offer_the_type_is_refused(clinic, lindqvist, alice, frontdesk):
    req = _req(clinic, lindqvist, "nerve-block", next_weekday(0), "10:00")
    with pytest.raises(BookingError, match="does not offer"):
        services.book(req, alice, by=frontdesk, source=Source.STAFF)


def test_a_patient_cannot_be_in_two_places_at_once(clinic, hale, lindqvist, alice):
    monday = next_weekday(0)
    services.book(_req(clinic, hale, "follow-up", monday, "10:00"), alice, by=alice.user)
    with pytest.raises(BookingError, match="already have an appointment"):
        services.book(_req(clinic, lindqvist, "follow-up", monday, "10:15"), alice, by=alice.user)


@pytest.mark.parametrize(("gap_days", "allowed"), [(20, False), (21, True)])
def test_second_leg_surgery_needs_three_weeks(clinic, hale, alice, frontdesk, gap_days, allowed):
    first_day = next_weekday(0, after_days=7)
    first = _req(clinic, hale, "surgery-right", first_day, "09:00")
    services.book(first, alice, by=frontdesk, source=Source.STAFF)
    second_day = first_day + timedelta(days=gap_days)  # a Sunday (20) or a Monday (21)
    if gap_days == 20:
        AvailabilityException.objects.create(
            clinician=hale,
            location=first.location,
            kind=ExceptionKind.EXTRA,
            starts_at=at(first.location, second_day, "08:00"),
            ends_at=at(first.location, second_day, "14:00"),
        )
    second = services.Request(
        kind("surgery-left"), first.location, hale, at(first.location, second_day, "09:00")
    )
    if allowed:
        appt = services.book(second, alice, by=frontdesk, source=Source.STAFF)
        assert appt.appointment_type.surgery_leg == "left"
    else:
        with pytest.raises(BookingError, match="at least 21 days"):
            services.book(second, alice, by=frontdesk, source=Source.STAFF)


def test_the_gap_counts_calendar_days_not_hours(clinic, hale, alice, frontdesk):
    first_day = next_weekday(0, after_days=7)
    services.book(_req(clinic, hale, "surgery-right", first_day, "11:00"), alice, by=frontdesk)
    # Three weeks later, but an hour earlier in the day: still three weeks.
    later = _req(clinic, hale, "surgery-left", first_day + timedelta(days=21), "08:30")
    assert services.book(later, alice, by=frontdesk).status == Status.BOOKED


def test_second_leg_rule_also_holds_when_booked_before_the_first(clinic, hale, alice, frontdesk):
    later = next_weekday(0, after_days=30)
    services.book(
        _req(clinic, hale, "surgery-right", later, "09:00"),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    earlier = later - timedelta(days=14)
    with pytest.raises(BookingError, match="right leg surgery"):
        services.book(
            _req(clinic, hale, "surgery-left", earlier, "09:00"),
            alice,
            by=frontdesk,
            source=Source.STAFF,
        )


def test_the_gap_is_configurable_per_type(clinic, hale, alice, frontdesk):
    left = kind("surgery-left")
    left.other_leg_min_days = 14
    left.save()
    day = next_weekday(0, after_days=7)
    services.book(
        _req(clinic, hale, "surgery-right", day, "09:00"), alice, by=frontdesk, source=Source.STAFF
    )
    appt = services.book(
        _req(clinic, hale, "surgery-left", day + timedelta(days=14), "09:00"),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    assert appt.status == Status.BOOKED


def test_a_room_is_never_in_two_appointments(clinic, hale, okafor, alice, bob, frontdesk):
    fc = clinic["fort-collins"]
    friday = next_weekday(4)  # Okafor works in Fort Collins on Fridays, 09:00-15:00
    AvailabilityException.objects.create(
        clinician=hale,
        location=fc,
        kind=ExceptionKind.EXTRA,
        starts_at=at(fc, friday, "12:30"),
        ends_at=at(fc, friday, "16:00"),
    )
    first = services.Request(kind("nerve-block"), fc, okafor, at(fc, friday, "13:00"))
    services.book(first, alice, by=frontdesk, source=Source.STAFF)
    # Hale is free then, but Fort Collins has one procedure room.
    clash = services.Request(kind("nerve-block"), fc, hale, at(fc, friday, "13:30"))
    with pytest.raises(SlotTaken):
        services.book(clash, bob, by=frontdesk, source=Source.STAFF)
    after = services.Request(kind("nerve-block"), fc, hale, at(fc, friday, "14:15"))
    assert services.book(after, bob, by=frontdesk, source=Source.STAFF).resource is not None


@freeze_time("2027-01-11 15:00:00")  # Monday 08:00 in Denver
def test_cancel_respects_the_online_cutoff_but_not_for_staff(clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    monday, tuesday = date(2027, 1, 11), date(2027, 1, 12)
    soon = services.book(_req(clinic, hale, "follow-up", monday, "16:00"), alice, by=frontdesk)
    later = services.book(_req(clinic, hale, "follow-up", tuesday, "09:00"), alice, by=frontdesk)
    assert later.starts_at - timezone.now() == timedelta(hours=25)
    for who in (alice.user, None):
        with pytest.raises(BookingError, match="until 24 hours before"):
            services.cancel(soon, by=who)
        with pytest.raises(BookingError, match="until 24 hours before"):
            services.reschedule(soon, at(fc, monday, "15:00"), by=who)
    soon.refresh_from_db()
    assert soon.status == Status.BOOKED
    services.cancel(soon, by=frontdesk)
    soon.refresh_from_db()
    assert soon.status == Status.CANCELLED and soon.cancelled_at is not None
    services.cancel(later, by=alice.user)  # 25 hours ahead: still open online
    later.refresh_from_db()
    assert later.status == Status.CANCELLED


def test_reschedule_moves_the_appointment_and_frees_the_old_time(clinic, hale, alice, bob):
    monday = next_weekday(0)
    appt = services.book(_req(clinic, hale, "follow-up", monday, "10:00"), alice, by=alice.user)
    token = appt.manage_token
    moved = services.reschedule(appt, at(clinic["fort-collins"], monday, "14:00"), by=alice.user)
    assert moved.pk == appt.pk and moved.manage_token == token
    assert moved.local_start.strftime("%H:%M") == "14:00"
    services.book(_req(clinic, hale, "follow-up", monday, "10:00"), bob, by=bob.user)
    with pytest.raises(SlotTaken):
        services.reschedule(moved, at(clinic["fort-collins"], monday, "10:00"), by=alice.user)
    moved.refresh_from_db()
    assert moved.local_start.strftime("%H:%M") == "14:00"


def test_a_cancelled_appointment_cannot_be_moved_or_cancelled_again(clinic, hale, alice):
    monday = next_weekday(0)
    appt = services.book(_req(clinic, hale, "follow-up", monday, "10:00"), alice, by=alice.user)
    services.cancel(appt, by=alice.user)
    appt.refresh_from_db()
    with pytest.raises(BookingError):
        services.cancel(appt, by=alice.user)
    with pytest.raises(BookingError):
        services.reschedule(appt, at(clinic["fort-collins"], monday, "11:00"), by=alice.user)


def test_migration_0004_gives_existing_rows_the_basis_they_would_have_had(
    clinic, hale, alice, bob, frontdesk
):
    import importlib

    from django.apps import apps

    from nervepath.scheduling.models import CareBasis

    migration = importlib.import_module(
        "nervepath.scheduling.migrations.0004_care_basis_and_confirmation"
    )
    monday = next_weekday(0)
    rows = {
        "own online": (services.book(_req(clinic, hale, "follow-up", monday, "09:00"), alice, by=alice.user), CareBasis.PATIENT),  # noqa: E501
        "anonymous online": (services.book(_req(clinic, hale, "follow-up", monday, "10:00"), bob, by=None), CareBasis.ANONYMOUS),  # noqa: E501
        "front desk": (services.book(_req(clinic, hale, "follow-up", monday, "11:00"), alice, by=frontdesk, source=Source.STAFF), CareBasis.FRONT_DESK),  # noqa: E501
        "clinician": (services.book(_req(clinic, hale, "follow-up", monday, "13:00"), bob, by=hale.user, source=Source.STAFF), CareBasis.STAFF),  # noqa: E501
        "api": (services.book(_req(clinic, hale, "follow-up", monday, "14:00"), alice, by=alice.user, source=Source.API), CareBasis.PATIENT),  # noqa: E501
    }  # fmt: skip
    Appointment.objects.filter(source=Source.API).update(created_by=None)
    Appointment.objects.update(care_basis="")
    migration.set_bases(apps, None)
    for what, (row, basis) in rows.items():
        row.refresh_from_db()
        assert row.care_basis == basis, what
