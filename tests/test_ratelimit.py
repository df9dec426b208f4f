# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rate limits on sign-in, booking and the booking API (small limits set per test)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from helpers import login, send_outbox
from nervepath.config.env import env_rate
from nervepath.ratelimit import rate_limit
from nervepath.scheduling.models import Appointment


def limits(**scopes: tuple[int, int]):
    rates = {**settings.NERVEPATH["RATE_LIMITS"], **scopes}
    return override_settings(NERVEPATH={**settings.NERVEPATH, "RATE_LIMITS": rates})


def test_the_defaults_come_from_the_environment():
    assert settings.NERVEPATH["RATE_LIMITS"] == {
        "login": (30, 60),
        "booking": (30, 60),
        "upload": (20, 60),
    }


@pytest.mark.parametrize("raw", ["20", "20/", "/60", "0/60", "20/0", "x/60", "20/6o", "-1/60"])
def test_a_bad_rate_is_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("NERVEPATH_RATE_LOGIN", raw)
    with pytest.raises(ImproperlyConfigured, match="NERVEPATH_RATE_LOGIN must be 'N/SECONDS'"):
        env_rate("NERVEPATH_RATE_LOGIN", "30/60")


def test_a_good_rate_is_read(monkeypatch):
    monkeypatch.setenv("NERVEPATH_RATE_BOOKING", " 5/300 ")
    assert env_rate("NERVEPATH_RATE_BOOKING", "30/60") == (5, 300)


def test_the_decorator_refuses_a_bad_key():
    with pytest.raises(ValueError, match="key"):
        rate_limit("login", key="everyone")  # type: ignore[arg-type]  # a bad key on purpose
    with pytest.raises(ValueError, match="both"):
        rate_limit("login", limit=3)


@limits(login=(3, 60))
def test_sign_in_posts_are_limited_per_address(client, alice):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "x@example.org", "password": "wrong-pw"})
    assert client.get("/accounts/login/").status_code == 200  # looking is not counted
    refused = client.post(
        "/accounts/login/", {"username": alice.email, "password": "correct-horse-battery"}
    )
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many attempts from here" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": "correct-horse-battery"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302


@limits(booking=(2, 60))
def test_the_public_booking_form_is_limited_per_address(client, clinic):
    url = reverse("scheduling:book_confirm", args=["fort-collins", "new-patient"])
    data = {"start": "not-a-date", "clinician": "1"}  # refused anyway: nothing is booked
    for _ in range(2):
        assert client.post(url, data).status_code == 302
    refused = client.post(url, data)
    assert refused.status_code == 429 and refused["Retry-After"].isdigit()
    assert "Please wait" in refused.content.decode()
    waitlist = reverse("scheduling:join_waitlist", args=["fort-collins", "new-patient"])
    assert client.post(waitlist, {}).status_code == 429
    assert client.post(url, data, REMOTE_ADDR="10.9.9.9").status_code == 302
    assert not Appointment.objects.exists()


@limits(booking=(2, 60))
def test_the_booking_api_is_limited_per_user(client, clinic, alice, bob):
    login(client, alice.user)
    body = {"appointment_type": "follow-up", "location": "fort-collins", "clinician_id": 999999}
    body["starts_at"] = "2030-01-07T16:00:00Z"
    for _ in range(2):
        response = client.post("/api/bookings", body, content_type="application/json")
        assert response.status_code == 404
    refused = client.post("/api/bookings/1/cancel")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.json()["error"]
    assert int(refused["Retry-After"]) >= 1
    # Bob, from the same address, has his own count.
    login(client, bob.user)
    assert client.post("/api/bookings", body, content_type="application/json").status_code == 404


@limits(login=(2, 60))
def test_password_reset_emails_are_limited_per_address(client, alice, mailoutbox):
    for _ in range(2):
        assert client.post("/accounts/password-reset/", {"email": alice.email}).status_code == 302
    assert client.post("/accounts/password-reset/", {"email": alice.email}).status_code == 429
    send_outbox()
    assert len(mailoutbox) == 2
