# SPDX-License-Identifier: AGPL-3.0-or-later
"""Races at the patient level (issue 17): one patient booked in two places at once, both
legs' surgeries at once, and a form sent twice with a new email. Each is run with real
threads and their own database connections; ``make test-postgres`` runs them on
PostgreSQL, where the writers truly overlap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.accounts.models import Patient, User
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import Appointment, Source, Status, WaitlistEntry

pytestmark = [pytest.mark.booking, pytest.mark.django_db(transaction=True)]


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each answer is what the call returned
    or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    answers: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            answers[i] = call()
        except Exception as exc:  # the answer is what the test inspects
            answers[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def test_one_patient_booked_at_two_locations_at_once_gets_one(clinic, hale, okafor, alice):
    monday = next_weekday(0)
    fc, bf = clinic["fort-collins"], clinic["broomfield"]
    here = services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00"))
    there = services.Request(kind("follow-up"), bf, okafor, at(bf, monday, "10:00"))
    answers = _at_once(
        lambda: services.book(here, alice, by=alice.user),
        lambda: services.book(there, alice, by=alice.user),
    )
    booked = [a for a in answers if isinstance(a, Appointment)]
    refused = [a for a in answers if isinstance(a, BookingError)]
    assert len(booked) == 1 and len(refused) == 1, answers
    assert refused[0].message == str(services.PATIENT_BUSY)
    assert Appointment.objects.filter(patient=alice, status=Status.BOOKED).count() == 1


def test_both_legs_booked_at_once_keep_the_gap(clinic, hale, okafor, alice, frontdesk):
    monday = next_weekday(0, after_days=7)
    fc, bf = clinic["fort-collins"], clinic["broomfield"]
    right = services.Request(kind("surgery-right"), fc, hale, at(fc, monday, "09:00"))
    tuesday = monday + timedelta(days=1)
    left = services.Request(kind("surgery-left"), bf, okafor, at(bf, tuesday, "09:30"))
    answers = _at_once(
        lambda: services.book(right, alice, by=frontdesk, source=Source.STAFF),
        lambda: services.book(left, alice, by=frontdesk, source=Source.STAFF),
    )
    booked = [a for a in answers if isinstance(a, Appointment)]
    refused = [a for a in answers if isinstance(a, BookingError)]
    assert len(booked) == 1 and len(refused) == 1, answers
    assert "at least 21 days" in refused[0].message
    assert Appointment.objects.filter(patient=alice, status=Status.BOOKED).count() == 1


def test_a_signed_in_double_submit_is_told_it_already_booked(clinic, hale, alice):
    fc = clinic["fort-collins"]
    req = services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00"))
    answers = _at_once(
        lambda: services.book(req, alice, by=alice.user),
        lambda: services.book(req, alice, by=alice.user),
    )
    refused = [a for a in answers if isinstance(a, Exception)]
    assert len(refused) == 1, answers
    assert not isinstance(refused[0], SlotTaken)
    assert str(refused[0]) == str(services.ALREADY_BOOKED)
    assert Appointment.objects.filter(patient=alice).count() == 1


def test_the_database_refuses_a_patients_overlapping_rows(clinic, hale, okafor, alice):
    monday = next_weekday(0)
    fc, bf = clinic["fort-collins"], clinic["broomfield"]
    first = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=None
    )
    with pytest.raises(IntegrityError, match=services.PATIENT_GUARD), transaction.atomic():
        Appointment.objects.create(
            patient=alice,
            clinician=okafor,
            location=bf,
            appointment_type=first.appointment_type,
            starts_at=first.starts_at + timedelta(minutes=15),
            ends_at=first.ends_at + timedelta(minutes=15),
            blocked_from=first.starts_at + timedelta(minutes=15),
            blocked_until=first.blocked_until + timedelta(minutes=15),
        )
    # Back to back is no overlap: the guard compares visit times, not buffers.
    after = Appointment.objects.create(
        patient=alice,
        clinician=okafor,
        location=bf,
        appointment_type=first.appointment_type,
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(minutes=30),
        blocked_from=first.ends_at,
        blocked_until=first.ends_at + timedelta(minutes=35),
    )
    after.starts_at -= timedelta(minutes=5)
    after.blocked_from = after.starts_at
    with pytest.raises(IntegrityError, match=services.PATIENT_GUARD), transaction.atomic():
        after.save()
    first.status = Status.CANCELLED
    first.save()
    after.save()  # the cancelled visit no longer counts


def _first_slot(location, type_slug="new-patient"):
    window = availability.online_window(location)
    day = window.earliest.astimezone(location.tz).date()
    return availability.free_slots(kind(type_slug), [location], day, 14, window=window)[0]


def _post_twice(url: str, data: dict[str, object], user: User | None = None) -> list[object]:
    clients = [Client(), Client()]
    if user is not None:
        for c in clients:
            login(c, user)
    return _at_once(*(lambda c=c: c.post(url, data) for c in clients))


def test_a_double_submit_with_a_new_email_holds_one_visit_and_never_fails(clinic):
    fc = clinic["fort-collins"]
    slot = _first_slot(fc)
    url = reverse("scheduling:book_confirm", args=[fc.slug, "new-patient"])
    data = {
        "start": slot.starts_at.isoformat(),
        "clinician": slot.clinician_id,
        "first_name": "Dana",
        "last_name": "Fox",
        "email": "dana.fox@example.org",
        "phone": "",
        "note": "",
    }
    answers = _post_twice(url, data)
    assert sorted(r.status_code for r in answers) == [200, 400], answers  # type: ignore[attr-defined]
    refused = next(r for r in answers if r.status_code == 400)  # type: ignore[attr-defined]
    assert str(services.ALREADY_BOOKED) in refused.content.decode()  # type: ignore[attr-defined]
    assert User.objects.filter(email="dana.fox@example.org").count() == 1
    assert Patient.objects.filter(user__email="dana.fox@example.org").count() == 1
    assert Appointment.objects.filter(status=Status.HELD).count() == 1


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_double_submit_of_the_waitlist_form_makes_one_entry(clinic, alice, signed_in):
    fc = clinic["fort-collins"]
    url = reverse("scheduling:join_waitlist", args=[fc.slug, "new-patient"])
    if signed_in:
        answers = _post_twice(url, {}, alice.user)
        owner = alice
    else:
        answers = _post_twice(url, {"first_name": "W", "last_name": "X", "email": "w@example.org"})
        owner = Patient.objects.get(user__email="w@example.org")
    assert [r.status_code for r in answers] == [302, 302], answers  # type: ignore[attr-defined]
    assert WaitlistEntry.objects.filter(patient=owner).count() == 1
