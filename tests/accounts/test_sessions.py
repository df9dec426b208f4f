# SPDX-License-Identifier: AGPL-3.0-or-later
"""Session lifetime, sign-out, the session id at sign-in, password reset links."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from freezegun import freeze_time

from helpers import login, send_outbox
from nervepath.accounts import sessions

PASSWORD = "correct-horse-battery"
STAFF_PAGE = "/staff/calendar/fort-collins/"


def age(client: Client, *, idle_seconds: float = 0, since_login_seconds: float = 0) -> str:
    """Pretend the signed-in session was last used, and started, that long ago."""
    session = client.session
    now = time.time()
    session[sessions.LAST_SEEN] = now - idle_seconds
    session[sessions.LOGIN_AT] = now - max(idle_seconds, since_login_seconds)
    session.save()
    return session.session_key


def test_staff_are_signed_out_after_fifteen_idle_minutes(client, frontdesk):
    login(client, frontdesk)
    age(client, idle_seconds=14 * 60)
    assert client.get(STAFF_PAGE).status_code == 200
    key = age(client, idle_seconds=15 * 60 + 5)
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={STAFF_PAGE}"
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(response["Location"])
    assert "signed out after 15 minutes without activity" in page.content.decode()


def test_patients_get_thirty_idle_minutes(client, alice):
    login(client, alice.user)
    age(client, idle_seconds=20 * 60)
    assert client.get("/portal/").status_code == 200
    age(client, idle_seconds=31 * 60)
    assert client.get("/portal/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive(client, alice):
    login(client, alice.user)
    age(client, idle_seconds=29 * 60)
    assert client.get("/portal/").status_code == 200
    # That request counted as activity: the idle clock restarted.
    assert time.time() - client.session[sessions.LAST_SEEN] < 60


def test_every_session_ends_twelve_hours_after_sign_in(client, alice):
    login(client, alice.user)
    age(client, idle_seconds=60, since_login_seconds=12 * 3600 + 60)
    response = client.get("/portal/", follow=True)
    assert "12 hours have passed since you signed in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_answers_401_when_the_session_expired(client, alice):
    login(client, alice.user)
    age(client, idle_seconds=31 * 60)
    response = client.get("/api/bookings")
    assert response.status_code == 401
    assert "without activity" in response.json()["error"]


def test_signing_in_changes_the_session_id(client, alice):
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert not Session.objects.filter(session_key=before).exists()


def test_sign_out_deletes_the_server_side_session(client, alice):
    login(client, alice.user)
    key = client.cookies["sessionid"].value
    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    thief = Client()
    thief.cookies["sessionid"] = key
    assert thief.get("/portal/").status_code == 302


def _reset_link(client, email: str) -> str:
    mail.outbox.clear()
    client.post("/accounts/password-reset/", {"email": email})
    send_outbox()
    match = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert match is not None
    return match.group(1)


def _use(client, link: str, password: str):
    page = client.get(link, follow=True)
    return client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_a_password_reset_link_works_once(client, alice):
    link = _reset_link(client, alice.email)
    done = _use(client, link, "a-brand-new-passphrase")
    assert done.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password("a-brand-new-passphrase")
    again = client.get(link, follow=True)
    assert "expired or was already used" in again.content.decode()
    _use(client, link, "yet-another-passphrase")
    alice.user.refresh_from_db()
    assert alice.user.check_password("a-brand-new-passphrase")


def test_a_password_reset_link_expires_after_an_hour(client, alice, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    link = _reset_link(client, alice.email)
    with freeze_time(timedelta(hours=1, minutes=1), tick=True):
        page = client.get(link, follow=True)
        assert "expired or was already used" in page.content.decode()
        _use(client, link, "a-brand-new-passphrase")
    alice.user.refresh_from_db()
    assert alice.user.check_password(PASSWORD)


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from nervepath.config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert make_password("a-long-enough-passphrase").startswith("argon2$")
