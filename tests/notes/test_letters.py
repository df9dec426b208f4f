# SPDX-License-Identifier: AGPL-3.0-or-later
"""Letters from a signed note: one page with the clinic's letterhead, stored in the
patient's documents, mailed where the doctor has a secure address, else to print."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from nervepath.documents.models import Document, Kind
from nervepath.notes import letters, services
from nervepath.notes.models import LetterDelivery, PatientReferral, ReferringDoctor


@pytest.fixture
def doctor(alice, frontdesk):
    doc = ReferringDoctor.objects.create(
        name="Dr Ruth Ellis",
        practice="Poudre Valley Family Medicine",
        phone="(970) 555-0110",
        fax="(970) 555-0111",
        address="100 Main Street\nFort Collins, CO 80521",
        secure_email="ellis@direct.example.org",
    )
    PatientReferral.objects.create(
        patient=alice, doctor=doc, since=timezone.localdate(), created_by=frontdesk
    )
    return doc


@pytest.fixture
def signed_note(alice, hale, irls, todays_visit):
    note = services.start_note(
        alice,
        template=services.template_for(todays_visit),
        author=hale.user,
        appointment=todays_visit,
    )
    findings = {"right": {"tunnels": {"common_peroneal": {"tinel": "positive"}}, "monofilament": 6}}
    services.save_draft(
        note,
        texts={
            "reason": "Restless legs",
            "present_history": note.present_history,
            "examination_text": "Tender at the right fibular neck.",
            "assessment": "Common peroneal compression, right. " * 40,
            "plan": "Diagnostic block of the right common peroneal nerve. " * 40,
        },
        examination=findings,
        by=hale.user,
    )
    return services.sign(note, by=hale.user)


def _pages(body: bytes) -> list:
    pdf = pdfium.PdfDocument(io.BytesIO(body))
    return [pdf[i] for i in range(len(pdf))]


def test_the_letter_is_one_page_with_the_letterhead(signed_note, doctor, hale, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "CLINIC_NAME": "Front Range Nerve Clinic"}
    letter = letters.write_letter(signed_note, doctor=doctor, by=hale.user, mail=False)
    document = letter.document
    assert document.kind == Kind.LETTER and document.patient_id == signed_note.patient_id
    from django.core.files.storage import default_storage

    with default_storage.open(document.storage_name, "rb") as fh:
        body = fh.read()
    pages = _pages(body)
    assert len(pages) == 1  # a long assessment and plan still fit
    text = pages[0].get_textpage().get_text_range()
    assert "Front Range Nerve Clinic" in text
    assert "1200 Centre Avenue" in text  # the visit's location under the clinic's name
    assert "Dr Ruth Ellis" in text and "Re: Alice Archer" in text
    assert "Tinel sign" in text
    assert "24 of 40" in text  # the questionnaire quoted in the note
    image = pages[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    # The letterhead: dark ink in the top band of the page, under the top margin.
    band = image.crop((0, int(height * 0.05), width, int(height * 0.12)))
    assert band.getextrema()[0] < 120
    # And the page is not blank below it.
    body_band = image.crop((0, int(height * 0.2), width, int(height * 0.6)))
    assert body_band.getextrema()[0] < 120


def test_a_doctor_with_a_secure_address_gets_it_by_mail(
    signed_note, doctor, hale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = letters.write_letter(signed_note, doctor=doctor, by=hale.user)
    assert letter.delivery == LetterDelivery.MAIL and letter.sent_to == doctor.secure_email
    (message,) = mail.outbox
    assert message.to == [doctor.secure_email]
    assert "Alice" not in message.subject and "Alice" not in message.body
    (attachment,) = message.attachments
    assert attachment[1].startswith(b"%PDF-")


def test_without_a_secure_address_the_letter_waits_to_print(
    signed_note, doctor, hale_client, alice
):
    doctor.secure_email = ""
    doctor.save()
    response = hale_client.post(
        reverse("notes:letter", args=[alice.pk, signed_note.pk]),
        {"doctor": doctor.pk, "mail": "on"},
    )
    assert response.status_code == 302
    (letter,) = signed_note.letters.all()
    assert letter.delivery == LetterDelivery.PRINT and not mail.outbox
    documents = hale_client.get(reverse("documents:patient", args=[alice.pk])).content.decode()
    assert "Letter to Dr Ruth Ellis" in documents


def test_a_draft_or_an_unlinked_doctor_gets_no_letter(alice, hale, todays_visit, doctor):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    with pytest.raises(services.NotesError, match="Sign the note"):
        letters.write_letter(note, doctor=doctor, by=hale.user)
    services.save_draft(note, texts={"plan": "p"}, examination={}, by=hale.user)
    note = services.sign(note, by=hale.user)
    stranger = ReferringDoctor.objects.create(name="Dr Nobody")
    with pytest.raises(services.NotesError, match="not among"):
        letters.write_letter(note, doctor=stranger, by=hale.user)
    assert not Document.objects.filter(kind=Kind.LETTER).exists()


def test_after_surgery_the_letter_names_the_tunnels_and_the_monitoring(
    signed_note, doctor, hale, alice, clinic
):
    from nervepath.pathway import surgery

    done = surgery.record_surgery(
        alice,
        leg="right",
        operated_on=signed_note.visit_date - timedelta(days=20),
        surgeon=hale,
        location=clinic["fort-collins"],
        tunnels=["common_peroneal", "tibial"],
        status="done",
        by=hale.user,
    )
    surgery.enter_readings(
        done,
        {("common_peroneal", "before"): (50.0, 4.1), ("common_peroneal", "after"): (140.0, 3.8)},
        by=hale.user,
    )
    content = letters.content(signed_note, doctor, letters.LetterTemplate.objects.get())
    (section,) = [lines for heading, lines in content.sections if heading == "Surgery"]
    assert "common peroneal" in section[0].lower() and "tibial" in section[0].lower()
    assert "+180 %" in section[0]


def test_a_letter_that_cannot_be_recorded_leaves_no_file_behind(
    signed_note, doctor, hale, monkeypatch
):
    from django.core.files.storage import default_storage

    made: list = []

    def add_and_remember(*args, **kwargs):
        document = letters_add_document(*args, **kwargs)
        made.append(document.storage_name)
        return document

    letters_add_document = letters.add_document
    monkeypatch.setattr(letters, "add_document", add_and_remember)

    def refuse(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(letters.Letter, "save", refuse)
    with pytest.raises(RuntimeError):
        letters.write_letter(signed_note, doctor=doctor, by=hale.user, mail=False)
    (name,) = made
    assert not default_storage.exists(name)
    assert not Document.objects.filter(kind=Kind.LETTER).exists()
