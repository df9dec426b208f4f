# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's notes in Chromium (issue 20's six steps): Dr Hale opens today's visit
and writes a new-patient note from the template, with the latest IRLS score quoted; he
records the leg examination (the draft autosaves) and signs; adds an addendum; writes the
letter to the referring doctor and finds the PDF in the documents; Alice signs the
surgery consent on her phone (typed name and a drawn signature), Dr Hale witnesses it and
the surgery page shows it on file; the front desk sees the note listed, not its text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from nervepath.assessment import services as questionnaires
from nervepath.demo import assessment as demo
from nervepath.notes import consent, defaults
from nervepath.notes.models import (
    Consent,
    ConsentStatus,
    ConsentTemplate,
    NoteStatus,
    NoteTemplate,
    PatientReferral,
    ReferringDoctor,
    VisitNote,
)
from nervepath.pathway import surgery
from notes.conftest import visit

pytestmark = pytest.mark.e2e

STAFF_PASSWORD = "demo-password-2026"
PASSWORD = "correct-horse-battery"
PLAN = "Diagnostic block of the right common peroneal nerve, then review."


@pytest.fixture
def pages(browser: Browser) -> Iterator[tuple[Page, Page, Page]]:
    """The clinician's desk, the patient's phone and the front desk (separate sessions)."""
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    contexts = [browser.new_context(), phone, browser.new_context()]
    try:
        yield tuple(c.new_page() for c in contexts)  # type: ignore[misc]
    finally:
        for c in contexts:
            c.close()


