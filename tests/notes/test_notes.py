# SPDX-License-Identifier: AGPL-3.0-or-later
"""Visit notes: from the visit type's template, prefilled with the latest scores and
flags, saved and autosaved as a draft, signed and locked, corrected by addenda; front
desk sees that a note exists, never its text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helpers import login
from nervepath.assessment.models import CollectionMode, Response
from nervepath.audit.models import Action, AuditEvent
from nervepath.notes import exam, services
from nervepath.notes.models import NoteStatus, NoteTemplate, RecordLocked, VisitNote

SECRET = "MARKER-NOTE-PLAN-4F"


def _post_note(client, note, **extra):
    data = {
        "reason": "Legs restless at night",
        "present_history": note.present_history,
        "examination_text": "Calm",
        "assessment": "Compression at the fibular neck",
        "plan": SECRET,
        "exam-right-tunnels-common_peroneal-tinel": "positive",
        "exam-right-monofilament": "6",
        "exam-left-ankle_reflex": "reinforcement",
        "exam-left-strength-dorsiflexion": "4",
    }
    data.update(extra)
    return client.post(reverse("notes:note", args=[note.patient_id, note.pk]), data)


def test_the_visit_type_chooses_the_template(todays_visit):
    assert services.template_for(todays_visit).slug == "new-patient"
    assert NoteTemplate.objects.filter(active=True).count() == 6


def test_a_type_without_its_own_template_falls_back_by_treatment(clinic, alice, hale, lindqvist):
    from .conftest import visit

    now = timezone.now()
    laser = visit(alice, lindqvist, clinic["fort-collins"], "laser", now)
    assert services.template_for(laser).slug == "therapy"
    surgery = visit(alice, hale, clinic["fort-collins"], "surgery-right", now)
    assert services.template_for(surgery).slug == "pre-op"
    linked = NoteTemplate.objects.get(slug="post-op")
    linked.appointment_types.add(laser.appointment_type)
    assert services.template_for(laser) == linked
    assert services.template_for(None).slug == "follow-up"


def test_a_new_note_quotes_the_latest_scores_with_their_dates(
    hale_client, alice, irls, todays_visit
):
    url = reverse("notes:new", args=[alice.pk]) + f"?appointment={todays_visit.pk}"
    page = hale_client.get(url)
    assert page.status_code == 200
    response = hale_client.post(
        reverse("notes:new", args=[alice.pk]),
        {
            "template": NoteTemplate.objects.get(slug="new-patient").pk,
            "appointment": todays_visit.pk,
        },
    )
    note = VisitNote.objects.get(patient=alice)
    assert response.status_code == 302 and response["Location"] == note.get_absolute_url()
    answered = timezone.localtime(irls.submitted_at).date()
    assert f"24 of 40 (severe), {answered:%b %-d, %Y}" in note.present_history
    assert note.present_history.startswith("Presenting complaint:")
    assert note.appointment == todays_visit and note.visit_type == "New-patient consultation"
    # The same visit opens its note instead of a second one.
    again = hale_client.get(url)
    assert again.status_code == 302 and again["Location"] == note.get_absolute_url()


def test_a_draft_saves_the_leg_examination_then_signing_locks_it(
    hale_client, alice, hale, todays_visit
):
    note = services.start_note(
        alice,
        template=services.template_for(todays_visit),
        author=hale.user,
        appointment=todays_visit,
    )
    assert _post_note(hale_client, note).status_code == 302
    note.refresh_from_db()
    assert note.plan == SECRET
    assert note.examination["right"]["tunnels"]["common_peroneal"]["tinel"] == "positive"
    assert note.examination["right"]["monofilament"] == 6
    assert note.examination["left"]["ankle_reflex"] == "reinforcement"
    assert note.examination["left"]["strength"]["dorsiflexion"] == 4
    assert note.examination["left"]["strength"]["eversion"] is None

    assert _post_note(hale_client, note, op="sign").status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED and note.signed_by == hale.user
    refused = _post_note(hale_client, note, plan="rewritten")
    assert refused.status_code == 400
    note.refresh_from_db()
    assert note.plan == SECRET
    note.plan = "rewritten"
    with pytest.raises(RecordLocked):
        note.save()
    page = hale_client.get(note.get_absolute_url())
    assert b"Signed by" in page.content and b"note-form" not in page.content


def test_bad_examination_input_changes_nothing(hale_client, alice, hale, todays_visit):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    response = _post_note(hale_client, note, **{"exam-right-monofilament": "14"})
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.plan != SECRET and note.examination["right"]["monofilament"] is None


def test_signing_needs_an_assessment_or_plan(alice, hale, todays_visit):
    note = services.start_note(
        alice, template=NoteTemplate.objects.get(slug="follow-up"), author=hale.user
    )
    services.save_draft(note, texts={}, examination={}, by=hale.user)
    with pytest.raises(services.NotesError, match="assessment or the plan"):
        services.sign(note, by=hale.user)


def test_autosave_stores_the_draft_and_refuses_a_signed_note(
    hale_client, alice, hale, todays_visit
):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    url = reverse("notes:autosave", args=[alice.pk, note.pk])
    saved = hale_client.post(url, {"plan": "typed so far", "assessment": "x"})
    assert saved.status_code == 200 and "saved" in saved.json()
    note.refresh_from_db()
    assert note.plan == "typed so far"
    services.sign(note, by=hale.user)
    assert hale_client.post(url, {"plan": "late"}).status_code == 409
    note.refresh_from_db()
    assert note.plan == "typed so far"


def test_an_addendum_keeps_who_when_and_why(hale_client, alice, hale, todays_visit):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    with pytest.raises(services.NotesError, match="draft"):
        services.add_addendum(note, text="early", reason="why", by=hale.user)
    services.save_draft(note, texts={"plan": "Plan"}, examination={}, by=hale.user)
    services.sign(note, by=hale.user)
    url = reverse("notes:addendum", args=[alice.pk, note.pk])
    assert (
        hale_client.post(url, {"text": "Ferritin came back at 31", "reason": ""}).status_code == 302
    )
    assert not note.addenda.exists()
    hale_client.post(url, {"text": "Ferritin came back at 31", "reason": "Lab result arrived"})
    (addendum,) = note.addenda.all()
    assert addendum.created_by == hale.user and addendum.reason == "Lab result arrived"
    page = hale_client.get(note.get_absolute_url()).content.decode()
    assert "Ferritin came back at 31" in page and "Lab result arrived" in page


def test_front_desk_sees_the_note_listed_but_not_its_text(alice, hale, frontdesk, todays_visit):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    services.save_draft(note, texts={"plan": SECRET}, examination={}, by=hale.user)
    desk = login(Client(), frontdesk)
    listing = desk.get(reverse("notes:list", args=[alice.pk]))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "New-patient consultation" in text and SECRET not in text
    assert note.get_absolute_url() not in text
    assert desk.get(note.get_absolute_url()).status_code == 403
    assert (
        desk.post(reverse("notes:autosave", args=[alice.pk, note.pk]), {"plan": "x"}).status_code
        == 403
    )


def test_a_clinician_outside_her_care_gets_404_and_reads_are_audited(
    alice, hale, lindqvist, todays_visit, hale_client
):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    other = login(Client(), lindqvist.user)
    assert other.get(note.get_absolute_url()).status_code == 404
    assert other.get(reverse("notes:list", args=[alice.pk])).status_code == 404
    hale_client.get(note.get_absolute_url())
    assert AuditEvent.objects.filter(
        actor_id=hale.user.pk, patient_id=alice.pk, action=Action.VIEW
    ).exists()
    assert AuditEvent.objects.filter(
        actor_id=lindqvist.user.pk, patient_id=alice.pk, action=Action.DENIED
    ).exists()


def test_another_patients_note_id_is_404(hale_client, alice, bob, hale, todays_visit, clinic):
    from .conftest import visit

    visit(bob, hale, clinic["fort-collins"], "follow-up", timezone.now())
    note = services.start_note(
        bob, template=NoteTemplate.objects.get(slug="follow-up"), author=hale.user
    )
    assert hale_client.get(reverse("notes:note", args=[alice.pk, note.pk])).status_code == 404


def test_every_change_is_in_the_history(alice, hale, todays_visit):
    note = services.start_note(
        alice, template=services.template_for(todays_visit), author=hale.user
    )
    services.save_draft(note, texts={"plan": "one"}, examination={}, by=hale.user)
    services.sign(note, by=hale.user)
    history = list(note.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert {h.history_user for h in history} == {hale.user}
    assert history[-1].status == NoteStatus.SIGNED


@pytest.mark.parametrize("raw", ["²", "12a", "9" * 30, "-1"])
def test_a_malformed_visit_or_row_id_is_404_not_an_error(hale_client, alice, raw):
    assert (
        hale_client.get(reverse("notes:new", args=[alice.pk]), {"appointment": raw}).status_code
        == 404
    )
    chart = reverse("notes:chart", args=[alice.pk])
    response = hale_client.post(chart, {"op": "problem_status", "id": raw, "status": "resolved"})
    assert response.status_code == 404


def _note_with_exam(alice, hale, todays_visit, **feet):
    note = services.start_note(
        alice,
        template=services.template_for(todays_visit),
        author=hale.user,
        appointment=todays_visit,
    )
    data = exam.blank()
    for side in ("left", "right"):
        data[side].update(feet)
    note.examination = exam.clean(data)
    note.plan = "Review in six weeks."
    note.save()
    return note


def test_signing_a_full_foot_examination_records_the_mnsi_exam_once(alice, hale, todays_visit):
    """Issue 20: the MNSI examination is filled from the note's findings, not entered twice."""
    note = _note_with_exam(
        alice,
        hale,
        todays_visit,
        appearance="abnormal",
        appearance_kinds=["deformity"],
        ulceration="no",
        ankle_reflex="reinforcement",
        vibration="reduced",
        monofilament=5,
    )
    services.sign(note, by=hale.user)
    (mnsi,) = Response.objects.submitted().filter(patient=alice, instrument_id="mnsi_exam")
    assert mnsi.mode == CollectionMode.CLINICIAN
    assert mnsi.answers["left_vibration"] == "decreased"
    assert mnsi.answers["right_monofilament"] == "reduced"
    # Per foot 1 (appearance) + 0 (no ulcer) + 0.5 (reinforcement) + 0.5 (vibration
    # decreased) on the 8-point exam: 2 per foot, 4 in all, above the 2.5 cut-off.
    assert mnsi.result["scores"]["exam"] == 4


def test_a_foot_examination_with_a_finding_missing_records_no_mnsi(alice, hale, todays_visit):
    note = _note_with_exam(
        alice, hale, todays_visit, appearance="normal", ulceration="no", ankle_reflex="present"
    )  # vibration and monofilament not examined
    services.sign(note, by=hale.user)
    assert not Response.objects.filter(patient=alice, instrument_id="mnsi_exam").exists()
    assert services.mnsi_answers(note.examination) is None
