# SPDX-License-Identifier: AGPL-3.0-or-later
"""The JSON API applies the same rules as the pages, with one-sentence errors."""

from __future__ import annotations

import pytest
from django.test import Client

from helpers import at, kind, login, next_weekday
from nervepath.scheduling import availability, services
from nervepath.scheduling.models import Appointment, Status

pytestmark = pytest.mark.booking


def _body(clinic, clinician, day, clock, type_slug="follow-up", **extra):
    fc = clinic["fort-collins"]
    return {
        "appointment_type": type_slug,
        "location": fc.slug,
        "clinician_id": clinician.id,
        "starts_at": at(fc, day, clock).isoformat(),
    } | extra


def test_the_openapi_schema_lists_the_booking_routes(client, clinic):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/availability", "/api/bookings", "/api/bookings/{booking_id}/cancel"} <= set(
        schema["paths"]
    )


def test_availability_matches_the_search_engine(client, clinic):
    fc = clinic["fort-collins"]
    response = client.get(
        "/api/availability",
        {"appointment_type": "follow-up", "location": "fort-collins", "days": 3},
    )
    assert response.status_code == 200
    data = response.json()
    window = availability.online_window(fc)
    expected = availability.free_slots(
        kind("follow-up"), [fc], window.earliest.astimezone(fc.tz).date(), 3, window=window
    )
    assert len(data) == len(expected) > 0
    assert data[0]["local_start"].endswith(("-07:00", "-06:00"))


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"appointment_type": "nope"}, 404, "Unknown appointment type"),
        ({"appointment_type": "follow-up", "location": "atlantis"}, 404, "Unknown location"),
        ({"appointment_type": "follow-up", "days": 0}, 400, "days"),
        ({"appointment_type": "follow-up", "days": 1000}, 400, "days"),
        ({"appointment_type": "follow-up", "start": "yesterday"}, 400, "start"),
        ({"appointment_type": "nerve-block"}, 400, "booked by the clinic"),
        ({}, 400, "appointment_type"),
    ],
)
def test_availability_rejects_bad_queries_with_a_sentence(client, clinic, params, status, message):
    response = client.get("/api/availability", params)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_booking_needs_a_signed_in_user(client, clinic, hale):
    response = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "10:00"),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Sign in first."}


def test_a_patient_books_lists_and_cancels_through_the_api(client, clinic, hale, alice):
    login(client, alice.user)
    response = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "10:00"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["status"] == "booked" and booking["local_start"].endswith(":00")
    assert [b["id"] for b in client.get("/api/bookings").json()] == [booking["id"]]
    cancelled = client.post(f"/api/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_a_taken_slot_answers_409_with_alternatives(client, clinic, hale, alice, bob):
    services.book(
        services.Request(
            kind("follow-up"),
            clinic["fort-collins"],
            hale,
            at(clinic["fort-collins"], next_weekday(0), "10:00"),
        ),
        bob,
        by=None,
    )
    login(client, alice.user)
    response = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "10:00"),
        content_type="application/json",
    )
    assert response.status_code == 409
    data = response.json()
    assert "just taken" in data["error"] and data["alternatives"]
    assert Appointment.objects.filter(patient=alice).count() == 0


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"clinician_id": "abc"}, 400, "clinician_id"),
        ({"clinician_id": -3}, 400, "clinician_id"),
        ({"starts_at": "tomorrow at ten"}, 400, "starts_at"),
        ({"appointment_type": "unknown"}, 404, "Unknown"),
        ({"location": "atlantis"}, 404, "Unknown"),
        ({"clinician_id": 99999}, 404, "Unknown"),
        ({"note": "x" * 5000}, 400, "note"),
        ({"starts_at": "2020-01-06T10:00:00-07:00"}, 400, "already passed"),
        ({"appointment_type": "nerve-block"}, 400, "booked by the clinic"),
    ],
)
def test_malformed_or_forbidden_bookings_change_nothing(
    client, clinic, hale, alice, change, status, message
):
    login(client, alice.user)
    response = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "10:00") | change,
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    assert message in response.json()["error"]
    assert not Appointment.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client, clinic, alice):
    login(client, alice.user)
    response = client.post("/api/bookings", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_another_patients_booking_answers_404(client, clinic, hale, alice, bob):
    theirs = services.book(
        services.Request(
            kind("follow-up"),
            clinic["fort-collins"],
            hale,
            at(clinic["fort-collins"], next_weekday(0), "10:00"),
        ),
        bob,
        by=None,
    )
    login(client, alice.user)
    assert client.get(f"/api/bookings/{theirs.id}").status_code == 404
    assert client.post(f"/api/bookings/{theirs.id}/cancel").status_code == 404
    moved = client.post(
        f"/api/bookings/{theirs.id}/reschedule",
        {"starts_at": at(clinic["fort-collins"], next_weekday(0), "14:00").isoformat()},
        content_type="application/json",
    )
    assert moved.status_code == 404
    # Naming another patient in the body is refused like an unknown one.
    response = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "11:00", patient_id=bob.id),
        content_type="application/json",
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.BOOKED and theirs.local_start.strftime("%H:%M") == "10:00"


