# SPDX-License-Identifier: AGPL-3.0-or-later
"""Front desk enters leave, closures and extra hours without the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.scheduling import availability, services
from nervepath.scheduling.models import AvailabilityException

pytestmark = pytest.mark.booking


def test_leave_entered_in_local_time_removes_slots(client, clinic, hale, frontdesk):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    login(client, frontdesk)
    response = client.post(
        reverse("scheduling:time_off", args=[fc.slug]),
        {
            "kind": "unavailable",
            "clinician": hale.id,
            "starts": f"{monday.isoformat()}T08:00",
            "ends": f"{monday.isoformat()}T12:00",
            "reason": "Conference",
        },
    )
    assert response.status_code == 302
    exception = AvailabilityException.objects.get(reason="Conference")
    assert exception.starts_at == at(fc, monday, "08:00")
    slots = availability.free_slots(kind("follow-up"), [fc], monday, 1, clinician_ids=[hale.id])
    assert slots[0].starts_at == at(fc, monday, "12:00")


def test_leave_over_a_booking_is_not_saved_before_staff_decide_about_it(
    client, clinic, hale, alice, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=None
    )
    login(client, frontdesk)
    response = client.post(
        reverse("scheduling:time_off", args=[fc.slug]),
        {
            "kind": "unavailable",
            "clinician": hale.id,
            "starts": f"{monday.isoformat()}T09:00",
            "ends": f"{monday.isoformat()}T11:00",
        },
    )
    # The visits are offered to move or cancel first (tests/scheduling/test_closures.py).
    assert response.status_code == 200
    assert "1 booked visit inside this leave" in response.content.decode()
    assert not AvailabilityException.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "unavailable", "starts": "2030-01-07T12:00", "ends": "2030-01-07T09:00"},
            "end must be after",
        ),
        ({"kind": "extra", "starts": "2030-01-07T09:00", "ends": "2030-01-07T12:00"}, "choose one"),
        (
            {"kind": "holiday", "starts": "2030-01-07T09:00", "ends": "2030-01-07T12:00"},
            "valid choice",
        ),
        ({"kind": "unavailable", "starts": "soon", "ends": "2030-01-07T12:00"}, "valid date"),
    ],
)
def test_bad_time_off_is_refused_with_a_message(client, clinic, frontdesk, data, message):
    login(client, frontdesk)
    response = client.post(reverse("scheduling:time_off", args=["fort-collins"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AvailabilityException.objects.filter(starts_at__year=2030).exists()


def test_patients_cannot_touch_time_off(client, clinic, alice):
    login(client, alice.user)
    assert client.get(reverse("scheduling:time_off", args=["fort-collins"])).status_code == 404


def test_removing_an_exception(client, clinic, frontdesk):
    login(client, frontdesk)
    day = next_weekday(3)
    fc = clinic["fort-collins"]
    holiday = AvailabilityException.objects.create(
        location=fc,
        kind="unavailable",
        starts_at=at(fc, day, "00:00"),
        ends_at=at(fc, day, "23:59"),
    )
    url = reverse("scheduling:time_off_delete", args=["fort-collins", holiday.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not AvailabilityException.objects.filter(pk=holiday.pk).exists()
    assert client.post(url).status_code == 404


@pytest.mark.parametrize(("where", "blocked_there"), [("everywhere", True), ("here", False)])
def test_leave_entered_at_one_location_blocks_the_clinician_where_staff_chose(
    client, clinic, hale, frontdesk, where, blocked_there
):
    fc, bf = clinic["fort-collins"], clinic["broomfield"]
    wednesday = next_weekday(2)  # Hale works in Broomfield on Wednesdays
    login(client, frontdesk)
    response = client.post(
        reverse("scheduling:time_off", args=[fc.slug]),
        {
            "kind": "unavailable",
            "clinician": hale.id,
            "starts": f"{wednesday.isoformat()}T00:00",
            "ends": f"{wednesday.isoformat()}T23:59",
            "where": where,
            "reason": "Away",
        },
    )
    assert response.status_code == 302
    slots = availability.free_slots(kind("follow-up"), [bf], wednesday, 1, clinician_ids=[hale.id])
    assert (slots == []) is blocked_there
    # Leave at every location is listed, and can be removed, on either location's page.
    leave = AvailabilityException.objects.get(reason="Away")
    page = client.get(reverse("scheduling:time_off", args=[bf.slug])).content.decode()
    assert ("Every location" in page) is blocked_there
    if blocked_there:
        client.post(reverse("scheduling:time_off_delete", args=[bf.slug, leave.pk]))
        assert not AvailabilityException.objects.filter(pk=leave.pk).exists()
