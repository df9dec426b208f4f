# SPDX-License-Identifier: AGPL-3.0-or-later
"""A new patient completes the intake on a 390 x 844 phone, counted in screens and taps
(issue 19, section 3), and the clinician who has her visit sees the scores; and the
branching of a form opens questions without a reload, with no inline script."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from e2e_completion import complete_all
from helpers import at, kind, next_weekday
from nervepath.assessment.models import Request, Response
from nervepath.demo import assessment as demo
from nervepath.scheduling import services
from nervepath.scheduling.models import Source

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
PATIENT_PASSWORD = "correct-horse-battery"  # tests/conftest.py patients
# The same journey (tests/e2e/completion.py) measured on the pages before issue 19
# (main at 76810de: seven questionnaires under formal titles, the IRLS as placeholders,
# back to the list after each submit, a reload for every answer that opens questions;
# measured by running this test with PYTHONPATH pointing at that version's src/):
BEFORE_SCREENS = 30
BEFORE_TAPS = 75


@pytest.fixture
def booked(clinic, alice, hale, frontdesk):
    demo.configure_types()
    fort = clinic["fort-collins"]
    return services.book(
        services.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )


def test_a_new_patient_completes_the_intake_on_a_phone_in_fewer_screens_and_taps(
    browser: Browser, site, booked, alice, sign_in
):
    waiting = Request.objects.filter(appointment=booked).count()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, "alice@example.org", PATIENT_PASSWORD)
    cost = complete_all(page, f"{site}/portal/questionnaires/")
    print(
        f"\nintake on a phone: {waiting} questionnaires, {cost.screens} screens, {cost.taps} taps"
    )
    # Plain titles, and every questionnaire submitted.
    assert cost.titles == [
        "Your leg symptoms", "Your health and medicines", "Numbness and feeling in your feet",
        "Your pain", "Your sleep",
    ]  # fmt: skip
    assert Response.objects.submitted().filter(patient=alice).count() == waiting == 5
    expect(page.get_by_text("Nothing to fill right now")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert cost.screens < BEFORE_SCREENS and cost.taps < BEFORE_TAPS
    phone.close()


def test_branching_opens_questions_without_a_reload_and_the_clinician_sees_scores(
    browser: Browser, site, booked, alice, sign_in
):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, "alice@example.org", PATIENT_PASSWORD)
    req = Request.objects.get(appointment=booked, instrument_id="symptom_history")
    page.goto(f"{site}/portal/questionnaires/{req.pk}/")
    # No inline script on the page: only the static file.
    assert page.locator("script:not([src])").count() == 0
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    kind_of = page.locator("#q-diabetes_type")
    expect(kind_of).to_be_hidden()
    page.locator("#q-diabetes").get_by_text("Yes", exact=True).click()
    expect(kind_of).to_be_visible()
    page.locator("#q-medications").get_by_text("Levodopa").click()
    expect(page.locator("#q-aug_spread_arms")).to_be_visible()
    page.locator("#q-diabetes").get_by_text("No", exact=True).click()
    expect(kind_of).to_be_hidden()
    assert loads == []  # no reload
    # Submitting with questions left lists them all once, by their text.
    page.get_by_role("button", name="Submit").click()
    errors = page.locator("#form-errors")
    expect(errors).to_contain_text("Does anyone in your family")
    expect(errors).to_contain_text("How many cups of coffee")
    assert "(family_history)" not in errors.inner_text()
    # The answers given so far came back, and the open branch with them.
    expect(page.locator("#q-aug_spread_arms")).to_be_visible()
    phone.close()

    assert not Response.objects.submitted().filter(patient=alice).exists()
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, "dr.hale@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/appointments/{booked.pk}/")
    page.get_by_role("link", name=re.compile("^Questionnaires and scores")).click()
    expect(page.get_by_role("heading", name=f"Questionnaires — {alice}")).to_be_visible()
    expect(page.locator("#irls-mode")).to_contain_text("The clinician enters the ten IRLS")
    desk.close()
