# SPDX-License-Identifier: AGPL-3.0-or-later
"""FHIR R4 over the JSON API: instrument definitions as Questionnaire (not patient data,
open to anyone) and a patient's submitted answers as a Bundle of QuestionnaireResponse,
through ``access.policy`` and audited as an export.

The definitions are served as shipped: a clinic's licensed wording stays on its pages
and is not republished here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.security import django_auth

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.assessment.models import Response
from nervepath.assessment.summary import ordered
from nervepath.audit.models import Action
from nervepath.science import instruments

router = Router(tags=["questionnaires (FHIR R4)"])

FHIR_JSON = "application/fhir+json"


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [{"resource": r} for r in resources],
    }


def _instrument_id(questionnaire_id: str) -> str:
    """Accept the instrument id (``pain_nrs``) or its FHIR id (``pain-nrs``)."""
    for candidate in (questionnaire_id, questionnaire_id.replace("-", "_")):
        if candidate in instruments.available():
            return candidate
    raise HttpError(404, f"No questionnaire {questionnaire_id[:60]!r}.")


@router.get("/questionnaires", response=dict[str, Any])
def list_questionnaires(request: HttpRequest) -> dict[str, Any]:
    """Every instrument as a FHIR Questionnaire, in a Bundle (type collection)."""
    return _bundle(
        [
            instruments.to_fhir_questionnaire(instruments.load(i))
            for i in ordered(instruments.available())
        ]
    )


@router.get("/questionnaires/{questionnaire_id}", response={200: dict[str, Any]})
def get_questionnaire(request: HttpRequest, questionnaire_id: str) -> dict[str, Any]:
    return instruments.to_fhir_questionnaire(instruments.load(_instrument_id(questionnaire_id)))


def fhir_response(response: Response) -> dict[str, Any]:
    inst = instruments.load(response.instrument_id)
    data = instruments.to_fhir_response(
        inst,
        response.answers,
        subject_ref=f"Patient/{response.patient_id}",
        authored=response.submitted_at,
        status="amended" if response.corrects_id else "completed",
    )
    return {"id": str(response.pk), **data}


@router.get(
    "/patients/{id:patient_id}/questionnaire-responses",
    response=dict[str, Any],
    auth=django_auth,
)
def patient_responses(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The patient's submitted answers (corrections as ``amended``), oldest first."""
    try:
        policy.require(request, patient_id, Scope.CLINICAL, action=Action.EXPORT)
    except Http404:
        raise HttpError(404, "No such patient.") from None
    except PermissionDenied:
        raise HttpError(403, "Your role does not give access to clinical records.") from None
    rows = Response.objects.submitted().filter(patient_id=patient_id).order_by("submitted_at", "pk")
    bundle = _bundle([fhir_response(r) for r in rows])
    bundle["meta"] = {"source": settings.SITE_URL}
    return bundle
