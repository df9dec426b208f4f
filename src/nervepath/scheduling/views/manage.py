# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patient's own appointments: the emailed manage link, the portal and waitlist offers.

The manage link carries a long random token (not the id); the portal lists only the
signed-in patient's appointments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from nervepath.access import policy
from nervepath.accounts import language
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
    Location,
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


@emailed_link
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET, or a POST without ``confirm``: what cancelling changes, and a button that
    does it; POST with ``confirm=yes``: cancel."""
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    appointment = _by_token(request, token, Action.UPDATE if confirmed else Action.VIEW)
    if appointment.status != Status.BOOKED or appointment.starts_at <= timezone.now():
        return redirect(appointment.get_absolute_url())
    if appointment.clinic_only:
        messages.error(request, _clinic_only(appointment))
        return redirect(appointment.get_absolute_url())
    if not confirmed:
        return render(request, "scheduling/cancel_confirm.html", {"appointment": appointment})
    try:
        services.cancel(appointment, by=_user(request))
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect(appointment.get_absolute_url())
    messages.success(
        request, _("Your appointment is cancelled. We have emailed you a confirmation.")
    )
    return redirect(appointment.get_absolute_url())


def _clinic_only(appointment: Appointment) -> str:
    location = appointment.location
    return _(
        "%(visit)s visits are changed by the clinic only. Please call %(place)s on %(phone)s."
    ) % {
        "visit": _(appointment.appointment_type.name),
        "place": location.name,
        "phone": location.phone,
    }


@dataclass(frozen=True)
class Change:
    """One line of the confirmation page: what it is now, what it would be."""

    label: str
    now: str
    then: str

    @property
    def changes(self) -> bool:
        return self.now != self.then


def _when(moment: datetime, location: Location) -> str:
    local = moment.astimezone(location.tz)
    return _("%(on)s at %(at)s") % {"on": language.day(local), "at": language.clock(local)}


def _changes(appointment: Appointment, start: datetime, clinician: Clinician) -> list[Change]:
    location = appointment.location
    return [
        Change(_("When"), _when(appointment.starts_at, location), _when(start, location)),
        Change(_("With"), str(appointment.clinician), str(clinician)),
        Change(_("Where"), location.name, location.name),
    ]


def _offering(appointment: Appointment) -> list[Clinician]:
    """Clinicians who give this type at this location (the patient may pick another)."""
    return list(
        Clinician.objects.filter(
            active=True,
            appointment_types=appointment.appointment_type,
            hours__location=appointment.location,
        )
        .select_related("user")
        .distinct()
    )


@emailed_link
def move(request: HttpRequest, token: str) -> HttpResponse:
    """Pick a new time, with the same clinician unless the patient chooses another
    (``?clinician=<id>`` or ``any``); picking a time shows what changes (time,
    clinician, location) and moves the visit only once confirmed (``confirm=yes``)."""
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    appointment = _by_token(request, token, action)
    if appointment.clinic_only:
        messages.error(request, _clinic_only(appointment))
        return redirect(appointment.get_absolute_url())
    offering = _offering(appointment)
    wanted = request.GET.get("clinician", "")
    any_clinician = wanted == "any"
    chosen = next((c for c in offering if str(c.id) == wanted), None)
    if chosen is None and not any_clinician:
        chosen = appointment.clinician
    error, alternatives, status = "", [], 200
    if request.method == "POST":
        form = ChosenSlotForm(request.POST)
        clinician = None
        if form.is_valid():
            clinician = Clinician.objects.filter(id=form.cleaned_data["clinician"]).first()
        if clinician is None:
            error, status = _("That time could not be read. Please pick a time again."), 400
        elif request.POST.get("confirm") != "yes":
            return render(
                request,
                "scheduling/move_confirm.html",
                {
                    "appointment": appointment,
                    "changes": _changes(appointment, form.cleaned_data["start"], clinician),
                    "start_iso": form.cleaned_data["start"].isoformat(),
                    "clinician": clinician,
                },
            )
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
                    request, _("Your appointment has moved. We have emailed the new time.")
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
        clinician_ids=[chosen.id] if chosen else None,
        ignore_appointment_id=appointment.id,
    )
    if chosen is not None:
        alternatives = [a for a in alternatives if a.clinician_id == chosen.id] or alternatives
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
            "offering": offering,
            "chosen": chosen,
            "clinician_param": "any" if chosen is None else chosen.id,
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
                    request, _("The earlier time is yours. A confirmation is on its way.")
                )
                return redirect(appointment.get_absolute_url())
            if request.POST.get("answer") == "decline":
                waitlist.decline_offer(entry)
                messages.info(request, _("Thank you, we have offered the time to someone else."))
                return redirect("site:home")
            raise Http404
        except BookingError as exc:
            messages.error(request, exc.message)
        entry.refresh_from_db()
    held = entry.offered_appointment if entry.status == WaitlistStatus.OFFERED else None
    moves = waitlist.visit_to_move(held) if held is not None else None
    return render(
        request, "scheduling/waitlist_offer.html", {"entry": entry, "held": held, "moves": moves}
    )
