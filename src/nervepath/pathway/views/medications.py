# SPDX-License-Identifier: AGPL-3.0-or-later
"""Medication pages: the staff page (current and past, add / change / stop, the
questionnaire flags next to the list) and the patient's read-only list in the portal.

Every medication id is looked up within the page's patient (another patient's id answers
404). A refused change re-renders the page with the message and status 400, having
stored nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from nervepath.accounts.models import Patient, User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import medications
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.forms import form_error, posted_id
from nervepath.pathway.models import Medication
from nervepath.pathway.views import clinical_patient, portal_patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNIT = forms.TextInput(attrs={"list": "units", "size": 8})
DOSE = forms.TextInput(attrs={"inputmode": "decimal", "size": 8})


class AddForm(forms.Form):
    name = forms.CharField(max_length=120, label="Medication")
    dose = forms.CharField(max_length=20, widget=DOSE)
    unit = forms.CharField(max_length=16, widget=UNIT)
    frequency = forms.CharField(
        max_length=80, required=False, label="How often", help_text="e.g. at bedtime"
    )
    started_on = forms.DateField(label="Started on", widget=DATE)
    side_effects = forms.CharField(max_length=500, required=False, label="Side effects")


class ChangeForm(forms.Form):
    medication = forms.IntegerField(widget=forms.HiddenInput)
    dose = forms.CharField(max_length=20, widget=DOSE, label="New dose")
    unit = forms.CharField(max_length=16, widget=UNIT)
    frequency = forms.CharField(max_length=80, required=False, label="How often")
    on = forms.DateField(label="From", widget=DATE)
    reason = forms.CharField(max_length=300, label="Why")


class StopForm(forms.Form):
    medication = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label="Stopped on", widget=DATE)
    reason = forms.CharField(max_length=300, label="Why")


class SideEffectsForm(forms.Form):
    medication = forms.IntegerField(widget=forms.HiddenInput)
    side_effects = forms.CharField(max_length=500, label="Side effects seen")


OPS: dict[str, type[forms.Form]] = {
    "change": ChangeForm,
    "stop": StopForm,
    "side_effects": SideEffectsForm,
}


def _apply(request: SignedInRequest, patient: Patient, op: str) -> str:
    """Carry out the posted change; return what to say about it (PathwayError if refused)."""
    user: User = request.user
    if op == "add":
        form: forms.Form = AddForm(request.POST)
        if not form.is_valid():
            raise PathwayError(form_error(form))
        med = medications.add(patient, **form.cleaned_data, by=user)
        return f"Added {med}."
    if op not in OPS:
        raise PathwayError("Choose what to do: add, change or stop a medication.")
    med = get_object_or_404(Medication, pk=posted_id(request, "medication"), patient=patient)
    form = OPS[op](request.POST)
    if not form.is_valid():
        raise PathwayError(form_error(form))
    data = {k: v for k, v in form.cleaned_data.items() if k != "medication"}
    if op == "change":
        new = medications.change(med, **data, by=user)
        return f"Changed: {med} → {medications.dose_text(new)} from {new.started_on:%b %-d, %Y}."
    if op == "stop":
        medications.stop(med, **data, by=user)
        return f"Stopped {med}."
    medications.note_side_effects(med, **data, by=user)
    return f"Side effects noted for {med}."


def _context(patient: Patient, *, staff: bool) -> dict[str, Any]:
    questionnaire = medications.questionnaire_flags(patient) if staff else None
    chains = medications.chains(patient)
    return {
        "patient": patient,
        "staff": staff,
        "rows": medications.current_rows(patient, questionnaire),
        "past": [c for c in chains if len(c.records) > 1 or not c.current],
        "questionnaire": questionnaire,
        "units": medications.COMMON_UNITS,
        "today": timezone.localdate(),
    }


@login_required
def medication_list(request: SignedInRequest, pk: int) -> HttpResponse:
    posting = request.method == "POST"
    op = request.POST.get("op", "") if posting else ""
    action = Action.CREATE if op == "add" else Action.UPDATE if posting else Action.VIEW
    patient = clinical_patient(request, pk, action=action)
    error = ""
    add_form = AddForm(
        request.POST if op == "add" else None, initial={"started_on": timezone.localdate()}
    )
    if posting:
        try:
            said = _apply(request, patient, op)
        except PathwayError as exc:
            error = str(exc)
        else:
            messages.success(request, said)
            return redirect("pathway:medications", patient.pk)
    context = _context(patient, staff=True)
    context.update(add_form=add_form, error=error, op=op, posted=request.POST if error else {})
    return render(request, "pathway/medications/list.html", context, status=400 if error else 200)


@login_required
@require_GET
def my_medications(request: SignedInRequest) -> HttpResponse:
    patient = portal_patient(request)
    context = _context(patient, staff=False)
    return render(request, "pathway/medications/my_medications.html", context)