def test_staff_book_for_a_named_patient(client, clinic, hale, alice, frontdesk):
    login(client, frontdesk)
    body = _body(clinic, hale, next_weekday(0), "10:00", type_slug="nerve-block")
    assert client.post("/api/bookings", body, content_type="application/json").status_code == 400
    response = client.post(
        "/api/bookings", body | {"patient_id": alice.id}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Appointment.objects.get().patient == alice


def test_reschedule_through_the_api(client, clinic, hale, alice):
    login(client, alice.user)
    booking = client.post(
        "/api/bookings",
        _body(clinic, hale, next_weekday(0), "10:00"),
        content_type="application/json",
    ).json()
    new = at(clinic["fort-collins"], next_weekday(0), "15:00")
    response = client.post(
        f"/api/bookings/{booking['id']}/reschedule",
        {"starts_at": new.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Appointment.objects.get().starts_at == new


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_availability_refuses_dates_far_away(client, clinic, start):
    response = client.get("/api/availability", {"appointment_type": "follow-up", "start": start})
    assert response.status_code == 400
    assert "ten years" in response.json()["error"]


def test_staff_cannot_book_centuries_ahead(client, clinic, hale, alice, frontdesk):
    login(client, frontdesk)
    body = _body(clinic, hale, next_weekday(0), "10:00") | {
        "starts_at": "9999-12-31T10:00:00-07:00",
        "patient_id": alice.id,
    }
    response = client.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 400
    assert "too far ahead" in response.json()["error"]
    assert not Appointment.objects.exists()


def test_a_multipart_body_without_a_boundary_is_a_400(clinic, alice):
    # With CSRF checks on, as in production, the check itself reads the broken body.
    client = Client(enforce_csrf_checks=True)
    login(client, alice.user)
    client.cookies["csrftoken"] = "a" * 32
    response = client.generic(
        "POST", "/api/bookings", b"x", content_type="multipart/form-data", HTTP_X_CSRFTOKEN="a" * 32
    )
    assert response.status_code == 400
    assert "could not be read" in response.json()["error"]


@pytest.mark.parametrize(
    "change",
    [{"appointment_type": "follow\x00up"}, {"location": "\x00"}, {"note": "a\x00b"}],
)
def test_nul_characters_are_refused_before_any_query(client, clinic, hale, alice, change):
    login(client, alice.user)
    body = _body(clinic, hale, next_weekday(0), "10:00") | change
    response = client.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    query = {"appointment_type": "follow\x00up"}
    assert client.get("/api/availability", query).status_code == 400


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"appointment_type": "follow-up", "days": 0}, "“days” must be at least 1."),
        ({"appointment_type": "follow-up", "days": 1000}, "“days” must be at most 92."),
        ({"appointment_type": "follow-up", "days": "x"}, "“days” must be a whole number."),
        (
            {"appointment_type": "follow-up", "start": "soon"},
            "“start” must be a date as YYYY-MM-DD",
        ),
        ({}, "“appointment_type” is required."),
    ],
)
def test_query_errors_are_sentences_naming_the_field(client, clinic, params, sentence):
    response = client.get("/api/availability", params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(sentence)


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"clinician_id": "abc"}, "“clinician_id” must be a whole number."),
        ({"clinician_id": -3}, "“clinician_id” must be more than 0."),
        ({"starts_at": "tomorrow at ten"}, "“starts_at” must be a date and time"),
        ({"note": "x" * 5000}, "“note” must be at most 1000 characters long."),
        ({"note": "a\x00b"}, "“note” must not contain NUL characters."),
        ({"location": "at lantis"}, "“location” may hold only letters, digits"),
    ],
)
def test_body_errors_are_sentences_naming_the_field(client, clinic, hale, alice, change, sentence):
    login(client, alice.user)
    body = _body(clinic, hale, next_weekday(0), "10:00") | change
    response = client.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"].startswith(sentence)


def test_a_missing_field_and_a_broken_body_are_sentences(client, clinic, hale, alice):
    login(client, alice.user)
    body = _body(clinic, hale, next_weekday(0), "10:00")
    del body["appointment_type"]
    missing = client.post("/api/bookings", body, content_type="application/json")
    assert missing.json() == {"error": "“appointment_type” is required."}
    broken = client.post("/api/bookings", "{not json", content_type="application/json")
    assert broken.json() == {"error": "The request body is not valid JSON: send one JSON object."}
    listed = client.post("/api/bookings", "[1, 2]", content_type="application/json")
    assert listed.status_code == 400 and listed.json()["error"].endswith(".")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("path", ["/api/bookings", "/api/bookings/1/cancel"])
def test_an_anonymous_call_without_credentials_is_401_not_a_csrf_403(clinic, hale, path):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        path, _body(clinic, hale, next_weekday(0), "10:00"), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Sign in first."}


def test_a_signed_in_session_still_needs_the_csrf_token(clinic, hale, alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    login(strict, alice.user)
    body = _body(clinic, hale, next_weekday(0), "10:00")
    response = strict.post("/api/bookings", body, content_type="application/json")
    assert response.status_code == 403
    assert "X-CSRFToken" in response.json()["error"]
    assert not Appointment.objects.exists()
