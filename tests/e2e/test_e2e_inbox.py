# SPDX-License-Identifier: AGPL-3.0-or-later
"""The work inbox in a browser (issue 18) and referral intake (issue 20): the front desk
takes a referral in, finds "book a new-patient visit" in its inbox (the badge counts
it) and marks a follow-up done; a clinician sees urgent items first; axe-core finds no
serious or critical violation on the inbox and the intake pages at desktop and phone
sizes."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from nervepath.access.models import CareAssignment
from nervepath.audit.models import Action, AuditEvent
from nervepath.inbox.models import InboxItem, Kind, Urgency
from nervepath.notes.models import ReferralIntake, ReferringDoctor

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"  # published demo login (seed_demo)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\nReferral: burning feet at night\n%%EOF\n"


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_front_desk_takes_a_referral_in_and_works_its_inbox(
    page: Page, site, clinic, alice, frontdesk, sign_in
):
    ReferringDoctor.objects.create(name="Dr Ruth Imler", practice="Poudre Family Practice")
    follow_up = InboxItem.objects.create(
        kind=Kind.FOLLOW_UP,
        patient=alice,
        urgency=Urgency.ROUTINE,
        title="2 weeks follow-up visit to book",
        link="/staff/",
    )
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    expect(page.locator("#nav-inbox .badge")).to_have_text("1")
    page.locator("#nav-inbox").click()
    page.get_by_role("link", name="Take a referral in").click()
    page.get_by_label("Referral document (PDF, PNG or JPEG)").set_input_files(
        files={"name": "referral.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("Patient's first name").fill("Dana")
    page.get_by_label("Patient's last name").fill("Quill")
    page.get_by_label("Date of birth").fill("1958-04-02")
    page.get_by_label("Referring doctor from the list").select_option(
        label="Dr Ruth Imler, Poudre Family Practice"
    )
    page.get_by_role("button", name="Upload and find the patient").click()
    expect(page.get_by_role("heading", name="Referral from Dr Ruth Imler")).to_be_visible()
    expect(page.locator("#file-form")).to_contain_text("No existing patient matches")
    page.get_by_role("button", name="File the referral").click()
    expect(page.get_by_role("status")).to_contain_text("Referral filed")
    intake = ReferralIntake.objects.get()
    assert intake.patient is not None and intake.document is not None
    # Two open items now: the referral and the follow-up.
    expect(page.locator("#nav-inbox .badge")).to_have_text("2")
    page.get_by_role("link", name="Book the new-patient visit from the inbox").click()
    referral = InboxItem.objects.get(kind=Kind.REFERRAL)
    expect(page.locator(f"#item-{referral.pk}")).to_contain_text("Dr Ruth Imler")
    expect(page.locator(f"#item-{follow_up.pk}")).to_have_count(0)  # filtered to referrals
    page.get_by_role("link", name=re.compile(r"^All")).click()
    entry = page.locator(f"#item-{follow_up.pk}")
    expect(entry.get_by_role("link", name=re.compile("Handle it"))).to_have_attribute(
        "href", "/staff/"
    )
    entry.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("Marked done")
    expect(page.locator(f"#closed-{follow_up.pk}")).to_contain_text("Done by")
    expect(page.locator("#nav-inbox .badge")).to_have_text("1")
    follow_up.refresh_from_db()
    assert follow_up.acknowledged_by == frontdesk
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor_id=frontdesk.pk, object_id=str(follow_up.pk)
    ).exists()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_inbox_and_intake_pages_pass_axe(
    page: Page, site, clinic, alice, hale, frontdesk, sign_in, size
):
    CareAssignment.objects.create(clinician=hale.user, patient=alice, assigned_by=frontdesk)
    routine = InboxItem.objects.create(
        kind=Kind.DIARY_MISSING,
        patient=alice,
        urgency=Urgency.ROUTINE,
        title="Relief diary misses 2 day(s)",
        link=f"/staff/patients/{alice.pk}/blocks/",
    )
    urgent = InboxItem.objects.create(
        kind=Kind.RED_FLAG,
        patient=alice,
        urgency=Urgency.URGENT,
        title="Neuro urgent",
        body="Progressive weakness reported.",
    )
    InboxItem.objects.create(
        kind=Kind.WAITLIST_OFFER,
        patient=alice,
        urgency=Urgency.ROUTINE,
        title="Waitlist offer not answered yet",
        link="/staff/",
    )
    page.set_viewport_size(size)
    sign_in(page, "dr.hale@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/inbox/")
    items = page.locator("ul.inbox > li")
    expect(items).to_have_count(2)  # the waitlist offer is the front desk's
    expect(items.first).to_have_id(f"item-{urgent.pk}")
    expect(items.nth(1)).to_have_id(f"item-{routine.pk}")
    assert _serious(page) == []

    page.context.clear_cookies()
    sign_in(page, "frontdesk@demo.nervepath.org", DEMO_PASSWORD)
    page.goto(f"{site}/staff/inbox/")
    expect(page.locator("ul.inbox > li")).to_have_count(1)
    assert _serious(page) == []
    page.goto(f"{site}/staff/referrals/")
    expect(page.get_by_role("heading", name="New referral")).to_be_visible()
    assert _serious(page) == []
    # The error state of the form too.
    page.get_by_role("button", name="Upload and find the patient").click()
    expect(page.locator(".error").first).to_be_visible()
    assert _serious(page) == []
