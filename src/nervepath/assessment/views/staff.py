# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's assessment pages for one patient: the summary (red flags first, then
scores against baseline with a trend), the answers of a response, corrections, sending
questionnaires now and on a schedule.

Every view asks ``access.policy`` for the clinical scope of that patient first: a
clinician outside the patient's care gets 404, the front desk, admins and researchers
403, both written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.language import name_of, patient_language
from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.assessment import forms, services, summary
from nervepath.assessment.models import (
    OPEN_STATES,
    Request,
    Response,
    ResponseStatus,
    Schedule,
)
from nervepath.assessment.services import AssessmentError
from nervepath.audit.models import Action
from nervepath.science import instruments


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff; patients use their portal. The policy decides the rest."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_patient:
            raise PermissionDenied("This page is for the clinic's care team.")
        return view(request, *args, **kwargs)

    return wrapper


def _patient(request: HttpRequest, patient_pk: int, action: str = Action.VIEW) -> Patient:
    return policy.get_patient(request, patient_pk, Scope.CLINICAL, action=action)


def _choices() -> list[tuple[str, str]]:
    """Only what patients may be sent (never a clinician's instrument, never the IRLS
    without its licensed wording)."""
    return [
        (i, instruments.load(i).title)
        for i in summary.ordered(instruments.available())
        if services.patient_may_fill(i)
    ]


class SendForm(djforms.Form):
    instruments = djforms.MultipleChoiceField(
        choices=_choices, widget=djforms.CheckboxSelectMultiple, label="Questionnaires"
    )


class ScheduleForm(djforms.Form):
    instruments = djforms.MultipleChoiceField(
        choices=_choices, widget=djforms.CheckboxSelectMultiple, label="Questionnaires"
    )
    every_days = djforms.IntegerField(min_value=1, max_value=366, initial=90, label="Every (days)")
    first_due = djforms.DateField(
        label="First on", widget=djforms.DateInput(attrs={"type": "date"})
    )
    until = djforms.DateField(
        required=False, label="Until (optional)", widget=djforms.DateInput(attrs={"type": "date"})
    )


