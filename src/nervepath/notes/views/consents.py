# SPDX-License-Identifier: AGPL-3.0-or-later
"""Consent pages: the clinician prepares a form; the patient signs it in the portal
(``portal/consents/...``) or on a clinic tablet (the staff page, where the signed-in
staff member witnesses); a signed consent can be withdrawn by a new signed record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from nervepath.accounts import language
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.notes import consent as services
from nervepath.notes.forms import ConsentRequestForm, SignForm, WithdrawForm
from nervepath.notes.models import Consent, ConsentStatus, SignedVia
from nervepath.notes.services import NotesError
from nervepath.notes.views import portal_patient, staff_patient


def _consents(patient: Any) -> Any:
    return Consent.objects.filter(patient=patient).select_related(
        "document", "withdraws", "witness"
    )


@login_required
def consent_list(request: SignedInRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(request, pk, action=Action.CREATE if posted else Action.VIEW)
    form = ConsentRequestForm(request.POST or None)
    if posted and form.is_valid():
        try:
            consent = services.request_consent(patient, by=request.user, **form.cleaned_data)
        except NotesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{consent.title} is ready to sign in the portal or on the tablet."
            )
            return redirect("notes:consents", patient.pk)
    return render(
        request,
        "notes/consents.html",
        {"patient": patient, "consents": _consents(patient), "form": form},
        status=400 if posted else 200,
    )


def _sign_page(
    request: SignedInRequest, consent: Consent, *, staff: bool, patient: Any
) -> tuple[SignForm, WithdrawForm, str]:
    op = request.POST.get("op", "") if request.method == "POST" else ""
    sign_form = SignForm(request.POST if op == "sign" else None)
    withdraw_form = WithdrawForm(request.POST if op == "withdraw" else None)
    via = SignedVia.TABLET if staff else SignedVia.PORTAL
    witness = request.user if staff else None
    user = request.user
    error = ""
    try:
        if op == "sign":
            if sign_form.is_valid():
                services.sign(
                    consent,
                    via=via,
                    by=user,
                    witness=witness,
                    typed_name=sign_form.cleaned_data["typed_name"],
                    signature=sign_form.cleaned_data["signature"],
                )
            else:
                error = gettext("Type your full name and tick that you consent.")
        elif op == "withdraw":
            if withdraw_form.is_valid():
                services.withdraw(
                    consent, via=via, by=user, witness=witness, **withdraw_form.cleaned_data
                )
            else:
                error = gettext("Type your full name to withdraw.")
        elif op == "witness" and staff:
            services.witness(consent, by=user)
        elif op:
            error = gettext("Unknown action.")
    except NotesError as exc:
        error = str(exc)
    return sign_form, withdraw_form, error


@login_required
def consent_detail(request: SignedInRequest, pk: int, consent_pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = staff_patient(request, pk, action=Action.UPDATE if posted else Action.VIEW)
    consent = get_object_or_404(_consents(patient), pk=consent_pk)
    sign_form, withdraw_form, error = _sign_page(request, consent, staff=True, patient=patient)
    if posted and not error:
        messages.success(request, "Saved: the signed form is in the patient's documents.")
        return redirect("notes:consent", patient.pk, consent.pk)
    return _render(request, consent, sign_form, withdraw_form, error, staff=True, patient=patient)


def _render(
    request: SignedInRequest,
    consent: Consent,
    sign_form: SignForm,
    withdraw_form: WithdrawForm,
    error: str,
    *,
    staff: bool,
    patient: Any,
) -> HttpResponse:
    withdrawal = Consent.objects.filter(withdraws=consent).select_related("document").first()
    return render(
        request,
        "notes/consent.html",
        {
            "patient": patient,
            "consent": consent,
            "withdrawal": withdrawal,
            "paragraphs": [p.strip() for p in consent.body.split("\n\n") if p.strip()],
            "consent_language": language.name_of(consent.language),
            "sign_form": sign_form,
            "withdraw_form": withdraw_form,
            "error": error,
            "staff": staff,
            "can_sign": consent.status == ConsentStatus.REQUESTED,
            "can_withdraw": consent.status == ConsentStatus.SIGNED
            and not consent.withdraws_id
            and withdrawal is None,
        },
        status=400 if error else 200,
    )


@login_required
def my_consents(request: SignedInRequest) -> HttpResponse:
    patient = portal_patient(request)
    return render(
        request, "notes/my_consents.html", {"patient": patient, "consents": _consents(patient)}
    )


@login_required
def my_consent(request: SignedInRequest, consent_pk: int) -> HttpResponse:
    posted = request.method == "POST"
    patient = portal_patient(request, action=Action.UPDATE if posted else Action.VIEW)
    consent = get_object_or_404(_consents(patient), pk=consent_pk)
    sign_form, withdraw_form, error = _sign_page(request, consent, staff=False, patient=patient)
    if posted and not error:
        messages.success(request, gettext("Thank you: your signed form is in your documents."))
        return redirect("notes:my_consent", consent.pk)
    return _render(request, consent, sign_form, withdraw_form, error, staff=False, patient=patient)
