# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's day: the schedule grid, the patient picker, check-in, the day sheet."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpers import at, kind, login, next_weekday
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling import desk, services
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    CheckIn,
    ExceptionKind,
    Source,
    Status,
)

pytestmark = pytest.mark.booking


def _grid(client, location, day, extra=""):
    url = reverse("scheduling:calendar", args=[location.slug])
    return client.get(f"{url}?date={day.isoformat()}{extra}")


def test_the_day_grid_has_a_column_per_clinician_hours_closures_and_sized_blocks(
    client, clinic, hale, lindqvist, okafor, alice, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    services.book(
        services.Request(kind("new-patient"), fc, hale, at(fc, monday, "10:00")), alice, by=None
    )
    AvailabilityException.objects.create(
        location=fc,
        kind=ExceptionKind.UNAVAILABLE,
        starts_at=at(fc, monday, "15:00"),
        ends_at=at(fc, monday, "16:00"),
        reason="Staff training",
    )
    login(client, frontdesk)
    html = _grid(client, fc, monday).content.decode()
    # Hale and Lindqvist work at Fort Collins on Mondays; Okafor works in Broomfield.
    headers = [h.strip() for h in re.findall(r'<th scope="col">([^<]+)', html)]
    assert headers == [str(hale), str(lindqvist)]
    # The 60-minute visit is a block twelve 5-minute rows tall, with its status.
    block = re.search(r'<td rowspan="(\d+)" class="c appointment[^>]*>(.*?)</td>', html, re.S)
    assert block is not None and block.group(1) == "12"
    assert "Alice Archer" in block.group(2) and "Booked" in block.group(2)
    assert "Closed: Staff training" in html
    # Lindqvist starts at 7:30: Hale's first half hour is shaded as outside her hours.
    assert 'class="c closed' in html
    free = reverse("scheduling:desk_book", args=[fc.slug]) + f"?clinician={hale.id}&amp;start="
    assert free in html
    assert "<script>" not in html and " onclick=" not in html
    assert "scheduling/grid.js" in html


def test_the_week_grid_shows_one_clinicians_days(client, clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "09:00")), alice, by=None
    )
    login(client, frontdesk)
    html = _grid(client, fc, monday, f"&view=week&clinician={hale.id}").content.decode()
    headers = re.findall(r'<th scope="col"><a href="\?date=([\d-]+)">', html)
    assert headers == [(monday + timedelta(days=i)).isoformat() for i in range(7)]
    assert "Alice Archer" in html


