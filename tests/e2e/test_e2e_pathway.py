# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient's path in Chromium, with the clock moved forward: the clinician records a
nerve block; the patient keeps the relief diary day after day; the clinician sees a
likely surgical candidate and confirms it; the right leg is operated on with monitoring
readings; the left leg is booked three weeks later through the booking rules; and a few
days before the 2-week follow-up the outcome questionnaires reach the patient's portal.

The clock is moved with freezegun (``tick=True``: time runs on from the new instant);
the live server runs in this process, so its threads see the same clock. Playwright's
own timers are left on the real clock (``ignore``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time
from playwright.sync_api import Browser, Page, expect

from nervepath.assessment.models import Reason, Request
from nervepath.pathway import follow_ups
from nervepath.pathway.models import FollowUp, NerveBlock, ReliefEntry, Surgery, SurgeryStatus
from pathway.conftest import past_visit

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery"  # tests/conftest.py's patients
IGNORE = ["playwright", "asyncio", "greenlet", "pyee", "websockets"]


@pytest.fixture(autouse=True)
def _urls_loaded() -> None:
    """Import every URL module (and so the API's schema classes) on the real clock:
    pydantic refuses freezegun's datetime stand-in in a model built while frozen."""
    get_resolver().url_patterns  # noqa: B018


@contextmanager
def clock_at(day: date, clock: str = "10:00") -> Iterator[None]:
    """Move the clock to ``clock`` local time on ``day``; time runs on from there."""
    local = datetime.combine(day, time.fromisoformat(clock), tzinfo=timezone.get_current_timezone())
    with freeze_time(local, tick=True, ignore=IGNORE):
        yield


@pytest.fixture
def pages(browser: Browser) -> Iterator[tuple[Page, Page]]:
    """The clinician's and the patient's browsers (separate cookie jars)."""
    staff, patient = browser.new_context(), browser.new_context()
    try:
        yield staff.new_page(), patient.new_page()
    finally:
        staff.close()
        patient.close()


def test_block_to_follow_up_questionnaires(
    site: str, sign_in: Callable[[Page, str, str], None], pages, clinic, alice, hale
) -> None:
    doctor, patient = pages
    past_visit(alice, hale, clinic["fort-collins"], "new-patient", 20)
    start = timezone.localdate()

    # Day 1: Dr Hale records a block of the right leg at the fibular neck.
    with clock_at(start, "08:00"):
        sign_in(doctor, hale.user.email, "demo-password-2026")
        doctor.goto(f"{site}/staff/patients/{alice.pk}/")
        doctor.get_by_role("link", name="record a block").click()
        doctor.get_by_label("Date").fill(start.isoformat())
        doctor.get_by_label("Leg").select_option("right")
        doctor.get_by_label("Given by").select_option(label=str(hale.user.get_full_name()))
        doctor.get_by_label("Site 1").select_option("common_peroneal")
        doctor.get_by_label("Agent 1").fill("Lidocaine 1% + dexamethasone 4 mg")
        doctor.get_by_label("Volume 1 (mL)").fill("2")
        doctor.get_by_role("button", name="Record the block").click()
        expect(doctor.get_by_text("Lidocaine 1% + dexamethasone 4 mg")).to_be_visible()
    block = NerveBlock.objects.get(patient=alice)

    # Each evening for six days she notes her relief; days 7 and 8 she forgets. Her
    # session has long expired each evening, so she signs in again.
    for number, relief in enumerate([90, 85, 80, 70, 60, 55], start=1):
        with clock_at(start + timedelta(days=number - 1), "20:00"):
            sign_in(patient, alice.user.email, PASSWORD)
            patient.get_by_role("link", name="My diary").click()
            patient.get_by_role("link", name="Fill the diary").click()
            patient.get_by_label("Relief of your leg symptoms").fill(str(relief))
            patient.get_by_label("Hours you slept the night after this day").fill("7")
            patient.get_by_role("button", name="Save").click()
            expect(patient.get_by_role("cell", name=f"{relief} %")).to_be_visible()
    assert ReliefEntry.objects.filter(block=block).count() == 6

    # A day in the future cannot be filled: refused with a message, nothing stored.
    with clock_at(start + timedelta(days=6), "20:00"):
        sign_in(patient, alice.user.email, PASSWORD)
        patient.goto(f"{site}/portal/diary/{block.pk}/")
        patient.get_by_label("Day", exact=True).fill((start + timedelta(days=8)).isoformat())
        patient.get_by_label("Relief of your leg symptoms").fill("50")
        patient.get_by_label("Hours you slept the night after this day").fill("6")
        patient.get_by_role("button", name="Save").click()
        expect(patient.get_by_role("alert").first).to_contain_text("future")
    assert ReliefEntry.objects.filter(block=block).count() == 6

    # Day 9: six days of relief in a row: a likely candidate. Dr Hale confirms, then
    # operates on the right leg that day and enters the monitoring readings.
    surgery_day = start + timedelta(days=8)
    with clock_at(surgery_day, "07:30"):
        sign_in(doctor, hale.user.email, "demo-password-2026")
        doctor.goto(f"{site}/staff/patients/{alice.pk}/blocks/{block.pk}/")
        expect(doctor.get_by_text("Likely surgical candidate").first).to_be_visible()
        doctor.get_by_role("radio", name="Likely surgical candidate").check()
        doctor.get_by_role("button", name="Record the decision").click()
        expect(doctor.get_by_text("confirming nervepath's verdict")).to_be_visible()

        doctor.goto(f"{site}/staff/patients/{alice.pk}/surgery/new/")
        doctor.get_by_label("Leg", exact=True).select_option("right")
        doctor.get_by_label("Date", exact=True).fill(surgery_day.isoformat())
        doctor.get_by_label("Surgeon", exact=True).select_option(label=str(hale))
        doctor.get_by_label("Location", exact=True).select_option(label="Fort Collins")
        doctor.get_by_label("Common peroneal nerve (fibular neck)").check()
        doctor.get_by_label("Tibial nerve (soleal sling)").check()
        doctor.get_by_label("Status", exact=True).select_option("done")
        doctor.get_by_label("Findings", exact=True).fill(
            "Thick fascial band over the peroneal nerve"
        )
        doctor.get_by_role("button", name="Record the surgery").click()
        expect(
            doctor.get_by_role("heading", name="Intraoperative nerve monitoring")
        ).to_be_visible()
        doctor.get_by_text("Enter or correct the readings by hand").click()
        cpn = "Common peroneal nerve (fibular neck)"
        doctor.get_by_label(f"{cpn}, amplitude before (µV)").fill("50")
        doctor.get_by_label(f"{cpn}, latency before (ms)").fill("4.2")
        doctor.get_by_label(f"{cpn}, amplitude after (µV)").fill("140")
        doctor.get_by_label(f"{cpn}, latency after (ms)").fill("3.9")
        doctor.get_by_role("button", name="Save the readings").click()
        expect(doctor.get_by_text("+180 %").first).to_be_visible()

        # The left leg, from the first free time the booking rules allow.
        doctor.get_by_role("group", name="Schedule the other leg").get_by_role(
            "radio"
        ).first.check()
        doctor.get_by_role("button", name="Schedule the other leg").click()
    right = Surgery.objects.get(patient=alice, leg="right")
    left = Surgery.objects.get(patient=alice, leg="left")
    assert right.status == SurgeryStatus.DONE
    assert left.status == SurgeryStatus.PLANNED and left.first_leg == right
    assert left.appointment is not None
    assert (left.appointment.local_start.date() - surgery_day).days >= 21

    # The follow-ups are booking requests; five days before the 2-week one is due, the
    # morning run opens the outcome questionnaires and the patient finds them.
    two_weeks = FollowUp.objects.get(surgery=right, days_after=14)
    assert two_weeks.due_on == surgery_day + timedelta(days=14)
    with clock_at(two_weeks.due_on - timedelta(days=6), "07:00"):
        assert follow_ups.send_questionnaires() == 0
    with clock_at(two_weeks.due_on - timedelta(days=5), "07:00"):
        # The IRLS is the clinician's at the visit without its licensed wording (issue 19).
        assert follow_ups.send_questionnaires() == 2
        sign_in(patient, alice.user.email, PASSWORD)
        patient.get_by_role("navigation", name="Main").get_by_role(
            "link", name="My questionnaires"
        ).click()
        for title in ("Your pain", "Your sleep"):
            expect(
                patient.locator("ul.qlist").get_by_role("link", name=re.compile(title, re.I))
            ).to_be_visible()
        patient.goto(f"{site}/portal/follow-ups/")
        expect(patient.get_by_role("cell", name="2 weeks")).to_be_visible()
    opened = Request.objects.filter(patient=alice, reason=Reason.FOLLOW_UP)
    assert sorted(opened.values_list("instrument_id", flat=True)) == [
        "clinic_sleep",
        "pain_nrs",
    ]
    assert {r.due_date for r in opened} == {two_weeks.due_on}
