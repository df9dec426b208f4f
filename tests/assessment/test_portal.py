# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient fills a questionnaire: drafts, branching without JavaScript, submitting
once; every tampered post is refused with a message and stores nothing."""

from __future__ import annotations

import html
import re

import pytest

from helpers import login
from nervepath.assessment.models import Request, RequestState, Response, ResponseStatus
from nervepath.audit.models import Action, AuditEvent

from .conftest import IRLS_15, form

# Also run on PostgreSQL (make test-postgres).
pytestmark = pytest.mark.postgres


def _state(req):
    req.refresh_from_db()
    return req.state


def _snapshot(patient):
    return (
        list(Response.objects.filter(patient=patient).order_by("pk").values()),
        list(patient.questionnaire_requests.order_by("pk").values()),
    )


HIDDEN = re.compile(
    r'<fieldset class="q" id="q-diabetes_type" data-show-if="[^"]*" hidden disabled>'
)


def test_the_list_shows_what_to_fill(intake, alice_client):
    page = alice_client.get("/portal/questionnaires/")
    assert page.status_code == 200
    text = page.content.decode()
    # Patients read plain titles; the formal names are the clinician's (issue 19).
    assert "How restless legs affect you" in text and "Your health and medicines" in text
    assert "IRLS rating scale" not in text and "Leg symptom history" not in text
    assert f"/portal/questionnaires/{intake['irls'].pk}/" in text
    assert "/portal/questionnaires/" in alice_client.get("/portal/").content.decode()


def test_draft_then_submit_scores_with_the_engine(intake, alice, alice_client):
    req = intake["irls"]
    url = f"/portal/questionnaires/{req.pk}/"
    page = alice_client.get(url)
    assert page.status_code == 200
    assert "Clinic text for q1" in page.content.decode()
    half = {k: v for k, v in IRLS_15.items() if k in ("q1", "q2", "q3")}
    saved = alice_client.post(url, form(half, save="1"))
    assert saved.status_code == 302
    assert _state(req) == RequestState.DRAFT
    draft = Response.objects.get(request=req)
    assert draft.status == ResponseStatus.DRAFT and draft.answers == {"q1": 2, "q2": 2, "q3": 1}
    # The draft comes back checked.
    assert 'value="2" checked' in alice_client.get(url).content.decode()
    # Submitting with q4-q10 missing lists all seven at once, by their text, never by id.
    missing = alice_client.post(url, form(half, submit="1"))
    assert missing.status_code == 400
    listed = missing.content.decode()
    assert "Please answer 7 questions" in listed
    assert all(f'<a href="#q-q{n}">Clinic text for q{n}</a>' in listed for n in range(4, 11))
    assert "(q4)" not in listed
    assert Response.objects.get(request=req).status == ResponseStatus.DRAFT
    done = alice_client.post(url, form(IRLS_15, submit="1"))
    assert done.status_code == 302
    response = Response.objects.get(request=req)
    assert response.pk == draft.pk and response.status == ResponseStatus.SUBMITTED
    assert response.result["total"] == 15 and response.result["band"] == "moderate"
    assert response.submitted_by == alice.user and response.submitted_at is not None
    assert _state(req) == RequestState.SUBMITTED
    # Next, not back: straight on to the next questionnaire due.
    nxt = Request.objects.filter(patient=alice, state=RequestState.PENDING).first()
    assert done["Location"] == f"/portal/questionnaires/{nxt.pk}/"
    mine = alice_client.get(f"/portal/questionnaires/answers/{response.pk}/")
    assert mine.status_code == 200 and "Clinic option 2 of q1" in mine.content.decode()
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, patient_id=alice.pk, object_id=str(req.pk)
    ).exists()


def test_submitting_twice_is_refused_and_changes_nothing(intake, alice, alice_client):
    url = f"/portal/questionnaires/{intake['irls'].pk}/"
    assert alice_client.post(url, form(IRLS_15, submit="1")).status_code == 302
    before = _snapshot(alice)
    again = alice_client.post(url, form({**IRLS_15, "q1": 4}, submit="1"))
    assert again.status_code == 409
    assert "already submitted" in again.content.decode()
    assert _snapshot(alice) == before


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("irls", {**IRLS_15, "q1": 7}, "'7' is not one of its options"),
        ("irls", {**IRLS_15, "q99": 1}, "'q99' is not a question"),
        ("symptom_history", {"diabetes": "no", "diabetes_type": "type2"}, "branching"),
        ("pain_nrs", {"now_left": 11}, "11 is outside 0–10"),
        ("pain_nrs", {"now_left": "lots"}, "enter a whole number, not 'lots'"),
        ("symptom_history", {"medications": ["ropinirole", "__none__"]}, "not both"),
    ],
)
@pytest.mark.parametrize("button", ["save", "submit"])
def test_a_tampered_or_bad_post_is_refused_and_stores_nothing(
    intake, alice, alice_client, instrument, answers, message, button
):
    req = intake[instrument]
    before = _snapshot(alice)
    page = alice_client.post(f"/portal/questionnaires/{req.pk}/", form(answers, **{button: "1"}))
    assert page.status_code == 400
    assert message in html.unescape(page.content.decode())
    assert _snapshot(alice) == before


def test_another_patients_questionnaire_is_404_and_untouched(intake, alice, bob, client):
    login(client, bob.user)
    url = f"/portal/questionnaires/{intake['irls'].pk}/"
    before = _snapshot(alice)
    assert client.get(url).status_code == 404
    assert client.post(url, form(IRLS_15, submit="1")).status_code == 404
    assert _snapshot(alice) == before
    assert AuditEvent.objects.filter(
        action=Action.DENIED, actor_id=bob.user.pk, patient_id=alice.pk
    ).exists()


def test_staff_do_not_fill_a_patients_form(intake, hale, client):
    login(client, hale.user)
    assert client.get(f"/portal/questionnaires/{intake['irls'].pk}/").status_code == 403


def test_branching_works_without_javascript(intake, alice, alice_client):
    req = intake["symptom_history"]
    url = f"/portal/questionnaires/{req.pk}/"
    # The branch is on the page for the script, hidden and disabled (never sent).
    assert HIDDEN.search(alice_client.get(url).content.decode())
    alice_client.post(url, form({"diabetes": "yes"}, save="1"))
    page = alice_client.get(url).content.decode()
    assert 'name="a-diabetes_type"' in page and 'name="a-hba1c"' in page
    assert not HIDDEN.search(page)
    alice_client.post(url, form({"diabetes": "yes", "diabetes_type": "type2"}, save="1"))
    # She changes her mind; the type question was on the page, so its answer is dropped
    # instead of refused.
    changed = alice_client.post(url, form({"diabetes": "no", "diabetes_type": "type2"}, save="1"))
    assert changed.status_code == 302
    assert Response.objects.get(request=req).answers == {"diabetes": "no"}
    assert HIDDEN.search(alice_client.get(url).content.decode())


def test_none_of_these_is_an_answer_and_a_blank_box_clears_it(intake, alice_client):
    req = intake["symptom_history"]
    url = f"/portal/questionnaires/{req.pk}/"
    alice_client.get(url)
    alice_client.post(url, form({"medications": ["__none__"]}, save="1"))
    assert Response.objects.get(request=req).answers == {"medications": []}
    alice_client.post(url, {"save": "1"})  # the box unticked: no answer any more
    assert Response.objects.get(request=req).answers == {}
