# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patient records at the desk (a new patient, email optional), a printed confirmation
for patients without email, and the patient's own contact details in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts import language
from nervepath.accounts.demographics import ContactForm, PatientRecordForm
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.scheduling.views.staff import _appointment, staff_required


@staff_required
def patient_new(request: HttpRequest) -> HttpResponse:
    """The front desk adds a patient with their demographics; email is optional."""
    if not policy.role_may(request.user, Scope.DEMOGRAPHICS):
        raise PermissionDenied("Your role does not add patient records.")
    form = PatientRecordForm(request.POST or None)
    target = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = ""
    if request.method == "POST" and form.is_valid():
        patient = form.save()
        audit.record(request, Action.CREATE, patient_id=patient.pk, obj=patient)
        messages.success(request, f"{patient} added. Search for them to book.")
        return redirect(target or "access:patients")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "scheduling/patient_new.html", {"form": form, "next": target}, status=status
    )


@staff_required
def confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable confirmation of a visit, for a patient without email: the paper is the
    patient's, so it is in their language (the staff line under it stays English)."""
    appointment = _appointment(request, pk, Action.VIEW)
    with language.for_patient(appointment.patient):
        start = appointment.local_start.replace(tzinfo=None)  # the location's wall clock
        return render(
            request,
            "scheduling/confirmation_print.html",
            {
                "appointment": appointment,
                "on": language.day(start, "long"),
                "at": language.clock(start),
            },
        )


def portal_contact(request: HttpRequest) -> HttpResponse:
    """A patient corrects their own phone numbers, address and emergency contact."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    patient = policy.own_patient(request, Scope.DEMOGRAPHICS, action=action)
    form = ContactForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your contact details are saved."))
        return redirect("scheduling:portal_contact")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/portal_contact.html",
        {"form": form, "patient": patient},
        status=status,
    )
