# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one place that decides who may see or change a patient's record.

Rules (issue 9; HIPAA's "minimum necessary" standard, 45 CFR 164.502(b)):

- a patient: their own record only;
- a clinician: the patients in their care (issue 22: no one starts a care relationship
  alone), i.e. with
    * a visit with them that took place (completed), or a booked visit that the patient
      booked signed in, confirmed from their mailbox, or that the front desk or a
      clinician already caring for the patient booked (``scheduling.care.booking_basis``);
      such visits count from the booking until ``NERVEPATH_CARE_LAPSE_DAYS`` after they
      start (scheduling's "visits" care source), or
    * an open care assignment (by the front desk or a clinician already caring);
  each way is a care source an app registers (``access.care``), so this module imports
  none of the apps above it;
  every patient when the clinic opens all records to all clinicians
  (``NERVEPATH_ALL_CLINICIANS_SEE_ALL``, for small practices); any other patient only
  through a time-limited emergency grant. A visit a clinician booked for a patient not
  in their care confers nothing by itself, whoever it is with;
- front desk and admins: demographics and appointments of every patient, never clinical
  detail;
- researchers: no identifiable record (research pages use de-identified data).

A role that lacks a scope is refused with 403; a role that has it, asking for a patient
outside its reach, gets 404, exactly as if the id did not exist. Every decision made
through ``require`` is written to the audit trail, refusals included.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from nervepath.access import care
from nervepath.access.models import EmergencyAccess
from nervepath.accounts.models import Patient, Role
from nervepath.audit.log import record, record_many
from nervepath.audit.models import Action


class Scope(enum.StrEnum):
    DEMOGRAPHICS = "demographics"  # name, contact details, date of birth
    APPOINTMENTS = "appointments"  # visits: when, where, with whom, status
    CLINICAL = "clinical"  # questionnaires, nights, blocks, surgery, notes, history


ALL_SCOPES = frozenset(Scope)
ROLE_SCOPES: dict[str, frozenset[Scope]] = {
    Role.PATIENT: ALL_SCOPES,
    Role.CLINICIAN: ALL_SCOPES,
    Role.FRONT_DESK: frozenset({Scope.DEMOGRAPHICS, Scope.APPOINTMENTS}),
    Role.ADMIN: frozenset({Scope.DEMOGRAPHICS, Scope.APPOINTMENTS}),
    Role.RESEARCHER: frozenset(),
}

EMERGENCY_MINUTES = (15, 30, 60, 120, 240)
MIN_REASON_LENGTH = 15


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int  # 200, 403 (role lacks the right) or 404 (not this patient)
    emergency: bool = False


def role_may(user: Any, scope: Scope) -> bool:
    """Whether the user's role carries this scope at all (for some patient)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return scope in ROLE_SCOPES.get(user.role, frozenset())


def _open_to_all_clinicians() -> bool:
    return bool(settings.NERVEPATH.get("ALL_CLINICIANS_SEE_ALL", False))


def care_lapse() -> timedelta:
    return timedelta(days=settings.NERVEPATH["CARE_LAPSE_DAYS"])


def _care_reach(user: Any) -> Q:
    """Patients in this clinician's care, as a filter on Patient: what the registered
    care sources say (``access.care``; scheduling registers visits, access its care
    assignments)."""
    return care.care_reach(user)


def _emergency_ids(user: Any) -> set[int]:
    now = timezone.now()
    return set(
        EmergencyAccess.objects.filter(
            user=user, started_at__lte=now, expires_at__gt=now
        ).values_list("patient_id", flat=True)
    )


def decide(user: Any, patient_id: int, scope: Scope) -> Decision:
    if not role_may(user, scope):
        if user is not None and user.is_authenticated and user.role != Role.PATIENT:
            return Decision(False, 403)
        return Decision(False, 404)
    if user.role == Role.PATIENT:
        own = Patient.objects.filter(pk=patient_id, user=user).exists()
        return Decision(own, 200 if own else 404)
    if user.role != Role.CLINICIAN or _open_to_all_clinicians():
        exists = Patient.objects.filter(pk=patient_id).exists()
        return Decision(exists, 200 if exists else 404)
    if Patient.objects.filter(_care_reach(user), pk=patient_id).exists():
        return Decision(True, 200)
    if patient_id in _emergency_ids(user):
        return Decision(True, 200, emergency=True)
    return Decision(False, 404)


def visible_patients(user: Any, scope: Scope) -> QuerySet[Patient]:
    """Every patient the user may see in this scope (for lists and API collections)."""
    if not role_may(user, scope):
        return Patient.objects.none()
    if user.role == Role.PATIENT:
        return Patient.objects.filter(user=user)
    if user.role != Role.CLINICIAN or _open_to_all_clinicians():
        return Patient.objects.all()
    return Patient.objects.filter(_care_reach(user) | Q(pk__in=_emergency_ids(user)))


def emergency_patient_ids(user: Any) -> frozenset[int]:
    """Patients this user reaches only through an emergency grant right now."""
    if user is None or not user.is_authenticated or user.role != Role.CLINICIAN:
        return frozenset()
    if _open_to_all_clinicians():
        return frozenset()
    grants = _emergency_ids(user)
    if not grants:
        return frozenset()
    care = set(
        Patient.objects.filter(_care_reach(user), pk__in=grants).values_list("pk", flat=True)
    )
    return frozenset(grants - care)


def _patient_id(patient: Patient | int) -> int:
    return patient.pk if isinstance(patient, Patient) else int(patient)


def require(
    request: HttpRequest,
    patient: Patient | int,
    scope: Scope,
    *,
    action: str = Action.VIEW,
    obj: models.Model | None = None,
) -> Decision:
    """Allow and audit, or audit the refusal and raise 404/403. Call it once per request
    for each patient whose data the response shows or the request changes."""
    user = getattr(request, "user", None)
    pid = _patient_id(patient)
    decision = decide(user, pid, scope)
    if not decision.allowed:
        record(request, Action.DENIED, patient_id=pid, obj=obj, detail=f"{action} {scope}")
        if decision.status == 403:
            raise PermissionDenied("Your role does not give access to this part of the record.")
        raise Http404("No such record.")
    record(request, action, patient_id=pid, obj=obj, emergency=decision.emergency)
    return decision


def get_patient(
    request: HttpRequest, pk: int, scope: Scope, *, action: str = Action.VIEW
) -> Patient:
    """The patient with this id, if the user may see them (else 404/403, audited)."""
    require(request, pk, scope, action=action)
    return Patient.objects.select_related("user").get(pk=pk)


def own_patient(request: HttpRequest, scope: Scope, *, action: str = Action.VIEW) -> Patient:
    """The signed-in person's own patient record, for portal pages: 404 when the account
    has none; checked and audited like any other record."""
    user = getattr(request, "user", None)
    patient = (
        Patient.objects.select_related("user").filter(user=user).first()
        if user is not None and user.is_authenticated
        else None
    )
    if patient is None:
        raise Http404("This account has no patient record.")
    require(request, patient, scope, action=action)
    return patient


def record_listed(request: HttpRequest, patient_ids: Iterable[int], *, what: str = "") -> int:
    """Audit a page or API response that shows several patients' data (one event each)."""
    ids = [pid for pid in patient_ids if pid is not None]
    user = getattr(request, "user", None)
    return record_many(
        request, Action.LIST, ids, detail=what, emergency_ids=emergency_patient_ids(user)
    )


# --- Emergency access (break the glass); issue 22, finding 8 ----------------------------


def reason_text(reason: str) -> str:
    """The reason as stored and shown to reviewers: Unicode NFKC, without invisible
    format and control characters (zero-width spaces, right-to-left marks), runs of
    white space as one space."""
    text = unicodedata.normalize("NFKC", reason)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return " ".join(text.split())


def reason_length(reason: str) -> int:
    """What counts toward ``MIN_REASON_LENGTH``: letters and digits only, after NFKC, so
    invisible characters, spaces and punctuation cannot pad a blank reason."""
    return sum(1 for ch in reason_text(reason) if unicodedata.category(ch)[0] in "LN")


def grants_per_hour() -> int:
    return int(settings.NERVEPATH.get("EMERGENCY_GRANTS_PER_HOUR", 3))


def open_emergency_access(
    request: HttpRequest, patient: Patient, *, reason: str, minutes: int
) -> EmergencyAccess:
    """Break the glass: a clinician opens a record outside their list, with a stated reason,
    for a limited time, at most ``NERVEPATH_EMERGENCY_GRANTS_PER_HOUR`` times an hour; every
    active admin is e-mailed. Refused (ValidationError / PermissionDenied) otherwise."""
    from nervepath.access import alerts
    from nervepath.accounts.models import User

    user = request.user
    if not user.is_authenticated or user.role != Role.CLINICIAN:
        raise PermissionDenied("Only clinicians can open emergency access.")
    reason = reason_text(reason)
    if reason_length(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            f"Say why you need this record (at least {MIN_REASON_LENGTH} letters or digits).",
            code="reason",
        )
    if minutes not in EMERGENCY_MINUTES:
        raise ValidationError("Choose one of the offered durations.", code="minutes")
    now = timezone.now()
    limit = grants_per_hour()
    with transaction.atomic():
        # One clinician's grants are counted one request at a time (the row lock), so
        # parallel requests cannot slip past the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        recent = list(
            EmergencyAccess.objects.filter(
                user=user, started_at__gt=now - timedelta(hours=1)
            ).values_list("started_at", flat=True)
        )
        refused = len(recent) >= limit
        if not refused:
            grant = EmergencyAccess.objects.create(
                user=user,
                patient=patient,
                reason=reason,
                started_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
            record(
                request,
                Action.EMERGENCY,
                patient_id=patient.pk,
                obj=grant,
                emergency=True,
                detail=f"{minutes} minutes",
            )
            alerts.emergency_grant_opened(grant)
    if refused:
        # Outside the transaction, so the refusal stays in the audit trail.
        record(
            request,
            Action.DENIED,
            patient_id=patient.pk,
            emergency=True,
            detail=f"emergency access refused: {len(recent)} grants in the last hour",
        )
        again = timezone.localtime(min(recent) + timedelta(hours=1))
        raise ValidationError(
            f"You have opened emergency access {len(recent)} times in the last hour, "
            f"the most allowed ({limit} an hour). Ask a clinician in the patient's "
            f"care team or an administrator, or try again after {again:%H:%M}.",
            code="too_many",
        )
    return grant


# --- end of emergency access -------------------------------------------------------------


def record_link_use(
    request: HttpRequest, patient_id: int, *, obj: models.Model, action: str = Action.VIEW
) -> None:
    """The links emailed to a patient (manage a visit, answer a waitlist offer) carry a
    random 256-bit token that is the authorisation, as a password would be (OWASP ASVS
    4.0, V3.5 token-based sessions). Their use is audited like any other read or write."""
    record(request, action, patient_id=patient_id, obj=obj, detail="via emailed link")


def record_own(request: HttpRequest, patient: Patient, *, action: str = Action.VIEW) -> None:
    """A patient reading or changing their own record (their portal pages)."""
    record(request, action, patient_id=patient.pk)
