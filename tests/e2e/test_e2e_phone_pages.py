# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: every patient page on a phone, in English and in Spanish. No page is wider
than the screen at 320x640 or 390x844, the header stays compact with its menu, and
axe-core finds no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import Browser, Page, ViewportSize, expect

from helpers import at, kind, next_weekday
from nervepath.accounts.models import User
from nervepath.assessment import services as assessment
from nervepath.notes import consent, defaults
from nervepath.notes.models import ConsentTemplate
from nervepath.scheduling import services
from nervepath.scheduling.models import Source

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery"  # tests/conftest.py patients
SMALL: ViewportSize = {"width": 320, "height": 640}
PHONE: ViewportSize = {"width": 390, "height": 844}

SIGNED_OUT = [
    "/", "/conditions/", "/treatments/", "/conditions/restless-legs/",
    "/clinic/what-to-expect/", "/locations/", "/book/", "/book/fort-collins/follow-up/",
    "/accounts/login/", "/accounts/password-reset/", "/accounts/password-reset/sent/",
    "/accounts/reset/MQ/0-expired/", "/no-such-page/", "/appointments/" + "x" * 32 + "/",
]  # fmt: skip
SIGNED_IN = [
    "/portal/", "/portal/questionnaires/", "/portal/diary/", "/portal/medications/",
    "/portal/therapy/", "/portal/follow-ups/", "/portal/consents/", "/portal/texts/",
    "/portal/contact/", "/portal/documents/", "/portal/nights/", "/accounts/security/",
    "/staff/patients/",
]  # fmt: skip


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} — "
        f"{[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.fixture
def journey(clinic, hale, alice, frontdesk) -> list[str]:
    """Alice with a booked visit and questionnaires to fill; the pages that need them."""
    fc = clinic["fort-collins"]
    appointment = services.book(
        services.Request(kind("follow-up"), fc, hale, at(fc, next_weekday(0), "14:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    staff = User.objects.get(pk=frontdesk.pk)
    requests = assessment.send_now(alice, ["clinic_sleep", "pain_nrs"], by=staff)
    # A surgery consent waiting for her signature (the signing page, with its pad).
    defaults.install(apps)  # the live server's database is flushed between tests
    form = consent.request_consent(
        alice,
        template=ConsentTemplate.objects.get(slug="surgery"),
        by=hale.user,
        leg="right",
        tunnels=["tibial", "common_peroneal"],
    )
    return [
        appointment.get_absolute_url(),
        *(r.get_absolute_url() for r in requests),
        reverse("notes:my_consent", args=[form.pk]),
    ]


def _visit_all(
    page: Page, site: str, paths: list[str], size: ViewportSize, *, axe: bool
) -> tuple[list[str], list[str]]:
    wide: list[str] = []
    violations: list[str] = []
    for path in paths:
        page.goto(f"{site}{path}")
        expect(page.locator("main#content")).to_be_attached()
        width = _width(page)
        if width > size["width"]:
            wide.append(f"{path}: {width} px")
        if axe:
            violations += _serious(page)
    return wide, violations


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("size", [SMALL, PHONE], ids=["320x640", "390x844"])
def test_every_patient_page_fits_the_phone_and_passes_axe(
    browser: Browser,
    site: str,
    journey: list[str],
    alice,
    lang: str,
    size: ViewportSize,
):
    context = browser.new_context(viewport=size, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        # The visitor picks the language in the header.
        page.goto(f"{site}/")
        if lang == "es":
            page.get_by_role("link", name="Español").click()
            expect(page.locator("html")).to_have_attribute("lang", "es")
        # Keyboard: the first tab stop is the skip link, and it is shown when focused.
        page.keyboard.press("Tab")
        expect(page.locator("a.skip")).to_be_focused()
        box = page.locator("a.skip").bounding_box()
        assert box is not None and box["x"] >= 0
        # The header is compact: the navigation waits behind the menu.
        header = page.locator("header.top").bounding_box()
        assert header is not None and header["height"] <= 130
        nav = page.get_by_role("navigation")
        expect(nav).to_be_hidden()
        page.locator("details.menu > summary").click()
        expect(nav).to_be_visible()

        run_axe = size is PHONE
        wide, violations = _visit_all(page, site, SIGNED_OUT, size, axe=run_axe)
        # Signed in through the form, in whichever language it is shown.
        page.goto(f"{site}/accounts/login/")
        page.locator("#id_username").fill(alice.email)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("form[action='/accounts/logout/']")).to_be_attached()
        if lang == "es":
            expect(page.locator("html")).to_have_attribute("lang", "es")
        more_wide, more_violations = _visit_all(page, site, SIGNED_IN + journey, size, axe=run_axe)
        assert wide + more_wide == []
        assert violations + more_violations == []
        if lang == "es":
            # The chosen language went on the patient's record.
            alice.refresh_from_db()
            assert alice.preferred_language == "es"
            expect(page.locator("h1")).not_to_have_text(re.compile("My appointments"))
    finally:
        context.close()
