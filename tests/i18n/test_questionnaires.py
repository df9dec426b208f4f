# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issue 21: questionnaires in Spanish. The clinic's own are translated here; a validated
instrument is offered in Spanish only with its licensed translation, and the clinician is
told; responses record the language they were answered in."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import login
from nervepath.assessment import services
from nervepath.assessment.models import Response


@pytest.fixture
def spanish_alice(alice, frontdesk):
    alice.preferred_language = "es"
    alice.save()
    services.send_now(alice, ["clinic_sleep", "mnsi"], by=frontdesk)
    return alice


def test_the_clinic_s_own_questionnaire_is_shown_in_spanish(client, spanish_alice):
    login(client, spanish_alice.user)
    page = client.get("/portal/questionnaires/").content.decode()
    assert "Su sueño" in page
    # MNSI is validated: without a licensed Spanish translation it is not offered.
    assert "Adormecimiento y sensibilidad en los pies" not in page
    req = spanish_alice.questionnaire_requests.get(instrument_id="clinic_sleep")
    form = client.get(req.get_absolute_url()).content.decode()
    assert "¿cuántas noches le quitaron el sueño" in form and "Guardar borrador" in form
    assert "noches por semana" in form
    mnsi = spanish_alice.questionnaire_requests.get(instrument_id="mnsi")
    refused = client.get(mnsi.get_absolute_url(), follow=True).content.decode()
    assert "Su médico lo llenará con usted durante su cita" in refused


def test_the_answers_record_their_language(client, spanish_alice):
    login(client, spanish_alice.user)
    req = spanish_alice.questionnaire_requests.get(instrument_id="clinic_sleep")
    answers = {"a-nights_disturbed": "3", "a-minutes_to_sleep": "20", "a-awakenings": "2"}
    response = client.post(req.get_absolute_url(), {**answers, "submit": "1"})
    assert response.status_code == 302
    saved = Response.objects.submitted().get(patient=spanish_alice)
    assert saved.language == "es"


def test_the_clinician_is_told_what_is_not_offered_in_the_patient_s_language(
    client, spanish_alice, hale, settings
):
    settings.NERVEPATH = {**settings.NERVEPATH, "ALL_CLINICIANS_SEE_ALL": True}
    login(client, hale.user)
    page = client.get(f"/staff/patients/{spanish_alice.pk}/assessment/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="not-in-language"' in html and "MNSI" in html.split('id="not-in-language"')[1]


def test_a_licensed_translation_in_the_wording_folder_offers_the_instrument(
    settings, tmp_path: Path
):
    assert not services.offered_in("mnsi", "es")
    assert services.offered_in("mnsi", "en") and services.offered_in("clinic_sleep", "es")
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "mnsi.yaml").write_text("items: {}\n", encoding="utf-8")
    settings.NERVEPATH = {**settings.NERVEPATH, "INSTRUMENT_WORDING_DIR": tmp_path}
    assert services.offered_in("mnsi", "es")
