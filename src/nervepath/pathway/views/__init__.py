# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pathway pages. Staff pages live under /staff/patients/<pk>/...; each names its
patient to the access policy (clinical scope), which checks and audits, so front desk
and admins get 403 and clinicians outside the patient's care 404. Portal pages use the
signed-in patient's own record."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, Role
from nervepath.audit.log import record
from nervepath.audit.models import Action


def clinical_patient(request: HttpRequest, pk: int, *, action: str = Action.VIEW) -> Patient:
    """The patient ``pk`` for a staff pathway page: clinicians in care only (audited).

    A patient who types a staff URL gets 404 even for their own number: their pages are
    in the portal.
    """
    if getattr(request.user, "role", None) == Role.PATIENT:
        record(request, Action.DENIED, patient_id=pk, detail=f"{action} staff page")
        raise Http404("No such page.")
    return policy.get_patient(request, pk, Scope.CLINICAL, action=action)


def portal_patient(request: HttpRequest, *, action: str = Action.VIEW) -> Patient:
    """The signed-in patient's own record for a portal page (404 without one)."""
    return policy.own_patient(request, Scope.CLINICAL, action=action)


def consent_check(
    patient: Patient, kind: str, *, leg: str = "", tunnels: object = ()
) -> dict[str, object]:
    """Whether a valid consent covers this treatment (notes' consent forms), for the
    block and surgery pages."""
    from nervepath.notes import consent

    found = consent.on_file(patient, kind, leg=leg, tunnels=tunnels)
    what = {"surgery": "surgery", "block": "nerve-block"}.get(kind, kind)
    detail = ""
    if kind == "surgery" and leg:
        detail = f"{leg} leg"
    return {"consent": found, "what": what, "detail": detail}
