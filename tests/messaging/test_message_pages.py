# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's text-reminder page (give and withdraw a number and consent) and the
staff's messages page (outbox status and each patient's consent), through the access
policy."""

from __future__ import annotations

import pytest

from helpers import login
from nervepath.audit.models import Action, AuditEvent
from nervepath.messaging import consent, outbox
from nervepath.messaging.models import MessageStatus, TextConsent


def test_a_patient_gives_a_number_and_consent_then_withdraws_it(client, alice):
    login(client, alice.user)
    page = client.get("/portal/texts/")
    assert page.status_code == 200
    assert consent.wording().encode() in page.content
    response = client.post("/portal/texts/", {"phone": "(970) 555-0123", "agree": "on"})
    assert response.status_code == 302
    given = TextConsent.objects.get(patient=alice)
    assert given.phone == "+19705550123"
    assert given.wording == consent.wording() and given.given_via == "portal"
    assert b"+19705550123" in client.get("/portal/texts/").content
    client.post("/portal/texts/", {"withdraw": "1"})
    given.refresh_from_db()
    assert given.withdrawn_at is not None and given.withdrawn_via == "portal"
    assert consent.text_number(alice) is None


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"phone": "12345", "agree": "on"}, b"is not a valid phone number"),
        ({"phone": "(800) 555-1212", "agree": "on"}, b"is not a mobile number"),
        ({"phone": "(970) 555-0123"}, b"Tick the box to agree"),
    ],
)
def test_a_bad_number_or_no_agreement_saves_nothing(client, alice, form, error):
    login(client, alice.user)
    response = client.post("/portal/texts/", form)
    assert response.status_code == 200
    assert error in response.content
    assert not TextConsent.objects.exists()


def test_staff_see_the_outbox_and_a_patients_consent(client, frontdesk, alice, bob):
    consent.give(alice, "970-555-0123")
    outbox.queue_email("alice@example.org", "Hello", "Body", kind="confirmed", patient=alice)
    outbox.queue_email("bob@example.org", "Hello", "Body", kind="reminder", patient=bob)
    login(client, frontdesk)
    home = client.get("/staff/messages/")
    assert home.status_code == 200
    assert b"alice@example.org" in home.content and b"bob@example.org" in home.content
    assert b"Queued: 2" in home.content
    listed = set(
        AuditEvent.objects.filter(action=Action.LIST, actor_id=frontdesk.pk).values_list(
            "patient_id", flat=True
        )
    )
    assert listed == {alice.pk, bob.pk}
    one = client.get(f"/staff/messages/?patient={alice.pk}")
    assert b"+19705550123" in one.content and b"bob@example.org" not in one.content
    assert consent.wording().encode() in one.content
    failing = client.get(f"/staff/messages/?status={MessageStatus.FAILING}")
    assert b"alice@example.org" not in failing.content
    assert client.get("/staff/messages/?patient=abc").status_code == 302
    assert client.get("/staff/messages/?patient=999999").status_code == 404


def test_patients_cannot_open_the_outbox(client, alice):
    login(client, alice.user)
    assert client.get("/staff/messages/").status_code == 403


def test_the_staff_navigation_links_the_messages_page(client, frontdesk):
    login(client, frontdesk)
    assert b'href="/staff/messages/"' in client.get("/staff/messages/").content


def test_a_clinician_sees_only_the_messages_of_patients_in_their_care(client, hale, alice):
    outbox.queue_email("alice@example.org", "Hello", "Body", kind="confirmed", patient=alice)
    outbox.queue_email("admin@example.org", "Notice", "Body", kind="emergency_access")
    login(client, hale.user)
    page = client.get("/staff/messages/")
    assert page.status_code == 200
    assert b"alice@example.org" not in page.content  # not in Dr Hale's care
    assert b"admin@example.org" not in page.content  # notices to no patient: admins only
    assert client.get(f"/staff/messages/?patient={alice.pk}").status_code == 404


def test_an_admin_sees_notices_to_no_patient(client, admin_user):
    outbox.queue_email("admin@example.org", "Notice", "Body", kind="emergency_access")
    login(client, admin_user)
    assert b"admin@example.org" in client.get("/staff/messages/").content
