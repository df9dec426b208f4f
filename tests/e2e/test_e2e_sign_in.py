# SPDX-License-Identifier: AGPL-3.0-or-later
"""Front desk signs in with a password and an authenticator code, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from nervepath.accounts import twofactor
from nervepath.accounts.twofactor import current_code

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"


def test_front_desk_signs_in_with_password_and_code(page: Page, site, clinic, frontdesk):
    page.goto(f"{site}/staff/")
    page.get_by_label("Email").fill(frontdesk.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    # The password alone does not open staff pages.
    page.goto(f"{site}/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")

    device = twofactor.confirmed_totp(frontdesk)
    device.throttle_reset()  # the wrong code above started django-otp's throttle
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/staff/calendar/"))
    expect(page.get_by_role("link", name="Calendar")).to_be_visible()
