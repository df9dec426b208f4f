# SPDX-License-Identifier: AGPL-3.0-or-later
"""The whole stack as it runs in production, on a throw-away PostgreSQL database.

Production settings, ``migrate``/``collectstatic``/``seed_demo`` as commands, gunicorn
with two workers serving real HTTPS (a self-signed certificate made here, so Secure
cookies really travel), and the task worker, all as separate processes. A patient
signs in through the form, books through the JSON API and sees the booking in the
portal; the booking's reminder waits in the task table for the worker.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import psycopg
import pytest
import requests
from deploy_stack import (
    checked,
    fresh_database,
    nervepath,
    nervepath_calls,
    production_env,
    serve,
)

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once

PATIENT = "patient@demo.nervepath.org"
PASSWORD = "demo-password-2026"
START_TIMEOUT = 180


@pytest.fixture
def stack(tmp_path):
    with fresh_database() as database_url:
        env = production_env(database_url, tmp_path / "var")
        checked(nervepath("migrate", "--noinput", env=env))
        # Each its own process as in deploy/systemd; the demo's seeding shares
        # collectstatic's (it runs after it, on new database connections).
        for result in nervepath_calls(
            env, (["collectstatic", "--noinput"], {}), (["seed_demo", "--no-appointments"], {})
        ):
            checked(result)
        with serve(env, tmp_path, workers=2, start_timeout=START_TIMEOUT) as running:
            yield {**running, "database_url": database_url}


def _hardened(response: requests.Response) -> None:
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert response.headers["X-Frame-Options"] == "DENY"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def test_production_stack_smoke_journey(stack) -> None:
    base = stack["base"]
    s = requests.Session()
    s.verify = stack["cert"]
    s.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace our certificate

    home = s.get(f"{base}/", timeout=60)
    assert home.status_code == 200
    _hardened(home)
    content_link = re.search(r'href="(/[a-z-]+/[a-z0-9-]+/)"', home.text)
    assert content_link, "the home page links no content page"
    content = s.get(base + content_link.group(1), timeout=60)
    assert content.status_code == 200
    _hardened(content)

    # Static files keep their long cache lifetime; pages of anonymous visitors are not
    # marked no-store (nothing personal on them).
    css = re.search(r'href="(/static/[^"]+\.css)"', home.text)
    assert css
    static = s.get(base + css.group(1), timeout=60)
    assert static.status_code == 200
    assert "max-age=315360000" in static.headers["Cache-Control"]
    assert "no-store" not in static.headers["Cache-Control"]

    health = s.get(f"{base}/healthz", timeout=60)
    assert health.status_code == 200 and health.json() == {"status": "ok"}

    login_page = s.get(f"{base}/accounts/login/", timeout=60)
    assert login_page.status_code == 200
    signed_in = s.post(
        f"{base}/accounts/login/",
        data={
            "username": PATIENT,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(login_page.text),
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    set_cookie = signed_in.headers["Set-Cookie"]
    assert "sessionid=" in set_cookie
    session_cookie = next(c for c in s.cookies if c.name == "sessionid")
    assert session_cookie.secure and session_cookie.has_nonstandard_attr("HttpOnly")
    assert "samesite=lax" in set_cookie.lower()
    assert "no-store" in signed_in.headers["Cache-Control"]

    # A slot four weeks out, so the reminder is due well in the future.
    slots = s.get(
        f"{base}/api/availability",
        params={"appointment_type": "new-patient", "location": "fort-collins", "days": "35"},
        timeout=120,
    )
    assert slots.status_code == 200, slots.text
    assert slots.json(), "no free slot in five weeks"
    slot = slots.json()[-1]
    booked = s.post(
        f"{base}/api/bookings",
        json={
            "appointment_type": "new-patient",
            "location": "fort-collins",
            "clinician_id": slot["clinician_id"],
            "starts_at": slot["starts_at"],
        },
        headers={"X-CSRFToken": str(s.cookies["csrftoken"]), "Referer": f"{base}/api/docs"},
        timeout=120,
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert "no-store" in booked.headers["Cache-Control"]

    portal = s.get(f"{base}/portal/", timeout=60)
    assert portal.status_code == 200
    assert "no-store" in portal.headers["Cache-Control"]
    local = datetime.fromisoformat(booking["local_start"])
    shown = f"{local:%b} {local.day}, {local.year}, {local.hour % 12 or 12}:{local:%M %p}"
    assert shown in html.unescape(portal.text)

    assert stack["worker"].poll() is None, "the task worker died"
    assert stack["web"].poll() is None, "gunicorn died"
    with psycopg.connect(stack["database_url"]) as conn:
        rows = conn.execute(
            # Python's clock, not PostgreSQL's now(): the session may travel (tests/clock.py).
            "SELECT args_kwargs, run_after > %s FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE %s",
            (datetime.now(UTC), "%send_reminder"),
        ).fetchall()
    assert [(r[0]["args"][0], r[1]) for r in rows] == [(booking["id"], True)]
