# SPDX-License-Identifier: AGPL-3.0-or-later
"""Referring doctors: the clinic's list (staff), and each patient's referring doctors
(demographics: the front desk links them, clinicians see them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.notes.forms import DoctorForm, ReferralForm
from nervepath.notes.models import PatientReferral, ReferringDoctor, authored
from nervepath.notes.views import staff_patient


def _staff_only(request: SignedInRequest) -> None:
    if not policy.role_may(request.user, Scope.DEMOGRAPHICS) or request.user.role == "patient":
        raise PermissionDenied("Referring doctors are kept by the clinic's staff.")


@login_required
def doctors(request: SignedInRequest) -> HttpResponse:
    _staff_only(request)
    form = DoctorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            doctor = form.save(commit=False)
            authored(doctor, request.user).save()
        messages.success(request, f"Added {doctor}.")
        return redirect("notes:doctors")
    return render(
        request,
        "notes/doctors.html",
        {"doctors": ReferringDoctor.objects.filter(active=True), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def doctor_edit(request: SignedInRequest, doctor_pk: int) -> HttpResponse:
    _staff_only(request)
    doctor = get_object_or_404(ReferringDoctor, pk=doctor_pk)
    form = DoctorForm(request.POST or None, instance=doctor)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            authored(form.save(commit=False), request.user).save()
        messages.success(request, "Saved.")
        return redirect("notes:doctors")
    return render(
        request,
        "notes/doctor_edit.html",
        {"doctor": doctor, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def patient_referrals(request: SignedInRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(
        request, pk, Scope.DEMOGRAPHICS, action=Action.UPDATE if posted else Action.VIEW
    )
    form = ReferralForm(
        request.POST if posted and request.POST.get("op") == "link" else None,
        initial={"since": timezone.localdate()},
    )
    if posted:
        if request.POST.get("op") == "end":
            raw = request.POST.get("id", "")
            referral = get_object_or_404(
                PatientReferral,
                pk=int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else 0,
                patient=patient,
                ended_on__isnull=True,
            )
            referral.ended_on = timezone.localdate()
            authored(referral, request.user).save()
            messages.success(request, "Referral ended.")
            return redirect("notes:referrals", patient.pk)
        if form.is_valid():
            doctor = form.cleaned_data["doctor"]
            if patient.referrals.filter(doctor=doctor, ended_on__isnull=True).exists():
                form.add_error("doctor", f"{doctor} is already this patient's referring doctor.")
            elif form.cleaned_data["since"] > timezone.localdate():
                form.add_error("since", "The referral date is in the future.")
            else:
                referral = PatientReferral(
                    patient=patient,
                    doctor=doctor,
                    since=form.cleaned_data["since"],
                    created_by=request.user,
                )
                authored(referral, request.user).save()
                messages.success(request, f"Linked {doctor}.")
                return redirect("notes:referrals", patient.pk)
    return render(
        request,
        "notes/referrals.html",
        {"patient": patient, "referrals": patient.referrals.select_related("doctor"), "form": form},
        status=400 if posted else 200,
    )