def test_visit_note_letter_and_consent(
    site: str, sign_in: Callable[[Page, str, str], None], pages, clinic, alice, hale, frontdesk
) -> None:
    doctor_page, phone, desk = pages
    defaults.install(apps)  # the live server's database is flushed between tests
    fort = clinic["fort-collins"]
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)
    todays = visit(alice, hale, fort, "new-patient", start)
    answered = timezone.now() - timedelta(days=9)
    questionnaires.record_response(alice, "irls", demo.irls(24), by=alice.user, when=answered)
    referrer = ReferringDoctor.objects.create(
        name="Dr Ruth Ellis", practice="Poudre Valley Family Medicine", fax="(970) 555-0111"
    )
    PatientReferral.objects.create(
        patient=alice, doctor=referrer, since=timezone.localdate(), created_by=frontdesk
    )
    planned = surgery.record_surgery(
        alice,
        leg="right",
        operated_on=timezone.localdate() + timedelta(days=14),
        surgeon=hale,
        location=fort,
        tunnels=["common_peroneal", "tibial"],
        status="planned",
        by=hale.user,
    )

    # 1. Today's visit → a new-patient note from the template, scores prefilled.
    sign_in(doctor_page, hale.user.email, STAFF_PASSWORD)
    doctor_page.goto(f"{site}/staff/appointments/{todays.pk}/")
    doctor_page.get_by_role("link", name="Visit note").click()
    expect(doctor_page.get_by_label("Template")).to_have_value(
        str(NoteTemplate.objects.get(slug="new-patient").pk)
    )
    doctor_page.get_by_role("button", name="Start the draft").click()
    expect(doctor_page.get_by_text("Draft started from the template.")).to_be_visible()
    day = timezone.localtime(answered)
    expect(doctor_page.get_by_label("History")).to_have_value(
        re.compile(re.escape(f"24 of 40 (severe), {day:%b} {day.day}, {day:%Y}"))
    )
    note = VisitNote.objects.get(patient=alice)
    assert note.appointment_id == todays.pk

    # 2. The leg examination; the draft autosaves (static script, strict CSP); sign.
    rows = doctor_page.locator("table.exam tbody tr")
    tinel = rows.filter(has_text="Common peroneal nerve at the fibular neck: Tinel sign")
    tinel.locator("select").nth(1).select_option("positive")
    monofilament = rows.filter(has_text="10 g monofilament")
    monofilament.locator("input").nth(1).fill("6")
    reflex = rows.filter(has_text="Ankle reflex")
    reflex.locator("select").nth(0).select_option("reinforcement")
    doctor_page.get_by_label("Assessment").fill("Compression of the right common peroneal nerve.")
    doctor_page.get_by_label("Plan").fill(PLAN)
    expect(doctor_page.locator("#autosave-status")).to_have_text(re.compile("Saved at"))
    note.refresh_from_db()
    assert note.plan == PLAN and note.status == NoteStatus.DRAFT
    assert note.examination["right"]["tunnels"]["common_peroneal"]["tinel"] == "positive"
    doctor_page.get_by_role("button", name="Sign the note").click()
    expect(doctor_page.locator("#signed")).to_contain_text("This note is locked")
    expect(doctor_page.locator("#exam-findings")).to_contain_text("6 of 10 felt")
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED
    assert note.examination["left"]["ankle_reflex"] == "reinforcement"

    # 3. An addendum, with why.
    doctor_page.get_by_label("Add an addendum").fill("Ferritin 31 ng/mL: start iron.")
    doctor_page.get_by_label("Why").fill("Lab result arrived after signing")
    doctor_page.get_by_role("button", name="Add the addendum").click()
    expect(doctor_page.locator("ol.addenda")).to_contain_text("Lab result arrived after signing")

    # 4. The letter to the referring doctor, found in the documents.
    doctor_page.get_by_role("button", name="Write the letter").click()
    expect(
        doctor_page.get_by_text("Letter stored in the documents, ready to print.")
    ).to_be_visible()
    doctor_page.goto(f"{site}/staff/patients/{alice.pk}/documents/")
    row = doctor_page.locator("tr", has_text="Letter to Dr Ruth Ellis")
    expect(row).to_be_visible()
    with doctor_page.expect_download() as download:
        row.get_by_role("link").first.click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    # 5. Alice signs the surgery consent on her phone; Dr Hale witnesses; on file.
    doctor_page.goto(f"{site}/staff/patients/{alice.pk}/consents/")
    doctor_page.get_by_label("Form").select_option(
        str(ConsentTemplate.objects.get(slug="surgery").pk)
    )
    doctor_page.get_by_label("Leg").select_option("right")
    doctor_page.get_by_label("Common peroneal nerve at the fibular neck").check()
    doctor_page.get_by_label("Tibial nerve at the soleal sling").check()
    doctor_page.get_by_role("button", name="Prepare").click()
    expect(doctor_page.locator("#consents")).to_contain_text("Waiting for the patient")
    doctor_page.goto(f"{site}/staff/patients/{alice.pk}/surgery/{planned.pk}/")
    expect(doctor_page.locator("#consent-on-file")).to_contain_text("No valid surgery consent")

    sign_in(phone, alice.user.email, PASSWORD)
    phone.goto(f"{site}/portal/consents/")
    phone.get_by_role("link", name="Consent to decompression surgery").click()
    phone.get_by_label("Type your full name").fill("Alice Archer")
    pad = phone.locator("canvas.signature-pad")
    expect(pad).to_be_visible()  # the script showed the pad
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 15)
    phone.mouse.up()
    phone.get_by_label("I have read this form and I consent").check()
    phone.get_by_role("button", name="Sign the form").click()
    expect(phone.locator("#consent-status")).to_contain_text("waiting for a witness")
    signed = Consent.objects.get(patient=alice, kind="surgery")
    assert bytes(signed.signature_png).startswith(b"\x89PNG") and signed.signed_via == "portal"

    doctor_page.goto(f"{site}/staff/patients/{alice.pk}/consents/{signed.pk}/")
    doctor_page.get_by_role("button", name="I witness this signature").click()
    expect(doctor_page.locator("#consent-status")).to_contain_text("The signed PDF")
    signed.refresh_from_db()
    assert signed.status == ConsentStatus.SIGNED and signed.document_id is not None
    doctor_page.goto(f"{site}/staff/patients/{alice.pk}/surgery/{planned.pk}/")
    expect(doctor_page.locator("#consent-on-file")).to_contain_text(
        "Consent on file: Consent to decompression surgery"
    )
    assert consent.on_file(alice, "surgery", leg="right", tunnels=planned.tunnels) == signed

    # 6. The front desk sees the note listed, never its text.
    sign_in(desk, frontdesk.email, STAFF_PASSWORD)
    desk.goto(f"{site}/staff/patients/{alice.pk}/notes/")
    expect(desk.locator("#notes")).to_contain_text("New-patient consultation")
    expect(desk.locator("#notes")).to_contain_text("Signed")
    assert PLAN not in desk.content() and "Ferritin" not in desk.content()
    response = desk.goto(f"{site}{note.get_absolute_url()}")
    assert response is not None and response.status == 403
