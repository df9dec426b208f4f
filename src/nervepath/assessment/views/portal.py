# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's questionnaire pages: the list, the form (save a draft, submit once) and
their own past answers. Each goes through ``access.policy`` (own record only, audited).

Branching works without JavaScript: the form shows the questions that apply to the
answers saved so far; "Save draft" stores the answers and shows the page again with the
questions they open. With the static script (no inline script), the questions branching
hides are on the page already, hidden, and shown the moment an answer opens them.

Patients only ever see questionnaires they may fill (``services.patient_may_fill``): never
one whose licensed wording is not loaded, never one the clinician enters. After a submit
the patient goes on to the next questionnaire due; an urgent red flag first shows its
advice (issue 19).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts import language
from nervepath.accounts.requests import SignedInRequest
from nervepath.assessment import forms, services, summary
from nervepath.assessment.models import (
    OPEN_STATES,
    Request,
    RequestState,
    Response,
    ResponseStatus,
)
from nervepath.assessment.services import AssessmentError
from nervepath.audit.models import Action
from nervepath.science.instruments import Instrument

SHOWN_KEY = "assessment-shown-{}"


def patient_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_patient:
            raise PermissionDenied("These pages are for patients; staff use the record.")
        return view(request, *args, **kwargs)

    return wrapper


def open_requests(patient: Any) -> list[Request]:
    """The questionnaires waiting for the patient, in the order they fill them; only
    those a patient may be shown."""
    return [
        r
        for r in Request.objects.filter(patient=patient, state__in=OPEN_STATES).select_related(
            "appointment__appointment_type", "appointment__location"
        )
        if services.patient_may_fill(r.instrument_id, language.current())
    ]


@patient_only
def portal_list(request: SignedInRequest) -> HttpResponse:
    patient = policy.own_patient(request, Scope.CLINICAL)
    requests = open_requests(patient)
    done = [
        r
        for r in Response.objects.submitted()
        .filter(patient=patient)
        .select_related("corrects")
        .order_by("-submitted_at")[:100]
        if services.instrument(r.instrument_id).wording_loaded
    ]
    return render(request, "assessment/portal_list.html", {"requests": requests, "responses": done})


def branching_items(inst: Instrument) -> set[str]:
    """Items other questions depend on (their answer may open or close questions)."""
    found: set[str] = set()

    def walk(cond: Any) -> None:
        if isinstance(cond, dict):
            if "item" in cond:
                found.add(cond["item"])
            for value in cond.values():
                walk(value)
        elif isinstance(cond, list):
            for value in cond:
                walk(value)

    for item in inst.items:
        walk(item.show_if)
    return found


def _form_page(
    request: HttpRequest,
    req: Request,
    inst: Instrument,
    answers: dict[str, Any],
    *,
    error: AssessmentError | None = None,
) -> HttpResponse:
    missing = {item_id for item_id, _label in error.missing} if error else set()
    fields = forms.fields(
        inst,
        answers,
        error_item=error.item_id if error and not missing else None,
        error=error.message if error and not missing else "",
        every=True,
        missing=missing,
    )
    request.session[SHOWN_KEY.format(req.pk)] = [f.item.id for f in fields if f.visible]
    waiting = [r.pk for r in open_requests(req.patient)]
    context = {
        "req": req,
        "inst": inst,
        "fields": fields,
        "branching": branching_items(inst),
        "error": error.message if error else "",
        "missing": error.missing if error else [],
        "none_chosen": forms.NONE_CHOSEN,
        "position": waiting.index(req.pk) + 1 if req.pk in waiting and len(waiting) > 1 else 0,
        "total": len(waiting),
    }
    return render(request, "assessment/fill.html", context, status=error.status if error else 200)


def _request_for(request: HttpRequest, pk: int, action: str) -> Request:
    req = Request.objects.select_related("patient").filter(pk=pk).first()
    if req is None:
        raise Http404("No such questionnaire.")
    policy.require(request, req.patient_id, Scope.CLINICAL, action=action, obj=req)
    return req


