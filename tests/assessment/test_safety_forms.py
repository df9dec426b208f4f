# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 19, sections 2-4 in the app: no licensed questionnaire without its wording (the
IRLS is clinician-entered or off, a setting; the collection mode is recorded), fewer
questionnaires sent (only what patients fill, never within an instrument's interval),
and the clinician's part of the rules (criterion 5, the MPI checklist, the MNSI
examination) entered in the visit and shown on the summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpers import at, kind, login, next_weekday
from nervepath.assessment import services
from nervepath.assessment.models import CollectionMode, Reason, Request, Response
from nervepath.demo import assessment as demo
from nervepath.scheduling import services as booking
from nervepath.scheduling.models import Source
from nervepath.science import instruments
from nervepath.science.instruments.loader import PLACEHOLDER

from .conftest import IRLS_15, form


@pytest.fixture
def booked(configured, alice, hale, frontdesk, django_capture_on_commit_callbacks):
    """Alice's new-patient visit with Dr Hale, in a clinic without the IRLS licence."""
    fort = configured["fort-collins"]
    with django_capture_on_commit_callbacks(execute=True):
        appointment = booking.book(
            booking.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
            alice,
            by=frontdesk,
            source=Source.STAFF,
        )
    return appointment


@pytest.fixture
def hale_client(client, hale):
    login(client, hale.user)
    return client


def test_without_its_wording_the_irls_is_never_sent_to_a_patient(booked, alice):
    sent = set(Request.objects.filter(patient=alice).values_list("instrument_id", flat=True))
    assert sent == {"rls_diagnosis", "symptom_history", "mnsi", "pain_nrs", "clinic_sleep"}
    with pytest.raises(services.AssessmentError, match="not sent to patients"):
        services.send_now(alice, ["irls"], by=alice.user)
    # Even in self-report mode: without the licensed wording it stays with the clinician.
    assert services.patient_may_fill("irls") is False


def test_no_patient_page_ever_renders_an_instrument_without_wording(
    booked, alice, hale, alice_client
):
    """Every shipped instrument opened as a request (bypassing the sending rules, as old
    data might), plus a clinician-entered IRLS: the patient's list, every form and every
    answers page they can reach carry no placeholder text."""
    for instrument_id in instruments.available():
        Request.objects.get_or_create(
            patient=alice,
            instrument_id=instrument_id,
            defaults={"instrument_version": "x", "reason": Reason.STAFF},
        )
    entered = services.enter(alice, "irls", IRLS_15, by=hale.user)
    pages = [alice_client.get("/portal/questionnaires/")]
    for req in Request.objects.filter(patient=alice):
        pages.append(alice_client.get(f"/portal/questionnaires/{req.pk}/", follow=True))
        pages.append(alice_client.post(f"/portal/questionnaires/{req.pk}/", {"save": "1"}))
    answers = alice_client.get(f"/portal/questionnaires/answers/{entered.pk}/")
    assert answers.status_code == 404
    pages.append(answers)
    for page in pages:
        text = page.content.decode()
        assert PLACEHOLDER not in text and "IRLS item" not in text
    irls_req = Request.objects.get(patient=alice, instrument_id="irls")
    assert (
        alice_client.post(f"/portal/questionnaires/{irls_req.pk}/", {"save": "1"}).status_code
        == 409
    )
    assert not Response.objects.filter(request=irls_req).exists()


def test_the_clinician_enters_the_irls_recorded_as_clinician_entered(
    booked, alice, hale, hale_client
):
    summary = hale_client.get(f"/staff/patients/{alice.pk}/assessment/").content.decode()
    assert "The clinician enters the ten IRLS item scores" in summary
    url = f"/staff/patients/{alice.pk}/assessment/enter/irls/"
    page = hale_client.get(url).content.decode()
    assert "score (0–4) from the licensed paper form" in page
    missing = hale_client.post(url, form({"q1": 2}, submit="1"))
    assert missing.status_code == 400 and "Please answer 9 questions" in missing.content.decode()
    assert hale_client.post(url, form(IRLS_15, submit="1")).status_code == 302
    (response,) = Response.objects.filter(patient=alice, instrument_id="irls")
    assert response.mode == CollectionMode.CLINICIAN and response.result["total"] == 15
    assert response.submitted_by == hale.user


