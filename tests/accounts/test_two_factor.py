# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two-step sign-in: staff must set it up and use it; patients may opt in."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpers import login
from nervepath.accounts import twofactor
from nervepath.accounts.twofactor import current_code

PATIENT_PASSWORD = "correct-horse-battery"
STAFF_PASSWORD = "demo-password-2026"
STAFF_PAGE = "/staff/calendar/fort-collins/"


def fresh_code(device: TOTPDevice) -> str:
    """The current code, even if this time step's code was already used in the test
    (django-otp refuses a code from a step it has already accepted)."""
    device.refresh_from_db()
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return current_code(device)


def password_step(client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_staff_without_an_authenticator_must_set_one_up(client, frontdesk):
    TOTPDevice.objects.filter(user=frontdesk).delete()
    response = password_step(client, frontdesk.email, STAFF_PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=")
    # Anything else sends them back to the two-factor step.
    assert client.get(STAFF_PAGE)["Location"].startswith("/accounts/two-factor/")
    assert client.get("/accounts/two-factor/")["Location"].startswith("/accounts/two-factor/setup/")

    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None and "<path" in svg.group(0)
    assert "style=" not in html and "<script" not in html  # strict CSP: nothing inline
    device = TOTPDevice.objects.get(user=frontdesk, confirmed=False)
    assert twofactor.grouped(twofactor.base32_secret(device)) in html

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    done = client.post("/accounts/two-factor/setup/", {"code": current_code(device)})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticToken.objects.filter(device__user=frontdesk).values_list("token", flat=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert client.get(STAFF_PAGE).status_code == 200
    # With an authenticator confirmed, set-up is closed (no second device by password).
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/security/"


def test_a_stolen_password_cannot_add_an_authenticator_to_a_staff_account(client, frontdesk):
    password_step(client, frontdesk.email, STAFF_PASSWORD)
    response = client.get("/accounts/two-factor/setup/")
    assert response["Location"].startswith("/accounts/two-factor/")
    assert "setup" not in response["Location"]
    assert not TOTPDevice.objects.filter(user=frontdesk, confirmed=False).exists()


@override_settings(OTP_TOTP_THROTTLE_FACTOR=600)
def test_a_wrong_code_is_refused_and_then_throttled(client, frontdesk):
    device = twofactor.confirmed_totp(frontdesk)
    password_step(client, frontdesk.email, STAFF_PASSWORD)
    wrong = client.post("/accounts/two-factor/", {"code": "123456"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    # Even the right code waits out the throttle after a wrong one.
    throttled = client.post("/accounts/two-factor/", {"code": fresh_code(device)})
    assert throttled.status_code == 400 and "Too many wrong codes" in throttled.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302


def test_the_right_code_completes_sign_in_and_goes_on_to_next(client, frontdesk):
    device = twofactor.confirmed_totp(frontdesk)
    client.post(
        "/accounts/login/?next=/staff/calendar/fort-collins/",
        {"username": frontdesk.email, "password": STAFF_PASSWORD, "next": STAFF_PAGE},
    )
    before = client.cookies["sessionid"].value
    response = client.post(
        "/accounts/two-factor/", {"code": fresh_code(device), "next": STAFF_PAGE}
    )
    assert response.status_code == 302 and response["Location"] == STAFF_PAGE
    assert client.cookies["sessionid"].value != before  # new session id once verified
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_recovery_code_works_once(client, frontdesk):
    codes = twofactor.new_recovery_codes(frontdesk)
    password_step(client, frontdesk.email, STAFF_PASSWORD)
    used = client.post("/accounts/two-factor/", {"code": codes[3].upper()})
    assert used.status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200
    assert twofactor.recovery_codes_left(frontdesk) == 9

    client.post("/accounts/logout/")
    password_step(client, frontdesk.email, STAFF_PASSWORD)
    again = client.post("/accounts/two-factor/", {"code": codes[3]})
    assert again.status_code == 400
    assert client.get(STAFF_PAGE).status_code == 302


def test_the_admin_refuses_an_admin_who_has_not_given_the_code(client, admin_user):
    client.force_login(admin_user)  # password step only
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    # And the admin site itself requires a verified session, whatever middleware runs.
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admin_login_page_sends_people_to_our_sign_in(client, admin_user):
    response = client.get("/admin/login/?next=/admin/scheduling/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/scheduling/"
    posted = client.post(
        "/admin/login/", {"username": admin_user.email, "password": STAFF_PASSWORD}
    )
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    login(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_the_api_answers_401_to_staff_who_have_not_given_the_code(client, frontdesk):
    client.force_login(frontdesk)
    response = client.get("/api/bookings")
    assert response.status_code == 401
    assert "two-factor" in response.json()["error"]
    login(client, frontdesk)
    assert client.get("/api/bookings").status_code == 200


def test_every_staff_role_needs_two_factor_and_patients_do_not(
    clinic, alice, frontdesk, researcher, admin_user, hale
):
    for user in (frontdesk, researcher, admin_user, hale.user):
        assert twofactor.needs_two_factor(user)
    assert not twofactor.needs_two_factor(alice.user)


def test_a_patient_can_turn_two_factor_on_and_off(client, alice):
    user = alice.user
    login(client, user)
    assert "Off." in client.get("/accounts/security/").content.decode()
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes_page = client.post("/accounts/two-factor/setup/", {"code": current_code(device)})
    assert codes_page.status_code == 200
    first_codes = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(first_codes) == 10

    # From now on, the password alone is not enough.
    client.post("/accounts/logout/")
    password_step(client, user.email, PATIENT_PASSWORD)
    assert client.get("/portal/")["Location"].startswith("/accounts/two-factor/")
    assert client.post("/accounts/two-factor/", {"code": fresh_code(device)}).status_code == 302
    assert client.get("/portal/").status_code == 200

    # New recovery codes replace the old ones.
    regenerated = client.post("/accounts/security/recovery-codes/")
    assert regenerated.status_code == 200
    new_codes = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new_codes) == 10 and not new_codes & first_codes

    # Turning it off needs the password and a code; a wrong one changes nothing.
    bad = client.post(
        "/accounts/security/disable/", {"password": "not-my-password", "code": fresh_code(device)}
    )
    assert bad.status_code == 400 and "password or code is not right" in bad.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    off = client.post(
        "/accounts/security/disable/",
        {"password": PATIENT_PASSWORD, "code": sorted(new_codes)[0]},
    )
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    client.post("/accounts/logout/")
    signed_in = password_step(client, user.email, PATIENT_PASSWORD)
    assert signed_in["Location"] == "/accounts/home/"


def test_staff_cannot_turn_two_factor_off(client, frontdesk):
    login(client, frontdesk)
    device = twofactor.confirmed_totp(frontdesk)
    client.post(
        "/accounts/security/disable/",
        {"password": STAFF_PASSWORD, "code": fresh_code(device)},
    )
    assert TOTPDevice.objects.filter(user=frontdesk, confirmed=True).exists()


@pytest.mark.parametrize("role_fixture", ["frontdesk", "admin_user"])
def test_demo_staff_get_the_published_demo_authenticator(request, role_fixture):
    from nervepath.demo import accounts as demo

    user = request.getfixturevalue(role_fixture)
    device = twofactor.confirmed_totp(user)
    assert device is not None and demo.is_demo_device(device)
    assert twofactor.base32_secret(device) == demo.DEMO_TOTP_SECRET


# --- Issue 22, finding 11: turning two-step sign-in off is no password oracle ----------


def _patient_with_authenticator(client, alice):
    device = TOTPDevice.objects.create(user=alice.user, name=twofactor.TOTP_NAME, confirmed=True)
    login(client, alice.user)
    return device


def _disable(client, password: str, code: str):
    return client.post("/accounts/security/disable/", {"password": password, "code": code})


def test_wrong_passwords_when_turning_two_factor_off_count_towards_the_lock_out(
    client, alice, settings
):
    from axes.models import AccessAttempt

    from nervepath.audit.models import Action, AuditEvent

    device = _patient_with_authenticator(client, alice)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _disable(client, "not-my-password", fresh_code(device))
        assert response.status_code == 400
        assert "password or code is not right" in response.content.decode()
    attempt = AccessAttempt.objects.get(username=alice.email)
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    locked = _disable(client, "still-not-it", fresh_code(device))
    assert locked.status_code == 429
    assert "Sign-in is paused for this account" in locked.content.decode()
    # The session ended and the account is locked for sign-in, even with the password.
    assert "_auth_user_id" not in client.session
    again = password_step(client, alice.email, PATIENT_PASSWORD)
    assert again.status_code == 429
    assert TOTPDevice.objects.filter(user=alice.user, confirmed=True).exists()
    refused = AuditEvent.objects.filter(
        action=Action.TWO_FACTOR_FAILED, actor_id=alice.user.pk, detail__contains="turning"
    )
    assert refused.count() == settings.AXES_FAILURE_LIMIT


def test_the_answer_is_the_same_whichever_of_password_and_code_is_wrong(client, alice):
    device = _patient_with_authenticator(client, alice)
    wrong_password = _disable(client, "not-my-password", fresh_code(device))
    wrong_code = _disable(
        client, PATIENT_PASSWORD, "000000" if fresh_code(device) != "000000" else "111111"
    )
    assert wrong_password.status_code == wrong_code.status_code == 400
    assert wrong_password.context["disable_error"] == wrong_code.context["disable_error"]
    # A password alone never turns it off.
    assert TOTPDevice.objects.filter(user=alice.user, confirmed=True).exists()


def test_turning_two_factor_off_is_audited(client, alice):
    from nervepath.audit.models import Action, AuditEvent

    device = _patient_with_authenticator(client, alice)
    off = _disable(client, PATIENT_PASSWORD, fresh_code(device))
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice.user).exists()
    event = AuditEvent.objects.get(action=Action.UPDATE, actor_id=alice.user.pk)
    assert event.detail == "two-step sign-in turned off" and event.patient_id == alice.pk
