# SPDX-License-Identifier: AGPL-3.0-or-later
"""A therapy course booked in one step: clashes listed with alternatives, then all or none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.scheduling import series, services
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import Appointment, Source, Status

pytestmark = pytest.mark.booking


def _course(location, lindqvist, first):
    return {
        "appointment_type": kind("estim").pk,
        "clinician": lindqvist.pk,
        "first_day": first.isoformat(),
        "time": "09:00",
        "weekdays": ["0", "2"],
        "sessions": "10",
    }


def test_a_ten_session_course_lists_its_clash_then_books_all_with_the_alternative(
    client, clinic, lindqvist, alice, bob, frontdesk, now
):
    fc = clinic["fort-collins"]
    first = next_weekday(0)
    days = series.wanted_days(first, [0, 2], 10)
    assert len(days) == 10 and {d.weekday() for d in days} == {0, 2}
    taken = at(fc, days[2], "09:00")
    services.book(
        services.Request(kind("estim"), fc, lindqvist, taken),
        bob,
        by=frontdesk,
        source=Source.STAFF,
    )
    login(client, frontdesk)
    url = reverse("scheduling:series", args=[fc.slug])
    html = client.post(url, {"step": "find", "q": "archer"}).content.decode()
    assert f'name="patient" value="{alice.pk}"' in html
    course = {**_course(fc, lindqvist, first), "patient": alice.pk}
    response = client.post(url, {**course, "step": "check"})
    html = response.content.decode()
    assert "1 clash to resolve" in html and "Ingrid Lindqvist, PA-C is not free then" in html
    assert Appointment.objects.filter(patient=alice).count() == 0  # checking saves nothing
    plan = series.plan(
        kind("estim"), fc, lindqvist, alice, days, taken.astimezone(fc.tz).time(), now=now
    )
    clash = [s for s in plan if not s.free]
    assert [s.number for s in clash] == [3] and clash[0].alternatives
    # Without a choice for the clash nothing is booked.
    response = client.post(url, {**course, "step": "book"})
    assert (
        response.status_code == 400 and "Choose a time for session 3" in response.content.decode()
    )
    assert not Appointment.objects.filter(patient=alice).exists()
    alternative = clash[0].alternatives[0]
    response = client.post(url, {**course, "step": "book", "session_3": alternative.isoformat()})
    assert response.status_code == 302
    booked = list(Appointment.objects.filter(patient=alice).order_by("starts_at"))
    assert len(booked) == 10
    assert len({a.series for a in booked}) == 1 and booked[0].series
    assert alternative in [a.starts_at for a in booked]
    assert all(a.status == Status.BOOKED and a.resource is not None for a in booked)


def test_a_course_is_booked_all_or_none(clinic, lindqvist, alice, bob, frontdesk):
    fc = clinic["fort-collins"]
    days = series.wanted_days(next_weekday(0), [0, 2], 4)
    starts = [at(fc, d, "09:00") for d in days]
    services.book(
        services.Request(kind("estim"), fc, lindqvist, starts[3]),
        bob,
        by=frontdesk,
        source=Source.STAFF,
    )
    with pytest.raises(BookingError, match="Session 4"):
        series.book_series(kind("estim"), fc, lindqvist, alice, starts, by=frontdesk)
    assert not Appointment.objects.filter(patient=alice).exists()


def test_a_course_needs_a_patient_and_valid_weekdays(client, clinic, lindqvist, frontdesk):
    fc = clinic["fort-collins"]
    login(client, frontdesk)
    url = reverse("scheduling:series", args=[fc.slug])
    response = client.post(url, {**_course(fc, lindqvist, next_weekday(0)), "step": "check"})
    assert response.status_code == 400 and "Choose the patient first" in response.content.decode()