def _summary_page(
    request: HttpRequest,
    patient: Patient,
    *,
    send_form: SendForm | None = None,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    built = summary.build(patient)
    today = timezone.localdate()
    return render(
        request,
        "assessment/summary.html",
        {
            "patient": patient,
            "summary": built,
            "open_requests": Request.objects.filter(patient=patient, state__in=OPEN_STATES),
            "schedules": Schedule.objects.filter(patient=patient, active=True),
            "history": Response.objects.submitted()
            .filter(patient=patient)
            .select_related("submitted_by", "corrects")
            .order_by("-submitted_at")[:200],
            "send_form": send_form or SendForm(),
            "schedule_form": schedule_form or ScheduleForm(initial={"first_due": today}),
            "enterable": [
                (i, instruments.load(i).title)
                for i in summary.ordered(services.clinician_instruments())
            ],
            "irls_mode": services.irls_mode(),
            "irls_mode_text": services.IRLS_MODES[services.irls_mode()],
            "patient_language": name_of(patient_language(patient)),
            "patient_language_code": patient_language(patient),
            "not_in_language": [
                instruments.load(i).title
                for i in services.not_offered_in_language(
                    patient,
                    [
                        i
                        for i in summary.ordered(instruments.available())
                        if services.patient_may_fill(i)
                    ],
                )
            ],
        },
        status=status,
    )


@staff_only
def patient_summary(request: SignedInRequest, patient_pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk)
    return _summary_page(request, patient)


@staff_only
def trend(request: SignedInRequest, patient_pk: int, instrument_id: str) -> HttpResponse:
    patient = _patient(request, patient_pk)
    if instrument_id not in instruments.available():
        raise Http404("No such questionnaire.")
    inst = services.instrument(instrument_id)
    series = summary.points(patient, instrument_id).get(instrument_id, [])
    row = summary.Row(inst, series)
    if not series or not row.plottable:
        raise Http404("No scores to plot.")
    response = HttpResponse(summary.trend_svg(inst, series), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def _response_of(patient: Patient, pk: int) -> Response:
    response = (
        Response.objects.filter(pk=pk, patient=patient, status=ResponseStatus.SUBMITTED)
        .select_related("submitted_by", "corrects")
        .first()
    )
    if response is None:
        raise Http404("No such response for this patient.")
    return response


@staff_only
def answers(request: SignedInRequest, patient_pk: int, pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk)
    response = _response_of(patient, pk)
    inst = services.instrument(response.instrument_id)
    chain = response.chain()
    return render(
        request,
        "assessment/answers.html",
        {
            "patient": patient,
            "response": response,
            "inst": inst,
            "rows": summary.answer_rows(inst, response.answers),
            "chain": chain,
            "is_latest": chain[-1].pk == response.pk,
        },
    )


@staff_only
def correct(request: SignedInRequest, patient_pk: int, pk: int) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    patient = _patient(request, patient_pk, action)
    original = _response_of(patient, pk)
    inst = services.instrument(original.instrument_id)
    stored: dict[str, Any] = dict(original.answers)
    shown = {i.id for i in inst.visible_items(stored)}
    answers_now: dict[str, Any] = stored
    error: AssessmentError | None = None
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:2000]
        try:
            posted = forms.parse(inst, request.POST)
            answers_now = forms.merge(inst, stored, posted, shown)
            cleaned = services.prune(inst, answers_now, shown)
            new = services.correct(original, cleaned, reason=reason, by=request.user)
        except AssessmentError as exc:
            error = exc
        else:
            messages.success(request, "Correction saved; the summary uses it from now on.")
            return redirect("assessment:answers", patient.pk, new.pk)
    fields = forms.fields(
        inst,
        answers_now,
        error_item=error.item_id if error else None,
        error=error.message if error else "",
    )
    return render(
        request,
        "assessment/correct.html",
        {
            "patient": patient,
            "original": original,
            "inst": inst,
            "fields": fields,
            "error": error.message if error else "",
            "reason": reason,
            "none_chosen": forms.NONE_CHOSEN,
        },
        status=error.status if error else 200,
    )


@staff_only
@require_POST
def send_now(request: SignedInRequest, patient_pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk, Action.CREATE)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose at least one questionnaire from the list.")
        return _summary_page(request, patient, send_form=form, status=400)
    made = services.send_now(patient, form.cleaned_data["instruments"], by=request.user)
    skipped = len(form.cleaned_data["instruments"]) - len(made)
    text = ngettext(
        "Sent %(count)d questionnaire; the patient has been emailed.",
        "Sent %(count)d questionnaires; the patient has been emailed.",
        len(made),
    ) % {"count": len(made)}
    if skipped:
        text += f" {skipped} already waiting for the patient were not sent again."
    messages.success(request, text)
    return redirect("assessment:summary", patient.pk)


@staff_only
@require_POST
def add_schedule(request: SignedInRequest, patient_pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk, Action.CREATE)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_schedule(
                patient,
                data["instruments"],
                every_days=data["every_days"],
                first_due=data["first_due"],
                until=data["until"],
                by=request.user,
            )
        except AssessmentError as exc:
            form.add_error(None, exc.message)
        else:
            first: date = data["first_due"]
            messages.success(
                request,
                f"Schedule set: first on {first:%b %-d, %Y}, every {data['every_days']} days.",
            )
            return redirect("assessment:summary", patient.pk)
    messages.error(request, "The schedule was not set; see the form below.")
    return _summary_page(request, patient, schedule_form=form, status=400)


@staff_only
@require_POST
def stop_schedule(request: SignedInRequest, patient_pk: int, pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk, Action.UPDATE)
    schedule = Schedule.objects.filter(pk=pk, patient=patient, active=True).first()
    if schedule is None:
        raise Http404("No such schedule for this patient.")
    schedule.active = False
    schedule.save(update_fields=["active"])
    messages.success(request, "Schedule stopped; questionnaires already sent stay open.")
    return redirect("assessment:summary", patient.pk)


@staff_only
@require_POST
def withdraw(request: SignedInRequest, patient_pk: int, pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk, Action.UPDATE)
    req = Request.objects.filter(pk=pk, patient=patient).first()
    if req is None:
        raise Http404("No such questionnaire for this patient.")
    try:
        services.withdraw(req)
    except AssessmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{req.title} withdrawn.")
    return redirect("assessment:summary", patient.pk)


@staff_only
def enter(request: SignedInRequest, patient_pk: int, instrument_id: str) -> HttpResponse:
    """The clinician enters an instrument in the visit: criterion 5, the MPI augmentation
    checklist, the MNSI examination, the JHRLSS, or the IRLS item scores from the
    licensed paper form (recorded as clinician-entered)."""
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = _patient(request, patient_pk, action)
    if not services.clinician_may_enter(instrument_id):
        raise Http404("No such questionnaire to enter here.")
    inst = services.instrument(instrument_id)
    answers_now: dict[str, Any] = {}
    error: AssessmentError | None = None
    if request.method == "POST":
        try:
            posted = forms.parse(inst, request.POST)
            answers_now = {k: v for k, v in posted.items() if v is not None}
            shown = {i.id for i in inst.items}
            cleaned = services.prune(inst, answers_now, shown)
            if "submit" in request.POST:
                services.enter(patient, instrument_id, cleaned, by=request.user)
                messages.success(request, f"{inst.title} recorded.")
                return redirect("assessment:summary", patient.pk)
            answers_now = cleaned
        except AssessmentError as exc:
            error = exc
    missing = {item_id for item_id, _label in error.missing} if error else set()
    fields = forms.fields(
        inst,
        answers_now,
        error_item=error.item_id if error and not missing else None,
        error=error.message if error and not missing else "",
        every=True,
        missing=missing,
    )
    return render(
        request,
        "assessment/enter.html",
        {
            "patient": patient,
            "inst": inst,
            "fields": fields,
            "branching": _branching(inst),
            "error": error.message if error else "",
            "missing": error.missing if error else [],
            "none_chosen": forms.NONE_CHOSEN,
            "wording_missing": inst.wording_licensed and not inst.wording_loaded,
        },
        status=error.status if error else 200,
    )


def _branching(inst: instruments.Instrument) -> set[str]:
    from nervepath.assessment.views.portal import branching_items

    return branching_items(inst)
