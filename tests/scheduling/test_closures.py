# SPDX-License-Identifier: AGPL-3.0-or-later
"""Closures and leave over booked visits, in one step: the visits are offered first with
their nearest free time, then saved, moved or cancelled together, patients told through
the outbox and every change audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from helpers import at, kind, login, next_weekday, send_outbox
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling import closures, services
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    ExceptionKind,
    Source,
    Status,
)

pytestmark = pytest.mark.booking


def _book(location, clinician, patient, day, clock, by):
    return services.book(
        services.Request(kind("follow-up"), location, clinician, at(location, day, clock)),
        patient,
        by=by,
        source=Source.STAFF,
    )


def _leave(clinician, day, start="09:00", end="11:00", until=None):
    return {
        "kind": "unavailable",
        "clinician": clinician.id,
        "starts": f"{day.isoformat()}T{start}",
        "ends": f"{(until or day).isoformat()}T{end}",
        "where": "everywhere",
        "reason": "Course",
    }


def _closure(day):
    return {
        "kind": "unavailable",
        "clinician": "",
        "starts": f"{day.isoformat()}T00:00",
        "ends": f"{day.isoformat()}T23:59",
        "reason": "Burst pipe",
    }


def _preview(client, slug, data):
    return client.post(reverse("scheduling:time_off", args=[slug]), data)


def _confirm(client, slug, data, choices):
    body = dict(data)
    body["visits"] = [str(pk) for pk in choices]
    for pk, value in choices.items():
        body[f"visit_{pk}"] = value
    return client.post(reverse("scheduling:time_off_confirm", args=[slug]), body)


def _offered(response, appointment) -> str:
    """The move the preview offers for ``appointment`` (``move:<instant>``)."""
    html = response.content.decode()
    marker = f'name="visit_{appointment.pk}" value="move:'
    start = html.index(marker) + len(marker)
    return "move:" + html[start : html.index('"', start)]


def _instant(move: str) -> datetime:
    return datetime.fromisoformat(move.removeprefix("move:"))


def _quiet_outbox() -> None:
    """Send what booking the visits queued, so that only what follows is read."""
    send_outbox()
    mail.outbox.clear()


def test_leave_over_a_visit_offers_its_nearest_free_time_and_saves_nothing(
    client, clinic, hale, alice, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)  # Hale: Fort Collins, Mondays 8:00–17:00
    visit = _book(fc, hale, alice, monday, "10:00", frontdesk)
    login(client, frontdesk)
    response = _preview(client, fc.slug, _leave(hale, monday))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 booked visit inside this leave" in html
    assert "Alice Archer" in html and "Nothing is saved yet" in html
    # 11:00 is an hour away, 8:30 an hour and a half: the nearest free time wins.
    assert _instant(_offered(response, visit)) == at(fc, monday, "11:00")
    assert "Move to" in html and "Cancel the visit" in html
    assert not AvailabilityException.objects.exists()
    visit.refresh_from_db()
    assert (visit.status, visit.starts_at) == (Status.BOOKED, at(fc, monday, "10:00"))
    assert "<script>" not in html and "onclick" not in html


def test_proposals_avoid_the_patients_other_visits_and_each_other(
    clinic, hale, lindqvist, alice, bob, frontdesk, now
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)  # Lindqvist: Fort Collins, Mondays 7:30–15:30
    a = _book(fc, hale, alice, monday, "10:00", frontdesk)
    b = _book(fc, hale, bob, monday, "10:45", frontdesk)
    off = closures.TimeOff(
        ExceptionKind.UNAVAILABLE, at(fc, monday, "09:30"), at(fc, monday, "11:00"), hale
    )
    # A follow-up is 30 minutes and 5 of buffer; Bob keeps 10:45-11:20 until he is moved.
    # Alice (first): 8:45 (11:30 is further). Bob: 11:00.
    plan = {item.appointment.id: item.proposal for item in closures.plan(off, now)}
    assert plan == {a.id: at(fc, monday, "08:45"), b.id: at(fc, monday, "11:00")}
    # Alice has a visit 8:30-9:00 with Lindqvist: she gets 11:30, and Bob, clear of her
    # and her buffer, 12:15 (8:45 is further).
    _book(fc, lindqvist, alice, monday, "08:30", frontdesk)
    plan = {item.appointment.id: item.proposal for item in closures.plan(off, now)}
    assert plan == {a.id: at(fc, monday, "11:30"), b.id: at(fc, monday, "12:15")}


def test_a_closure_over_two_visits_moves_both_notifies_and_audits(
    client, clinic, hale, lindqvist, alice, bob, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    a = _book(fc, hale, alice, monday, "10:00", frontdesk)
    b = _book(fc, lindqvist, bob, monday, "09:00", frontdesk)
    login(client, frontdesk)
    data = _closure(monday)
    preview = _preview(client, fc.slug, data)
    assert "2 booked visits inside this closure" in preview.content.decode()
    moves = {a.pk: _offered(preview, a), b.pk: _offered(preview, b)}
    _quiet_outbox()
    response = _confirm(client, fc.slug, data, moves)
    assert response.status_code == 302
    closure = AvailabilityException.objects.get()
    assert (closure.clinician, closure.location, closure.reason) == (None, fc, "Burst pipe")
    for visit in (a, b):
        visit.refresh_from_db()
        assert visit.status == Status.BOOKED
        assert _instant(moves[visit.pk]) == visit.starts_at
        assert visit.local_start.date() != monday  # the whole day is closed
        assert visit.sequence == 1
    send_outbox()
    moved = [m for m in mail.outbox if m.subject.startswith("Your appointment has moved")]
    assert sorted(m.to[0] for m in moved) == sorted([alice.email, bob.email])
    for message in moved:
        ics = message.attachments[0][1]
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "SEQUENCE:1" in ics
    events = AuditEvent.objects.filter(actor_id=frontdesk.pk, action=Action.UPDATE)
    details = {e.patient_id: e.detail for e in events if "time off" in e.detail}
    assert details[alice.pk].startswith(f"moved for time off #{closure.pk}")
    assert details[bob.pk].startswith(f"moved for time off #{closure.pk}")
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="scheduling.availabilityexception"
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "2 visit(s) moved" in page


def test_mixed_choices_move_one_and_cancel_the_other(client, clinic, hale, alice, bob, frontdesk):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    a = _book(fc, hale, alice, monday, "09:30", frontdesk)
    b = _book(fc, hale, bob, monday, "10:30", frontdesk)
    login(client, frontdesk)
    data = _leave(hale, monday)
    preview = _preview(client, fc.slug, data)
    _quiet_outbox()
    response = _confirm(client, fc.slug, data, {a.pk: _offered(preview, a), b.pk: "cancel"})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Status.BOOKED and a.starts_at != at(fc, monday, "09:30")
    assert b.status == Status.CANCELLED and b.sequence == 1
    leave = AvailabilityException.objects.get()
    assert (leave.clinician, leave.location) == (hale, None)
    send_outbox()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[alice.email].startswith("Your appointment has moved")
    assert subjects[bob.email].startswith("Your appointment is cancelled")
    cancel_ics = next(m for m in mail.outbox if m.to == [bob.email]).attachments[0][1]
    cancel_ics = cancel_ics.decode() if isinstance(cancel_ics, bytes) else cancel_ics
    assert "METHOD:CANCEL" in cancel_ics and "SEQUENCE:1" in cancel_ics
    assert AuditEvent.objects.filter(
        patient_id=bob.pk, detail=f"cancelled for time off #{leave.pk}"
    ).exists()
    # The leave is drawn in Hale's column of the day's grid, which the confirmation opens.
    assert response["Location"].endswith(f"?date={monday.isoformat()}")
    grid = client.get(response["Location"]).content.decode()
    assert "Leave: Course" in grid


def test_a_visit_with_no_free_time_in_the_horizon_is_offered_cancel_only(
    client, clinic, hale, alice, frontdesk, now
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    visit = _book(fc, hale, alice, monday, "10:00", frontdesk)
    login(client, frontdesk)
    # Leave from today until past the booking horizon: no time left to move to.
    until = (now + timedelta(days=fc.max_horizon_days + 7)).astimezone(fc.tz).date()
    data = _leave(hale, now.astimezone(fc.tz).date(), "00:00", "23:59", until=until)
    preview = _preview(client, fc.slug, data)
    html = preview.content.decode()
    assert preview.status_code == 200, html[html.index("<main") :][:3000]
    assert "it can only be cancelled" in html, html[html.index("<main") :][:3000]
    assert f'name="visit_{visit.pk}" value="move:' not in html
    # A move typed in anyway is refused and changes nothing.
    forged = f"move:{at(fc, monday, '10:00').isoformat()}"
    response = _confirm(client, fc.slug, data, {visit.pk: forged})
    assert response.status_code == 409
    assert not AvailabilityException.objects.exists()
    assert _confirm(client, fc.slug, data, {visit.pk: "cancel"}).status_code == 302
    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED


def test_a_visit_booked_into_the_time_after_the_preview_is_reported_not_double_booked(
    client, clinic, hale, alice, bob, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    a = _book(fc, hale, alice, monday, "10:00", frontdesk)
    login(client, frontdesk)
    data = _leave(hale, monday)
    preview = _preview(client, fc.slug, data)
    late = _book(fc, hale, bob, monday, "09:00", frontdesk)  # someone else, meanwhile
    response = _confirm(client, fc.slug, data, {a.pk: _offered(preview, a)})
    assert response.status_code == 409
    html = response.content.decode()
    assert "1 visit(s) were booked into this time since you looked" in html
    assert "Bob" in html  # the fresh list holds the new visit too
    assert not AvailabilityException.objects.exists()
    a.refresh_from_db()
    late.refresh_from_db()
    assert a.starts_at == at(fc, monday, "10:00") and a.sequence == 0
    assert late.status == Status.BOOKED


def test_a_proposed_time_taken_meanwhile_undoes_everything(
    client, clinic, hale, alice, bob, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    a = _book(fc, hale, alice, monday, "10:00", frontdesk)
    login(client, frontdesk)
    data = _leave(hale, monday)
    preview = _preview(client, fc.slug, data)
    _book(fc, hale, bob, monday, "11:00", frontdesk)  # the time proposed to Alice
    _quiet_outbox()
    response = _confirm(client, fc.slug, data, {a.pk: _offered(preview, a)})
    assert response.status_code == 409
    html = response.content.decode()
    assert "was taken meanwhile: nothing was saved" in html
    assert _instant(_offered(response, a)) != at(fc, monday, "11:00")
    assert not AvailabilityException.objects.exists()
    a.refresh_from_db()
    assert (a.starts_at, a.sequence) == (at(fc, monday, "10:00"), 0)
    send_outbox()
    assert not [m for m in mail.outbox if m.to == [alice.email]]


def test_time_off_over_no_visit_is_saved_at_once(client, clinic, hale, frontdesk):
    fc = clinic["fort-collins"]
    login(client, frontdesk)
    response = _preview(client, fc.slug, _leave(hale, next_weekday(0)))
    assert response.status_code == 302
    assert AvailabilityException.objects.count() == 1


def test_patients_get_404_and_other_roles_403(client, clinic, hale, alice, researcher):
    fc = clinic["fort-collins"]
    data = _leave(hale, next_weekday(0))
    for user, status in ((alice.user, 404), (researcher, 403)):
        login(client, user)
        assert client.get(reverse("scheduling:time_off", args=[fc.slug])).status_code == status
        assert _preview(client, fc.slug, data).status_code == status
        assert _confirm(client, fc.slug, data, {}).status_code == status
    assert not AvailabilityException.objects.exists()


def test_a_clinician_cannot_move_visits_of_patients_outside_their_care(
    client, clinic, hale, okafor, alice, frontdesk
):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    # Booked by a clinician not caring for Alice: Hale is not in her care through it.
    visit = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")),
        alice,
        by=okafor.user,
        source=Source.STAFF,
    )
    login(client, hale.user)
    data = _leave(hale, monday)
    response = _preview(client, fc.slug, data)
    assert response.status_code == 400
    assert "outside your care: ask the front desk" in response.content.decode()
    # Posting the confirmation directly is refused as if the visit did not exist.
    response = _confirm(client, fc.slug, data, {visit.pk: "cancel"})
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED
    assert not AvailabilityException.objects.exists()


def test_held_times_inside_the_closure_are_released(clinic, hale, alice, frontdesk, now):
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    held = services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00")).create(
        alice, None, status=Status.HELD, hold_expires_at=now + timedelta(hours=1)
    )
    off = closures.TimeOff(
        ExceptionKind.UNAVAILABLE, at(fc, monday, "09:00"), at(fc, monday, "11:00"), None, fc.id
    )
    outcome = closures.apply(off, {}, by=frontdesk, now=now)
    assert outcome.released == 1
    held.refresh_from_db()
    assert held.status == Status.CANCELLED
    assert Appointment.objects.active(now).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_booking_racing_the_confirmation_never_lands_inside_the_closure(
    clinic, hale, alice, bob, frontdesk, now
):
    """The confirmation and a booking into the time, in two threads at once: either the
    booking lands first and the confirmation reports it (nothing saved), or the closure
    is saved and the booking refused; never both."""
    import threading

    from django.db import connection

    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    a = _book(fc, hale, alice, monday, "10:00", frontdesk)
    off = closures.TimeOff(
        ExceptionKind.UNAVAILABLE, at(fc, monday, "09:00"), at(fc, monday, "11:00"), hale
    )
    [item] = closures.plan(off, now)
    late = services.Request(kind("follow-up"), fc, hale, at(fc, monday, "09:00"))
    barrier = threading.Barrier(2)
    answers: list[object] = [None, None]

    def run(i, call):
        barrier.wait()
        try:
            answers[i] = call()
        except Exception as exc:  # the answer is what the test inspects
            answers[i] = exc
        finally:
            connection.close()

    calls = [
        lambda: closures.apply(off, {a.id: (closures.MOVE, item.proposal)}, by=frontdesk),
        lambda: services.book(late, bob, by=frontdesk, source=Source.STAFF),
    ]
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    applied, booked = answers
    if isinstance(applied, closures.Outcome):
        assert isinstance(booked, BookingError), answers
        assert AvailabilityException.objects.count() == 1
        assert not Appointment.objects.filter(patient=bob, status=Status.BOOKED).exists()
    else:
        assert isinstance(applied, closures.PlanChanged), answers
        assert isinstance(booked, Appointment), answers
        assert not AvailabilityException.objects.exists()
        a.refresh_from_db()
        assert a.starts_at == at(fc, monday, "10:00")


def test_a_booking_checked_before_the_closure_was_saved_is_refused_under_the_lock(
    clinic, hale, alice, frontdesk, monkeypatch
):
    """The hours are checked before the booking's transaction; leave saved in between is
    seen again under the clinician's lock."""
    fc = clinic["fort-collins"]
    monday = next_weekday(0)
    req = services.Request(kind("follow-up"), fc, hale, at(fc, monday, "10:00"))
    services._check_request(req, online=False, now=req.starts_at - timedelta(days=2))
    AvailabilityException.objects.create(
        clinician=hale,
        kind=ExceptionKind.UNAVAILABLE,
        starts_at=at(fc, monday, "09:00"),
        ends_at=at(fc, monday, "11:00"),
    )
    monkeypatch.setattr(services, "_check_request", lambda *args, **kwargs: None)
    with pytest.raises(BookingError, match="is not available"):
        services.book(req, alice, by=frontdesk, source=Source.STAFF)
    assert not Appointment.objects.filter(patient=alice).exists()
