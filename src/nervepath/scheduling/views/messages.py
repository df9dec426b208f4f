# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pages about messages: the patient's text-reminder settings (number and consent) and
the staff's view of the outbox (what was queued, sent, is failing or failed) with each
patient's consent to texts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Role
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.messaging import bounces, consent
from nervepath.messaging import outbox as outbox_service
from nervepath.messaging.models import GAVE_UP, Channel, Message, MessageStatus
from nervepath.scheduling.views.staff import staff_required


class TextConsentForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=gettext_lazy("A US number as you dial it, or with + and the country code."),
    )
    agree = forms.BooleanField(
        label=gettext_lazy("I agree to the words above."),
        error_messages={
            "required": gettext_lazy("Tick the box to agree to texts, or leave this page.")
        },
    )

    def clean_phone(self) -> str:
        try:
            return consent.normalise(self.cleaned_data["phone"])
        except consent.PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None


@require_http_methods(["GET", "POST"])
def my_texts(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    patient = policy.own_patient(request, Scope.DEMOGRAPHICS, action=action)
    form = TextConsentForm()
    if request.method == "POST":
        if request.POST.get("withdraw"):
            with transaction.atomic():
                consent.withdraw(patient, via="portal")
            messages.success(request, _("You will get no more texts from us."))
            return redirect("scheduling:my_texts")
        form = TextConsentForm(request.POST)
        if form.is_valid():
            consent.give(patient, form.cleaned_data["phone"], via="portal")
            messages.success(request, _("Thank you: reminders and offers will come by text."))
            return redirect("scheduling:my_texts")
    return render(
        request,
        "scheduling/my_texts.html",
        {
            "form": form,
            "current": consent.current(patient),
            "wording": consent.wording(),
            "history": patient.text_consents.all()[:20],
        },
    )


@staff_required
def outbox(request: SignedInRequest) -> HttpResponse:
    """Every message, newest first, filtered by status or channel, or one patient's
    messages and consent to texts (``?patient=<record number>``)."""
    if not policy.role_may(request.user, Scope.DEMOGRAPHICS):
        raise PermissionDenied("The outbox is for clinic staff.")
    # Only the patients this user may see (a clinician: those in their care); messages
    # to no patient (notices to admins, to staff addresses) only to admins.
    visible = Q(patient__in=policy.visible_patients(request.user, Scope.DEMOGRAPHICS))
    if request.user.role == Role.ADMIN:
        visible |= Q(patient__isnull=True)
    base = Message.objects.filter(visible)
    rows = base
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    if status in MessageStatus.values:
        rows = rows.filter(status=status)
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    patient = None
    consents = None
    email_bounce = None
    raw_patient = request.GET.get("patient", "").strip()
    if raw_patient:
        if not raw_patient.isdigit():
            messages.error(request, "A record number is a whole number, e.g. 42.")
            return redirect("scheduling:outbox")
        patient = policy.get_patient(request, int(raw_patient), Scope.DEMOGRAPHICS)
        rows = rows.filter(patient=patient)
        consents = patient.text_consents.all()
        email_bounce = bounces.address_bounce(patient.email)
    page = Paginator(rows.only(*LIST_FIELDS), 50).get_page(request.GET.get("page"))
    if patient is None:
        policy.record_listed(
            request, [m.patient_id for m in page if m.patient_id is not None], what="outbox"
        )
    counts = {
        row["status"]: row["n"] for row in base.values("status").annotate(n=Count("pk")).order_by()
    }
    return render(
        request,
        "scheduling/outbox.html",
        {
            "page": page,
            "statuses": MessageStatus.choices,
            "channels": Channel.choices,
            "status": status,
            "channel": channel,
            "patient": patient,
            "consents": consents,
            "email_bounce": email_bounce,
            "summary": [(label, counts.get(value, 0)) for value, label in MessageStatus.choices],
            "gave_up": [str(s) for s in GAVE_UP],
        },
    )


@staff_required
@require_POST
def send_again(request: SignedInRequest, pk: int) -> HttpResponse:
    """Queue a message that failed for good, was refused or bounced once more, to the
    same address or one corrected here (the patient's record is not changed by it)."""
    if not policy.role_may(request.user, Scope.DEMOGRAPHICS):
        raise PermissionDenied("The outbox is for clinic staff.")
    message = Message.objects.filter(pk=pk).first()
    if message is None:
        raise Http404("No such message.")
    if message.patient_id is None:
        if request.user.role != Role.ADMIN:
            raise Http404("No such message.")
    else:
        policy.require(
            request, message.patient_id, Scope.DEMOGRAPHICS, action=Action.UPDATE, obj=message
        )
    back = reverse("scheduling:outbox") + (
        f"?patient={message.patient_id}" if message.patient_id else ""
    )
    to = " ".join(request.POST.get("to", "").split())[:254]
    if to and to != message.to:
        try:
            if message.channel == Channel.EMAIL:
                validate_email(to)
                to = to.lower()
            else:
                to = consent.normalise(to)
        except (forms.ValidationError, consent.PhoneError):
            what = "e-mail address" if message.channel == Channel.EMAIL else "mobile number"
            messages.error(request, f"“{to}” is not a valid {what}; nothing was sent.")
            return redirect(back)
    if message.status not in GAVE_UP:
        messages.info(request, "This message is not one that failed: nothing to send again.")
    elif outbox_service.send_again(message, to=to if to != message.to else ""):
        messages.success(request, "Queued again; the inbox item closes once it is sent.")
    else:
        messages.info(request, "Someone already sent this message again.")
    return redirect(back)


LIST_FIELDS = (
    "channel",
    "kind",
    "to",
    "patient_id",
    "subject",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "bounced_at",
    "created_at",
    "sent_at",
)
