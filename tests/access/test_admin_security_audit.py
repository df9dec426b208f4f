# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 22, finding 9: an emergency grant never outlives its 4-hour cap, even edited in
the Django admin, and admin edits of security records land in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpers import login
from nervepath.access import policy
from nervepath.access.models import EmergencyAccess
from nervepath.accounts.models import Role, User
from nervepath.audit.models import Action, AuditEvent

# Far past any cap (a fixed instant: "now in 2100" does not exist on Feb 29).
YEAR_2100 = datetime(2100, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def grant(alice_record, lindqvist):
    request = RequestFactory().post("/")
    request.user = lindqvist.user
    return policy.open_emergency_access(
        request, alice_record["patient"], reason="ER visit, acute weakness", minutes=60
    )


def _form(grant, expires):
    local = timezone.localtime(expires)
    return {"expires_at_0": local.strftime("%Y-%m-%d"), "expires_at_1": local.strftime("%H:%M:%S")}


def test_the_model_refuses_a_grant_past_its_cap(grant):
    original = grant.expires_at
    grant.expires_at = YEAR_2100
    with pytest.raises(ValidationError, match="at most 240 minutes"):
        grant.save()
    grant.expires_at = grant.started_at + timedelta(minutes=241)
    with pytest.raises(ValidationError):
        grant.full_clean()
    grant.refresh_from_db()
    assert grant.expires_at == original
    # A new grant shorter than 15 minutes, or ending before it starts, is refused too.
    for minutes in (5, -10):
        with pytest.raises(ValidationError):
            EmergencyAccess.objects.create(
                user=grant.user,
                patient=grant.patient,
                reason="ER visit, acute weakness",
                started_at=grant.started_at,
                expires_at=grant.started_at + timedelta(minutes=minutes),
            )
    assert EmergencyAccess.objects.count() == 1


def test_the_admin_form_shows_the_cap_and_changes_nothing(client, grant, admin_user):
    login(client, admin_user)
    url = f"/admin/access/emergencyaccess/{grant.pk}/change/"
    response = client.post(url, _form(grant, YEAR_2100))
    assert response.status_code == 200
    assert "at most 240 minutes" in response.content.decode()
    before = grant.expires_at
    grant.refresh_from_db()
    assert grant.expires_at == before
    assert not AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(grant.pk)).exists()


def test_shortening_a_grant_in_the_admin_is_audited(client, grant, admin_user):
    login(client, admin_user)
    url = f"/admin/access/emergencyaccess/{grant.pk}/change/"
    shorter = grant.started_at + timedelta(minutes=20)
    response = client.post(url, _form(grant, shorter))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert abs(grant.expires_at - shorter) < timedelta(seconds=1)
    event = AuditEvent.objects.get(
        action=Action.UPDATE, object_type="access.emergencyaccess", object_id=str(grant.pk)
    )
    assert event.actor_id == admin_user.pk and "expires_at" in event.detail
    assert event.patient_id == grant.patient_id


def test_deleting_a_two_factor_device_in_the_admin_is_audited(client, admin_user, alice):
    device = TOTPDevice.objects.create(user=alice.user, name="Authenticator app", confirmed=True)
    login(client, admin_user)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action=Action.DELETE, object_type="otp_totp.totpdevice")
    assert event.object_id == str(device.pk) and event.actor_id == admin_user.pk


def test_changing_a_role_in_the_admin_is_audited_with_the_field(client, admin_user, clinic):
    user = User.objects.create_user(
        "desk2@example.org", "long-enough-password", role=Role.FRONT_DESK
    )
    login(client, admin_user)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "role": Role.ADMIN,
            "first_name": "",
            "last_name": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.role == Role.ADMIN
    event = AuditEvent.objects.get(
        action=Action.UPDATE, object_type="accounts.user", object_id=str(user.pk)
    )
    assert "role" in event.detail and event.actor_id == admin_user.pk


def test_clearing_a_lock_out_in_the_admin_is_audited(client, admin_user, alice):
    for _ in range(5):
        client.post("/accounts/login/", {"username": alice.email, "password": "wrong-one"})
    attempt = AccessAttempt.objects.get(username=alice.email)
    login(client, admin_user)
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    event = AuditEvent.objects.get(action=Action.DELETE, object_type="axes.accessattempt")
    assert event.object_id == str(attempt.pk) and "lock-out" in event.detail
