# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from freezegun import freeze_time

from helpers import at, kind, next_weekday
from nervepath.scheduling import availability
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    ExceptionKind,
    Resource,
    Status,
)

pytestmark = pytest.mark.booking


def _starts(slots, location):
    return [s.starts_at.astimezone(location.tz).strftime("%H:%M") for s in slots]


def _block(patient, clinician, location, type_slug, start, resource=None):
    t = kind(type_slug)
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        appointment_type=t,
        resource=resource,
        starts_at=start,
        ends_at=start + t.duration,
        blocked_from=start - t.buffer_before,
        blocked_until=start + t.duration + t.buffer_after,
        status=Status.BOOKED,
    )


def test_slots_fill_the_working_day_on_the_grid(clinic, hale):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    slots = availability.free_slots(kind("follow-up"), [fc], monday, 1, clinician_ids=[hale.id])
    starts = _starts(slots, fc)
    # Hale works 08:00-17:00; a follow-up is 30 min + 5 min after: the last start is 16:15.
    assert starts[0] == "08:00"
    assert starts[-1] == "16:15"
    assert len(starts) == 34  # 08:00 to 16:15 every 15 minutes: 495 / 15 + 1
    assert all(s.clinician_id == hale.id for s in slots)


def test_a_booking_and_its_buffers_are_cut_out(clinic, hale, alice):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    _block(alice, hale, fc, "new-patient", at(fc, monday, "10:00"))  # busy 10:00-11:10
    starts = _starts(
        availability.free_slots(kind("follow-up"), [fc], monday, 1, clinician_ids=[hale.id]), fc
    )
    assert "09:15" in starts  # 09:15-09:50 (+5) ends before 10:00
    assert "09:30" not in starts  # would run to 10:05 with its buffer
    assert "10:45" not in starts
    assert "11:00" not in starts  # 11:00 < 11:10
    assert "11:15" in starts


def test_a_cancelled_booking_frees_its_time(clinic, hale, alice):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    appt = _block(alice, hale, fc, "follow-up", at(fc, monday, "10:00"))
    appt.status = Status.CANCELLED
    appt.save()
    starts = _starts(
        availability.free_slots(kind("follow-up"), [fc], monday, 1, clinician_ids=[hale.id]), fc
    )
    assert "10:00" in starts


def test_leave_closures_and_extra_hours(clinic, hale):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    saturday = monday + timedelta(days=5)
    AvailabilityException.objects.create(
        clinician=hale,
        location=None,
        kind=ExceptionKind.UNAVAILABLE,
        starts_at=at(fc, monday, "12:00"),
        ends_at=at(fc, monday, "14:00"),
        reason="Lunch meeting",
    )
    AvailabilityException.objects.create(
        clinician=hale,
        location=fc,
        kind=ExceptionKind.EXTRA,
        starts_at=at(fc, saturday, "09:00"),
        ends_at=at(fc, saturday, "10:00"),
    )
    tuesday = monday + timedelta(days=1)
    AvailabilityException.objects.create(
        clinician=None,
        location=fc,
        kind=ExceptionKind.UNAVAILABLE,
        starts_at=at(fc, tuesday, "00:00"),
        ends_at=at(fc, tuesday + timedelta(days=1), "00:00"),
        reason="Holiday",
    )
    slots = availability.free_slots(kind("follow-up"), [fc], monday, 6, clinician_ids=[hale.id])
    by_day: dict[date, list[str]] = {}
    for s in slots:
        local = s.starts_at.astimezone(fc.tz)
        by_day.setdefault(local.date(), []).append(local.strftime("%H:%M"))
    assert "11:15" in by_day[monday] and "11:30" not in by_day[monday]
    assert "12:00" not in by_day[monday] and "14:00" in by_day[monday]
    assert tuesday not in by_day
    assert by_day[saturday] == ["09:00", "09:15"]


