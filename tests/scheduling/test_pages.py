# SPDX-License-Identifier: AGPL-3.0-or-later
"""The booking pages, driven through Django's test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from helpers import at, kind, login, next_weekday
from nervepath.accounts.models import User
from nervepath.accounts.services import patient_for_email
from nervepath.scheduling import availability, services
from nervepath.scheduling.models import Appointment, CareBasis, Clinician, Source, Status

pytestmark = pytest.mark.booking


def _first_online_slot(location, type_slug="new-patient"):
    window = availability.online_window(location)
    slots = availability.free_slots(
        kind(type_slug),
        [location],
        window.earliest.astimezone(location.tz).date(),
        14,
        window=window,
    )
    return slots[0]


def _confirm_url(location, type_slug="new-patient"):
    return reverse("scheduling:book_confirm", args=[location.slug, type_slug])


def test_the_slot_page_lists_times_in_local_time_with_links(client, clinic):
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    page = client.get(reverse("scheduling:book_slots", args=[fc.slug, "new-patient"]))
    assert page.status_code == 200
    html = page.content.decode()
    local = slot.starts_at.astimezone(fc.tz)
    assert local.strftime("%-I:%M %p") in html
    assert "America/Denver" in html


def _details(slot, email, **extra):
    return {
        "start": slot.starts_at.isoformat(),
        "clinician": slot.clinician_id,
        "first_name": "Dana",
        "last_name": "Fox",
        "email": email,
        "phone": "970-555-0000",
        "note": "Worse at night",
    } | extra


def _link_in(body: str, name: str) -> str:
    match = re.search(r"https?://[^\s]+(/book-confirm/[A-Za-z0-9_-]+/)", body)
    assert match, f"no {name} link in {body!r}"
    return match.group(1)


def test_an_anonymous_booking_is_held_until_confirmed_from_the_mailbox(
    client, clinic, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_confirm_url(fc), _details(slot, "Dana.Fox@Example.org"))
    assert response.status_code == 200
    assert "Check your email to confirm" in response.content.decode()
    held = Appointment.objects.get()
    assert held.status == Status.HELD and held.care_basis == CareBasis.UNCONFIRMED
    assert held.hold_expires_at is not None
    # The time is taken while held: the slot is not offered to anyone else.
    offered = {(s.starts_at, s.clinician_id) for s in _online_slots(fc)}
    assert (slot.starts_at, slot.clinician_id) not in offered
    assert held.patient.user.email == "dana.fox@example.org"
    assert held.patient_note == "Worse at night" and held.source == Source.ONLINE
    [request_mail] = mail.outbox
    assert request_mail.to == ["dana.fox@example.org"]
    assert held.manage_token not in request_mail.body  # no manage link before confirming
    assert not request_mail.attachments
    confirm = _link_in(str(request_mail.body), "confirm")
    # Opening the link (a mail scanner does too) changes nothing; confirming does.
    assert client.get(confirm).status_code == 200
    held.refresh_from_db()
    assert held.status == Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(confirm)
    appt = Appointment.objects.get()
    assert done.status_code == 302 and done["Location"] == appt.get_absolute_url()
    assert appt.status == Status.BOOKED and appt.care_basis == CareBasis.PATIENT_CONFIRMED
    assert appt.hold_expires_at is None and appt.confirm_token is None
    confirmation = mail.outbox[1]
    assert appt.get_absolute_url() in confirmation.body
    assert "/accounts/reset/" in confirmation.body  # set-a-password link for the portal
    assert confirmation.attachments[0][0] == "appointment.ics"
    manage = client.get(appt.get_absolute_url())
    assert manage.status_code == 200
    assert slot.starts_at.astimezone(fc.tz).strftime("%-I:%M %p") in manage.content.decode()
    # The link works once.
    assert client.get(confirm).status_code == 404
    assert client.post(confirm).status_code == 404


def _online_slots(location, type_slug="new-patient"):
    window = availability.online_window(location)
    day = window.earliest.astimezone(location.tz).date()
    return availability.free_slots(kind(type_slug), [location], day, 14, window=window)


def _answer(response) -> tuple[int, bytes, list[tuple[str, str]]]:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
    headers = sorted(
        (k, v)
        for k, v in response.headers.items()
        if k.lower() not in {"set-cookie", "x-request-id"}
    )
    return response.status_code, body, headers


def test_the_public_form_answers_the_same_for_new_patient_and_staff_addresses(
    clinic, alice, frontdesk, hale, django_capture_on_commit_callbacks
):
    from django.test import Client

    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    answers = []
    for email in ("someone.new@example.org", alice.email, frontdesk.email, hale.user.email):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(_answer(Client().post(_confirm_url(fc), _details(slot, email))))
        # Each held time is released again so that every address asks for the same slot.
        for held in Appointment.objects.filter(status=Status.HELD):
            services.end_hold(held, timezone.now())
    assert answers[0][0] == 200
    for answer in answers[1:]:
        assert answer[0] == answers[0][0]
        assert answer[2] == answers[0][2]
        assert answer[1].decode() == answers[0][1].decode()
    # The staff addresses hold nothing and got a short notice, not a link.
    booked_for = {a.patient.email for a in Appointment.objects.all()}
    assert booked_for == {"someone.new@example.org", alice.email}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "/book-confirm/" in by_address[alice.email].body
    assert "/book-confirm/" not in by_address[frontdesk.email].body
    assert "staff account" in by_address[hale.user.email].body
    # Nobody typing an address changed the existing patient's or staff's records.
    assert not Appointment.objects.filter(status=Status.BOOKED).exists()


def test_an_unconfirmed_hold_lapses_and_frees_its_time_without_a_waitlist_offer(
    client, clinic, bob, django_capture_on_commit_callbacks
):
    from nervepath.scheduling import tasks, waitlist

    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    waitlist.join_waitlist(bob, kind("new-patient"), fc)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_confirm_url(fc), _details(slot, "dana@example.org"))
    held = Appointment.objects.get(status=Status.HELD)
    confirm = _link_in(str(mail.outbox[0].body), "confirm")
    # The hold passes: availability ignores it even before the worker releases it.
    Appointment.objects.filter(pk=held.pk).update(
        hold_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert (slot.starts_at, slot.clinician_id) in {
        (s.starts_at, s.clinician_id) for s in _online_slots(fc)
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.release_hold.call(held.pk)
    held.refresh_from_db()
    assert held.status == Status.CANCELLED and held.confirm_token is None
    assert (slot.starts_at, slot.clinician_id) in {
        (s.starts_at, s.clinician_id) for s in _online_slots(fc)
    }
    assert not Appointment.objects.filter(patient=bob).exists()  # no offer to the waitlist
    assert len(mail.outbox) == 1
    assert client.get(confirm).status_code == 404
    assert not tasks.send_reminder.call(held.pk, held.starts_at.isoformat())


def test_a_hold_confirmed_after_it_lapsed_is_refused(clinic, django_capture_on_commit_callbacks):
    from nervepath.scheduling.errors import BookingError

    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    patient = patient_for_email("late@example.org", "Lee", "Late")
    from nervepath.scheduling.models import Clinician

    req = services.Request(
        kind("new-patient"), fc, Clinician.objects.get(id=slot.clinician_id), slot.starts_at
    )
    held = services.hold_for_confirmation(req, patient)
    with pytest.raises(BookingError, match="not confirmed in time"):
        services.confirm_hold(held.confirm_token, now=held.hold_expires_at)
    held.refresh_from_db()
    assert held.status == Status.CANCELLED


@pytest.mark.parametrize(
    "tampered",
    [
        {"start": "not-a-date"},
        {"start": "2030-01-01T10:00:00"},  # no offset
        {"clinician": "999999"},
        {"clinician": "-1"},
    ],
)
def test_tampered_slot_fields_change_nothing(client, clinic, tampered):
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    data = {
        "start": slot.starts_at.isoformat(),
        "clinician": slot.clinician_id,
        "first_name": "Eve",
        "last_name": "Mallory",
        "email": "eve@example.org",
    } | tampered
    response = client.post(_confirm_url(fc), data, follow=True)
    assert response.status_code == 200
    assert "Please pick a time again" in response.content.decode()
    assert not Appointment.objects.exists()
    assert not User.objects.filter(email="eve@example.org").exists()


def test_a_time_outside_hours_is_refused_with_a_message(client, clinic, hale):
    fc = clinic["fort-collins"]
    sunday = next_weekday(6)
    response = client.post(
        _confirm_url(fc),
        {
            "start": at(fc, sunday, "10:00").isoformat(),
            "clinician": hale.id,
            "first_name": "Eve",
            "last_name": "M",
            "email": "eve@example.org",
        },
    )
    assert response.status_code == 400
    assert "not available" in response.content.decode()
    assert not Appointment.objects.exists()
    assert not User.objects.filter(email="eve@example.org").exists()


def test_a_slot_taken_meanwhile_answers_409_with_the_nearest_times(client, clinic, bob):
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    from nervepath.scheduling.models import Clinician

    services.book(
        services.Request(
            kind("new-patient"), fc, Clinician.objects.get(id=slot.clinician_id), slot.starts_at
        ),
        bob,
        by=bob.user,
    )
    response = client.post(
        _confirm_url(fc),
        {
            "start": slot.starts_at.isoformat(),
            "clinician": slot.clinician_id,
            "first_name": "Dana",
            "last_name": "Fox",
            "email": "dana@example.org",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "just taken" in html and "Nearest free times" in html
    assert Appointment.objects.count() == 1
    assert not User.objects.filter(email="dana@example.org").exists()


def test_a_signed_in_patient_books_without_retyping_details(client, clinic, alice):
    login(client, alice.user)
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc)
    response = client.post(
        _confirm_url(fc), {"start": slot.starts_at.isoformat(), "clinician": slot.clinician_id}
    )
    assert response.status_code == 302
    assert Appointment.objects.get().patient == alice


def test_clinic_booked_types_have_no_online_page(client, clinic):
    assert (
        client.get(
            reverse("scheduling:book_slots", args=["fort-collins", "nerve-block"])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("scheduling:book_slots", args=["nowhere", "follow-up"])).status_code
        == 404
    )


def test_manage_link_reschedules_and_cancels(client, clinic, hale, alice):
    fc = clinic["fort-collins"]
    monday = next_weekday(0, after_days=5)
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=alice.user
    )
    move_url = reverse("scheduling:move", args=[appt.manage_token])
    page = client.get(move_url + f"?from={monday.isoformat()}")
    assert page.status_code == 200
    new_start = at(fc, monday, "14:00")
    picked = {"start": new_start.isoformat(), "clinician": hale.id}
    # Picking a time shows what changes; nothing moves until it is confirmed.
    response = client.post(move_url, picked)
    assert response.status_code == 200 and "2:00 PM" in response.content.decode()
    appt.refresh_from_db()
    assert appt.starts_at == at(fc, monday, "10:00")
    response = client.post(move_url, picked | {"confirm": "yes"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.starts_at == new_start
    cancel_url = reverse("scheduling:cancel", args=[appt.manage_token])
    for asked in (client.get(cancel_url), client.post(cancel_url)):
        assert asked.status_code == 200 and "Yes, cancel it" in asked.content.decode()
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED
    response = client.post(cancel_url, {"confirm": "yes"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED
    ics = client.get(reverse("scheduling:ics", args=[appt.manage_token]))
    assert ics["Content-Type"].startswith("text/calendar") and b"STATUS:CANCELLED" in ics.content


def test_rescheduling_keeps_the_clinician_unless_the_patient_picks_another(
    client, clinic, hale, lindqvist, alice
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0, after_days=5)  # Hale and Lindqvist both work in Fort Collins
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=alice.user
    )
    move_url = reverse("scheduling:move", args=[appt.manage_token])
    offered = client.get(move_url + f"?from={monday.isoformat()}").content.decode()
    assert f'name="clinician" value="{hale.id}"' in offered
    assert f'name="clinician" value="{lindqvist.id}"' not in offered
    # 07:30 is Lindqvist's only: shown once the patient asks for any clinician.
    early = at(fc, monday, "07:30").astimezone(UTC).isoformat()
    assert early not in offered
    anyone = client.get(move_url + f"?from={monday.isoformat()}&clinician=any").content.decode()
    assert early in anyone
    confirm = client.post(move_url, {"start": early, "clinician": lindqvist.id}).content.decode()
    assert str(lindqvist) in confirm and str(hale) in confirm and "unchanged" in confirm
    client.post(move_url, {"start": early, "clinician": lindqvist.id, "confirm": "yes"})
    appt.refresh_from_db()
    assert appt.clinician == lindqvist and appt.starts_at == datetime.fromisoformat(early)


def test_a_guessed_manage_token_is_404(client, clinic):
    assert client.get(reverse("scheduling:manage", args=["guessed-token"])).status_code == 404
    assert client.post(reverse("scheduling:cancel", args=["guessed-token"])).status_code == 404


def test_the_portal_shows_only_the_patients_own_appointments(client, clinic, hale, alice, bob):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    mine = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")), alice, by=None
    )
    theirs = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "11:00")), bob, by=None
    )
    login(client, alice.user)
    html = client.get(reverse("scheduling:portal")).content.decode()
    assert mine.manage_token in html
    assert theirs.manage_token not in html


def test_staff_pages_are_for_staff(client, clinic, alice, frontdesk, researcher):
    url = reverse("scheduling:calendar", args=["fort-collins"])
    assert client.get(url).status_code == 302  # to sign in
    login(client, alice.user)
    assert client.get(url).status_code == 403
    login(client, researcher)
    assert client.get(url).status_code == 403
    login(client, frontdesk)
    assert client.get(url).status_code == 200
    assert client.get(url + "?view=week&date=bogus").status_code == 200


def test_front_desk_books_moves_and_cancels_from_the_calendar(client, clinic, hale, frontdesk):
    fc = clinic["fort-collins"]
    login(client, frontdesk)
    monday = next_weekday(0)
    response = client.post(
        reverse("scheduling:staff_book", args=[fc.slug]),
        {
            "first_name": "Gus",
            "last_name": "Grant",
            "email": "gus@example.org",
            "phone": "",
            "appointment_type": kind("nerve-block").id,
            "clinician": hale.id,
            "date": monday.isoformat(),
            "time": "09:10",
            "note": "",
        },
    )
    assert response.status_code == 302
    appt = Appointment.objects.get()
    assert appt.source == Source.STAFF and appt.resource is not None
    day = client.get(reverse("scheduling:calendar", args=[fc.slug]) + f"?date={monday.isoformat()}")
    assert "Gus Grant" in day.content.decode()
    detail = reverse("scheduling:staff_appointment", args=[appt.pk])
    response = client.post(
        detail, {"clinician": hale.id, "date": monday.isoformat(), "time": "13:00"}
    )
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.local_start.strftime("%H:%M") == "13:00"
    client.post(reverse("scheduling:staff_cancel", args=[appt.pk]))
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED


def test_staff_booking_errors_are_shown_and_nothing_changes(client, clinic, hale, frontdesk):
    fc = clinic["fort-collins"]
    login(client, frontdesk)
    response = client.post(
        reverse("scheduling:staff_book", args=[fc.slug]),
        {
            "first_name": "Gus",
            "last_name": "Grant",
            "email": "gus@example.org",
            "appointment_type": kind("follow-up").id,
            "clinician": hale.id,
            "date": next_weekday(6).isoformat(),
            "time": "10:00",
        },
    )
    assert response.status_code == 400
    assert "not available" in response.content.decode()
    assert not User.objects.filter(email="gus@example.org").exists()


def test_the_clinician_feed_is_a_calendar_without_patient_names(client, clinic, hale, alice):
    fc = clinic["fort-collins"]
    services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=None,
    )
    response = client.get(reverse("scheduling:clinician_feed", args=[hale.calendar_token]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "Follow-up visit at Fort Collins" in body
    assert "Alice" not in body and "alice@example.org" not in body
    assert client.get(reverse("scheduling:clinician_feed", args=["wrong-token"])).status_code == 404


def test_a_patient_can_ask_for_one_clinician(client, clinic, hale, lindqvist):
    url = reverse("scheduling:book_slots", args=["fort-collins", "follow-up"])
    html = client.get(url, {"clinician": lindqvist.id}).content.decode()
    assert f"clinician={lindqvist.id}" in html
    assert f"clinician={hale.id}&" not in html and f'clinician={hale.id}"' not in html
    # An unknown clinician id shows everyone rather than an error.
    assert client.get(url, {"clinician": "99999"}).status_code == 200


def test_a_clinician_finds_their_feed_address_on_the_calendar(client, clinic, hale, okafor):
    login(client, hale.user)
    html = client.get(reverse("scheduling:calendar", args=["fort-collins"])).content.decode()
    assert hale.calendar_token in html and okafor.calendar_token not in html


def test_front_desk_records_an_outcome_once_the_visit_has_started(
    client, clinic, hale, alice, frontdesk
):
    fc = clinic["fort-collins"]
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=None,
    )
    login(client, frontdesk)
    url = reverse("scheduling:staff_outcome", args=[appt.pk])
    response = client.post(url, {"status": "completed"}, follow=True)
    assert "once it has started" in response.content.decode()
    # The visit began an hour ago, whatever day and time it is now.
    back = appt.starts_at - (timezone.now() - timedelta(hours=1))
    Appointment.objects.filter(pk=appt.pk).update(
        starts_at=appt.starts_at - back,
        ends_at=appt.ends_at - back,
        blocked_from=appt.blocked_from - back,
        blocked_until=appt.blocked_until - back,
    )
    assert (
        "Mark no-show"
        in client.get(reverse("scheduling:staff_appointment", args=[appt.pk])).content.decode()
    )
    client.post(url, {"status": "cancelled"})
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED
    client.post(url, {"status": "no_show"})
    appt.refresh_from_db()
    assert appt.status == Status.NO_SHOW
    response = client.post(url, {"status": "completed"}, follow=True)
    assert "already marked no-show" in response.content.decode()


def test_the_api_docs_page_uses_local_assets(client, db):
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_odd_dates_in_query_strings_never_break_a_page(
    client, clinic, alice, frontdesk, hale, value
):
    fc = clinic["fort-collins"]
    assert (
        client.get(
            reverse("scheduling:book_slots", args=[fc.slug, "follow-up"]), {"from": value}
        ).status_code
        == 200
    )
    appt = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "10:00")),
        alice,
        by=None,
    )
    assert (
        client.get(
            reverse("scheduling:move", args=[appt.manage_token]), {"from": value}
        ).status_code
        == 200
    )
    login(client, frontdesk)
    for view in ("day", "week"):
        url = reverse("scheduling:calendar", args=[fc.slug])
        assert client.get(url, {"date": value, "view": view}).status_code == 200


@pytest.mark.parametrize("token", ["%00", "abc%00defghijk", "..%2F..%2Fetc", "a" * 200])
def test_malformed_tokens_in_urls_are_404(client, clinic, token):
    # A NUL anywhere in the address is refused before routing (400, issue 22 finding 12).
    expected = 400 if "%00" in token else 404
    for prefix in ("/appointments/", "/waitlist/"):
        assert client.get(f"{prefix}{token}/").status_code == expected
    assert client.get(f"/calendar/{token}.ics").status_code == expected


def _shift_to_past(appt, hours: float) -> None:
    """Move a visit so that it ended ``hours`` ago (written directly, as history)."""
    back = appt.ends_at - (timezone.now() - timedelta(hours=hours))
    Appointment.objects.filter(pk=appt.pk).update(
        starts_at=appt.starts_at - back,
        ends_at=appt.ends_at - back,
        blocked_from=appt.blocked_from - back,
        blocked_until=appt.blocked_until - back,
    )


def _page(response) -> tuple[int, str]:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, html


@pytest.mark.parametrize("outcome", ["completed", "no_show", "cancelled"])
def test_a_manage_link_expires_a_grace_after_the_visit_ended_or_was_cancelled(
    client, clinic, alice, frontdesk, outcome
):
    fc = clinic["fort-collins"]
    slot = _first_online_slot(fc, "follow-up")
    chosen = Clinician.objects.get(id=slot.clinician_id)
    appt = services.book(
        services.Request(kind("follow-up"), fc, chosen, slot.starts_at), alice, by=alice.user
    )
    url = reverse("scheduling:manage", args=[appt.manage_token])
    grace = 24  # NERVEPATH_MANAGE_LINK_GRACE_HOURS in the default settings
    if outcome == "cancelled":
        services.cancel(appt, by=frontdesk)
        assert client.get(url).status_code == 200  # within the grace
        Appointment.objects.filter(pk=appt.pk).update(
            cancelled_at=timezone.now() - timedelta(hours=grace + 1)
        )
    else:
        _shift_to_past(appt, hours=grace - 1)
        Appointment.objects.filter(pk=appt.pk).update(status=outcome)
        assert client.get(url).status_code == 200  # within the grace
        _shift_to_past(Appointment.objects.get(pk=appt.pk), hours=grace + 1)
    expired = client.get(url)
    unknown = client.get(reverse("scheduling:manage", args=["x" * 32]))
    assert expired.status_code == 404
    assert _page(expired) == _page(unknown)  # the same page as an unknown link
    assert fc.phone in expired.content.decode() and "call" in expired.content.decode()
    for name in ("ics", "move"):
        assert (
            client.get(reverse(f"scheduling:{name}", args=[appt.manage_token])).status_code == 404
        )
    assert client.post(reverse("scheduling:cancel", args=[appt.manage_token])).status_code == 404


def test_a_clinic_only_visit_is_never_changed_through_the_link(
    client, clinic, hale, alice, frontdesk
):
    fc = clinic["fort-collins"]
    block = kind("nerve-block")
    assert not block.online_bookable
    now = timezone.now()
    clinician = block.clinicians.filter(hours__location=fc).distinct().first()
    slots = availability.free_slots(
        block,
        [fc],
        timezone.localdate() + timedelta(days=3),
        21,
        window=availability.staff_window(now),
        clinician_ids=[clinician.id],
    )
    appt = services.book(
        services.Request(block, fc, clinician, slots[0].starts_at),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    page = client.get(reverse("scheduling:manage", args=[appt.manage_token])).content.decode()
    assert "please call" in page and fc.phone in page
    assert reverse("scheduling:cancel", args=[appt.manage_token]) not in page
    refused = client.post(
        reverse("scheduling:cancel", args=[appt.manage_token]), {"confirm": "yes"}, follow=True
    )
    assert "changed by the clinic only" in refused.content.decode()
    moved = client.get(reverse("scheduling:move", args=[appt.manage_token]), follow=True)
    assert "changed by the clinic only" in moved.content.decode()
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and appt.starts_at == slots[0].starts_at


def test_the_waitlist_form_answers_a_staff_address_as_any_other(
    clinic, frontdesk, django_capture_on_commit_callbacks
):
    from django.test import Client

    fc = clinic["fort-collins"]
    url = reverse("scheduling:join_waitlist", args=[fc.slug, "new-patient"])
    answers = []
    for email in ("new.waiter@example.org", frontdesk.email):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"first_name": "W", "last_name": "X", "email": email})
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], _answer(page)[:2]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert not User.objects.filter(email=frontdesk.email, patient__isnull=False).exists()
    assert [m.to for m in mail.outbox] == [[frontdesk.email]]  # a short notice only
