# SPDX-License-Identifier: AGPL-3.0-or-later
"""The problem list, allergies and vitals of one patient, each with its history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.notes import chart
from nervepath.notes.forms import AllergyForm, ProblemForm, VitalsForm
from nervepath.notes.models import Allergy, Problem
from nervepath.notes.services import NotesError
from nervepath.notes.views import staff_patient


def _changes(rows: list) -> list[dict]:
    """Each row's versions, newest first: when, who, what it said."""
    out = []
    for row in rows:
        for version in row.history.select_related("history_user").order_by("-history_date")[:20]:
            who = version.history_user
            out.append(
                {
                    "when": version.history_date,
                    "who": (who.get_full_name() or who.email) if who else "—",
                    "what": str(row),
                    "status": version.get_status_display(),
                }
            )
    return sorted(out, key=lambda c: c["when"], reverse=True)


@login_required
def chart_page(request: SignedInRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(request, pk, action=Action.UPDATE if posted else Action.VIEW)
    op = request.POST.get("op", "") if posted else ""
    problem_form = ProblemForm(request.POST if op == "problem" else None, prefix="p")
    allergy_form = AllergyForm(request.POST if op == "allergy" else None, prefix="a")
    vitals_form = VitalsForm(
        request.POST if op == "vitals" else None,
        prefix="v",
        initial={"measured_on": timezone.localdate()},
    )
    error = ""
    user = request.user
    if posted:
        try:
            if op == "problem" and problem_form.is_valid():
                chart.add_problem(patient, by=user, **problem_form.cleaned_data)
            elif op == "allergy" and allergy_form.is_valid():
                chart.add_allergy(patient, by=user, **allergy_form.cleaned_data)
            elif op == "vitals" and vitals_form.is_valid():
                data = dict(vitals_form.cleaned_data)
                chart.record_vitals(
                    patient, measured_on=data.pop("measured_on"), values=data, by=user
                )
            elif op == "problem_status":
                problem = get_object_or_404(Problem, pk=_id(request), patient=patient)
                chart.set_problem_status(
                    problem, status=request.POST.get("status", ""), on=None, by=user
                )
            elif op == "allergy_status":
                allergy = get_object_or_404(Allergy, pk=_id(request), patient=patient)
                chart.set_allergy_status(allergy, status=request.POST.get("status", ""), by=user)
            else:
                error = "Check the form: a field is missing or not valid."
        except NotesError as exc:
            error = str(exc)
        if not error:
            messages.success(request, "Saved.")
            return redirect("notes:chart", patient.pk)
    problems = list(patient.problems.all())
    allergies = list(patient.allergies.all())
    vitals = list(patient.vitals.select_related("created_by"))
    return render(
        request,
        "notes/chart.html",
        {
            "patient": patient,
            "problems": problems,
            "allergies": allergies,
            "vitals": [(v, chart.bmi(v)) for v in vitals],
            "changes": _changes(problems + allergies),
            "problem_form": problem_form,
            "allergy_form": allergy_form,
            "vitals_form": vitals_form,
            "error": error,
        },
        status=400 if error else 200,
    )


def _id(request: SignedInRequest) -> int:
    raw = request.POST.get("id", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else 0
