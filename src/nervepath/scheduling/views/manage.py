# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient's own appointments: the emailed manage link, the portal and waitlist offers.

The manage link carries a long random token (not the id); the portal lists only the
signed-in patient's appointments.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.accounts.models import User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit.models import Action
from nervepath.scheduling import availability, services, waitlist
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.forms import ChosenSlotForm
from nervepath.scheduling.ical import patient_ics
from nervepath.scheduling.models import (
    Appointment,
    Clinician,
    Status,
    WaitlistEntry,
    WaitlistStatus,
)
from nervepath.scheduling.views.common import link_gone, requested_day, slot_days, week_links

DAYS_SHOWN = 7


class LinkGone(Exception):
    """An unknown manage token, or one whose visit ended or was cancelled more than
    ``NERVEPATH_MANAGE_LINK_GRACE_HOURS`` ago: both get the same 404 page."""


def _by_token(request: HttpRequest, token: str, action: str = Action.VIEW) -> Appointment:
    appointment = (
        Appointment.objects.select_related(
            "location", "clinician__user", "appointment_type", "patient__user"
        )
        .filter(manage_token=token)
        .first()
    )
    if appointment is None or appointment.manage_link_expired():
        raise LinkGone
    policy.record_link_use(request, appointment.patient_id, obj=appointment, action=action)
    return appointment


def emailed_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except LinkGone:
            return link_gone(request)

    return wrapper


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


@emailed_link
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _by_token(request, token)
    now = timezone.now()
    upcoming = appointment.status == Status.BOOKED and appointment.starts_at > now
    return render(
        request,
        "scheduling/manage.html",
        {
            "appointment": appointment,
            "can_change": upcoming and not appointment.clinic_only,
            "call_to_change": upcoming and appointment.clinic_only,
        },
    )


@emailed_link
def appointment_ics(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _by_token(request, token, Action.DOWNLOAD)
    response = HttpResponse(patient_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@require_POST
@emailed_link
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _by_token(request, token, Action.UPDATE)
    try:
        services.cancel(appointment, by=_user(request))
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect(appointment.get_absolute_url())
    messages.success(request, "Your appointment is cancelled. We have emailed you a confirmation.")
    return redirect(appointment.get_absolute_url())


@emailed_link
def move(request: HttpRequest, token: str) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    appointment = _by_token(request, token, action)
    if appointment.clinic_only:
        location = appointment.location
        messages.error(
            request,
            f"{appointment.appointment_type.name} visits are changed by the clinic only. "
            f"Please call {location.name} on {location.phone}.",
        )
        return redirect(appointment.get_absolute_url())
    error, alternatives, status = "", [], 200
    if request.method == "POST":
        form = ChosenSlotForm(request.POST)
        clinician = None
        if form.is_valid():
            clinician = Clinician.objects.filter(id=form.cleaned_data["clinician"]).first()
        if clinician is None:
            error, status = "That time could not be read. Please pick a time again.", 400
        else:
            try:
                services.reschedule(
                    appointment,
                    form.cleaned_data["start"],
                    by=_user(request),
                    clinician=clinician,
                )
            except SlotTaken as exc:
                error, alternatives, status = exc.message, exc.alternatives, 409
            except BookingError as exc:
                error, status = exc.message, 400
            else:
                messages.success(
                    request, "Your appointment has moved. We have emailed the new time."
                )
                return redirect(appointment.get_absolute_url())
    location = appointment.location
    window = availability.online_window(location)
    earliest = window.earliest.astimezone(location.tz).date()
    first = requested_day(request, earliest, window.latest.astimezone(location.tz).date())
    slots = availability.free_slots(
        appointment.appointment_type,
        [location],
        first,
        DAYS_SHOWN,
        window=window,
        ignore_appointment_id=appointment.id,
    )
    return render(
        request,
        "scheduling/move.html",
        {
            "appointment": appointment,
            "days": slot_days(slots, location),
            "first": first,
            "links": week_links(first, earliest, DAYS_SHOWN),
            "error": error,
            "alternatives": slot_days(alternatives, location, one_per_time=False),
        },
        status=status,
    )


@login_required
def portal(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if not user.is_patient:
        return redirect("accounts:home")
    patient = getattr(user, "patient", None)
    if patient is not None:
        policy.record_own(request, patient)
    now = timezone.now()
    appointments = (
        Appointment.objects.filter(patient=patient)
        .exclude(status=Status.HELD)
        .select_related("location", "clinician__user", "appointment_type")
    )
    return render(
        request,
        "scheduling/portal.html",
        {
            "upcoming": [a for a in appointments if a.starts_at >= now],
            "past": [a for a in appointments if a.starts_at < now][::-1],
            "waitlist": WaitlistEntry.objects.filter(
                patient=patient, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
            ).select_related("appointment_type", "location"),
        },
    )


def waitlist_offer(request: HttpRequest, token: str) -> HttpResponse:
    entry = get_object_or_404(
        WaitlistEntry.objects.select_related("appointment_type", "location", "patient__user"),
        token=token,
    )
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    policy.record_link_use(request, entry.patient_id, obj=entry, action=action)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                appointment = waitlist.accept_offer(entry)
                messages.success(
                    request, "The earlier time is yours. A confirmation is on its way."
                )
                return redirect(appointment.get_absolute_url())
            if request.POST.get("answer") == "decline":
                waitlist.decline_offer(entry)
                messages.info(request, "Thank you, we have offered the time to someone else.")
                return redirect("site:home")
            raise Http404
        except BookingError as exc:
            messages.error(request, exc.message)
        entry.refresh_from_db()
    held = entry.offered_appointment if entry.status == WaitlistStatus.OFFERED else None
    return render(request, "scheduling/waitlist_offer.html", {"entry": entry, "held": held})
