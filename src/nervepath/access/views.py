# SPDX-License-Identifier: AGPL-3.0-or-later
"""Staff pages for patient records: the list, the record, the care team and emergency
access. Each goes through ``policy`` and so through the audit trail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from simple_history.models import registered_models

from nervepath.access import policy
from nervepath.access.models import CareAssignment, EmergencyAccess
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, Role, User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.messaging import bounces

PAGE_SIZE = 50


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff whose role reaches patient records at all; others 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role == Role.PATIENT or not policy.role_may(
            request.user, Scope.DEMOGRAPHICS
        ):
            raise PermissionDenied("Patient records are for the clinic's care team.")
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
def patient_list(request: SignedInRequest) -> HttpResponse:
    # The search is a POST so that names never end up in URLs, browser history or logs.
    query = request.POST.get("q", "").strip()[:100].replace("\x00", "")
    patients = policy.visible_patients(request.user, Scope.DEMOGRAPHICS).select_related("user")
    if query:
        words = query.split()
        for word in words:
            patients = patients.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
            )
    shown = list(patients.order_by("user__last_name", "user__first_name", "pk")[:PAGE_SIZE])
    policy.record_listed(request, [p.pk for p in shown], what="patient list")
    return render(
        request,
        "access/patient_list.html",
        {
            "patients": shown,
            "query": query,
            "more": len(shown) == PAGE_SIZE,
            "is_clinician": request.user.role == Role.CLINICIAN,
        },
    )


def _historied_models() -> list[Any]:  # model classes; simple_history's .history is untyped
    """Every model with a change history that belongs to a patient (a ``patient`` field),
    plus the patient itself: new clinical apps are picked up without listing them here."""
    models = []
    for model in registered_models.values():
        if model is Patient or any(f.name == "patient" for f in model._meta.concrete_fields):
            models.append(model)
    return sorted(models, key=lambda m: m._meta.label)


def _history(patient: Patient) -> list[dict[str, object]]:
    """What changed in the patient's record, newest first (50 per kind of record).

    Each change is compared with the version before it; those earlier versions are read
    with one query per kind of record (not one per change)."""
    changes: list[dict[str, object]] = []
    for model in _historied_models():
        mine = {"id": patient.pk} if model is Patient else {"patient_id": patient.pk}
        records = list(model.history.filter(**mine).select_related("history_user")[:50])
        if not records:
            continue
        versions: dict[object, list[Any]] = defaultdict(list)
        earlier = model.history.filter(
            id__in={rec.id for rec in records},
            history_date__lte=max(rec.history_date for rec in records),
        ).order_by("history_date", "history_id")
        for version in earlier:
            versions[version.id].append(version)
        for rec in records:
            chain = versions[rec.id]
            at = next(i for i, v in enumerate(chain) if v.history_id == rec.history_id)
            prev = chain[at - 1] if at > 0 else None
            fields = [c.field for c in rec.diff_against(prev).changes] if prev else []
            changes.append(
                {
                    "when": rec.history_date,
                    "who": rec.history_user or "the system or the patient online",
                    "what": model._meta.verbose_name,
                    "kind": rec.get_history_type_display(),
                    "fields": fields,
                    "object_id": rec.id,
                }
            )
    changes.sort(key=lambda c: cast(datetime, c["when"]), reverse=True)
    return changes


class AssignForm(forms.Form):
    clinician = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.CLINICIAN, is_active=True),
        empty_label="Choose a clinician",
    )
    reason = forms.CharField(
        max_length=200,
        min_length=5,
        strip=True,
        help_text="Why this clinician takes the patient on (e.g. referred for surgery).",
    )


@staff_only
def patient_record(request: SignedInRequest, pk: int) -> HttpResponse:
    decision = policy.require(request, pk, Scope.DEMOGRAPHICS)
    patient = Patient.objects.select_related("user").get(pk=pk)
    # The visits scheduling keeps (``Appointment.patient``'s reverse relation): this
    # page lists them without importing the app above it.
    appointments = (
        patient.appointments.all()
        .select_related("appointment_type", "location", "clinician__user")
        .order_by("-starts_at")[:100]
    )
    clinical = policy.role_may(request.user, Scope.CLINICAL)
    now = timezone.now()
    grant = None
    if decision.emergency:
        grant = (
            EmergencyAccess.objects.filter(user=request.user, patient=patient, expires_at__gt=now)
            .order_by("-expires_at")
            .first()
        )
    return render(
        request,
        "access/patient_record.html",
        {
            "patient": patient,
            "email_bounce": bounces.address_bounce(patient.email),
            "appointments": appointments,
            "care_team": CareAssignment.objects.filter(patient=patient, ended_at__isnull=True)
            .select_related("clinician")
            .order_by("clinician__last_name"),
            "history": _history(patient) if clinical else None,
            "clinical": clinical,
            "assign_form": AssignForm(),
            "care_lapse_days": policy.care_lapse().days,
            "grant": grant,
            "now": now,
        },
    )


@staff_only
@require_POST
def assign_clinician(request: SignedInRequest, pk: int) -> HttpResponse:
    policy.require(request, pk, Scope.DEMOGRAPHICS, action=Action.UPDATE)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Choose a clinician from the list and say why (5 characters or more)."
        )
        return redirect("access:patient", pk)
    clinician = form.cleaned_data["clinician"]
    reason = " ".join(form.cleaned_data["reason"].split())
    try:
        with transaction.atomic():
            assignment = CareAssignment.objects.create(
                clinician=clinician, patient_id=pk, assigned_by=request.user, reason=reason
            )
            audit.record(
                request,
                Action.CREATE,
                patient_id=pk,
                obj=assignment,
                # The reason stays on the assignment (the audit trail holds no free text).
                detail=f"care assignment of user {clinician.pk}",
            )
    except IntegrityError:
        messages.info(request, f"{clinician} already looks after this patient.")
    else:
        messages.success(request, f"{clinician} now looks after this patient.")
    return redirect("access:patient", pk)


@staff_only
@require_POST
def end_assignment(request: SignedInRequest, pk: int, assignment_pk: int) -> HttpResponse:
    policy.require(request, pk, Scope.DEMOGRAPHICS, action=Action.UPDATE)
    ended = CareAssignment.objects.filter(
        pk=assignment_pk, patient_id=pk, ended_at__isnull=True
    ).update(ended_at=timezone.now())
    if ended:
        messages.success(request, "The clinician no longer has this patient on their list.")
    else:
        messages.error(request, "That assignment was already ended.")
    return redirect("access:patient", pk)


class EmergencyForm(forms.Form):
    record_number = forms.IntegerField(min_value=1, label="Patient record number")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=(
            "Why you need this record now (at least 15 letters or digits). Admins are "
            "told of every emergency access and review it."
        ),
    )
    minutes = forms.TypedChoiceField(
        coerce=int,
        choices=[(m, f"{m} minutes") for m in policy.EMERGENCY_MINUTES],
        initial=60,
        label="For",
    )


@staff_only
def emergency_access(request: SignedInRequest) -> HttpResponse:
    if request.user.role != Role.CLINICIAN:
        raise PermissionDenied("Only clinicians can open emergency access.")
    form = EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = Patient.objects.filter(pk=form.cleaned_data["record_number"]).first()
        if patient is None:
            form.add_error("record_number", "No patient has this record number.")
        else:
            try:
                grant = policy.open_emergency_access(
                    request,
                    patient,
                    reason=form.cleaned_data["reason"],
                    minutes=form.cleaned_data["minutes"],
                )
            except ValidationError as exc:
                field = "reason" if getattr(exc, "code", None) == "reason" else None
                form.add_error(field, exc.messages[0])
            else:
                local = timezone.localtime(grant.expires_at)
                messages.warning(
                    request,
                    f"Emergency access open until {local:%H:%M}. It is recorded and reviewed.",
                )
                return redirect("access:patient", patient.pk)
    return render(request, "access/emergency.html", {"form": form})
