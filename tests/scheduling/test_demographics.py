# SPDX-License-Identifier: AGPL-3.0-or-later
"""Full demographics: phone numbers as E.164, email optional, contact details in the portal."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from helpers import at, kind, login, next_weekday
from nervepath.accounts.models import Patient, User
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling.models import Appointment

pytestmark = pytest.mark.booking

RECORD = {
    "first_name": "Pat",
    "last_name": "Phoneonly",
    "email": "",
    "date_of_birth": "1958-07-19",
    "sex": "female",
    "phone": "(970) 555-0123",
    "home_phone": "",
    "address_line": "12 Elm Street",
    "city": "Loveland",
    "state": "CO",
    "postal_code": "80537",
    "preferred_language": "Spanish",
    "emergency_contact_name": "Jo Phoneonly",
    "emergency_contact_phone": "+44 20 7946 0958",
    "referring_doctor": "Dr. Reyes",
    "insurance_payer": "Acme Health",
    "insurance_member_id": "XJ-1234",
}


def test_the_front_desk_adds_a_phone_only_patient_and_books_them(
    client, clinic, hale, frontdesk, django_capture_on_commit_callbacks
):
    login(client, frontdesk)
    response = client.post(reverse("scheduling:patient_new"), RECORD)
    assert response.status_code == 302
    patient = Patient.objects.get(user__last_name="Phoneonly")
    assert patient.user.email is None and patient.email == ""
    assert patient.phone == "+19705550123"
    assert patient.emergency_contact_phone == "+442079460958"
    assert (patient.insurance_payer, patient.insurance_member_id) == ("Acme Health", "XJ-1234")
    assert AuditEvent.objects.filter(action=Action.CREATE, patient_id=patient.pk).exists()
    fc = clinic["fort-collins"]
    start = at(fc, next_weekday(0), "10:00")
    url = reverse("scheduling:desk_book", args=[fc.slug])
    params = {"clinician": hale.id, "start": start.isoformat()}
    html = client.post(url, {**params, "q": "970-555-0123"}).content.decode()
    assert "Book Pat Phoneonly" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            url, {**params, "patient": patient.pk, "appointment_type": kind("follow-up").pk}
        )
    assert response.status_code == 302 and callbacks  # the after-booking work ran
    appt = Appointment.objects.get(patient=patient)
    assert mail.outbox == []
    page = client.get(reverse("scheduling:confirmation", args=[appt.pk])).content.decode()
    assert "Pat Phoneonly" in page and fc.phone in page
    # The paper is the patient's: in the language on their record (Spanish here).
    assert "su cita" in page and "Para cambiarla o cancelarla" in page and "minutos)" in page
    assert f"llame al {fc.phone}" in page and "your appointment" not in page
    patient.preferred_language = "English"
    patient.save()
    page = client.get(reverse("scheduling:confirmation", args=[appt.pk])).content.decode()
    assert "your appointment" in page and "minutes)" in page and f"call {fc.phone}" in page


def test_a_second_phone_only_patient_does_not_clash_on_the_empty_email(client, clinic, frontdesk):
    login(client, frontdesk)
    client.post(reverse("scheduling:patient_new"), RECORD)
    client.post(
        reverse("scheduling:patient_new"),
        {**RECORD, "first_name": "Sam", "phone": "970 555 0124"},
    )
    assert User.objects.filter(email__isnull=True).count() == 2


def test_bad_phone_numbers_and_no_way_to_reach_are_refused(client, clinic, frontdesk):
    login(client, frontdesk)
    response = client.post(reverse("scheduling:patient_new"), {**RECORD, "phone": "12"})
    assert response.status_code == 400
    assert "is not" in response.content.decode() and "phone number" in response.content.decode()
    response = client.post(
        reverse("scheduling:patient_new"),
        {**RECORD, "phone": "", "emergency_contact_phone": ""},
    )
    assert response.status_code == 400
    assert "at least one way to reach" in response.content.decode()
    assert not Patient.objects.filter(user__last_name="Phoneonly").exists()


def test_a_patient_corrects_their_own_contact_details(client, clinic, alice):
    login(client, alice.user)
    url = reverse("scheduling:portal_contact")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"phone": "303 555 0199", "city": "Boulder", "emergency_contact_name": "Al"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.phone, alice.city) == ("+13035550199", "Boulder")
    response = client.post(url, {"phone": "not a phone"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.phone == "+13035550199"


def test_staff_cannot_use_the_portal_contact_page_and_patients_cannot_add_patients(
    client, clinic, alice, frontdesk
):
    login(client, frontdesk)
    assert client.get(reverse("scheduling:portal_contact")).status_code == 404
    login(client, alice.user)
    assert client.get(reverse("scheduling:patient_new")).status_code == 403