@patient_only
def fill(request: SignedInRequest, pk: int) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    req = _request_for(request, pk, action)
    lang = language.current()
    inst = services.instrument(req.instrument_id, lang)
    if not services.patient_may_fill(req.instrument_id, lang):
        # Never shown to a patient: the clinician enters it (or its licensed wording is
        # not loaded, or the clinic turned it off).
        message = _(
            "Your clinician goes through this one with you at your visit; nothing to fill here."
        )
        if request.method == "POST":
            return render(
                request, "assessment/closed.html", {"req": req, "message": message}, status=409
            )
        messages.info(request, message)
        return redirect("assessment:portal_list")
    if req.state not in OPEN_STATES:
        message = (
            _("This questionnaire was already submitted; your answers were not changed.")
            if req.state == RequestState.SUBMITTED
            else _("The clinic withdrew this questionnaire.")
        )
        if request.method == "POST":
            return render(
                request, "assessment/closed.html", {"req": req, "message": message}, status=409
            )
        messages.info(request, message)
        return redirect("assessment:portal_list")
    draft = services.draft_of(req)
    stored: dict[str, Any] = dict(draft.answers) if draft else {}
    if request.method != "POST":
        return _form_page(request, req, inst, stored)

    shown = set(
        request.session.get(SHOWN_KEY.format(req.pk)) or [i.id for i in inst.visible_items(stored)]
    )
    merged = dict(stored)
    try:
        posted = forms.parse(inst, request.POST)
        merged = forms.merge(inst, stored, posted, shown)
        answers = services.prune(inst, merged, shown)
        if "submit" in request.POST:
            response = services.submit(req, answers, by=request.user, language=lang)
            request.session.pop(SHOWN_KEY.format(req.pk), None)
            return _after_submit(request, req, inst, response)
        services.save_draft(req, answers)
    except AssessmentError as exc:
        if exc.status == 409:
            return render(
                request, "assessment/closed.html", {"req": req, "message": exc.message}, status=409
            )
        return _form_page(request, req, inst, merged, error=exc)
    messages.success(request, _("Draft saved. Questions that now apply are shown below."))
    focus = request.POST.get("focus", "")
    anchor = f"#q-{focus}" if focus in {i.id for i in inst.items} else ""
    return redirect(reverse("assessment:fill", args=[req.pk]) + anchor)


def _after_submit(
    request: HttpRequest, req: Request, inst: Instrument, response: Response
) -> HttpResponse:
    """Urgent advice first (its own page, at once); otherwise straight on to the next
    questionnaire due, or the list when none is left."""
    scored = response.scored
    if scored is not None and any(f.severity == "urgent" for f in scored.flags):
        return redirect("assessment:portal_answers", response.pk)
    nxt = next(iter(open_requests(req.patient)), None)
    if nxt is None:
        messages.success(
            request,
            _("Thank you: “%(title)s” is submitted. That was the last one.")
            % {"title": _(inst.plain_title)},
        )
        return redirect("assessment:portal_list")
    messages.success(
        request,
        _("Thank you: “%(title)s” is submitted. Next: “%(next)s”.")
        % {"title": _(inst.plain_title), "next": _(nxt.plain_title)},
    )
    return redirect("assessment:fill", nxt.pk)


@patient_only
def portal_answers(request: SignedInRequest, pk: int) -> HttpResponse:
    response = (
        Response.objects.filter(pk=pk, status=ResponseStatus.SUBMITTED)
        .select_related("patient")
        .first()
    )
    if response is None:
        raise Http404("No such response.")
    policy.require(request, response.patient_id, Scope.CLINICAL, obj=response)
    inst = services.instrument(response.instrument_id)
    if not inst.wording_loaded:
        # Never render an instrument without its wording to a patient (issue 19).
        raise Http404("No such response.")
    scored = response.scored
    return render(
        request,
        "assessment/portal_answers.html",
        {
            "response": response,
            "inst": inst,
            "advice": [f for f in (scored.flags if scored else []) if f.patient_advice],
            "next_request": next(iter(open_requests(response.patient)), None),
            "rows": summary.answer_rows(inst, response.answers),
            "corrected_by": Response.objects.filter(corrects=response).first(),
        },
    )
