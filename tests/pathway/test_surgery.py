# SPDX-License-Identifier: AGPL-3.0-or-later
"""Decompression surgery: records, staged second leg, monitoring, follow-ups and their
questionnaires, and who may see what."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
from django.core import serializers
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from helpers import at, kind, login, next_weekday
from nervepath.assessment.models import Reason
from nervepath.assessment.models import Request as Questionnaire
from nervepath.pathway import follow_ups, surgery
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import (
    FollowUp,
    FollowUpStatus,
    MonitoringReading,
    Surgery,
    SurgeryStatus,
)
from nervepath.scheduling import services as booking
from nervepath.scheduling.models import Appointment, Source, Status

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "monitoring.csv"
TODAY = timezone.localdate


def _record(patient, clinician, clinic, **kwargs):
    values = {
        "leg": "right",
        "operated_on": TODAY() - timedelta(days=10),
        "surgeon": clinician,
        "location": clinic["fort-collins"],
        "tunnels": ["common_peroneal", "tibial"],
        "status": SurgeryStatus.DONE,
        "by": clinician.user,
    }
    values.update(kwargs)
    return surgery.record_surgery(patient, **values)


def _book_surgery(patient, clinician, clinic, slug, day, by):
    fort = clinic["fort-collins"]
    req = booking.Request(kind(slug), fort, clinician, at(fort, day, "09:00"))
    return booking.book(req, patient, by=by, source=Source.STAFF)


def _page(surgery_row: Surgery) -> str:
    return surgery_row.get_absolute_url()


# -- recording -----------------------------------------------------------------------------


def test_a_surgery_is_recorded_from_its_booked_visit(hale_client, alice, hale, clinic, frontdesk):
    day = next_weekday(0)
    visit = _book_surgery(alice, hale, clinic, "surgery-right", day, frontdesk)
    url = reverse("pathway:surgery_new", args=[alice.pk])
    page = hale_client.get(f"{url}?appointment={visit.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["leg"] == "right"
    assert page.context["form"].initial["operated_on"] == day
    response = hale_client.post(
        url,
        {
            "appointment": visit.pk,
            "leg": "right",
            "operated_on": day.isoformat(),
            "surgeon": hale.pk,
            "location": clinic["fort-collins"].pk,
            "tunnels": ["common_peroneal", "superficial_peroneal"],
            "status": "planned",
            "findings": "",
            "complications": "",
            "repeat_reason": "",
        },
    )
    made = Surgery.objects.get(patient=alice)
    assert response.status_code == 302 and response["Location"] == _page(made)
    assert made.appointment == visit and made.tunnels == ["common_peroneal", "superficial_peroneal"]
    assert made.created_by == hale.user
    assert not made.follow_ups.exists()  # planned: no follow-ups yet
    page = hale_client.get(_page(made))
    assert page.status_code == 200
    assert (
        "Common peroneal nerve (fibular neck); Superficial peroneal nerve" in page.content.decode()
    )


def test_a_repeat_of_a_released_tunnel_needs_a_reason(hale_client, alice, hale, clinic):
    first = _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=60))
    form = {
        "leg": "right",
        "operated_on": (TODAY() - timedelta(days=1)).isoformat(),
        "surgeon": hale.pk,
        "location": clinic["fort-collins"].pk,
        "tunnels": ["tibial"],
        "status": "done",
        "findings": "Scarred sling",
        "complications": "",
        "repeat_reason": "",
    }
    histories = Surgery.history.count()
    url = reverse("pathway:surgery_new", args=[alice.pk])
    refused = hale_client.post(url, form)
    assert refused.status_code == 400
    assert "Tibial nerve (soleal sling) on the right leg was already released" in (
        refused.content.decode()
    )
    assert list(Surgery.objects.filter(patient=alice)) == [first]
    assert Surgery.history.count() == histories
    assert FollowUp.objects.filter(surgery__patient=alice).count() == 4  # the first's only
    # Another tunnel on the same leg, or the same tunnel on the other leg, is fine.
    _record(alice, hale, clinic, tunnels=["superficial_peroneal"])
    _record(alice, hale, clinic, leg="left", tunnels=["tibial"])
    # With a reason the repeat is recorded.
    allowed = hale_client.post(url, form | {"repeat_reason": "Recurrent symptoms, scar"})
    assert allowed.status_code == 302
    right = Surgery.objects.filter(patient=alice, leg="right")
    assert sum("tibial" in s.tunnels for s in right) == 2


def test_a_cancelled_surgery_does_not_count_as_a_release(alice, hale, clinic):
    _record(alice, hale, clinic, status=SurgeryStatus.CANCELLED, operated_on=TODAY())
    again = _record(alice, hale, clinic, status=SurgeryStatus.PLANNED, operated_on=TODAY())
    assert again.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tunnels": []}, "Choose at least one tunnel"),
        ({"tunnels": ["sciatic"]}, "is not one of the three tunnels"),
        ({"operated_on": None}, "Give the date"),
        ({"status": "done", "operated_on": TODAY() + timedelta(days=3)}, "cannot be done yet"),
    ],
)
def test_bad_surgery_input_is_refused_and_nothing_stored(alice, hale, clinic, change, message):
    with pytest.raises(PathwayError, match=message):
        _record(alice, hale, clinic, **change)
    assert not Surgery.objects.exists() and not FollowUp.objects.exists()


def test_the_surgeon_must_be_active(alice, hale, okafor, clinic):
    okafor.active = False
    okafor.save()
    with pytest.raises(PathwayError, match="no longer an active clinician"):
        _record(alice, okafor, clinic)
    assert not Surgery.objects.exists()


def test_the_appointment_must_be_this_patients_surgery_of_that_leg(
    alice, bob, hale, clinic, frontdesk
):
    day = next_weekday(0)
    bobs = _book_surgery(bob, hale, clinic, "surgery-right", day, frontdesk)
    with pytest.raises(PathwayError, match="not this patient's"):
        _record(alice, hale, clinic, appointment=bobs, operated_on=None, status="planned")
    left = _book_surgery(alice, hale, clinic, "surgery-left", day + timedelta(days=1), frontdesk)
    with pytest.raises(PathwayError, match="not a surgery of the right leg"):
        _record(alice, hale, clinic, appointment=left, operated_on=None, status="planned")
    with pytest.raises(PathwayError, match="is not the appointment's"):
        _record(alice, hale, clinic, leg="left", appointment=left, status="planned")
    assert not Surgery.objects.exists()


def test_a_planned_surgery_follows_its_visit_and_outlives_its_cancellation(
    alice, hale, clinic, frontdesk
):
    day = next_weekday(0)
    visit = _book_surgery(alice, hale, clinic, "surgery-right", day, frontdesk)
    row = _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned")
    fort = clinic["fort-collins"]
    booking.reschedule(visit, at(fort, day + timedelta(days=7), "09:00"), by=frontdesk)
    row.refresh_from_db()
    assert row.operated_on == day + timedelta(days=7)
    with pytest.raises(PathwayError, match="move the visit in the calendar"):
        surgery.update_surgery(row, by=hale.user, operated_on=day + timedelta(days=8))
    booking.cancel(visit, by=frontdesk)
    surgery.update_surgery(row, by=hale.user, findings="Postponed", status="cancelled")
    row.refresh_from_db()
    assert row.status == "cancelled" and row.findings == "Postponed"


def test_another_patients_appointment_is_404_on_the_page(hale_client, alice, bob, hale, clinic):
    bobs = _book_surgery(bob, hale, clinic, "surgery-right", next_weekday(0), hale.user)
    url = reverse("pathway:surgery_new", args=[alice.pk])
    assert hale_client.get(f"{url}?appointment={bobs.pk}").status_code == 404
    assert hale_client.get(f"{url}?appointment=x").status_code == 404


def test_every_change_is_kept_in_history(hale_client, alice, hale, clinic):
    row = _record(alice, hale, clinic)
    response = hale_client.post(
        _page(row),
        {
            "form": "edit",
            "edit-operated_on": row.operated_on.isoformat(),
            "edit-surgeon": hale.pk,
            "edit-location": row.location_id,
            "edit-tunnels": row.tunnels,
            "edit-status": "done",
            "edit-findings": "Thick fascial band over the peroneal nerve",
            "edit-complications": "None",
            "edit-repeat_reason": "",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.findings == "Thick fascial band over the peroneal nerve"
    assert row.history.count() == 2
    page = hale_client.get(_page(row)).content.decode()
    assert "Changes to this surgery" in page and "complications, findings" in page


# -- staged bilateral surgery ------------------------------------------------------------


def test_the_second_leg_is_booked_three_weeks_on_through_the_booking_rules(
    alice, hale, clinic, frontdesk
):
    day = next_weekday(0)
    visit = _book_surgery(alice, hale, clinic, "surgery-right", day, frontdesk)
    first = _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned")
    offered = surgery.other_leg_slots(first, 3)
    assert offered and offered[0].starts_at.astimezone(first.location.tz).date() == day + timedelta(
        days=21
    )
    assert all(s.clinician_id == hale.pk and s.location_id == first.location_id for s in offered)
    # Two weeks on: the booking system's second-leg rule refuses, nothing is stored.
    fort = clinic["fort-collins"]
    with pytest.raises(PathwayError, match="must be at least 21 days"):
        surgery.schedule_other_leg(first, at(fort, day + timedelta(days=14), "09:00"), by=frontdesk)
    assert Surgery.objects.count() == 1
    assert not Appointment.objects.filter(appointment_type__slug="surgery-left").exists()
    # Three weeks on: booked and recorded as planned, linked to the first.
    second = surgery.schedule_other_leg(first, offered[0].starts_at, by=frontdesk)
    assert second.leg == "left" and second.status == SurgeryStatus.PLANNED
    assert second.first_leg == first and second.tunnels == first.tunnels
    assert second.appointment.appointment_type.slug == "surgery-left"
    assert second.appointment.source == Source.STAFF
    assert second.operated_on == day + timedelta(days=21)
    # The other leg has its surgery now: no second one.
    with pytest.raises(PathwayError, match="already has a surgery"):
        surgery.schedule_other_leg(first, offered[1].starts_at, by=frontdesk)


def test_a_taken_time_becomes_a_clear_message(alice, bob, hale, clinic, frontdesk):
    day = next_weekday(0)
    first = _record(alice, hale, clinic, operated_on=day, status="planned")
    slot = surgery.other_leg_slots(first, 1)[0]
    bob_req = booking.Request(kind("surgery-left"), clinic["fort-collins"], hale, slot.starts_at)
    booking.book(bob_req, bob, by=frontdesk, source=Source.STAFF)
    with pytest.raises(PathwayError, match="just taken"):
        surgery.schedule_other_leg(first, slot.starts_at, by=frontdesk)
    assert Surgery.objects.filter(leg="left").count() == 0


def test_a_surgery_without_a_visit_is_checked_for_the_gap_too(alice, hale, clinic, frontdesk):
    first = _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    fort = clinic["fort-collins"]
    soon = next_weekday(0, after_days=3)
    with pytest.raises(PathwayError, match="at least 21 days after"):
        surgery.schedule_other_leg(first, at(fort, soon, "09:00"), by=frontdesk)
    offered = surgery.other_leg_slots(first, 1)
    assert offered[0].starts_at.astimezone(fort.tz).date() >= first.operated_on + timedelta(days=21)
    assert surgery.schedule_other_leg(first, offered[0].starts_at, by=frontdesk).pk


def test_the_other_leg_is_scheduled_from_the_surgery_page(hale_client, alice, hale, clinic):
    first = _record(alice, hale, clinic)
    page = hale_client.get(_page(first))
    assert "Schedule the other leg" in page.content.decode()
    (day,) = page.context["slots"][:1]
    choice = day.choices[0]
    response = hale_client.post(
        _page(first),
        {"form": "other_leg", "leg-slot": f"{choice.start_iso}|{choice.clinician_id}",
         "leg-tunnels": ["tibial"]},
    )  # fmt: skip
    second = Surgery.objects.get(leg="left")
    assert response.status_code == 302 and response["Location"] == _page(second)
    assert second.tunnels == ["tibial"]
    assert "Schedule the other leg" not in hale_client.get(_page(first)).content.decode()
    # A made-up slot is refused with a message.
    refused = hale_client.post(_page(second), {"form": "other_leg", "leg-slot": "nonsense|1"})
    assert refused.status_code == 400


# -- monitoring ----------------------------------------------------------------------------


def _hand(**values: str) -> dict[str, str]:
    data = {"form": "readings"}
    for nerve in ("common_peroneal", "superficial_peroneal", "tibial"):
        for phase in ("before", "after"):
            for what in ("amp", "lat"):
                data[f"mon-{nerve}_{phase}_{what}"] = ""
    data.update({f"mon-{k}": v for k, v in values.items()})
    return data


def test_readings_entered_by_hand_show_the_change(hale_client, alice, hale, clinic):
    row = _record(alice, hale, clinic)
    response = hale_client.post(
        _page(row),
        _hand(
            common_peroneal_before_amp="50",
            common_peroneal_before_lat="4.1",
            common_peroneal_after_amp="140",
            common_peroneal_after_lat="3.8",
            tibial_before_amp="80",
        ),
    )
    assert response.status_code == 302
    assert MonitoringReading.objects.filter(surgery=row).count() == 3
    page = hale_client.get(_page(row)).content.decode()
    assert "amplitude +180 % (50 → 140 µV), latency -0.3 ms" in page
    assert "baseline 80 µV; no reading after release yet" in page
    # The form shows them again; clearing the tibial boxes removes that nerve.
    hale_client.post(
        _page(row),
        _hand(common_peroneal_before_amp="50", common_peroneal_after_amp="140"),
    )
    assert set(MonitoringReading.objects.values_list("nerve", "phase")) == {
        ("common_peroneal", "before"),
        ("common_peroneal", "after"),
    }
    assert MonitoringReading.history.filter(history_type="-").count() == 1


KEEP = {"common_peroneal_before_amp": "50"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (KEEP | {"tibial_after_amp": "90"}, "needs a baseline before release"),
        (KEEP | {"tibial_before_amp": "-5"}, "cannot be negative"),
        (KEEP | {"tibial_before_amp": "nan"}, "Enter a number"),
        (KEEP | {"tibial_before_amp": "50", "tibial_before_lat": "0"}, "latency must be above 0"),
        (KEEP | {"tibial_before_lat": "4"}, "a latency needs its amplitude"),
        ({}, "Enter at least one amplitude"),
    ],
)
def test_impossible_hand_readings_are_refused(hale_client, alice, hale, clinic, values, message):
    row = _record(alice, hale, clinic)
    surgery.enter_readings(row, {("common_peroneal", "before"): (50.0, None)}, by=hale.user)
    response = hale_client.post(_page(row), _hand(**values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(MonitoringReading.objects.values_list("nerve", "phase", "amplitude_uv")) == [
        ("common_peroneal", "before", 50.0)
    ]


def _upload(client: Client, row: Surgery, content: bytes, *, replace: bool = False):
    data = {"form": "import", "csv-file": SimpleUploadedFile("export.csv", content)}
    if replace:
        data["csv-replace"] = "on"
    return client.post(_page(row), data)


def test_the_documented_csv_imports_and_shows_180_percent(hale_client, alice, hale, clinic):
    row = _record(alice, hale, clinic)
    response = _upload(hale_client, row, SAMPLE.read_bytes())
    assert response.status_code == 302
    readings = MonitoringReading.objects.filter(surgery=row)
    assert readings.count() == 6 and {r.source for r in readings} == {"csv"}
    page = hale_client.get(_page(row)).content.decode()
    assert "amplitude +180 % (50 → 140 µV), latency -0.3 ms" in page
    assert "amplitude +60 % (12.5 → 20 µV)" in page
    # Again: refused as duplicates, unless the readings are to be replaced.
    again = _upload(hale_client, row, SAMPLE.read_bytes())
    assert again.status_code == 400 and "already has a reading" in again.content.decode()
    changed = SAMPLE.read_bytes().replace(b",140,", b",150,")
    assert _upload(hale_client, row, changed, replace=True).status_code == 302
    assert readings.get(nerve="common_peroneal", phase="after").amplitude_uv == 150
    assert "amplitude +200 % (50 → 150 µV)" in hale_client.get(_page(row)).content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Nerve,Phase,Amplitude\ntibial,after,50\n", "needs a baseline"),
        (b"Nerve,Phase,Amplitude\nCPN,before,-3\n", "Line 2: "),
        (b"Nerve,Phase,Amplitude\nsciatic,before,3\n", "Line 2: &#x27;sciatic&#x27;"),
        (b"", "The submitted file is empty"),
        (b"\x00\x01\x02PK binary", "not a text (CSV) file"),
        (b"Nerve,Phase,Amplitude\n" + b"CPN,before,1\n" * 90_000, "at most 1 MB"),
    ],
)
def test_a_bad_file_is_refused_with_nothing_stored(
    hale_client, alice, hale, clinic, content, message
):
    row = _record(alice, hale, clinic)
    response = _upload(hale_client, row, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MonitoringReading.objects.exists()


def test_a_csv_carries_its_own_baselines(alice, hale, clinic):
    """A device export holds both phases; an after-only file is refused as a whole, even
    when the baseline was typed in by hand."""
    row = _record(alice, hale, clinic)
    surgery.enter_readings(row, {("tibial", "before"): (80.0, 5.2)}, by=hale.user)
    for replace in (False, True):
        with pytest.raises(PathwayError, match="needs a baseline"):
            surgery.import_csv(
                row, b"Nerve,Phase,Amplitude\ntibial,post,96\n", replace=replace, by=None
            )
    assert list(MonitoringReading.objects.values_list("nerve", "phase")) == [("tibial", "before")]
    # The after reading of a nerve read by hand joins it from a file with that baseline...
    with pytest.raises(PathwayError, match="already has a reading before"):
        surgery.import_csv(
            row, b"Nerve,Phase,Amplitude\ntibial,pre,80\ntibial,post,96\n", replace=False, by=None
        )
    # ...or replaces it.
    surgery.import_csv(
        row, b"Nerve,Phase,Amplitude\ntibial,pre,81\ntibial,post,96\n", replace=True, by=None
    )
    assert MonitoringReading.objects.get(phase="before").amplitude_uv == 81


# -- follow-ups ---------------------------------------------------------------------------


def test_follow_ups_are_created_when_the_surgery_is_done(alice, hale, clinic):
    day = TODAY() - timedelta(days=3)
    row = _record(alice, hale, clinic, operated_on=day, status="planned")
    assert not row.follow_ups.exists()
    surgery.update_surgery(row, by=hale.user, status="done")
    got = [(f.label, f.days_after, f.due_on, f.status) for f in row.follow_ups.all()]
    assert got == [
        ("2 weeks", 14, day + timedelta(days=14), "to_book"),
        ("3 months", 91, day + timedelta(days=91), "to_book"),
        ("6 months", 182, day + timedelta(days=182), "to_book"),
        ("12 months", 365, day + timedelta(days=365), "to_book"),
    ]
    # A corrected date moves the follow-ups still to book.
    surgery.update_surgery(row, by=hale.user, operated_on=day - timedelta(days=1))
    assert row.follow_ups.first().due_on == day + timedelta(days=13)
    assert row.follow_ups.count() == 4
    assert FollowUp.history.filter(surgery_id=row.pk).count() == 8


def test_the_follow_up_plan_is_configurable_and_checked(alice, hale, clinic, settings):
    settings.NERVEPATH = settings.NERVEPATH | {"FOLLOW_UPS": ["7:1 week", "30:1 month"]}
    row = _record(alice, hale, clinic)
    assert [f.label for f in row.follow_ups.all()] == ["1 week", "1 month"]
    for bad in (["14-2 weeks"], ["0:never"], ["x:y"], ["14:"], ["14:a", "14:b"]):
        settings.NERVEPATH = settings.NERVEPATH | {"FOLLOW_UPS": bad}
        with pytest.raises(ImproperlyConfigured, match="NERVEPATH_FOLLOW_UPS"):
            surgery.follow_up_plan()


@freeze_time("2026-03-02 15:00:00")  # Monday 8:00 AM in Denver
def test_a_follow_up_is_never_booked_before_its_surgery(alice, hale, clinic):
    fort = clinic["fort-collins"]
    today = date(2026, 3, 2)
    row = _record(alice, hale, clinic, operated_on=today)
    two_weeks = row.follow_ups.get(days_after=14)
    with pytest.raises(PathwayError, match="cannot be before its surgery"):
        follow_ups.book_follow_up(two_weeks, at(fort, today, "15:00"), hale, by=hale.user)
    assert not Appointment.objects.filter(patient=alice).exists()
    # Booked after it, a surgery moved past the visit is refused.
    visit = follow_ups.book_follow_up(
        two_weeks, at(fort, today + timedelta(days=14), "10:00"), hale, by=hale.user
    )
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.BOOKED and two_weeks.appointment == visit
    with pytest.raises(PathwayError, match="cannot be done yet"):
        surgery.update_surgery(row, by=hale.user, operated_on=today + timedelta(days=20))
    with pytest.raises(PathwayError, match="cancel that visit"):
        surgery.update_surgery(row, by=hale.user, status="planned")
    row.refresh_from_db()
    assert row.status == "done" and row.operated_on == today


def test_staff_book_a_follow_up_from_the_list(client, alice, hale, clinic, frontdesk):
    _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    login(client, frontdesk)
    page = client.get(reverse("pathway:follow_ups"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [f.label for f in rows] == ["2 weeks"]
    two_weeks = rows[0]
    book_page = client.get(reverse("pathway:follow_up_book", args=[two_weeks.pk]))
    assert book_page.status_code == 200
    choice = book_page.context["days"][0].choices[0]
    start, end = two_weeks.window
    assert start <= choice.local.date() <= end
    response = client.post(
        reverse("pathway:follow_up_book", args=[two_weeks.pk]),
        {"slot": f"{choice.start_iso}|{choice.clinician_id}"},
    )
    assert response.status_code == 302
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.BOOKED
    assert two_weeks.appointment.appointment_type.slug == "post-op"
    assert two_weeks.appointment.created_by == frontdesk
    assert client.get(reverse("pathway:follow_ups")).context["rows"] == []
    # Booking it twice is refused with a message.
    again = client.post(
        reverse("pathway:follow_up_book", args=[two_weeks.pk]),
        {"slot": f"{choice.start_iso}|{choice.clinician_id}"},
    )
    assert again.status_code == 400 and "not waiting to be booked" in again.content.decode()


def test_a_visit_booked_online_is_linked_completed_or_cancelled(
    alice, hale, clinic, django_capture_on_commit_callbacks
):
    row = _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    two_weeks = row.follow_ups.get(days_after=14)
    fort = clinic["fort-collins"]
    day = next_weekday(0, after_days=2)
    assert two_weeks.window[0] <= day <= two_weeks.window[1]
    req = booking.Request(kind("post-op"), fort, hale, at(fort, day, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        visit = booking.book(req, alice, by=alice.user)
    two_weeks.refresh_from_db()
    assert two_weeks.appointment == visit and two_weeks.status == FollowUpStatus.BOOKED
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel(visit, by=alice.user)
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.TO_BOOK and two_weeks.appointment is None
    # Booked again, then seen: done.
    req = booking.Request(kind("post-op"), fort, hale, at(fort, day, "11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        visit = booking.book(req, alice, by=alice.user)
    booking.record_outcome(visit, Status.COMPLETED, now=visit.starts_at + timedelta(minutes=40))
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.DONE and two_weeks.appointment == visit


def test_a_visit_outside_every_window_is_not_linked(
    alice, hale, clinic, django_capture_on_commit_callbacks
):
    _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    fort = clinic["fort-collins"]
    day = next_weekday(0, after_days=30)
    req = booking.Request(kind("post-op"), fort, hale, at(fort, day, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        booking.book(req, alice, by=alice.user)
    assert not FollowUp.objects.filter(appointment__isnull=False).exists()


# -- outcome questionnaires --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_outcome_questionnaires_open_five_days_before_once(clinic, alice, hale):
    surgery_day = date(2026, 3, 2)
    with freeze_time("2026-03-02 20:00:00"):
        row = _record(alice, hale, clinic, operated_on=surgery_day)
        queued = DBTaskResult.objects.filter(task_path__endswith="send_follow_up_questionnaires")
        assert queued.count() == 1
        assert timezone.localtime(queued.get().run_after).date() == date(2026, 3, 11)
    cancelled = _record(
        alice, hale, clinic, leg="left", operated_on=surgery_day, tunnels=["tibial"]
    )
    cancelled.follow_ups.update(status=FollowUpStatus.CANCELLED)
    with freeze_time("2026-03-10 20:00:00"):  # six days before the 2-week follow-up
        assert follow_ups.send_questionnaires() == 0
    with freeze_time("2026-03-11 20:00:00"):  # five days before
        out = io.StringIO()
        call_command("send_follow_up_questionnaires", stdout=out)
        # Without the licensed IRLS wording the IRLS is entered by the clinician at the
        # follow-up visit (issue 19): the patient is sent the other two.
        assert "Opened 2 follow-up questionnaire request(s)." in out.getvalue()
        assert follow_ups.send_questionnaires() == 0  # once
    made = Questionnaire.objects.filter(patient=alice)
    assert {q.instrument_id for q in made} == {"pain_nrs", "clinic_sleep"}
    assert all(q.reason == Reason.FOLLOW_UP and q.due_date == date(2026, 3, 16) for q in made)
    two_weeks = row.follow_ups.get(days_after=14)
    assert two_weeks.questionnaires_sent_on == date(2026, 3, 11)
    assert not cancelled.follow_ups.filter(questionnaires_sent_on__isnull=False).exists()
    # The email goes out through the task worker; the run re-enqueues for the next one.
    assert DBTaskResult.objects.filter(task_path__endswith="send_questionnaire_email").exists()
    queued.delete()  # as if the worker had taken the queued run
    with freeze_time("2026-03-11 20:00:00"):
        from nervepath.pathway.tasks import send_follow_up_questionnaires

        assert send_follow_up_questionnaires.call() == 0
        next_run = queued.get()
        assert timezone.localtime(next_run.run_after).date() == date(2026, 5, 27)  # 91 - 5


# -- who sees what -------------------------------------------------------------------------


def test_front_desk_sees_follow_ups_but_not_the_surgery(client, alice, hale, clinic, frontdesk):
    row = _record(alice, hale, clinic, findings="MARKER-FINDINGS-Q1")
    login(client, frontdesk)
    listing = client.get(reverse("pathway:follow_ups")).content.decode()
    assert "2 weeks" in listing and str(alice) in listing
    assert "MARKER-FINDINGS-Q1" not in listing and "Common peroneal" not in listing
    assert client.get(_page(row)).status_code == 403
    assert client.get(reverse("pathway:surgeries", args=[alice.pk])).status_code == 403
    assert client.get(reverse("pathway:surgery_new", args=[alice.pk])).status_code == 403


def test_clinicians_outside_her_care_get_404(client, alice, bob, hale, lindqvist, clinic, in_care):
    row = _record(alice, hale, clinic)
    login(client, lindqvist.user)
    assert client.get(_page(row)).status_code == 404
    assert client.post(_page(row), _hand(tibial_before_amp="5")).status_code == 404
    assert not MonitoringReading.objects.exists()
    assert client.get(reverse("pathway:follow_ups")).context["rows"] == []
    two_weeks = row.follow_ups.first()
    assert client.get(reverse("pathway:follow_up_book", args=[two_weeks.pk])).status_code == 404
    # Her surgery under another patient's number is 404 for her own clinician too.
    login(client, hale.user)
    url = reverse("pathway:surgery", args=[bob.pk, row.pk])
    assert client.get(url).status_code == 404


def test_the_patient_sees_her_own_follow_ups_only(client, alice, bob, hale, clinic):
    _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    _record(bob, hale, clinic, operated_on=TODAY() - timedelta(days=50))
    login(client, alice.user)
    page = client.get(reverse("pathway:my_follow_ups"))
    assert page.status_code == 200
    assert [f.patient_id for f in page.context["rows"]] == [alice.pk] * 4
    body = page.content.decode()
    book = reverse("scheduling:book_slots", args=["fort-collins", "post-op"])
    assert f'href="{book}?from=' in body
    # Staff pages are not hers.
    row = Surgery.objects.get(patient=alice)
    assert client.get(_page(row)).status_code == 404
    assert client.get(reverse("pathway:follow_ups")).status_code == 403


def test_the_staff_list_shows_overdue_and_the_next_weeks(client, alice, hale, clinic, frontdesk):
    _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=30))  # 2 weeks overdue
    login(client, frontdesk)
    rows = client.get(reverse("pathway:follow_ups")).context["rows"]
    assert [f.label for f in rows] == ["2 weeks"]
    rows = client.get(reverse("pathway:follow_ups") + "?weeks=13").context["rows"]
    assert [f.label for f in rows] == ["2 weeks", "3 months"]
    assert "(overdue)" in client.get(reverse("pathway:follow_ups")).content.decode()


def test_the_record_page_links_the_surgeries(hale_client, alice):
    page = hale_client.get(reverse("access:patient", args=[alice.pk])).content.decode()
    assert reverse("pathway:surgeries", args=[alice.pk]) in page


# -- review fixes: crafted input, windows, races, authors, fixtures ------------------------

FAR_OFFSET = dt_timezone(timedelta(hours=5))


@pytest.mark.parametrize(
    "start",
    [
        "0001-01-01T00:00+05:00",  # year 1: astimezone() overflowed (500)
        "9999-12-31T23:59-05:00",
        "2020-01-06T10:00-07:00",  # the past
        "2999-01-06T10:00-07:00",  # beyond the staff booking window
    ],
)
def test_a_slot_outside_the_booking_window_is_refused_on_both_pages(
    client, alice, hale, clinic, frontdesk, in_care, start
):
    first = _record(alice, hale, clinic)
    two_weeks = first.follow_ups.get(days_after=14)
    login(client, frontdesk)
    url = reverse("pathway:follow_up_book", args=[two_weeks.pk])
    refused = client.post(url, {"slot": f"{start}|{hale.pk}"})
    assert refused.status_code == 400
    assert "Choose one of the offered times." in refused.content.decode()
    login(client, hale.user)
    refused = client.post(
        _page(first),
        {"form": "other_leg", "leg-slot": f"{start}|{hale.pk}", "leg-tunnels": ["tibial"]},
    )
    assert refused.status_code == 400
    assert "Choose one of the offered times." in refused.content.decode()
    assert not Appointment.objects.filter(appointment_type__slug__in=["post-op", "surgery-left"])
    assert Surgery.objects.count() == 1
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.TO_BOOK


def test_the_services_refuse_a_time_that_overflows(alice, hale, clinic, frontdesk):
    first = _record(alice, hale, clinic)
    two_weeks = first.follow_ups.get(days_after=14)
    year_one = datetime(1, 1, 1, tzinfo=FAR_OFFSET)
    with pytest.raises(PathwayError, match="out of range"):
        follow_ups.book_follow_up(two_weeks, year_one, hale, by=frontdesk)
    with pytest.raises(PathwayError, match="out of range"):
        surgery.schedule_other_leg(first, year_one, by=frontdesk)
    last = datetime(9999, 12, 31, 23, 59, tzinfo=dt_timezone(timedelta(hours=-5)))
    with pytest.raises(PathwayError, match="out of range"):
        surgery.schedule_other_leg(first, last, by=frontdesk)
    assert not Appointment.objects.exists() and Surgery.objects.count() == 1


WEEKS = [("²", 4), ("٣", 4), ("9" * 5000, 4), ("-3", 4), ("x", 4), ("0", 1), ("999", 52),
         ("13", 13)]  # fmt: skip


@pytest.mark.parametrize(("raw", "weeks"), WEEKS)
def test_weeks_that_are_not_plain_digits_fall_back(client, frontdesk, clinic, raw, weeks):
    login(client, frontdesk)
    page = client.get(reverse("pathway:follow_ups"), {"weeks": raw})
    assert page.status_code == 200 and page.context["weeks"] == weeks


@pytest.mark.parametrize("raw", ["²", "٣", "0", "-1", "9" * 30, "1e3", " "])
def test_an_appointment_id_that_is_no_id_is_404(hale_client, alice, raw):
    url = reverse("pathway:surgery_new", args=[alice.pk])
    assert hale_client.get(url, {"appointment": raw}).status_code == 404
    assert hale_client.post(url, {"appointment": raw}).status_code == 404


@pytest.mark.parametrize("clinician", ["²", "9" * 30, "-1", ""])
def test_a_slot_with_a_clinician_that_is_no_id_is_refused(
    client, alice, hale, clinic, frontdesk, clinician
):
    two_weeks = _record(alice, hale, clinic).follow_ups.get(days_after=14)
    login(client, frontdesk)
    start = at(clinic["fort-collins"], next_weekday(0), "10:00").isoformat()
    url = reverse("pathway:follow_up_book", args=[two_weeks.pk])
    refused = client.post(url, {"slot": f"{start}|{clinician}"})
    assert (
        refused.status_code == 400
        and "Choose one of the offered times." in refused.content.decode()
    )


@freeze_time("2026-03-02 15:00:00")  # Monday 8:00 AM in Denver
def test_a_follow_up_is_booked_only_in_its_window(client, alice, hale, clinic, frontdesk):
    fort = clinic["fort-collins"]
    row = _record(alice, hale, clinic, operated_on=date(2026, 2, 20))
    year = row.follow_ups.get(days_after=365)  # due Feb 20, 2027: window Feb 13 to 27
    with pytest.raises(
        PathwayError,
        match=r"The 12 months follow-up is due on Feb 20, 2027: book it between Feb 13, 2027 "
        r"and Feb 27, 2027, not on Mar 3, 2026\.",
    ):
        follow_ups.book_follow_up(year, at(fort, date(2026, 3, 3), "10:00"), hale, by=frontdesk)
    # A crafted POST of the page is refused the same way.
    login(client, frontdesk)
    start = at(fort, date(2026, 3, 3), "10:00").isoformat()
    refused = client.post(
        reverse("pathway:follow_up_book", args=[year.pk]), {"slot": f"{start}|{hale.pk}"}
    )
    assert refused.status_code == 400 and "book it between" in refused.content.decode()
    assert not Appointment.objects.exists()
    year.refresh_from_db()
    assert year.status == FollowUpStatus.TO_BOOK
    # Its window's first day (a Monday) is fine.
    visit = follow_ups.book_follow_up(
        year, at(fort, date(2027, 2, 15), "10:00"), hale, by=frontdesk
    )
    assert FollowUp.objects.get(pk=year.pk).appointment == visit


@freeze_time("2026-03-02 15:00:00")  # Monday 8:00 AM in Denver
def test_a_follow_up_visit_moved_out_of_its_window_is_unlinked(
    alice, hale, clinic, frontdesk, django_capture_on_commit_callbacks
):
    fort = clinic["fort-collins"]
    row = _record(alice, hale, clinic, operated_on=date(2026, 2, 20))
    two_weeks = row.follow_ups.get(days_after=14)  # due Mar 6: window Feb 27 to Mar 13
    visit = follow_ups.book_follow_up(
        two_weeks, at(fort, date(2026, 3, 9), "10:00"), hale, by=frontdesk
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule(visit, at(fort, date(2026, 3, 30), "10:00"), by=frontdesk)
    two_weeks.refresh_from_db()
    visit.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.TO_BOOK and two_weeks.appointment is None
    assert visit.status == Status.BOOKED  # the visit itself stays booked
    assert not FollowUp.objects.filter(appointment=visit).exists()  # no other window holds it
    # History keeps the link it had.
    assert two_weeks.history.filter(appointment_id=visit.pk, status="booked").exists()
    # Moved back into the window, it is linked again once the move is committed.
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule(visit, at(fort, date(2026, 3, 12), "10:00"), by=frontdesk)
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.BOOKED and two_weeks.appointment == visit
    # A move within the window keeps it.
    booking.reschedule(visit, at(fort, date(2026, 3, 10), "10:00"), by=frontdesk)
    two_weeks.refresh_from_db()
    assert two_weeks.status == FollowUpStatus.BOOKED and two_weeks.appointment == visit


@freeze_time("2026-03-02 15:00:00")  # Monday 8:00 AM in Denver
def test_a_follow_up_visit_moved_to_its_surgery_day_is_unlinked(
    alice, hale, clinic, frontdesk, settings, django_capture_on_commit_callbacks
):
    settings.NERVEPATH = settings.NERVEPATH | {"FOLLOW_UPS": ["2:2 days", "14:2 weeks"]}
    fort = clinic["fort-collins"]
    row = _record(alice, hale, clinic, operated_on=date(2026, 3, 2))
    two_days = row.follow_ups.get(days_after=2)  # window Feb 25 to Mar 11 holds the surgery
    visit = follow_ups.book_follow_up(
        two_days, at(fort, date(2026, 3, 3), "10:00"), hale, by=frontdesk
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule(visit, at(fort, date(2026, 3, 2), "15:00"), by=frontdesk)
    two_days.refresh_from_db()
    assert two_days.status == FollowUpStatus.TO_BOOK and two_days.appointment is None
    assert not FollowUp.objects.filter(appointment=visit).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_records_of_one_visit_at_once_one_is_refused(
    clinic, alice, hale, frontdesk, monkeypatch
):
    """Two clinicians record the same visit at the same moment (each choosing other
    tunnels, so the repeat rule does not apply): both pass the checks before the
    transaction; under the patient's lock the second finds the first's record."""
    visit = _book_surgery(alice, hale, clinic, "surgery-right", next_weekday(0), frontdesk)
    barrier = threading.Barrier(2)
    checked = surgery._check

    def check_then_wait(*args, **kwargs):
        checked(*args, **kwargs)
        barrier.wait(timeout=20)  # both have passed the checks before either writes

    monkeypatch.setattr(surgery, "_check", check_then_wait)
    outcomes: dict[str, str] = {}

    def attempt(tunnel: str) -> None:
        try:
            _record(alice, hale, clinic, appointment=visit, operated_on=None,
                    status="planned", tunnels=[tunnel])  # fmt: skip
            outcomes[tunnel] = "recorded"
        except PathwayError as exc:
            outcomes[tunnel] = str(exc)
        except Exception as exc:
            outcomes[tunnel] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in ("tibial", "common_peroneal")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values(), key=lambda v: v != "recorded") == [
        "recorded",
        f"That appointment already belongs to {Surgery.objects.get()}.",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_other_leg_scheduled_twice_at_once_is_booked_once(
    clinic, alice, hale, frontdesk, monkeypatch
):
    first = _record(alice, hale, clinic)
    offered = surgery.other_leg_slots(first, 2)
    barrier = threading.Barrier(2)
    local_day = surgery.local_day

    def day_then_wait(*args, **kwargs):
        day = local_day(*args, **kwargs)
        barrier.wait(timeout=20)  # both have passed the checks before either books
        return day

    monkeypatch.setattr(surgery, "local_day", day_then_wait)
    outcomes: dict[str, str] = {}

    def attempt(slot, tunnel: str) -> None:
        try:
            surgery.schedule_other_leg(first, slot.starts_at, by=frontdesk, tunnels=[tunnel])
            outcomes[tunnel] = "booked"
        except PathwayError as exc:
            outcomes[tunnel] = str(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(offered[0], "tibial")),
        threading.Thread(target=attempt, args=(offered[1], "common_peroneal")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    second = Surgery.objects.get(leg="left")
    assert sorted(outcomes.values(), key=lambda v: v != "booked") == [
        "booked",
        f"The other leg already has a surgery: {second}.",
    ]
    assert Appointment.objects.filter(appointment_type__slug="surgery-left").count() == 1


def test_a_visit_linked_behind_the_checks_back_is_a_message_not_a_500(
    alice, hale, clinic, frontdesk, monkeypatch
):
    visit = _book_surgery(alice, hale, clinic, "surgery-right", next_weekday(0), frontdesk)
    made = _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned")
    # Only the database's one-to-one link is left to refuse it.
    monkeypatch.setattr(surgery, "_check_appointment", lambda *args: None)
    with pytest.raises(PathwayError, match=r"^This visit already has a surgery record\.$"):
        _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned",
                tunnels=["superficial_peroneal"])  # fmt: skip
    assert list(Surgery.objects.all()) == [made]


def test_every_write_names_its_author_in_history(alice, hale, okafor, clinic, frontdesk):
    row = _record(alice, hale, clinic, status="planned", operated_on=TODAY() - timedelta(days=3))
    assert row.history.get().history_user == hale.user
    surgery.update_surgery(row, by=okafor.user, findings="Thick band", status="done")
    assert row.history.first().history_user == okafor.user
    assert {f.history.get().history_user for f in row.follow_ups.all()} == {okafor.user}
    surgery.update_surgery(row, by=hale.user, operated_on=TODAY() - timedelta(days=4))
    assert {f.history.first().history_user for f in row.follow_ups.all()} == {hale.user}
    surgery.update_surgery(row, by=okafor.user, status="cancelled")
    assert {f.history.first().history_user for f in row.follow_ups.all()} == {okafor.user}
    assert {f.status for f in row.follow_ups.all()} == {FollowUpStatus.CANCELLED}
    surgery.enter_readings(row, {("tibial", "before"): (80.0, None)}, by=hale.user)
    assert MonitoringReading.history.get().history_user == hale.user


def test_booking_a_follow_up_names_its_author(alice, hale, clinic, frontdesk):
    row = _record(alice, hale, clinic, operated_on=TODAY() - timedelta(days=10))
    two_weeks = row.follow_ups.get(days_after=14)
    slot = next(s for s in follow_ups.slots(two_weeks, 200) if s.clinician_id == hale.pk)
    follow_ups.book_follow_up(two_weeks, slot.starts_at, hale, by=frontdesk)
    assert two_weeks.history.first().history_user == frontdesk
    assert two_weeks.history.first().status == FollowUpStatus.BOOKED


def test_a_surgery_following_its_visit_names_who_moved_the_visit(alice, hale, clinic, frontdesk):
    day = next_weekday(0)
    visit = _book_surgery(alice, hale, clinic, "surgery-right", day, frontdesk)
    row = _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned")
    moved = Appointment.objects.get(pk=visit.pk)
    week = timedelta(days=7)
    moved.starts_at, moved.ends_at = moved.starts_at + week, moved.ends_at + week
    moved.blocked_from, moved.blocked_until = moved.blocked_from + week, moved.blocked_until + week
    # simple-history's hook: a change outside a request naming its author.
    moved._history_user = frontdesk  # type: ignore[attr-defined]
    moved.save()
    row.refresh_from_db()
    assert row.operated_on == day + week
    assert row.history.first().history_user == frontdesk


def test_loading_a_fixture_leaves_the_surgery_and_follow_ups_alone(
    alice, hale, clinic, frontdesk, tmp_path
):
    day = next_weekday(0)
    visit = _book_surgery(alice, hale, clinic, "surgery-right", day, frontdesk)
    row = _record(alice, hale, clinic, appointment=visit, operated_on=None, status="planned")
    histories = Surgery.history.count()
    week = timedelta(days=7)
    visit.starts_at, visit.ends_at = visit.starts_at + week, visit.ends_at + week
    visit.blocked_from, visit.blocked_until = visit.blocked_from + week, visit.blocked_until + week
    fixture = tmp_path / "visit.json"
    fixture.write_text(serializers.serialize("json", [visit]))
    call_command("loaddata", str(fixture), stdout=io.StringIO())
    assert Appointment.objects.get(pk=visit.pk).local_start.date() == day + week  # loaded
    row.refresh_from_db()
    assert row.operated_on == day and Surgery.history.count() == histories


def test_a_csv_for_the_other_leg_is_refused(hale_client, alice, hale, clinic):
    left = _record(alice, hale, clinic, leg="left")
    response = _upload(hale_client, left, SAMPLE.read_bytes())  # the sample is the right leg's
    assert response.status_code == 400
    assert (
        "Line 2: this row is for the right leg; the surgery is on the left leg."
        in response.content.decode()
    )
    assert not MonitoringReading.objects.exists()
    right = _record(alice, hale, clinic, leg="right")
    assert len(surgery.import_csv(right, SAMPLE.read_bytes(), replace=False, by=None)) == 6
    with pytest.raises(PathwayError, match="Line 2: 'deep peroneal' is not a nerve"):
        surgery.import_csv(
            right, b"Nerve,Phase,Amplitude\ndeep peroneal,pre,5\n", replace=True, by=None
        )


def test_no_response_before_or_after_shows_as_such(hale_client, alice, hale, clinic):
    row = _record(alice, hale, clinic)
    surgery.enter_readings(
        row, {("tibial", "before"): (0.0, None), ("tibial", "after"): (0.0, None)}, by=hale.user
    )
    page = hale_client.get(_page(row)).content.decode()
    assert "no response before or after release" in page and "new response" not in page
