# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 8: break-glass reasons count letters and digits only, grants are
limited per clinician per hour, and every grant is e-mailed to each active admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.access import policy
from nervepath.access.models import EmergencyAccess
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent

GOOD = "Seen in the ER tonight with acute weakness"


def _request(user):
    request = RequestFactory().post("/staff/patients/emergency-access/")
    request.user = user
    request.request_id = "req-test-0002"  # type: ignore[attr-defined]  # as the middleware sets
    return request


def _open(user, patient, reason=GOOD, minutes=30):
    return policy.open_emergency_access(_request(user), patient, reason=reason, minutes=minutes)


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b" * 40,  # zero-width spaces
        "\u200f\u200e" * 20,  # right-to-left and left-to-right marks
        "a\u200bb\u200bc\u200b" + "\u2060" * 30 + " " * 20,  # 3 letters, the rest invisible
        "!!!!!!!!!!!!!!!!!!!!........------",  # punctuation only
        "\u3000" * 30 + "short",  # ideographic spaces
    ],
)
def test_invisible_characters_do_not_make_a_reason(alice_record, lindqvist, reason):
    with pytest.raises(ValidationError, match="letters or digits"):
        _open(lindqvist.user, alice_record["patient"], reason=reason)
    assert not EmergencyAccess.objects.exists()


def test_the_stored_reason_is_what_a_reviewer_can_read(alice_record, lindqvist):
    # Full-width letters normalise (NFKC) to plain ones and count; invisible marks go.
    grant = _open(
        lindqvist.user, alice_record["patient"], reason="\u200bＥＲ visit,\u200f acute weakness"
    )
    assert grant.reason == "ER visit, acute weakness"
    assert policy.reason_length("ER visit, acute weakness") == 20


def test_grants_are_limited_per_clinician_per_hour(alice_record, bob, lindqvist, hale, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "EMERGENCY_GRANTS_PER_HOUR": 2}
    alice = alice_record["patient"]
    _open(lindqvist.user, alice)
    _open(lindqvist.user, bob)
    with pytest.raises(ValidationError, match="2 times in the last hour"):
        _open(lindqvist.user, bob)
    assert EmergencyAccess.objects.filter(user=lindqvist.user).count() == 2
    refused = AuditEvent.objects.get(action=Action.DENIED, actor_id=lindqvist.user.pk)
    assert refused.emergency and "refused" in refused.detail
    # Another clinician is not affected; an hour later the first may open one again.
    _open(hale.user, bob)
    EmergencyAccess.objects.filter(user=lindqvist.user).update(
        started_at=timezone.now() - timedelta(minutes=61)
    )
    _open(lindqvist.user, bob)
    assert EmergencyAccess.objects.filter(user=lindqvist.user).count() == 3


def test_the_limit_shows_on_the_page_with_a_clear_message(
    client, alice_record, lindqvist, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "EMERGENCY_GRANTS_PER_HOUR": 1}
    alice = alice_record["patient"]
    login(client, lindqvist.user)
    url = reverse("access:emergency")
    data = {"record_number": alice.pk, "reason": GOOD, "minutes": 30}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200
    assert "the most allowed (1 an hour)" in again.content.decode()
    assert EmergencyAccess.objects.count() == 1


def test_every_grant_is_emailed_to_each_active_admin(
    alice_record, lindqvist, admin_user, django_capture_on_commit_callbacks
):
    second = User.objects.create_user(
        "second-admin@example.org", "long-enough-password", role=Role.ADMIN
    )
    User.objects.create_user(
        "former-admin@example.org", "long-enough-password", role=Role.ADMIN, is_active=False
    )
    mail.outbox.clear()
    alice = alice_record["patient"]
    with django_capture_on_commit_callbacks(execute=True):
        grant = _open(lindqvist.user, alice)
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([admin_user.email, second.email])
    assert all(len(m.to) == 1 for m in mail.outbox)  # no one sees the others' addresses
    body = mail.outbox[0].body
    assert f"patient record {alice.pk}" in body
    assert f"/admin/access/emergencyaccess/{grant.pk}/change/" in body
    # Minimum necessary: neither the patient's name nor the reason leaves by e-mail.
    assert alice.user.last_name not in body and "weakness" not in body
    assert "Emergency access opened by" in mail.outbox[0].subject
