# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notes pages. Staff pages live under /staff/patients/<pk>/...; each names its patient
to the access policy first (which checks and audits), and looks every id up within that
patient, so another patient's id answers 404. Portal pages use the signed-in patient's
own record."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, Role
from nervepath.audit.log import record
from nervepath.audit.models import Action


def staff_patient(
    request: HttpRequest, pk: int, scope: Scope = Scope.CLINICAL, *, action: str = Action.VIEW
) -> Patient:
    """The patient ``pk`` for a staff page (a patient typing a staff URL gets 404)."""
    if getattr(request.user, "role", None) == Role.PATIENT:
        record(request, Action.DENIED, patient_id=pk, detail=f"{action} staff page")
        raise Http404("No such page.")
    return policy.get_patient(request, pk, scope, action=action)


def portal_patient(request: HttpRequest, *, action: str = Action.VIEW) -> Patient:
    return policy.own_patient(request, Scope.CLINICAL, action=action)
