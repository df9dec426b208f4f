# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient list and record pages, the care team, emergency access and the calendar
as each role sees them."""

from __future__ import annotations

from django.urls import reverse

from helpers import login
from nervepath.access.models import CareAssignment, EmergencyAccess
from nervepath.audit.models import Action, AuditEvent
from nervepath.scheduling.models import Appointment, CareBasis, Status


def test_a_clinician_lists_only_their_patients(client, alice_record, bob, lindqvist, hale):
    login(client, hale.user)
    page = client.get(reverse("access:patients"))
    assert "Archer" in page.content.decode() and "Baker" not in page.content.decode()
    login(client, lindqvist.user)
    assert "Archer" not in client.get(reverse("access:patients")).content.decode()


def test_the_front_desk_finds_any_patient_and_each_listing_is_audited(
    client, alice_record, bob, frontdesk
):
    login(client, frontdesk)
    page = client.post(reverse("access:patients"), {"q": "bak"})
    assert "Baker" in page.content.decode() and "Archer" not in page.content.decode()
    listed = AuditEvent.objects.filter(action=Action.LIST, actor_id=frontdesk.pk)
    assert list(listed.values_list("patient_id", flat=True)) == [bob.pk]


def test_the_record_shows_history_to_clinicians_only(client, alice_record, hale, frontdesk):
    alice = alice_record["patient"]
    url = reverse("access:patient", args=[alice.pk])
    login(client, hale.user)
    page = client.get(url).content.decode()
    assert "970-555-0199" in page and "Changes to this record" in page
    login(client, frontdesk)
    page = client.get(url).content.decode()
    assert "970-555-0199" in page and "Changes to this record" not in page


def test_the_record_names_the_fields_each_change_touched_in_a_flat_number_of_queries(
    client, alice_record, hale, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alice = alice_record["patient"]
    url = reverse("access:patient", args=[alice.pk])
    login(client, hale.user)
    alice.phone = "970-555-0100"
    alice.save()
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "Changed: phone" in page
    for n in range(12):  # a dozen more versions of her record, each one a change of phone
        alice.phone = f"970-555-02{n:02d}"
        alice.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Changed: phone") == 13


def test_the_front_desk_assigns_a_clinician_who_then_sees_the_record(
    client, alice_record, lindqvist, frontdesk
):
    alice = alice_record["patient"]
    url = reverse("access:patient", args=[alice.pk])
    login(client, lindqvist.user)
    assert client.get(url).status_code == 404
    login(client, frontdesk)
    # Without a reason nothing is assigned.
    client.post(reverse("access:assign", args=[alice.pk]), {"clinician": lindqvist.user.pk})
    assert not CareAssignment.objects.filter(clinician=lindqvist.user).exists()
    client.post(
        reverse("access:assign", args=[alice.pk]),
        {"clinician": lindqvist.user.pk, "reason": "Referred for nerve testing"},
    )
    assignment = CareAssignment.objects.get(clinician=lindqvist.user, ended_at__isnull=True)
    assert assignment.reason == "Referred for nerve testing"
    assert assignment.assigned_by == frontdesk
    assert AuditEvent.objects.filter(
        action=Action.CREATE,
        actor_id=frontdesk.pk,
        patient_id=alice.pk,
        object_id=str(assignment.pk),
    ).exists()
    login(client, lindqvist.user)
    assert client.get(url).status_code == 200
    login(client, frontdesk)
    client.post(reverse("access:unassign", args=[alice.pk, assignment.pk]))
    login(client, lindqvist.user)
    assert client.get(url).status_code == 404


def test_assigning_a_non_clinician_is_refused(client, alice_record, frontdesk, bob):
    alice = alice_record["patient"]
    login(client, frontdesk)
    client.post(
        reverse("access:assign", args=[alice.pk]),
        {"clinician": bob.user.pk, "reason": "Referred for nerve testing"},
    )
    assert not CareAssignment.objects.filter(clinician=bob.user).exists()


def test_emergency_access_through_the_page(client, alice_record, lindqvist):
    alice = alice_record["patient"]
    login(client, lindqvist.user)
    url = reverse("access:emergency")
    short = client.post(url, {"record_number": alice.pk, "reason": "need it", "minutes": 30})
    assert "at least" in short.content.decode()
    unknown = client.post(
        url, {"record_number": 999999, "reason": "ER visit, acute weakness", "minutes": 30}
    )
    assert "No patient has this record number" in unknown.content.decode()
    assert not EmergencyAccess.objects.exists()
    opened = client.post(
        url, {"record_number": alice.pk, "reason": "ER visit, acute weakness", "minutes": 30}
    )
    assert opened.status_code == 302
    page = client.get(opened["Location"]).content.decode()
    assert "Emergency access until" in page and "970-555-0199" in page
    view = AuditEvent.objects.filter(action=Action.VIEW, actor_id=lindqvist.user.pk).last()
    assert view is not None and view.emergency and view.patient_id == alice.pk


def test_front_desk_cannot_break_the_glass(client, alice_record, frontdesk):
    login(client, frontdesk)
    assert client.get(reverse("access:emergency")).status_code == 403


def test_the_calendar_hides_names_of_patients_outside_a_clinicians_care(
    client, alice_record, lindqvist, hale
):
    url = reverse("scheduling:calendar", args=["fort-collins"])
    day = alice_record["appointment"].local_start.date().isoformat()
    login(client, lindqvist.user)
    page = client.get(url, {"date": day}).content.decode()
    assert "Archer" not in page and "Booked" in page
    login(client, hale.user)
    assert "Archer" in client.get(url, {"date": day}).content.decode()


def test_a_stranger_typing_a_known_email_holds_a_time_but_learns_nothing(client, alice_record):
    alice = alice_record["patient"]
    appointment = alice_record["appointment"]
    start = appointment.starts_at.replace(hour=appointment.starts_at.hour + 2)
    confirm = reverse("scheduling:book_confirm", args=["fort-collins", "follow-up"])
    response = client.post(
        confirm,
        {
            "start": start.isoformat(),
            "clinician": appointment.clinician_id,
            "first_name": "Mallory",
            "last_name": "Someone",
            "email": alice.email,
            "phone": "",
            "note": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "Check your email to confirm" in page
    assert "Archer" not in page and "/appointments/" not in page and alice.email not in page
    # Nothing is booked in her name until she confirms from her mailbox.
    held = Appointment.objects.get(patient=alice, starts_at=start)
    assert held.status == Status.HELD and held.care_basis == CareBasis.UNCONFIRMED


def test_the_history_covers_every_clinical_record_of_the_patient(client, alice_record, hale):
    """Models added by later apps (documents, questionnaires) appear without being listed."""
    alice = alice_record["patient"]
    login(client, hale.user)
    history = client.get(reverse("access:patient", args=[alice.pk])).context["history"]
    kinds = {h["what"] for h in history}
    assert {"patient", "appointment", "document"} <= kinds
