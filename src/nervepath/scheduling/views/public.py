# SPDX-License-Identifier: AGPL-3.0-or-later
"""Online booking: choose a location and type, pick a free time, confirm."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from nervepath.access import policy
from nervepath.accounts.models import Patient, Role, User
from nervepath.accounts.services import AccountError, count_anonymous_address, patient_for_email
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.ratelimit import client_ip, rate_limit
from nervepath.scheduling import availability, notifications, services, waitlist
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.forms import BookingForm, PatientDetailsForm, WaitlistForm
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    CareBasis,
    Clinician,
    Location,
    Source,
    Status,
)
from nervepath.scheduling.views.common import (
    day_strip,
    link_gone,
    requested_day,
    slot_days,
    week_links,
)

DAYS_SHOWN = 7


def _current_patient(request: HttpRequest) -> Patient | None:
    user = request.user
    if user.is_authenticated and user.is_patient:
        return Patient.objects.get_or_create(user=user)[0]
    return None


def _bookable(location_slug: str, type_slug: str) -> tuple[Location, AppointmentType]:
    location = get_object_or_404(Location, slug=location_slug)
    kind = get_object_or_404(
        AppointmentType, slug=type_slug, active=True, online_bookable=True, locations=location
    )
    return location, kind


def book_start(request: HttpRequest) -> HttpResponse:
    locations = list(Location.objects.prefetch_related("opening_hours"))
    chosen = request.GET.get("location")
    if chosen and not any(loc.slug == chosen for loc in locations):
        messages.error(request, _("That location does not exist. Please choose one below."))
        chosen = None
    offers = []
    for location in locations:
        if chosen and location.slug != chosen:
            continue
        kinds = AppointmentType.objects.filter(
            active=True, online_bookable=True, locations=location
        )
        offers.append((location, list(kinds)))
    return render(request, "scheduling/book_start.html", {"offers": offers, "chosen": chosen})


def book_slots(request: HttpRequest, location_slug: str, type_slug: str) -> HttpResponse:
    location, kind = _bookable(location_slug, type_slug)
    return _slots_page(request, location, kind)


def _slots_page(
    request: HttpRequest,
    location: Location,
    kind: AppointmentType,
    *,
    error: str = "",
    alternatives: list[availability.Slot] | None = None,
    status: int = 200,
) -> HttpResponse:
    window = availability.online_window(location)
    earliest = window.earliest.astimezone(location.tz).date()
    first = requested_day(request, earliest, window.latest.astimezone(location.tz).date())
    offering = list(
        Clinician.objects.filter(active=True, appointment_types=kind, hours__location=location)
        .select_related("user")
        .distinct()
    )
    chosen = next((c for c in offering if str(c.id) == request.GET.get("clinician")), None)
    only = [chosen.id] if chosen else None
    slots = availability.free_slots(
        kind, [location], first, DAYS_SHOWN, window=window, clinician_ids=only
    )
    next_free = None
    if not slots:
        later = availability.free_slots(
            kind,
            [location],
            first + timedelta(days=DAYS_SHOWN),
            60,
            window=window,
            clinician_ids=only,
        )
        next_free = later[0].starts_at.astimezone(location.tz).date() if later else None
    shown = slot_days(slots, location)
    context = {
        "location": location,
        "kind": kind,
        "days": shown,
        "strip": day_strip(first, DAYS_SHOWN, shown),
        "first": first,
        "links": week_links(first, earliest, DAYS_SHOWN),
        "next_free": next_free,
        "error": error,
        "alternatives": slot_days(alternatives or [], location, one_per_time=False),
        "waitlist_form": WaitlistForm(),
        "offering": offering,
        "chosen": chosen,
        "patient": _current_patient(request),
    }
    return render(request, "scheduling/book_slots.html", context, status=status)


@rate_limit("booking", key="user")
def book_confirm(request: HttpRequest, location_slug: str, type_slug: str) -> HttpResponse:
    location, kind = _bookable(location_slug, type_slug)
    patient = _current_patient(request)
    data = request.POST if request.method == "POST" else request.GET
    slot_form = BookingForm(data)
    details = PatientDetailsForm(request.POST or None) if patient is None else None
    if not slot_form.is_valid():
        messages.error(request, _("That time could not be read. Please pick a time again."))
        return redirect("scheduling:book_slots", location.slug, kind.slug)
    clinician = Clinician.objects.filter(id=slot_form.cleaned_data["clinician"]).first()
    if clinician is None:
        messages.error(request, _("That clinician does not exist. Please pick a time again."))
        return redirect("scheduling:book_slots", location.slug, kind.slug)
    req = services.Request(kind, location, clinician, slot_form.cleaned_data["start"])
    context = {
        "location": location,
        "kind": kind,
        "clinician": clinician,
        "local_start": req.starts_at.astimezone(location.tz),
        "slot_form": slot_form,
        "details": details,
        "patient": patient,
    }
    if request.method != "POST":
        return render(request, "scheduling/book_confirm.html", context)
    if details is not None and not details.is_valid():
        return render(request, "scheduling/book_confirm.html", context, status=400)
    if details is not None:
        return _hold_for_mailbox(request, req, details.cleaned_data, slot_form, context)
    signed_in = cast(Patient, patient)  # no details form was asked: the patient is signed in
    try:
        appointment = services.book(
            req,
            signed_in,
            by=signed_in.user,
            source=Source.ONLINE,
            note=slot_form.cleaned_data["note"],
        )
    except SlotTaken as exc:
        return _slots_page(
            request, location, kind, error=exc.message, alternatives=exc.alternatives, status=409
        )
    except BookingError as exc:
        context["error"] = str(exc)
        return render(request, "scheduling/book_confirm.html", context, status=400)
    audit.record(
        request,
        Action.CREATE,
        patient_id=appointment.patient_id,
        obj=appointment,
        detail=f"online; {appointment.care_basis}",
    )
    messages.success(
        request, _("Your appointment is booked. A confirmation is on its way by email.")
    )
    return redirect(appointment.get_absolute_url())


def _hold_for_mailbox(
    request: HttpRequest,
    req: services.Request,
    details: dict[str, str],
    slot_form: BookingForm,
    context: dict[str, object],
) -> HttpResponse:
    """A booking by someone not signed in as the patient (issue 22, finding 5): the time
    is held briefly and a single-use link goes to the address typed; the visit is real
    only once confirmed from that mailbox. The answer is the same page, byte for byte,
    whether the address is new, a patient's or a staff account's, so the form tells
    nobody who has an account; a staff address gets a short notice and nothing is held."""
    location, kind = req.location, req.appointment_type
    email = details["email"].strip().lower()
    owner = User.objects.filter(email=email).first()
    try:
        if owner is not None and owner.role != Role.PATIENT:
            count_anonymous_address(client_ip(request))
            services.check_hold(req)
            transaction.on_commit(lambda: notifications.staff_address_notice(email))
            audit.record(request, Action.DENIED, detail="online booking: staff address")
        else:
            with transaction.atomic():
                patient = patient_for_email(
                    email,
                    details["first_name"],
                    details["last_name"],
                    details["phone"],
                    client_ip=client_ip(request),
                )
                held = services.hold_for_confirmation(
                    req, patient, note=slot_form.cleaned_data["note"]
                )
            audit.record(
                request,
                Action.CREATE,
                patient_id=held.patient_id,
                obj=held,
                detail="online; held until confirmed from the mailbox",
            )
    except SlotTaken as exc:
        return _slots_page(
            request, location, kind, error=exc.message, alternatives=exc.alternatives, status=409
        )
    except (BookingError, AccountError) as exc:
        context["error"] = str(exc)
        return render(request, "scheduling/book_confirm.html", context, status=400)
    return render(
        request,
        "scheduling/book_check_mail.html",
        {**context, "minutes": settings.NERVEPATH["UNCONFIRMED_HOLD_MINUTES"]},
    )


def confirm_booking(request: HttpRequest, token: str) -> HttpResponse:
    """The single-use link from the confirmation email: GET shows the visit (mail scanners
    that open links change nothing), POST makes it real."""
    held = (
        Appointment.objects.select_related("location", "clinician__user", "appointment_type")
        .filter(confirm_token=token, status=Status.HELD, care_basis=CareBasis.UNCONFIRMED)
        .first()
    )
    if held is None or held.hold_expires_at is None or held.hold_expires_at <= timezone.now():
        return link_gone(request)
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    policy.record_link_use(request, held.patient_id, obj=held, action=action)
    error = ""
    if request.method == "POST":
        try:
            appointment = services.confirm_hold(token)
        except BookingError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Your appointment is booked. A confirmation is on its way by email.")
            )
            return redirect(appointment.get_absolute_url())
    return render(
        request,
        "scheduling/confirm_booking.html",
        {"appointment": held, "error": error},
        status=400 if error else 200,
    )


@rate_limit("booking", key="user")
def join_waitlist(request: HttpRequest, location_slug: str, type_slug: str) -> HttpResponse:
    location, kind = _bookable(location_slug, type_slug)
    if request.method != "POST":
        return redirect("scheduling:book_slots", location.slug, kind.slug)
    patient = _current_patient(request)
    form = WaitlistForm(request.POST)
    if patient is None:
        valid = form.is_valid() and all(
            form.cleaned_data.get(f) for f in ("first_name", "last_name", "email")
        )
        if not valid:
            return _slots_page(
                request,
                location,
                kind,
                error=_("To join the waitlist, give your first name, last name and email."),
                status=400,
            )
        email = form.cleaned_data["email"].strip().lower()
        owner = User.objects.filter(email=email).first()
        if owner is not None and owner.role != Role.PATIENT:
            # As on the booking form: the same answer for every address (issue 22).
            try:
                count_anonymous_address(client_ip(request))
            except AccountError as exc:
                return _slots_page(request, location, kind, error=str(exc), status=400)
            transaction.on_commit(lambda: notifications.staff_address_notice(email))
            audit.record(request, Action.DENIED, detail="waitlist: staff address")
            return _joined(request, location, kind)
        try:
            patient = patient_for_email(
                email,
                form.cleaned_data["first_name"],
                form.cleaned_data["last_name"],
                client_ip=client_ip(request),
            )
        except AccountError as exc:
            return _slots_page(request, location, kind, error=str(exc), status=400)
    entry = waitlist.join_waitlist(patient, kind, location)
    audit.record(request, Action.CREATE, patient_id=patient.pk, obj=entry, detail="waitlist")
    return _joined(request, location, kind)


def _joined(request: HttpRequest, location: Location, kind: AppointmentType) -> HttpResponse:
    messages.success(
        request,
        _(
            "You are on the waitlist for %(visit)s at %(place)s. If an earlier time "
            "frees up, we will email you and hold it for you."
        )
        % {"visit": _(kind.name), "place": location.name},
    )
    return redirect("scheduling:book_slots", location.slug, kind.slug)
