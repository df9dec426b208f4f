# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 19, section 5: a patient reports an urgent symptom on her phone and reads the
cited advice at once; the clinician caring for her finds the alert in the staff inbox
(badge in the navigation) without waiting for anything, the message to him is in the
outbox, the escalation run is queued on the task worker, and his acknowledgement is
recorded and audited."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Browser, expect

from helpers import at, kind, next_weekday
from nervepath.audit.models import Action, AuditEvent
from nervepath.demo import assessment as demo
from nervepath.inbox import services as inbox
from nervepath.inbox.models import InboxItem
from nervepath.scheduling import services
from nervepath.scheduling.models import Source

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"
PATIENT_PASSWORD = "correct-horse-battery"


def test_an_urgent_symptom_reaches_the_care_team_and_is_acknowledged(
    browser: Browser, site, clinic, alice, hale, frontdesk, sign_in, settings, monkeypatch
):
    settings.NERVEPATH = {**settings.NERVEPATH, "ON_CALL_EMAIL": "oncall@example.org"}
    monkeypatch.setattr(inbox, "in_clinic_hours", lambda when: True)
    demo.configure_types()
    fort = clinic["fort-collins"]
    services.book(
        services.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
    )
    mail.outbox.clear()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, "alice@example.org", PATIENT_PASSWORD)
    page.goto(f"{site}/portal/questionnaires/")
    page.get_by_role("link", name="Your health and medicines").click()
    answers = {
        "family_history": "No",
        "diabetes": "No",
        "progressive_weakness": "Yes",
        "slurred_speech": "No",
        "swallowing_difficulty": "Yes",
    }
    for question, label in answers.items():
        page.locator(f"#q-{question}").get_by_text(label, exact=True).click()
    page.locator("#q-caffeine_cups input").fill("1")
    page.locator("#q-alcohol_drinks input").fill("0")
    page.locator("#q-medications").get_by_text("None of these").click()
    page.locator("#q-symptom_sites").get_by_text("Feet").click()
    page.locator("#q-main_site").get_by_text("Feet").click()
    page.get_by_role("button", name="Submit").click()
    advice = page.locator("section.advice")
    expect(advice).to_contain_text("please call the clinic today")
    expect(advice).to_contain_text("call 911 or go to the nearest emergency department now")
    expect(advice).to_contain_text("NICE guideline NG127")
    phone.close()

    item = InboxItem.objects.get(patient=alice, code="neuro_urgent")
    (message,) = mail.outbox
    assert message.to == [hale.user.email] and f"record {alice.pk}" in message.subject
    assert DBTaskResult.objects.filter(
        task_path__endswith="escalate_overdue", status="READY", run_after=item.ack_due_at
    ).exists()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, "dr.hale@demo.nervepath.org", DEMO_PASSWORD)
    badge = page.locator("#nav-inbox .badge")
    expect(badge).to_have_text("1")
    page.locator("#nav-inbox").click()
    entry = page.locator(f"#item-{item.pk}")
    expect(entry).to_contain_text("Urgent: act today")
    expect(entry).to_contain_text("Progressive weakness, slurred speech or difficulty swallowing")
    entry.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    expect(page.locator("#nav-inbox .badge")).to_have_count(0)
    desk.close()
    item.refresh_from_db()
    assert item.acknowledged_by == hale.user and item.acknowledged_at is not None
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor_id=hale.user.pk, object_id=str(item.pk)
    ).exists()
    assert inbox.escalate_overdue(item.ack_due_at) == 0  # acknowledged: never escalated
