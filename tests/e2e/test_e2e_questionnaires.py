# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient fills the intake IRLS on a phone-sized screen and submits; the clinician who
has her visit sees the total and its band on the summary."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from helpers import at, kind, next_weekday
from nervepath.assessment.models import Request, Response
from nervepath.demo import assessment as demo
from nervepath.scheduling import services
from nervepath.scheduling.models import Source

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
PATIENT_PASSWORD = "correct-horse-battery"  # tests/conftest.py patients
# IRLS answers 3,3,2,2,3,2,2,1,2,2: total 22, "severe" (21–30, Walters 2003).
CHOICES = [3, 3, 2, 2, 3, 2, 2, 1, 2, 2]


def test_patient_fills_the_intake_on_a_phone_and_the_clinician_sees_the_score(
    browser: Browser, site, clinic, alice, hale, frontdesk, sign_in
):
    demo.configure_types()
    fort = clinic["fort-collins"]
    appointment = services.book(
        services.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    assert Request.objects.filter(appointment=appointment).count() == 7

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, "alice@example.org", PATIENT_PASSWORD)
    page.goto(f"{site}/portal/")
    page.get_by_role("link", name="My questionnaires").first.click()
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    page.get_by_role("link", name=re.compile("^IRLS rating scale")).click()
    expect(page.get_by_role("heading", name=re.compile("^IRLS rating scale"))).to_be_visible()
    # One column: the choices fill the phone's width and are big enough to tap.
    first = page.locator("label.choice").first
    box = first.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] > 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    for number, value in enumerate(CHOICES[:5], start=1):
        page.get_by_label(
            f"IRLS item {number} option {value} (licensed wording not loaded)"
        ).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    expect(page.get_by_label("IRLS item 5 option 3 (licensed wording not loaded)")).to_be_checked()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert").first).to_contain_text("(q6): is required and has no answer")
    for number, value in enumerate(CHOICES, start=1):
        page.get_by_label(
            f"IRLS item {number} option {value} (licensed wording not loaded)"
        ).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("is submitted")
    expect(page.get_by_text("IRLS total 22 of 40 (severe)")).to_be_visible()
    response = Response.objects.get(patient=alice, instrument_id="irls")
    assert response.result["total"] == 22
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, "dr.hale@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/appointments/{appointment.pk}/")
    page.get_by_role("link", name=re.compile("^Questionnaires and scores")).click()
    expect(page.get_by_role("heading", name=f"Questionnaires — {alice}")).to_be_visible()
    row = page.locator("#score-irls")
    expect(row.locator(".total")).to_have_text("22")
    expect(row.locator(".band")).to_have_text("severe")
    plot = row.get_by_role("img")
    expect(plot).to_be_visible()
    # The plot is an access-checked SVG that the browser really draws.
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=plot.element_handle()
    )
    row.get_by_role("link", name="answers").click()
    expect(page.get_by_role("cell", name="q1", exact=True)).to_be_visible()
    desk.close()