def test_a_clinician_outside_the_patients_care_cannot_enter(booked, alice, okafor, client):
    login(client, okafor.user)
    url = f"/staff/patients/{alice.pk}/assessment/enter/rls_criterion5/"
    assert client.post(url, form({"not_solely_other": "yes"}, submit="1")).status_code == 404
    assert not Response.objects.filter(patient=alice).exists()


def test_the_irls_turned_off_is_neither_sent_nor_entered(booked, alice, hale_client, settings):
    settings.NERVEPATH = {**settings.NERVEPATH, "IRLS_MODE": "off"}
    summary = hale_client.get(f"/staff/patients/{alice.pk}/assessment/").content.decode()
    assert "The IRLS is turned off" in summary and "/enter/irls/" not in summary
    url = f"/staff/patients/{alice.pk}/assessment/enter/irls/"
    assert hale_client.get(url).status_code == 404
    assert hale_client.post(url, form(IRLS_15, submit="1")).status_code == 404
    assert not Response.objects.filter(patient=alice, instrument_id="irls").exists()


def test_criterion_5_awaits_then_is_confirmed_by_the_clinician(booked, alice, hale, hale_client):
    answers = {**demo.RLS_YES, "course": "not_determined"}
    services.record_response(alice, "rls_diagnosis", answers, by=alice.user)
    summary_url = f"/staff/patients/{alice.pk}/assessment/"
    page = hale_client.get(summary_url).content.decode()
    assert "Criteria 1–4 met, criterion 5 awaits the clinician" in page
    assert "course not yet determined" in page
    url = f"/staff/patients/{alice.pk}/assessment/enter/rls_criterion5/"
    assert hale_client.post(url, form({"not_solely_other": "yes"}, submit="1")).status_code == 302
    assert "All five essential criteria met" in hale_client.get(summary_url).content.decode()


def test_the_mnsi_examination_shows_beside_the_history(booked, alice, hale, hale_client):
    services.record_response(alice, "mnsi", demo.mnsi(8), by=alice.user)
    exam = {
        f"{side}_{sign}": value
        for side in ("right", "left")
        for sign, value in (
            ("appearance", "normal"),
            ("ulceration", "absent"),
            ("ankle_reflex", "reinforcement"),
            ("vibration", "decreased"),
            ("monofilament", "reduced"),
        )
    }
    url = f"/staff/patients/{alice.pk}/assessment/enter/mnsi_exam/"
    assert hale_client.post(url, form(exam, submit="1")).status_code == 302
    page = hale_client.get(f"/staff/patients/{alice.pk}/assessment/").content.decode()
    assert "history 8 of 13 (abnormal)" in page
    assert "examination 2 of 8, monofilament 1 of 2" in page  # 4 x 0.5, not abnormal


def test_the_mpi_checklist_is_entered_and_flags_augmentation(booked, alice, hale_client):
    checklist = {
        "drug": "levodopa",
        "a1_more_severe": "yes",
        "a2_not_explained": "yes",
        "a3_prior_response": "yes",
        "b_paradoxical": "yes",
        "c_earlier_onset": "under_2h",
    }
    url = f"/staff/patients/{alice.pk}/assessment/enter/mpi_augmentation/"
    assert hale_client.post(url, form(checklist, submit="1")).status_code == 302
    (response,) = Response.objects.filter(patient=alice, instrument_id="mpi_augmentation")
    assert response.result["positive"] is True
    page = hale_client.get(f"/staff/patients/{alice.pk}/assessment/").content.decode()
    assert "augmentation_met" in page


def test_an_instrument_answered_within_its_interval_is_not_sent_again(
    configured, bob, hale, frontdesk, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(days=100)
    services.record_response(bob, "symptom_history", demo.history(), by=bob.user, when=long_ago)
    services.record_response(
        bob, "pain_nrs", demo.pain(3, 3), by=bob.user, when=long_ago
    )  # pain: every 7 days
    fort = configured["fort-collins"]
    with django_capture_on_commit_callbacks(execute=True):
        booking.book(
            booking.Request(kind("new-patient"), fort, hale, at(fort, next_weekday(0), "09:00")),
            bob,
            by=frontdesk,
            source=Source.STAFF,
        )
    sent = set(Request.objects.filter(patient=bob).values_list("instrument_id", flat=True))
    assert "symptom_history" not in sent  # within its 180 days
    assert "pain_nrs" in sent
