# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's summary, answers, corrections and FHIR export, each through the access
policy: her clinician sees them; others get 404 (outside her care) or 403 (no clinical
role); every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from helpers import login
from nervepath.assessment import services
from nervepath.assessment.models import (
    Request,
    Response,
    Schedule,
    SubmittedResponseChanged,
)
from nervepath.audit.models import Action, AuditEvent
from nervepath.demo import assessment as demo
from nervepath.science import instruments

from .conftest import form

# Also run on PostgreSQL (make test-postgres).
pytestmark = pytest.mark.postgres


@pytest.fixture
def answered(intake, alice):
    """A baseline IRLS of 24 (severe) 60 days ago, today's 12 (moderate), and a symptom
    history with an urgent and an iron red flag."""
    old = services.record_response(
        alice, "irls", demo.irls(24), by=alice.user, when=timezone.now() - timedelta(days=60)
    )
    new = services.submit(intake["irls"], demo.irls(12), by=alice.user)
    history = services.submit(
        intake["symptom_history"],
        demo.history(progressive_weakness="yes", ferritin=40.0, medications=["iron"],
                     side_effects="Marker-constipation-xyz"),
        by=alice.user,
    )  # fmt: skip
    return {"baseline": old, "latest": new, "history": history}


@pytest.fixture
def hale_client(client, hale):
    login(client, hale.user)
    return client


def test_the_summary_shows_flags_first_then_scores_against_baseline(answered, alice, hale_client):
    page = hale_client.get(f"/staff/patients/{alice.pk}/assessment/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        text.index("URGENT · neuro_urgent")
        < text.index("WARNING · iron_low")
        < text.index("Scores")
    )
    assert "NICE guideline NG127" in text  # each flag cites its rule
    row = text[text.index('id="score-irls"') :]
    row = row[: row.index("</tr>")]
    assert '<strong class="total">12</strong> of 40' in row and "moderate" in row
    assert "24 (severe)" in row and "-12" in row
    assert f"/staff/patients/{alice.pk}/assessment/trend/irls.svg" in row
    assert f"/staff/patients/{alice.pk}/assessment/responses/{answered['latest'].pk}/" in row
    assert AuditEvent.objects.filter(action=Action.VIEW, patient_id=alice.pk).exists()


