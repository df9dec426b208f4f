# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's calendar feed (issue 22, finding 2): no manage-link token in it, the
same stable UID as the patient's .ics, audited reads, no caching, a replaceable address."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling import services
from nervepath.scheduling.ical import event_uid
from nervepath.scheduling.models import Appointment, Status

pytestmark = pytest.mark.booking


def _book(fc, clinician, patient, clock="10:00"):
    request = services.Request(kind("follow-up"), fc, clinician, at(fc, next_weekday(0), clock))
    return services.book(request, patient, by=None)


def _feed(client, clinician):
    return client.get(reverse("scheduling:clinician_feed", args=[clinician.calendar_token]))


def _text(content: str | bytes) -> str:
    return content.decode() if isinstance(content, bytes) else content


def _uids(body: str) -> list[str]:
    return re.findall(r"^UID:(.+?)\r?$", body.replace("\r\n ", ""), flags=re.MULTILINE)


def test_the_feed_carries_no_manage_token_and_no_manage_link(client, clinic, hale, alice, bob):
    fc = clinic["fort-collins"]
    first = _book(fc, hale, alice, "10:00")
    second = _book(fc, hale, bob, "11:00")
    body = _feed(client, hale).content.decode().replace("\r\n ", "")
    for appointment in (first, second):
        assert appointment.manage_token not in body
        assert appointment.manage_token[:12] not in body
        assert appointment.get_absolute_url() not in body
    # Only the staff page of a visit (sign-in needed), never a patient's manage link.
    assert not re.search(r"(?<!/staff)/appointments/", body)
    assert sorted(_uids(body)) == sorted([event_uid(first), event_uid(second)])


def test_nothing_taken_from_the_feed_opens_a_manage_page(client, clinic, hale, alice, settings):
    settings.SITE_URL = "https://clinic.example.org"
    fc = clinic["fort-collins"]
    appointment = _book(fc, hale, alice)
    body = _feed(client, hale).content.decode()
    (uid,) = _uids(body)
    # Every token-shaped piece of the UID (and the feed) is tried as a manage token.
    pieces = set(re.findall(r"[A-Za-z0-9_-]{8,128}", body))
    pieces |= set(re.findall(r"[A-Za-z0-9_]{8,128}", body))
    for piece in pieces:
        for name in ("scheduling:manage", "scheduling:ics"):
            assert client.get(reverse(name, args=[piece])).status_code == 404, piece
        response = client.post(reverse("scheduling:cancel", args=[piece]))
        assert response.status_code == 404, piece
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert uid.startswith(f"appointment-{appointment.pk}-") and uid.endswith("@clinic.example.org")


def test_the_uid_is_stable_across_reads_and_moves_and_matches_the_emailed_ics(
    client, clinic, hale, alice, frontdesk, django_capture_on_commit_callbacks
):
    fc = clinic["fort-collins"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _book(fc, hale, alice, "10:00")
    emailed = mail.outbox[-1].attachments[0][1]
    (emailed_uid,) = _uids(_text(emailed))
    (first,) = _uids(_feed(client, hale).content.decode())
    (again,) = _uids(_feed(client, hale).content.decode())
    assert emailed_uid == first == again == event_uid(appointment)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(appointment, at(fc, next_weekday(0), "13:00"), by=frontdesk)
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.starts_at != appointment.starts_at
    (after,) = _uids(_feed(client, hale).content.decode())
    (moved_email,) = _uids(_text(mail.outbox[-1].attachments[0][1]))
    assert after == first == moved_email and event_uid(moved) == first


def test_each_feed_read_is_audited_and_never_cached(client, clinic, hale, alice):
    _book(clinic["fort-collins"], hale, alice)
    response = _feed(client, hale)
    assert response.status_code == 200
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= control
    events = list(AuditEvent.objects.filter(route="scheduling:clinician_feed"))
    assert len(events) == 1
    assert events[0].actor_id == hale.user_id and events[0].action == Action.EXPORT
    assert events[0].object_id == str(hale.pk)
    _feed(client, hale)
    assert AuditEvent.objects.filter(route="scheduling:clinician_feed").count() == 2


def test_a_clinician_replaces_the_feed_address_and_the_old_one_is_gone(
    client, clinic, hale, okafor
):
    old = hale.calendar_token
    login(client, hale.user)
    calendar = reverse("scheduling:calendar", args=["fort-collins"])
    page = client.get(calendar).content.decode()
    assert reverse("scheduling:rotate_feed") in page
    # The address shown comes from SITE_URL, not from the request's Host header.
    assert hale.calendar_feed_url() in page and "testserver" not in page
    # A GET changes nothing; the POST needs the CSRF token like every form.
    assert client.get(reverse("scheduling:rotate_feed")).status_code == 405
    response = client.post(reverse("scheduling:rotate_feed"), {"next": calendar})
    assert response.status_code == 302 and response["Location"] == calendar
    hale.refresh_from_db()
    assert hale.calendar_token != old
    assert client.get(reverse("scheduling:clinician_feed", args=[old])).status_code == 404
    assert _feed(client, hale).status_code == 200
    okafor_before = okafor.calendar_token
    okafor.refresh_from_db()
    assert okafor.calendar_token == okafor_before
    assert AuditEvent.objects.filter(
        actor_id=hale.user_id, action=Action.UPDATE, detail__contains="calendar feed"
    ).exists()


def test_only_a_clinician_may_replace_a_feed_and_csrf_is_checked(client, clinic, hale, frontdesk):
    from django.test import Client

    login(client, frontdesk)
    assert client.post(reverse("scheduling:rotate_feed")).status_code == 403
    strict = login(Client(enforce_csrf_checks=True), hale.user)
    old = hale.calendar_token
    assert strict.post(reverse("scheduling:rotate_feed")).status_code == 403
    hale.refresh_from_db()
    assert hale.calendar_token == old