def test_the_room_grid_puts_visits_in_their_rooms(client, clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    appt = services.book(
        services.Request(kind("nerve-block"), fc, hale, at(fc, monday, "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    login(client, frontdesk)
    html = _grid(client, fc, monday, "&rooms=1").content.decode()
    assert f'<th scope="col">{appt.resource.name}</th>' in html
    assert "Alice Archer" in html


def test_the_grids_query_count_does_not_grow_with_appointments(
    client, clinic, hale, lindqvist, alice, bob, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    login(client, frontdesk)
    _grid(client, fc, monday)  # the location is remembered once

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _grid(client, fc, monday).status_code == 200
        return len(queries)

    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "09:00")), alice, by=None
    )
    few = count()
    for clock in ("10:00", "11:00", "13:00"):
        services.book(
            services.Request(kind("follow-up"), fc, hale, at(fc, monday, clock)), bob, by=None
        )
        services.book(
            services.Request(kind("follow-up"), fc, lindqvist, at(fc, monday, clock)),
            alice,
            by=None,
        )
    assert count() == few


def test_the_calendar_opens_at_the_location_last_used(client, clinic, frontdesk):
    login(client, frontdesk)
    _grid(client, clinic["broomfield"], next_weekday(1))
    response = client.get(reverse("scheduling:staff_home"))
    assert response["Location"] == reverse("scheduling:calendar", args=["broomfield"])
    _grid(client, clinic["fort-collins"], next_weekday(1))
    response = client.get(reverse("scheduling:staff_home"))
    assert response["Location"] == reverse("scheduling:calendar", args=["fort-collins"])


def test_a_clinician_with_no_remembered_location_opens_where_they_work_today(
    clinic, hale, lindqvist, okafor, frontdesk
):
    from nervepath.scheduling.models import WorkingHours

    weekday = timezone.localdate().weekday()
    for clinician in (hale, lindqvist, okafor):
        mine = WorkingHours.objects.filter(clinician=clinician, weekday=weekday).first()
        if mine is not None:
            assert desk.home_location(clinician.user) == mine.location
    # Nobody remembered and no hours of their own: a location open today, else the first.
    assert desk.home_location(frontdesk) is not None


def _book_page(client, location, clinician, start):
    url = reverse("scheduling:desk_book", args=[location.slug])
    return url, {"clinician": clinician.id, "start": start.isoformat()}


def test_the_picker_finds_by_name_phone_and_birth_date_and_books_in_one_click(
    client, clinic, hale, alice, bob, frontdesk
):
    from datetime import date

    alice.phone = "+19705550100"
    alice.date_of_birth = date(1961, 4, 2)
    alice.save()
    fc = clinic["fort-collins"]
    start = at(fc, next_weekday(0), "10:00")
    login(client, frontdesk)
    url, params = _book_page(client, fc, hale, start)
    assert client.get(url, params).status_code == 200
    for query in (
        "archer",
        "Alice Arch",
        "(970) 555-0100",
        "970.555.0100",
        "1961-04-02",
        "04/02/1961",
    ):
        html = client.post(url, {**params, "q": query}).content.decode()
        assert "Book Alice Archer" in html, query
        assert "Book Bob Baker" not in html, query
    html = client.post(url, {**params, "q": "zzz"}).content.decode()
    assert "No patient matches" in html
    events = AuditEvent.objects.filter(action=Action.LIST, detail="patient search")
    assert events.filter(patient_id=alice.pk).exists()
    response = client.post(
        url,
        {**params, "q": "archer", "patient": alice.pk, "appointment_type": kind("follow-up").pk},
    )
    assert response.status_code == 302
    appt = Appointment.objects.get()
    assert (appt.patient, appt.starts_at, appt.source) == (alice, start, Source.STAFF)


def test_a_clash_says_which_visit_it_meets(client, clinic, hale, alice, bob, frontdesk):
    fc = clinic["fort-collins"]
    start = at(fc, next_weekday(0), "10:00")
    services.book(services.Request(kind("follow-up"), fc, hale, start), alice, by=None)
    login(client, frontdesk)
    url, params = _book_page(client, fc, hale, start + timedelta(minutes=15))
    response = client.post(
        url, {**params, "q": "baker", "patient": bob.pk, "appointment_type": kind("follow-up").pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has a visit from 10:00 AM to 10:30 AM" in html
    assert Appointment.objects.count() == 1


def test_a_clinicians_search_only_finds_patients_in_their_care(client, clinic, hale, alice):
    fc = clinic["fort-collins"]
    login(client, hale.user)
    url, params = _book_page(client, fc, hale, at(fc, next_weekday(0), "10:00"))
    html = client.post(url, {**params, "q": "archer"}).content.decode()
    assert "Book Alice Archer" not in html


def test_the_picker_refuses_a_patient_from_outside_the_users_reach(client, clinic, hale, alice):
    fc = clinic["fort-collins"]
    login(client, hale.user)
    url, params = _book_page(client, fc, hale, at(fc, next_weekday(0), "10:00"))
    response = client.post(
        url, {**params, "patient": alice.pk, "appointment_type": kind("follow-up").pk}
    )
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def _visit_today(location, clinician, patient):
    """A visit that began at the start of today (created directly: check-in needs one on
    the day whatever the hour the tests run)."""
    now = timezone.now().astimezone(location.tz)
    start = datetime.combine(now.date(), time.min, tzinfo=location.tz)
    req = services.Request(kind("follow-up"), location, clinician, start)
    return req.create(patient, None, status=Status.BOOKED, source=Source.STAFF)


def test_check_in_goes_arrived_in_room_seen_with_waiting_time(
    client, clinic, hale, alice, frontdesk
):
    fc = clinic["fort-collins"]
    appt = _visit_today(fc, hale, alice)
    login(client, frontdesk)
    html = client.get(reverse("scheduling:today", args=[fc.slug])).content.decode()
    assert "Alice Archer" in html and "Expected" in html
    url = reverse("scheduling:check_in", args=[appt.pk])
    client.post(url, {"step": "arrived"})
    appt.refresh_from_db()
    assert appt.checkin == CheckIn.ARRIVED and appt.arrived_at is not None
    later = appt.arrived_at + timedelta(minutes=12)
    assert desk.waiting_minutes(appt, later) == 12
    client.post(url, {"step": "in_room"})
    appt.refresh_from_db()
    assert appt.checkin == CheckIn.IN_ROOM
    client.post(url, {"step": "seen"})
    appt.refresh_from_db()
    assert (appt.checkin, appt.status) == (CheckIn.SEEN, Status.COMPLETED)
    assert AuditEvent.objects.filter(detail="check-in: seen", patient_id=alice.pk).exists()


def test_check_in_refuses_steps_out_of_order_and_changes_nothing(clinic, hale, alice, now):
    fc = clinic["fort-collins"]
    appt = _visit_today(fc, hale, alice)
    with pytest.raises(BookingError, match="arrived before"):
        desk.check_in(appt, "in_room", now=now)
    with pytest.raises(BookingError, match="Choose arrived"):
        desk.check_in(appt, "gone", now=now)
    desk.check_in(appt, "arrived", now=now)
    with pytest.raises(BookingError, match="not a no-show"):
        desk.check_in(appt, "no_show", now=now)
    appt.refresh_from_db()
    assert (appt.checkin, appt.status) == (CheckIn.ARRIVED, Status.BOOKED)


def test_a_no_show_is_recorded_from_the_today_list(client, clinic, hale, alice, frontdesk):
    fc = clinic["fort-collins"]
    appt = _visit_today(fc, hale, alice)
    login(client, frontdesk)
    client.post(reverse("scheduling:check_in", args=[appt.pk]), {"step": "no_show"})
    appt.refresh_from_db()
    assert appt.status == Status.NO_SHOW


def test_a_future_visit_is_not_checked_in(clinic, hale, alice, now):
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=None,
    )
    with pytest.raises(BookingError, match="day of their visit"):
        desk.check_in(appt, "arrived", now=now)


def test_the_day_sheet_lists_one_clinicians_visits(
    client, clinic, hale, lindqvist, alice, bob, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=None
    )
    services.book(
        services.Request(kind("follow-up"), fc, lindqvist, at(fc, monday, "10:00")), bob, by=None
    )
    login(client, frontdesk)
    url = reverse("scheduling:day_sheet", args=[fc.slug, hale.id])
    html = client.get(f"{url}?date={monday.isoformat()}").content.decode()
    assert "Alice Archer" in html and "Bob Baker" not in html


def test_the_public_slot_picker_has_a_day_strip_and_no_inline_script(client, clinic):
    url = reverse("scheduling:book_slots", args=["fort-collins", "follow-up"])
    html = client.get(url).content.decode()
    assert 'class="day-strip"' in html
    days = re.findall(r'<a href="#day-([\d-]+)" data-day=', html)
    assert days and all(f'id="day-{d}"' in html for d in days)
    assert "onchange=" not in html and "<script>" not in html
    assert "data-autosubmit" in html and "scheduling/slots.js" in html
