# SPDX-License-Identifier: AGPL-3.0-or-later
"""Therapy courses: booking sessions through the clinic's booking rules, recording them,
ending the course, the patient's improvement in the portal, and who may see what.

Dr Lindqvist gives the electrical-stimulation and laser sessions (Fort Collins on Mondays,
Wednesdays and Fridays from 07:30); Alice is in Dr Hale's care.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from helpers import at, kind, login, next_weekday
from nervepath.pathway import therapy
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import (
    CourseStatus,
    SessionStatus,
    TherapyCourse,
    TherapySession,
)
from nervepath.scheduling import availability, services
from nervepath.scheduling.models import Appointment, ResourceKind, Source, Status

from .conftest import past_visit

ESTIM = {"frequency_hz": 10, "pulse_width_us": 250, "intensity_ma": 20, "minutes": 30}
LASER = {"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4, "minutes": 20}


@pytest.fixture
def fort(clinic):
    return clinic["fort-collins"]


@pytest.fixture
def course(alice, hale, in_care):
    return therapy.start_course(
        alice,
        modality="estim",
        planned_sessions=3,
        clinician=hale.user,
        started_on=timezone.localdate(),
        notes="Bilateral peroneal stimulation",
        by=hale.user,
    )


def book(course, lindqvist, fort, day, clock="09:00", slug="estim", by=None):
    return therapy.book_session(
        course,
        appointment_type=kind(slug),
        location=fort,
        clinician=lindqvist,
        starts_at=at(fort, day, clock),
        by=by or course.clinician,
    )


def counts() -> tuple[int, int, int, int]:
    return (
        TherapySession.objects.count(),
        Appointment.objects.count(),
        TherapySession.history.count(),
        TherapyCourse.history.count(),
    )


# -- the course's life -------------------------------------------------------------------


def test_course_lifecycle_books_records_and_ends(course, lindqvist, fort, hale):
    monday = next_weekday(0)
    first = book(course, lindqvist, fort, monday)
    second = book(course, lindqvist, fort, monday + timedelta(days=2))
    assert (first.number, second.number) == (1, 2)
    assert first.appointment.appointment_type.slug == "estim"
    assert first.appointment.resource.kind == ResourceKind.THERAPY_CHAIR
    assert first.appointment.source == Source.STAFF
    assert first.on_date == monday
    assert str(therapy.progress(course)) == "0 of 3 done"

    with freeze_time(at(fort, monday + timedelta(days=3), "12:00")):
        done = therapy.record_session(
            first, status="done", parameters=ESTIM, notes="Tolerated well", by=hale.user
        )
        missed = therapy.record_session(second, status="missed", by=hale.user)
        assert done.parameters == ESTIM
        assert done.recorded_by == hale.user
        assert Appointment.objects.get(pk=first.appointment_id).status == Status.COMPLETED
        assert Appointment.objects.get(pk=second.appointment_id).status == Status.NO_SHOW
        assert missed.status == SessionStatus.MISSED and missed.parameters == {}
        assert str(therapy.progress(course)) == "1 of 3 done, 1 missed"

        ended = therapy.end_course(
            course,
            status="completed",
            ended_on=monday + timedelta(days=3),
            improvement_pct=40,
            by=hale.user,
        )
    assert ended.status == CourseStatus.COMPLETED
    assert ended.improvement_pct == 40
    # Every change is in the history, with who made it.
    changes = list(TherapyCourse.history.filter(id=course.pk).order_by("history_date"))
    assert [h.history_type for h in changes] == ["+", "~"]
    assert all(h.history_user == hale.user for h in changes)
    session_history = TherapySession.history.filter(id=first.pk).order_by("history_date")
    assert [h.status for h in session_history] == ["planned", "done"]
    assert session_history.last().history_user == hale.user


def test_one_course_of_a_kind_at_a_time(course, alice, hale):
    before = counts()
    with pytest.raises(PathwayError, match="already has a course under way"):
        therapy.start_course(
            alice,
            modality="both",
            planned_sessions=5,
            clinician=hale.user,
            started_on=timezone.localdate(),
            by=hale.user,
        )
    assert counts() == before
    laser = therapy.start_course(
        alice,
        modality="laser",
        planned_sessions=5,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    assert laser.status == CourseStatus.ACTIVE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"modality": "ultrasound"}, "Choose electrical stimulation"),
        ({"planned_sessions": 0}, "between 1 and 60"),
        ({"planned_sessions": 61}, "between 1 and 60"),
        ({"planned_sessions": "ten"}, "whole number"),
        ({"started_on": timezone.localdate() + timedelta(days=400)}, "a year ahead"),
        ({"notes": "x" * 4001}, "at most 4000"),
    ],
)
def test_a_bad_course_is_refused_and_nothing_stored(alice, hale, changes, message):
    args = {
        "modality": "estim",
        "planned_sessions": 10,
        "clinician": hale.user,
        "started_on": timezone.localdate(),
        "notes": "",
    } | changes
    with pytest.raises(PathwayError, match=message):
        therapy.start_course(alice, **args, by=hale.user)
    assert not TherapyCourse.objects.exists()


def test_the_course_clinician_is_a_clinician(alice, frontdesk, hale):
    with pytest.raises(PathwayError, match="one of the clinic's clinicians"):
        therapy.start_course(
            alice,
            modality="laser",
            planned_sessions=4,
            clinician=frontdesk,
            started_on=timezone.localdate(),
            by=hale.user,
        )
    assert not TherapyCourse.objects.exists()


# -- offered times and booking -----------------------------------------------------------


def test_offered_times_are_free_therapy_chair_times_of_the_course_types(course, alice, hale):
    slots = therapy.session_slots(course, 6)
    assert len(slots) == 6
    assert {s.appointment_type.slug for s in slots} == {"estim"}
    assert all(s.starts_at > timezone.now() for s in slots)
    assert slots == sorted(slots, key=lambda s: s.starts_at)
    assert all(s.clinician.user.last_name == "Lindqvist" for s in slots)
    spread = therapy.session_slots(course, 6, per_day=2)
    days = [s.local_start.date() for s in spread]
    assert len(spread) == 6 and all(days.count(d) <= 2 for d in days) and len(set(days)) >= 3

    both = therapy.start_course(
        alice,
        modality="laser",
        planned_sessions=2,
        clinician=hale.user,
        started_on=timezone.localdate() + timedelta(days=10),
        by=hale.user,
    )
    later = therapy.session_slots(both, 20)
    assert {s.appointment_type.slug for s in later} == {"laser"}
    assert all(s.local_start.date() >= both.started_on for s in later)


def test_a_combined_course_is_offered_both_kinds(alice, hale, in_care):
    combined = therapy.start_course(
        alice,
        modality="both",
        planned_sessions=10,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    slots = therapy.session_slots(combined, 40)
    assert {s.appointment_type.slug for s in slots} == {"estim", "laser"}


def test_an_offered_time_can_be_booked_and_is_then_no_longer_offered(course, lindqvist):
    first = therapy.session_slots(course, 1)[0]
    session = therapy.book_session(
        course,
        appointment_type=first.appointment_type,
        location=first.location,
        clinician=first.clinician,
        starts_at=first.starts_at,
        by=course.clinician,
    )
    assert session.appointment.starts_at == first.starts_at
    assert first.starts_at not in [s.starts_at for s in therapy.session_slots(course, 5)]


def test_booking_follows_the_booking_rules_and_refusals_store_nothing(
    course, lindqvist, fort, hale
):
    monday = next_weekday(0)
    before = counts()
    with pytest.raises(PathwayError, match="not available"):
        book(course, lindqvist, fort, monday, "18:00")  # after her hours
    with pytest.raises(PathwayError, match="does not offer"):
        book(course, hale, fort, monday)  # Dr Hale gives no stimulation sessions
    with pytest.raises(PathwayError, match="books “estim” sessions"):
        book(course, lindqvist, fort, monday, slug="laser")
    assert counts() == before

    book(course, lindqvist, fort, monday)
    # The same time again: the booking rules refuse (the patient is already booked then,
    # or the chairs and the clinician are taken).
    before = counts()
    with pytest.raises(PathwayError):
        book(course, lindqvist, fort, monday)
    assert counts() == before


def test_booking_beyond_the_planned_sessions_is_refused(
    alice, hale, lindqvist, fort, in_care, frontdesk
):
    short = therapy.start_course(
        alice,
        modality="estim",
        planned_sessions=1,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    monday = next_weekday(0)
    session = book(short, lindqvist, fort, monday)
    before = counts()
    with pytest.raises(PathwayError, match="All 1 planned sessions"):
        book(short, lindqvist, fort, monday + timedelta(days=2))
    assert counts() == before
    # A cancelled visit frees its session, which the next booking fills.
    services.cancel(session.appointment, by=frontdesk)
    again = book(short, lindqvist, fort, monday + timedelta(days=2))
    assert again.pk == session.pk and again.number == 1
    assert again.on_date == monday + timedelta(days=2)
    assert TherapySession.objects.filter(course=short).count() == 1


def test_a_missed_session_is_made_up(alice, hale, lindqvist, fort, in_care):
    short = therapy.start_course(
        alice,
        modality="estim",
        planned_sessions=1,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    monday = next_weekday(0)
    session = book(short, lindqvist, fort, monday)
    with freeze_time(at(fort, monday, "12:00")):
        therapy.record_session(session, status="missed", by=hale.user)
        make_up = book(short, lindqvist, fort, monday + timedelta(days=2))
    assert make_up.number == 2


def test_no_session_before_the_course_starts(alice, hale, lindqvist, fort, in_care):
    monday = next_weekday(0)
    later = therapy.start_course(
        alice,
        modality="estim",
        planned_sessions=4,
        clinician=hale.user,
        started_on=monday + timedelta(days=2),
        by=hale.user,
    )
    before = counts()
    with pytest.raises(PathwayError, match="cannot be booked before"):
        book(later, lindqvist, fort, monday)
    assert counts() == before
    session = book(later, lindqvist, fort, monday + timedelta(days=2))
    with freeze_time(at(fort, monday + timedelta(days=5), "12:00")):
        with pytest.raises(PathwayError, match="cannot be dated before"):
            therapy.record_session(
                session, status="done", parameters=ESTIM, on=monday, by=hale.user
            )
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    assert session.appointment.status == Status.BOOKED


# -- recording ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (ESTIM | {"frequency_hz": 5000}, "Frequency of 5000 Hz is outside 0.5–250 Hz"),
        (ESTIM | {"intensity_ma": 0}, "Intensity"),
        (ESTIM | {"pulse_width_us": 20000}, "Pulse width"),
        (ESTIM | {"minutes": 600}, "Duration"),
        (ESTIM | {"minutes": "half an hour"}, "must be a number"),
        ({"frequency_hz": 10, "minutes": 30}, "pulse width, intensity missing"),
        (LASER, "Unknown setting"),
        ({}, "Record the settings"),
    ],
)
def test_settings_out_of_range_are_refused_and_nothing_stored(
    course, lindqvist, fort, hale, parameters, message
):
    monday = next_weekday(0)
    session = book(course, lindqvist, fort, monday)
    before = counts()
    with freeze_time(at(fort, monday, "12:00")):
        with pytest.raises(PathwayError, match=message):
            therapy.record_session(session, status="done", parameters=parameters, by=hale.user)
    assert counts() == before
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED and session.parameters == {}
    assert session.appointment.status == Status.BOOKED


def test_laser_settings_and_range_limits(alice, hale, lindqvist, fort, in_care):
    course = therapy.start_course(
        alice,
        modality="laser",
        planned_sessions=2,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    monday = next_weekday(0)
    session = book(course, lindqvist, fort, monday, slug="laser")
    with freeze_time(at(fort, monday, "12:00")):
        with pytest.raises(PathwayError, match="Wavelength of 81 nm"):
            therapy.record_session(
                session, status="done", parameters=LASER | {"wavelength_nm": 81}, by=hale.user
            )
        with pytest.raises(PathwayError, match="Unknown setting"):
            therapy.record_session(session, status="done", parameters=ESTIM, by=hale.user)
        done = therapy.record_session(
            session, status="done", parameters=LASER | {"dose_j_cm2": "4.5"}, by=hale.user
        )
    assert done.parameters == LASER | {"dose_j_cm2": 4.5}
    assert therapy.parameter_text(done).startswith("Wavelength 810 nm, Power 500 mW")


def test_recording_refusals(course, lindqvist, fort, hale):
    monday = next_weekday(0)
    session = book(course, lindqvist, fort, monday)
    with pytest.raises(PathwayError, match="record it once it has started"):
        therapy.record_session(session, status="done", parameters=ESTIM, by=hale.user)
    with freeze_time(at(fort, monday, "12:00")):
        with pytest.raises(PathwayError, match="done or as missed"):
            therapy.record_session(session, status="planned", by=hale.user)
        with pytest.raises(PathwayError, match="no settings"):
            therapy.record_session(session, status="missed", parameters=ESTIM, by=hale.user)
        therapy.record_session(session, status="done", parameters=ESTIM, by=hale.user)
        with pytest.raises(PathwayError, match="already recorded as done"):
            therapy.record_session(session, status="missed", by=hale.user)


# -- ending ------------------------------------------------------------------------------


@pytest.mark.parametrize("improvement", [101, -101, "lots"])
def test_improvement_bounds(course, hale, improvement):
    before = counts()
    with pytest.raises(PathwayError, match="improvement"):
        therapy.end_course(
            course,
            status="stopped",
            ended_on=timezone.localdate(),
            improvement_pct=improvement,
            by=hale.user,
        )
    assert counts() == before
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE


def test_improvement_may_be_worse(course, hale):
    ended = therapy.end_course(
        course, status="stopped", ended_on=timezone.localdate(), improvement_pct=-100, by=hale.user
    )
    assert ended.improvement_pct == -100 and ended.status == CourseStatus.STOPPED


def test_the_end_is_not_before_the_last_done_session(course, lindqvist, fort, hale):
    monday = next_weekday(0)
    first = book(course, lindqvist, fort, monday)
    second = book(course, lindqvist, fort, monday + timedelta(days=2))
    with freeze_time(at(fort, monday + timedelta(days=4), "12:00")):
        with pytest.raises(PathwayError, match="still booked"):
            therapy.end_course(
                course, status="completed", ended_on=monday, improvement_pct=None, by=hale.user
            )
        therapy.record_session(first, status="done", parameters=ESTIM, by=hale.user)
        therapy.record_session(second, status="done", parameters=ESTIM, by=hale.user)
        with pytest.raises(PathwayError, match="cannot end before it"):
            therapy.end_course(
                course, status="completed", ended_on=monday, improvement_pct=None, by=hale.user
            )
        with pytest.raises(PathwayError, match="not ahead of it"):
            therapy.end_course(
                course,
                status="completed",
                ended_on=monday + timedelta(days=30),
                improvement_pct=None,
                by=hale.user,
            )
        ended = therapy.end_course(
            course,
            status="completed",
            ended_on=monday + timedelta(days=2),
            improvement_pct=None,
            by=hale.user,
        )
    assert ended.ended_on == monday + timedelta(days=2) and ended.improvement_pct is None
    with pytest.raises(PathwayError, match="already ended"):
        therapy.end_course(
            ended, status="completed", ended_on=ended.ended_on, improvement_pct=10, by=hale.user
        )
    with pytest.raises(PathwayError, match="has ended"):
        book(ended, lindqvist, fort, monday + timedelta(days=7))


# -- bookings made elsewhere -------------------------------------------------------------


def test_a_therapy_visit_the_patient_books_online_becomes_a_session(
    course, alice, lindqvist, fort, frontdesk
):
    monday = next_weekday(0)
    request = services.Request(kind("estim"), fort, lindqvist, at(fort, monday, "10:00"))
    appointment = services.book(request, alice, by=alice.user, source=Source.ONLINE)
    session = TherapySession.objects.get(appointment=appointment)
    assert (session.course, session.number, session.on_date) == (course, 1, monday)
    assert session.history.get().history_user == alice.user
    # Moved: the session follows its visit.
    moved = services.reschedule(
        appointment, at(fort, monday + timedelta(days=2), "10:00"), by=frontdesk
    )
    session.refresh_from_db()
    assert session.on_date == monday + timedelta(days=2) == moved.local_start.date()
    # A visit of another kind stays a plain appointment.
    follow_up = services.book(
        services.Request(kind("follow-up"), fort, lindqvist, at(fort, monday, "13:00")),
        alice,
        by=alice.user,
    )
    assert not TherapySession.objects.filter(appointment=follow_up).exists()


def test_an_online_booking_beyond_the_plan_stays_a_plain_visit(
    alice, hale, lindqvist, fort, in_care
):
    short = therapy.start_course(
        alice,
        modality="estim",
        planned_sessions=1,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    monday = next_weekday(0)
    book(short, lindqvist, fort, monday)
    extra = services.book(
        services.Request(
            kind("estim"), fort, lindqvist, at(fort, monday + timedelta(days=2), "10:00")
        ),
        alice,
        by=alice.user,
    )
    assert extra.status == Status.BOOKED
    assert not TherapySession.objects.filter(appointment=extra).exists()


def test_without_a_course_a_therapy_visit_is_just_a_visit(alice, lindqvist, fort):
    appointment = services.book(
        services.Request(kind("laser"), fort, lindqvist, at(fort, next_weekday(0), "10:00")),
        alice,
        by=alice.user,
    )
    assert not TherapySession.objects.filter(appointment=appointment).exists()


# -- staff pages -------------------------------------------------------------------------


def test_staff_start_a_course_from_the_page(hale_client, alice, hale):
    url = reverse("pathway:therapy", args=[alice.pk])
    page = hale_client.get(url)
    assert page.status_code == 200 and b"Start a course" in page.content
    bad = hale_client.post(
        url,
        {"modality": "estim", "planned_sessions": "0", "clinician": hale.user.pk,
         "started_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "between 1 and 60" in bad.content.decode()
    assert not TherapyCourse.objects.exists()
    done = hale_client.post(
        url,
        {"modality": "estim", "planned_sessions": "10", "clinician": hale.user.pk,
         "started_on": timezone.localdate().isoformat(), "notes": "Both legs"},
    )  # fmt: skip
    course = TherapyCourse.objects.get()
    assert done.status_code == 302 and done.url == course.get_absolute_url()
    assert course.history.get().history_user == hale.user
    listing = hale_client.get(url).content.decode()
    assert "0 of 10 done" in listing


def test_staff_book_record_and_end_from_the_course_page(hale_client, course, hale, fort):
    url = course.get_absolute_url()
    page = hale_client.get(url)
    assert page.status_code == 200
    slot = page.context["slots"][0]
    booked = hale_client.post(
        url,
        {"op": "book", "appointment_type": slot.appointment_type.pk,
         "location": slot.location.pk, "clinician": slot.clinician.pk,
         "starts_at": slot.starts_at.isoformat()},
    )  # fmt: skip
    assert booked.status_code == 302
    session = TherapySession.objects.get(course=course)
    assert session.appointment.starts_at == slot.starts_at

    with freeze_time(slot.starts_at + timedelta(hours=2)):
        login(hale_client, hale.user)
        form = {"op": "record", "session": session.pk, "status": "done",
                "held_on": session.on_date.isoformat(), "estim_frequency_hz": "5000",
                "estim_pulse_width_us": "250", "estim_intensity_ma": "20",
                "estim_minutes": "30"}  # fmt: skip
        refused = hale_client.post(url, form)
        assert refused.status_code == 400
        assert "outside 0.5–250 Hz" in refused.content.decode()
        session.refresh_from_db()
        assert session.status == SessionStatus.PLANNED
        recorded = hale_client.post(url, form | {"estim_frequency_hz": "10"})
        assert recorded.status_code == 302
        session.refresh_from_db()
        assert session.status == SessionStatus.DONE and session.parameters == ESTIM
        shown = hale_client.get(url).content.decode()
        assert "1 of 3 done" in shown and "Frequency 10 Hz" in shown
        ended = hale_client.post(
            url,
            {"op": "end", "status": "stopped", "ended_on": session.on_date.isoformat(),
             "improvement_pct": "150"},
        )  # fmt: skip
        assert ended.status_code == 400
        course.refresh_from_db()
        assert course.status == CourseStatus.ACTIVE
        ended = hale_client.post(
            url,
            {"op": "end", "status": "stopped", "ended_on": session.on_date.isoformat(),
             "improvement_pct": ""},
        )  # fmt: skip
        assert ended.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.STOPPED and course.improvement_pct is None


def test_a_taken_or_made_up_time_is_refused_with_a_message(hale_client, course):
    url = course.get_absolute_url()
    response = hale_client.post(
        url, {"op": "book", "appointment_type": "999", "location": "1", "clinician": "1",
              "starts_at": "tomorrow"}
    )  # fmt: skip
    assert response.status_code == 400
    assert "not one of the times offered" in response.content.decode()
    assert not Appointment.objects.filter(appointment_type__slug="estim").exists()


def test_front_desk_gets_403_and_an_unrelated_clinician_404(
    client, course, alice, frontdesk, okafor
):
    urls = [
        reverse("pathway:therapy", args=[alice.pk]),
        course.get_absolute_url(),
    ]
    login(client, frontdesk)
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"op": "end", "status": "stopped"}).status_code == 403
    login(client, okafor.user)
    for url in urls:
        assert client.get(url).status_code == 404
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE


def test_another_patients_course_and_session_ids_are_404(
    hale_client, course, alice, bob, hale, lindqvist, fort, clinic
):
    past_visit(bob, hale, fort, "new-patient", 20)
    theirs = therapy.start_course(
        bob,
        modality="laser",
        planned_sessions=2,
        clinician=hale.user,
        started_on=timezone.localdate(),
        by=hale.user,
    )
    their_session = book(theirs, lindqvist, fort, next_weekday(0), slug="laser")
    # Bob's course under Alice's number.
    wrong = reverse("pathway:therapy_course", args=[alice.pk, theirs.pk])
    assert hale_client.get(wrong).status_code == 404
    # Bob's session posted to Alice's course.
    response = hale_client.post(
        course.get_absolute_url(),
        {"op": "record", "session": their_session.pk, "status": "missed",
         "held_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 404
    their_session.refresh_from_db()
    assert their_session.status == SessionStatus.PLANNED


def test_a_patient_cannot_open_the_staff_pages(alice_client, course, alice):
    assert alice_client.get(course.get_absolute_url()).status_code == 404
    assert alice_client.get(reverse("pathway:therapy", args=[alice.pk])).status_code == 404


# -- portal ------------------------------------------------------------------------------


def test_the_patient_sees_progress_and_the_next_session(alice_client, course, lindqvist, fort):
    monday = next_weekday(0)
    book(course, lindqvist, fort, monday)
    page = alice_client.get(reverse("pathway:my_therapy"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "0 of 3 done" in text
    assert "Next session" in text and f"{monday:%B} {monday.day}" in text
    assert "How much better" not in text  # the course is under way


def test_the_patient_reports_improvement_after_the_course(alice_client, course, alice, hale):
    therapy.end_course(
        course,
        status="completed",
        ended_on=timezone.localdate(),
        improvement_pct=None,
        by=hale.user,
    )
    url = reverse("pathway:my_therapy")
    assert "How much better" in alice_client.get(url).content.decode()
    bad = alice_client.post(url, {"course": course.pk, "improvement_pct": "250"})
    assert bad.status_code == 400 and "−100" in bad.content.decode()
    course.refresh_from_db()
    assert course.improvement_pct is None
    ok = alice_client.post(url, {"course": course.pk, "improvement_pct": "-20"})
    assert ok.status_code == 302
    course.refresh_from_db()
    assert course.improvement_pct == -20
    assert course.history.latest().history_user == alice.user
    again = alice_client.post(url, {"course": course.pk, "improvement_pct": "30"})
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    course.refresh_from_db()
    assert course.improvement_pct == -20


def test_the_patient_cannot_report_on_another_patients_course(client, course, bob, hale):
    therapy.end_course(
        course,
        status="completed",
        ended_on=timezone.localdate(),
        improvement_pct=None,
        by=hale.user,
    )
    login(client, bob.user)
    response = client.post(
        reverse("pathway:my_therapy"), {"course": course.pk, "improvement_pct": "50"}
    )
    assert response.status_code == 404
    course.refresh_from_db()
    assert course.improvement_pct is None
    assert "sessions" not in client.get(reverse("pathway:my_therapy")).content.decode()


def test_history_is_on_the_patient_record(hale_client, course, alice):
    page = hale_client.get(reverse("access:patient", args=[alice.pk])).content.decode()
    assert "therapy course" in page
    assert reverse("pathway:therapy", args=[alice.pk]) in page
    assert reverse("pathway:medications", args=[alice.pk]) in page


# -- review fixes ------------------------------------------------------------------------


def test_a_far_off_or_past_from_day_is_kept_within_the_booking_horizon(hale_client, course):
    url = course.get_absolute_url()
    today = timezone.localdate()
    # 9999-12-30 overflowed the calendar in the slot search: a 500.
    far = hale_client.get(url, {"from": "9999-12-30"})
    assert far.status_code == 200
    horizon = timezone.localdate(availability.staff_window().latest)
    assert far.context["from"] in {horizon.isoformat(), (horizon - timedelta(1)).isoformat()}
    assert f'value="{far.context["from"]}"' in far.content.decode()
    past = hale_client.get(url, {"from": "2000-01-01"})
    assert past.status_code == 200
    assert past.context["from"] == today.isoformat()
    offered = past.context["slots"]
    assert offered and all(s.starts_at > timezone.now() for s in offered)
    for bad in ("²", "2026-02-30", "tomorrow", "+99999-01-01"):
        page = hale_client.get(url, {"from": bad})
        assert page.status_code == 200 and page.context["from"] == ""
    # The service itself never searches past the horizon either.
    end_of_time = datetime(9999, 12, 30, tzinfo=UTC)
    assert therapy.session_slots(course, 2, after=end_of_time) == []


def test_a_session_or_course_id_that_is_not_a_plain_number_is_not_found(hale_client, course, alice):
    # "²".isdigit() is true but int("²") raises: these were 500s.
    before = counts()
    for raw in ("²", "١", "-1"):
        response = hale_client.post(
            course.get_absolute_url(),
            {"op": "record", "session": raw, "status": "missed",
             "held_on": timezone.localdate().isoformat()},
        )  # fmt: skip
        assert response.status_code == 404
    therapy.end_course(
        course,
        status=CourseStatus.COMPLETED,
        ended_on=timezone.localdate(),
        improvement_pct=None,
        by=course.clinician,
    )
    login(hale_client, alice.user)
    for raw in ("²", "", "x"):
        response = hale_client.post(
            reverse("pathway:my_therapy"), {"course": raw, "improvement_pct": "40"}
        )
        assert response.status_code == 404
    course.refresh_from_db()
    assert course.improvement_pct is None
    assert counts()[:3] == before[:3]


def _courses_with_sessions(patient, clinician, lindqvist, fort, count: int, clock: str) -> None:
    for i in range(count):
        # Written directly: starting one refuses a second course of a kind under way.
        course = TherapyCourse.objects.create(
            patient=patient,
            modality="estim",
            planned_sessions=4,
            clinician=clinician.user,
            started_on=timezone.localdate(),
        )
        book(course, lindqvist, fort, next_weekday(0, after_days=3 + 7 * i), clock)


def test_the_course_lists_read_the_same_queries_for_one_course_or_five(
    client, alice, bob, hale, lindqvist, fort, in_care, django_assert_max_num_queries
):
    past_visit(bob, hale, fort, "new-patient", 20)
    _courses_with_sessions(alice, hale, lindqvist, fort, 1, "09:00")
    _courses_with_sessions(bob, hale, lindqvist, fort, 5, "10:00")
    login(client, hale.user)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("pathway:therapy", args=[alice.pk])).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = client.get(reverse("pathway:therapy", args=[bob.pk])).content.decode()
    assert text.count("0 of 4 done") == 5
    login(client, alice.user)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("pathway:my_therapy")).status_code == 200
    login(client, bob.user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = client.get(reverse("pathway:my_therapy")).content.decode()
    assert text.count("Next session") == 5


def test_a_spanish_speaking_patient_reports_improvement_in_spanish(
    alice_client, course, alice, hale
):
    alice.preferred_language = "es"
    alice.save()
    therapy.end_course(
        course,
        status="completed",
        ended_on=timezone.localdate(),
        improvement_pct=None,
        by=hale.user,
    )
    url = reverse("pathway:my_therapy")
    bad = alice_client.post(url, {"course": course.pk, "improvement_pct": "250"})
    assert bad.status_code == 400
    assert "La mejoría es un porcentaje de −100" in bad.content.decode()
    abc = alice_client.post(url, {"course": course.pk, "improvement_pct": "mucho"})
    assert "Escriba su mejoría como un número entero" in abc.content.decode()
    ok = alice_client.post(url, {"course": course.pk, "improvement_pct": "30"})
    assert "Gracias: anotamos su mejoría." in alice_client.get(ok["Location"]).content.decode()
    again = alice_client.post(url, {"course": course.pk, "improvement_pct": "40"})
    assert "Ya está anotada una mejoría de 30 %" in again.content.decode()
