# SPDX-License-Identifier: AGPL-3.0-or-later
"""Referral intake (issue 20): the front desk uploads a referral, confirms the patient
(a match is shown, never merged silently), the document is filed, the referring doctor
linked, and "book a new-patient visit" waits in the inbox until such a visit is booked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.accounts.models import Patient
from nervepath.audit.models import Action, AuditEvent
from nervepath.documents.models import Document
from nervepath.inbox.models import InboxItem, Kind
from nervepath.notes.models import IntakeStatus, ReferralIntake, ReferringDoctor
from nervepath.scheduling import services
from nervepath.scheduling.models import Source

PDF = b"%PDF-1.4\nReferral for nerve pain at night\n%%EOF\n"


@pytest.fixture
def doctor(clinic) -> ReferringDoctor:
    return ReferringDoctor.objects.create(name="Dr Ruth Imler", practice="Poudre Family Practice")


def _upload(client: Client, **fields: Any) -> Any:
    data = {
        "title": "Referral letter",
        "received_on": "2020-01-06",
        "first_name": "Dana",
        "last_name": "Quill",
        "date_of_birth": "1958-04-02",
        "email": "",
        "phone": "",
        "doctor": "",
        "doctor_name": "",
        "doctor_practice": "",
        "doctor_phone": "",
        "doctor_fax": "",
        "file": SimpleUploadedFile("referral.pdf", PDF, content_type="application/pdf"),
    }
    data.update(fields)
    return client.post(reverse("notes:intake_new"), data)


def test_a_new_patient_referral_is_filed_and_waits_for_a_new_patient_visit(
    clinic, frontdesk, hale, doctor, django_capture_on_commit_callbacks
):
    desk = login(Client(), frontdesk)
    response = _upload(desk, doctor=str(doctor.pk), phone="970-555-0142")
    assert response.status_code == 302, response.content.decode()[:3000]
    intake = ReferralIntake.objects.get()
    assert intake.status == IntakeStatus.PENDING and intake.phone == "+19705550142"
    page = desk.get(response["Location"]).content.decode()
    assert "No existing patient matches" in page
    filed = desk.post(response["Location"], {"op": "file", "patient": "new"})
    assert filed.status_code == 302
    intake.refresh_from_db()
    patient = intake.patient
    assert intake.status == IntakeStatus.FILED and intake.created_patient
    assert (patient.user.first_name, patient.user.last_name) == ("Dana", "Quill")
    assert patient.date_of_birth == date(1958, 4, 2) and patient.user.email is None
    document = Document.objects.get(patient=patient)
    assert document.kind == "referral" and document == intake.document
    assert patient.referrals.get().doctor == doctor
    item = InboxItem.objects.get(kind=Kind.REFERRAL, patient=patient)
    assert item.is_open and "Dr Ruth Imler" in item.title
    assert AuditEvent.objects.filter(
        action=Action.CREATE, actor_id=frontdesk.pk, patient_id=patient.pk
    ).exists()
    # The front desk sees it in its inbox; the clinician does not (not their kind).
    assert f'id="item-{item.pk}"' in desk.get(reverse("inbox:list")).content.decode()
    # A follow-up visit does not close it; a new-patient visit does.
    fc = clinic["fort-collins"]
    day = next_weekday(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.book(
            services.Request(kind("follow-up"), fc, hale, at(fc, day, "09:00")),
            patient,
            by=frontdesk,
            source=Source.STAFF,
        )
    item.refresh_from_db()
    assert item.is_open
    with django_capture_on_commit_callbacks(execute=True):
        services.book(
            services.Request(kind("new-patient"), fc, hale, at(fc, day, "13:00")),
            patient,
            by=frontdesk,
            source=Source.STAFF,
        )
    item.refresh_from_db()
    assert item.resolved_at is not None


def test_a_match_is_shown_and_confirmed_never_merged_silently(clinic, frontdesk, alice, doctor):
    alice.date_of_birth = date(1961, 3, 14)
    alice.phone = "+19705550199"
    alice.save()
    desk = login(Client(), frontdesk)
    patients = Patient.objects.count()
    # Same name and birth date as Alice, and a new doctor typed in.
    response = _upload(
        desk,
        first_name=alice.user.first_name,
        last_name=alice.user.last_name.upper(),
        date_of_birth="1961-03-14",
        doctor_name="Dr Tom Vale",
        doctor_practice="Vale Podiatry",
    )
    assert response.status_code == 302
    url = response["Location"]
    page = desk.get(url).content.decode()
    assert f'id="match-{alice.pk}"' in page and "same name and date of birth" in page
    # "New patient" without confirming that no match is this person: refused.
    refused = desk.post(url, {"op": "file", "patient": "new"})
    assert refused.status_code == 400
    assert "tick that none of them is this person" in refused.content.decode()
    # An id that is not one of the matches shown: refused.
    assert desk.post(url, {"op": "file", "patient": "999999"}).status_code == 400
    assert ReferralIntake.objects.get().status == IntakeStatus.PENDING
    assert Patient.objects.count() == patients
    # Confirmed: filed into Alice's record, and the new doctor is on the list.
    assert desk.post(url, {"op": "file", "patient": str(alice.pk)}).status_code == 302
    intake = ReferralIntake.objects.get()
    assert intake.patient == alice and not intake.created_patient
    assert ReferringDoctor.objects.filter(name="Dr Tom Vale").exists()
    assert alice.referrals.get().doctor.name == "Dr Tom Vale"
    assert Document.objects.filter(patient=alice, kind="referral").count() == 1
    # Filed twice? No.
    again = desk.post(url, {"op": "file", "patient": str(alice.pk)})
    assert again.status_code == 400 and "already filed" in again.content.decode()
    assert Document.objects.filter(patient=alice).count() == 1


def test_a_new_record_with_an_email_someone_has_is_refused(clinic, frontdesk, alice, doctor):
    desk = login(Client(), frontdesk)
    patients = Patient.objects.count()
    response = _upload(desk, email=alice.email.upper(), doctor=str(doctor.pk))
    url = response["Location"]
    assert f'id="match-{alice.pk}"' in desk.get(url).content.decode()
    refused = desk.post(url, {"op": "file", "patient": "new", "confirm_new": "yes"})
    assert refused.status_code == 400
    assert "Someone already has this email" in refused.content.decode()
    assert Patient.objects.count() == patients and not Document.objects.exists()


def test_bad_uploads_and_bad_details_change_nothing(clinic, frontdesk, doctor):
    desk = login(Client(), frontdesk)
    fake = SimpleUploadedFile("referral.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = _upload(desk, doctor=str(doctor.pk), file=fake)
    assert response.status_code == 400
    assert "Only PDF, PNG and JPEG files can be added." in response.content.decode()
    both = _upload(desk, doctor=str(doctor.pk), doctor_name="Dr Other")
    assert "not both" in both.content.decode()
    neither = _upload(desk)
    assert "Pick the referring doctor, or add them below." in neither.content.decode()
    future = _upload(desk, doctor=str(doctor.pk), date_of_birth="2999-01-01")
    assert "The date of birth is in the future." in future.content.decode()
    phone = _upload(desk, doctor=str(doctor.pk), phone="12")
    assert "is not" in phone.content.decode() and phone.status_code == 400
    assert not ReferralIntake.objects.exists()
    assert ReferringDoctor.objects.count() == 1


def test_who_may_take_referrals_in_and_see_them(
    clinic, frontdesk, admin_user, hale, lindqvist, alice, researcher, doctor
):
    desk = login(Client(), frontdesk)
    url = _upload(desk, doctor=str(doctor.pk))["Location"]
    for user in (hale.user, lindqvist.user, researcher):
        client = login(Client(), user)
        assert client.get(reverse("notes:intake_new")).status_code == 403
        assert client.get(url).status_code == 403
    assert login(Client(), alice.user).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to sign in
    admin = login(Client(), admin_user)
    assert admin.get(url).status_code == 200
    assert admin.get(reverse("notes:intake", args=[999999])).status_code == 404
    # Discarded: gone, its file too.
    intake = ReferralIntake.objects.get()
    assert desk.post(url, {"op": "discard"}).status_code == 302
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DISCARDED
    assert desk.get(url).status_code == 404
