# SPDX-License-Identifier: AGPL-3.0-or-later
"""Lock-out after repeated failed sign-ins (django-axes), per account."""

from __future__ import annotations

import io
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command

PASSWORD = "correct-horse-battery"
SAME_MESSAGE = "Please enter a correct email address and password"


def attempt(client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_defaults_come_from_the_environment_helpers():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesBackend"


def test_unknown_account_and_wrong_password_read_the_same(client, alice):
    wrong = attempt(client, alice.email, "not-the-password")
    unknown = attempt(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert SAME_MESSAGE in wrong.content.decode()
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_an_account_locks_after_the_failure_limit_and_an_admin_can_unlock_it(client, alice):
    for _ in range(4):
        assert attempt(client, alice.email, "not-the-password").status_code == 200
    locked = attempt(client, alice.email.upper(), "still-not-it")  # case does not matter
    assert locked.status_code == 429
    assert "Sign-in is paused for this account" in locked.content.decode()
    # While locked, even the right password does not sign in.
    again = attempt(client, alice.email, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected (the lock is per account, not per address).
    assert attempt(client, "bob@example.org", "wrong-password").status_code == 200

    call_command("axes_reset_username", alice.email, stdout=io.StringIO())
    assert not AccessAttempt.objects.filter(username=alice.email).exists()
    unlocked = attempt(client, alice.email, PASSWORD)
    assert unlocked.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.user.pk)


def test_an_unknown_account_locks_out_exactly_like_a_real_one(client, alice):
    def lock(email: str) -> bytes:
        for _ in range(5):
            response = attempt(client, email, "not-the-password")
        assert response.status_code == 429
        return response.content

    assert lock(alice.email) == lock("nobody-here@example.org")


def test_a_successful_sign_in_clears_earlier_failures(client, alice):
    for _ in range(4):
        attempt(client, alice.email, "not-the-password")
    assert attempt(client, alice.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert attempt(client, alice.email, "not-the-password").status_code == 200