def test_resource_types_need_a_free_room(clinic, hale, okafor, alice, bob):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    room = Resource.objects.get(location=fc, kind="procedure_room")
    # Okafor does not work in Fort Collins on Mondays; Hale does. Take the only room.
    _block(alice, okafor, fc, "nerve-block", at(fc, monday, "11:00"), resource=room)
    starts = _starts(
        availability.free_slots(kind("nerve-block"), [fc], monday, 1, clinician_ids=[hale.id]), fc
    )
    # A block takes 10 min before, 45 min, 15 after: the room is busy 10:50-12:00, and
    # Hale's day starts at 08:00, so her first block starts at 08:15 (prep from 08:05).
    assert starts[0] == "08:15"
    assert "09:45" in starts  # 09:35-10:45
    assert "10:00" not in starts and "12:00" not in starts
    assert "12:15" in starts  # 12:05 prep starts after the room is free
    Resource.objects.filter(location=fc, kind="procedure_room").update(active=False)
    assert availability.free_slots(kind("nerve-block"), [fc], monday, 1) == []


def test_online_window_applies_minimum_notice_and_horizon(clinic):
    fc = clinic["fort-collins"]
    now = timezone.now()
    window = availability.online_window(fc, now)
    slots = availability.free_slots(
        kind("follow-up"), [fc], now.astimezone(fc.tz).date(), 120, window=window
    )
    assert slots
    assert min(s.starts_at for s in slots) >= now + timedelta(hours=fc.min_notice_hours)
    assert max(s.starts_at for s in slots) <= now + timedelta(days=fc.max_horizon_days)


def test_a_type_not_offered_at_a_location_has_no_slots(clinic):
    fc = clinic["fort-collins"]
    follow_up = kind("follow-up")
    follow_up.locations.remove(fc)
    assert availability.free_slots(follow_up, [fc], next_weekday(0), 7) == []


@freeze_time("2027-03-01 12:00:00")
def test_slots_keep_wall_clock_hours_across_the_march_dst_change(clinic, hale):
    fc = clinic["fort-collins"]
    # America/Denver springs forward on Sunday 2027-03-14: MST (UTC-7) -> MDT (UTC-6).
    friday, monday = date(2027, 3, 12), date(2027, 3, 15)
    before = availability.free_slots(kind("follow-up"), [fc], friday, 1)
    after = availability.free_slots(kind("follow-up"), [fc], monday, 1, clinician_ids=[hale.id])
    hale_after = [s for s in after if s.clinician_id == hale.id]
    assert min(s.starts_at for s in before).astimezone(UTC).hour == 14  # 07:30 MST Lindqvist
    assert hale_after[0].starts_at == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 08:00 MDT
    assert _starts(hale_after, fc)[0] == "08:00"


@freeze_time("2026-10-20 12:00:00")
def test_slots_keep_wall_clock_hours_across_the_november_dst_change(clinic, hale):
    fc = clinic["fort-collins"]
    # Falls back on Sunday 2026-11-01: MDT (UTC-6) -> MST (UTC-7).
    thursday, monday = date(2026, 10, 29), date(2026, 11, 2)
    kwargs: dict[str, Any] = {"clinician_ids": [hale.id]}
    before = availability.free_slots(kind("follow-up"), [fc], thursday, 1, **kwargs)
    after = availability.free_slots(kind("follow-up"), [fc], monday, 1, **kwargs)
    assert before[0].starts_at == datetime(2026, 10, 29, 14, 0, tzinfo=UTC)
    assert after[0].starts_at == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert _starts(before, fc)[-1] == _starts(after, fc)[-1] == "16:15"
    # A search spanning the change: one slot list per local day, none on the Sunday.
    week = availability.free_slots(kind("follow-up"), [fc], thursday, 7, **kwargs)
    days = {s.starts_at.astimezone(fc.tz).date() for s in week}
    assert date(2026, 11, 1) not in days and date(2026, 11, 2) in days
