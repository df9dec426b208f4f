# SPDX-License-Identifier: AGPL-3.0-or-later
"""Post-operative follow-ups as booking requests.

Staff (front desk and clinicians) see the follow-ups to book across the patients they
may see in the appointments scope and book them; these pages show appointment-level
facts only (who, which follow-up, when it is due, where), never clinical detail. The
patient sees their own follow-ups in the portal with a link into online booking.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.pathway import follow_ups as services
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import FollowUp, FollowUpStatus, SurgeryStatus
from nervepath.pathway.surgery import follow_up_type
from nervepath.pathway.surgery_forms import SlotForm
from nervepath.pathway.views import portal_patient
from nervepath.scheduling.views.common import slot_days

DEFAULT_WEEKS = 4
MAX_WEEKS = 52


def _staff(request: SignedInRequest) -> None:
    if not request.user.can_manage_schedule:
        raise PermissionDenied("Follow-up booking is for clinic staff.")


def _weeks(request: HttpRequest) -> int:
    """?weeks=N, 1 to 52; anything else (blank, "x", "²", a hundred digits) the default."""
    raw = request.GET.get("weeks", "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3:
        return DEFAULT_WEEKS
    return min(max(int(raw), 1), MAX_WEEKS)


@login_required
def follow_ups_to_book(request: SignedInRequest) -> HttpResponse:
    """Overdue follow-ups and those due in the next few weeks, not yet booked."""
    _staff(request)
    weeks = _weeks(request)
    today = timezone.localdate()
    rows = list(
        FollowUp.objects.filter(
            patient__in=policy.visible_patients(request.user, Scope.APPOINTMENTS),
            status=FollowUpStatus.TO_BOOK,
            surgery__status=SurgeryStatus.DONE,
            due_on__lte=today + timedelta(weeks=weeks),
        )
        .select_related("patient__user", "surgery__location")
        .order_by("due_on", "id")[:500]
    )
    policy.record_listed(request, {f.patient_id for f in rows}, what="follow-ups to book")
    return render(
        request,
        "pathway/surgery/follow_ups.html",
        {"rows": rows, "weeks": weeks, "today": today, "week_choices": (2, 4, 8, 13)},
    )


@login_required
def follow_up_book(request: SignedInRequest, follow_up_pk: int) -> HttpResponse:
    """The first free slots of the follow-up type in the follow-up's window; book one."""
    _staff(request)
    posted = request.method == "POST"
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("patient__user", "surgery__location", "appointment"),
        pk=follow_up_pk,
    )
    policy.require(
        request,
        follow_up.patient_id,
        Scope.APPOINTMENTS,
        action=Action.UPDATE if posted else Action.VIEW,
        obj=follow_up,
    )
    form = SlotForm(request.POST or None)
    error = ""
    if posted and form.is_valid():
        starts_at, clinician = form.cleaned_data["slot"]
        try:
            appointment = services.book_follow_up(
                follow_up,
                starts_at,
                clinician,
                by=request.user,
            )
        except PathwayError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Booked {appointment}.")
            return redirect("pathway:follow_ups")
    location = follow_up.surgery.location
    days, slots_error = [], ""
    if follow_up.status == FollowUpStatus.TO_BOOK:
        try:
            days = slot_days(services.slots(follow_up), location, one_per_time=False)
        except PathwayError as exc:
            slots_error = str(exc)
    return render(
        request,
        "pathway/surgery/follow_up_book.html",
        {
            "follow_up": follow_up,
            "form": form,
            "error": error,
            "days": days,
            "slots_error": slots_error,
            "location": location,
        },
        status=400 if posted else 200,
    )


@login_required
def my_follow_ups(request: SignedInRequest) -> HttpResponse:
    """The patient's post-operative follow-ups, with a link to book each online."""
    patient = portal_patient(request)
    today = timezone.localdate()
    rows = list(
        FollowUp.objects.filter(patient=patient, surgery__status=SurgeryStatus.DONE)
        .filter(~Q(status=FollowUpStatus.CANCELLED))
        .select_related("surgery__location", "appointment__location")
    )
    try:
        kind = follow_up_type()
    except PathwayError:
        kind = None
    for row in rows:
        # book_url is for the template only (not a model field).
        row.book_url = ""  # type: ignore[attr-defined]
        start = services.bookable_window(row, today)[0]
        if kind is not None and kind.online_bookable and row.status == FollowUpStatus.TO_BOOK:
            url = reverse("scheduling:book_slots", args=[row.surgery.location.slug, kind.slug])
            book = f"{url}?{urlencode({'from': start.isoformat()})}"
            row.book_url = book  # type: ignore[attr-defined]  # for the template, as above
    return render(
        request,
        "pathway/surgery/my_follow_ups.html",
        {"rows": rows, "today": today, "kind": kind},
    )