def test_results_stored_before_the_schema_version_still_show_on_the_summary(
    answered, alice, hale_client
):
    # Today's rows carry the version their reader checks ...
    for response in answered.values():
        assert response.result["schema_version"] == instruments.RESULT_SCHEMA_VERSION
    # ... and rows stored before it (no schema_version key) read as version 1.
    for response in answered.values():
        old = {k: v for k, v in response.result.items() if k != "schema_version"}
        # Submitted rows refuse updates; write the old shape under that guard, as a
        # row from before this change would be.
        models.QuerySet.update(Response.objects.filter(pk=response.pk), result=old)
        assert "schema_version" not in Response.objects.get(pk=response.pk).result
    page = hale_client.get(f"/staff/patients/{alice.pk}/assessment/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("URGENT · neuro_urgent") < text.index("WARNING · iron_low")
    row = text[text.index('id="score-irls"') :]
    row = row[: row.index("</tr>")]
    assert '<strong class="total">12</strong> of 40' in row and "moderate" in row
    assert "24 (severe)" in row and "-12" in row
    answers = hale_client.get(
        f"/staff/patients/{alice.pk}/assessment/responses/{answered['latest'].pk}/"
    )
    assert "moderate" in answers.content.decode()


def test_a_result_saved_by_a_newer_version_gets_a_sentence_not_a_server_error(
    answered, alice, hale_client
):
    latest = answered["latest"]
    newer = {**latest.result, "schema_version": instruments.RESULT_SCHEMA_VERSION + 1}
    models.QuerySet.update(Response.objects.filter(pk=latest.pk), result=newer)
    for url in (
        f"/staff/patients/{alice.pk}/assessment/",
        f"/staff/patients/{alice.pk}/assessment/responses/{latest.pk}/",
    ):
        page = hale_client.get(url)
        assert page.status_code == 409, url
        assert "saved by a newer version of nervepath" in page.content.decode()
    # The row is left as it was.
    assert Response.objects.get(pk=latest.pk).result == newer


def test_the_trend_plot_is_an_svg_behind_the_policy(
    answered, alice, client, hale, lindqvist, frontdesk, bob
):
    url = f"/staff/patients/{alice.pk}/assessment/trend/irls.svg"
    login(client, hale.user)
    plot = client.get(url)
    assert plot.status_code == 200
    assert plot["Content-Type"] == "image/svg+xml"
    assert plot.content.lstrip().startswith(b"<?xml") and b"<svg" in plot.content
    assert client.get(f"/staff/patients/{alice.pk}/assessment/trend/nope.svg").status_code == 404
    for user, status in [(lindqvist.user, 404), (frontdesk, 403), (bob.user, 403)]:
        login(client, user)
        assert client.get(url).status_code == status
        assert client.get(f"/staff/patients/{alice.pk}/assessment/").status_code == status


def test_the_answers_page_shows_items_and_option_labels(answered, alice, hale_client):
    page = hale_client.get(
        f"/staff/patients/{alice.pk}/assessment/responses/{answered['history'].pk}/"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "<code>progressive_weakness</code>" in text
    assert "Are your legs or arms getting weaker over weeks or months?" in text
    assert "Iron supplement" in text and "40.0 ng/mL" in text


def test_a_correction_is_a_new_linked_response_and_the_original_never_changes(
    answered, alice, hale, hale_client
):
    original = answered["latest"]
    url = f"/staff/patients/{alice.pk}/assessment/responses/{original.pk}/correct/"
    assert hale_client.get(url).status_code == 200
    no_reason = hale_client.post(url, form({**original.answers, "q1": 4}, reason=""))
    assert no_reason.status_code == 400 and Response.objects.count() == 3
    done = hale_client.post(
        url, form({**original.answers, "q1": 4}, reason="Patient misread item 1 on the phone")
    )
    assert done.status_code == 302
    fixed = Response.objects.get(corrects=original)
    assert fixed.result["total"] == 14 and fixed.submitted_by == hale.user
    assert fixed.correction_reason == "Patient misread item 1 on the phone"
    original.refresh_from_db()
    assert original.result["total"] == 12 and original.answers["q1"] == 2
    assert original.chain() == [original, fixed]
    # The summary reads the latest of the chain.
    text = hale_client.get(f"/staff/patients/{alice.pk}/assessment/").content.decode()
    assert '<strong class="total">14</strong>' in text
    chain_page = hale_client.get(done["Location"]).content.decode()
    assert "Patient misread item 1" in chain_page and "(original)" in chain_page
    # The original is corrected already: a second correction of it is refused.
    again = hale_client.post(url, form({**original.answers, "q2": 4}, reason="Second try here"))
    assert again.status_code == 409 and Response.objects.count() == 4
    # A submitted row refuses to change, even from code.
    original.answers = {}
    with pytest.raises(SubmittedResponseChanged):
        original.save()
    with pytest.raises(SubmittedResponseChanged):
        Response.objects.filter(pk=original.pk).update(answers={})


def test_a_correction_of_another_patients_response_is_404_and_stores_nothing(
    answered, alice, bob, hale, hale_client
):
    theirs = services.record_response(bob, "irls", demo.irls(5), by=bob.user)
    before = list(Response.objects.order_by("pk").values())
    body = form({**theirs.answers, "q1": 4}, reason="Trying another patient's row")
    # Bob's response under Alice's record number, and Alice's under Bob's (not in care).
    assert (
        hale_client.post(
            f"/staff/patients/{alice.pk}/assessment/responses/{theirs.pk}/correct/", body
        ).status_code
        == 404
    )
    assert (
        hale_client.post(
            f"/staff/patients/{bob.pk}/assessment/responses/{answered['latest'].pk}/correct/", body
        ).status_code
        == 404
    )
    assert list(Response.objects.order_by("pk").values()) == before


def test_staff_send_now_and_set_a_schedule_from_the_summary(intake, alice, hale, hale_client):
    base = f"/staff/patients/{alice.pk}/assessment/"
    sent = hale_client.post(base + "send/", {"instruments": ["irls", "mnsi"]})
    assert sent.status_code == 302  # both already open from the intake: none doubled
    assert Request.objects.filter(patient=alice, instrument_id="irls").count() == 1
    bad = hale_client.post(base + "send/", {"instruments": ["not_an_instrument"]})
    assert bad.status_code == 400
    today = timezone.localdate()
    hale_client.post(
        base + "schedules/",
        {"instruments": ["pain_nrs"], "every_days": "14", "first_due": today.isoformat()},
    )
    schedule = Schedule.objects.get(patient=alice)
    assert schedule.instrument_ids == ["pain_nrs"] and schedule.created_by == hale.user
    refused = hale_client.post(
        base + "schedules/",
        {"instruments": ["pain_nrs"], "every_days": "0", "first_due": today.isoformat()},
    )
    assert refused.status_code == 400 and Schedule.objects.count() == 1
    hale_client.post(base + f"schedules/{schedule.pk}/stop/")
    schedule.refresh_from_db()
    assert not schedule.active
    irls = intake["irls"]
    hale_client.post(base + f"requests/{irls.pk}/withdraw/")
    irls.refresh_from_db()
    assert irls.state == "withdrawn"


def test_the_record_and_appointment_pages_link_the_summary_for_clinicians_only(
    intake, alice, client, hale, frontdesk
):
    link = f"/staff/patients/{alice.pk}/assessment/"
    appointment = intake["appointment"]
    login(client, hale.user)
    assert link in client.get(f"/staff/patients/{alice.pk}/").content.decode()
    assert link in client.get(f"/staff/appointments/{appointment.pk}/").content.decode()
    login(client, frontdesk)
    assert link not in client.get(f"/staff/patients/{alice.pk}/").content.decode()


def test_questionnaire_definitions_are_valid_fhir(client):
    bundle = client.get("/api/questionnaires").json()
    Bundle.model_validate(bundle)
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert len(ids) == len(instruments.available())
    for entry in bundle["entry"]:
        Questionnaire.model_validate(entry["resource"])
    one = client.get("/api/questionnaires/pain_nrs")
    assert one.status_code == 200 and Questionnaire.model_validate(one.json()).id == "pain-nrs"
    assert client.get("/api/questionnaires/pain-nrs").json()["id"] == "pain-nrs"
    assert client.get("/api/questionnaires/nope").status_code == 404


def test_a_patients_responses_export_as_a_valid_fhir_bundle(
    answered, alice, client, hale, lindqvist, frontdesk, bob, researcher
):
    url = f"/api/patients/{alice.pk}/questionnaire-responses"
    services.correct(answered["latest"], demo.irls(13), reason="typed in wrong", by=hale.user)
    for user in (alice.user, hale.user):
        login(client, user)
        got = client.get(url)
        assert got.status_code == 200
        bundle = Bundle.model_validate(got.json())
        assert bundle.type == "collection"
        resources = [
            QuestionnaireResponse.model_validate(e["resource"]) for e in got.json()["entry"]
        ]
        assert len(resources) == 4
        assert {r.status for r in resources} == {"completed", "amended"}
        assert all(r.subject.reference == f"Patient/{alice.pk}" for r in resources)
    assert AuditEvent.objects.filter(action=Action.EXPORT, patient_id=alice.pk).count() == 2
    for user, status in [
        (lindqvist.user, 404),
        (bob.user, 404),
        (frontdesk, 403),
        (researcher, 403),
    ]:
        login(client, user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code == 401
