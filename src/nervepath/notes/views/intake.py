# SPDX-License-Identifier: AGPL-3.0-or-later
"""Referral intake pages (issue 20): upload a referral, confirm whose it is, file it.

Only the front desk and administrators take referrals in (``intake.may_take_in``);
others get 403. A pending intake is theirs to see; once filed, it is asked of the access
policy for its patient (404 outside the user's reach). Every step is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.documents import storage
from nervepath.notes import intake as service
from nervepath.notes.forms import IntakeForm
from nervepath.notes.models import IntakeStatus, ReferralIntake, ReferringDoctor, authored
from nervepath.ratelimit import rate_limit


def _intake_staff(request: SignedInRequest) -> None:
    if not service.may_take_in(request.user):
        raise PermissionDenied("Referrals are taken in by the front desk.")


@login_required
@rate_limit("upload", key="user")
def intake_new(request: SignedInRequest) -> HttpResponse:
    _intake_staff(request)
    form = IntakeForm(
        request.POST or None, request.FILES or None, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                doctor = data["doctor"]
                if doctor is None:
                    doctor = ReferringDoctor(
                        name=data["doctor_name"],
                        practice=" ".join(data["doctor_practice"].split()),
                        phone=data["doctor_phone"].strip(),
                        fax=data["doctor_fax"].strip(),
                    )
                    authored(doctor, request.user).save()
                intake = service.receive(data["file"], details=data, doctor=doctor, by=request.user)
        except storage.UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            audit.record(request, Action.CREATE, obj=intake, detail="referral received")
            return redirect("notes:intake", intake.pk)
    pending = ReferralIntake.objects.filter(status=IntakeStatus.PENDING).select_related("doctor")[
        :50
    ]
    return render(
        request,
        "notes/intake_new.html",
        {"form": form, "pending": pending},
        status=400 if request.method == "POST" else 200,
    )


def _intake(request: SignedInRequest, pk: int, action: str) -> ReferralIntake:
    intake = ReferralIntake.objects.select_related("doctor", "patient__user").filter(pk=pk).first()
    if intake is None or intake.status == IntakeStatus.DISCARDED:
        raise Http404("No such referral.")
    if intake.patient_id is not None:
        policy.require(request, intake.patient_id, Scope.DEMOGRAPHICS, action=action, obj=intake)
    else:
        audit.record(request, action, obj=intake, detail="pending referral")
    return intake


@login_required
def intake_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    _intake_staff(request)
    posted = request.method == "POST"
    intake = _intake(request, pk, Action.UPDATE if posted else Action.VIEW)
    error = ""
    if intake.status == IntakeStatus.PENDING:
        matches = service.candidates(intake, request.user)
        policy.record_listed(request, [p.pk for p in matches], what="referral matches")
    else:
        matches = []
    if posted:
        op = request.POST.get("op", "")
        choice = request.POST.get("patient", "")
        try:
            if op == "discard":
                service.discard(intake, by=request.user)
                messages.success(request, "Referral discarded; its file is deleted.")
                return redirect("notes:intake_new")
            if intake.status != IntakeStatus.PENDING:
                raise service.IntakeError("This referral was already filed.")
            if op != "file":
                raise service.IntakeError("Choose who the referral is for, then file it.")
            if choice == "new":
                if matches and request.POST.get("confirm_new") != "yes":
                    raise service.IntakeError(
                        "Possible matches are shown: tick that none of them is this person "
                        "to make a new record."
                    )
                patient = None
            else:
                chosen = next((p for p in matches if str(p.pk) == choice), None)
                if chosen is None:
                    raise service.IntakeError("Pick one of the patients shown, or a new one.")
                patient = policy.get_patient(
                    request, chosen.pk, Scope.DEMOGRAPHICS, action=Action.UPDATE
                )
            filed = service.file(intake, patient, by=request.user)
        except service.IntakeError as exc:
            error = str(exc)
        else:
            assert filed.patient_id is not None and filed.document is not None
            if filed.created_patient:
                audit.record(request, Action.CREATE, patient_id=filed.patient_id, obj=filed.patient)
            audit.record(request, Action.CREATE, patient_id=filed.patient_id, obj=filed.document)
            audit.record(request, Action.UPDATE, patient_id=filed.patient_id, obj=filed)
            messages.success(
                request,
                "Referral filed: the document is in the patient's record and "
                "“Book a new-patient visit” is in the inbox.",
            )
            return redirect("notes:intake", filed.pk)
    rows = [(p, service.match_reasons(intake, p)) for p in matches]
    return render(
        request,
        "notes/intake.html",
        {"intake": intake, "matches": rows, "error": error},
        status=400 if error else 200,
    )
