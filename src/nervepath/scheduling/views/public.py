# SPDX-License-Identifier: AGPL-3.0-or-later
"""Online booking: choose a location and type, pick a free time, confirm."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from nervepath.accounts.models import Patient, User
from nervepath.accounts.services import AccountError, patient_for_email
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.ratelimit import client_ip, rate_limit
from nervepath.scheduling import availability, services, waitlist
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.forms import BookingForm, PatientDetailsForm, WaitlistForm
from nervepath.scheduling.models import AppointmentType, Clinician, Location, Source
from nervepath.scheduling.views.common import requested_day, slot_days, week_links

DAYS_SHOWN = 7


def _current_patient(request: HttpRequest) -> Patient | None:
    user = request.user
    if user.is_authenticated and user.is_patient:  # type: ignore[union-attr]
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
        messages.error(request, "That location does not exist. Please choose one below.")
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
    context = {
        "location": location,
        "kind": kind,
        "days": slot_days(slots, location),
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
        messages.error(request, "That time could not be read. Please pick a time again.")
        return redirect("scheduling:book_slots", location.slug, kind.slug)
    clinician = Clinician.objects.filter(id=slot_form.cleaned_data["clinician"]).first()
    if clinician is None:
        messages.error(request, "That clinician does not exist. Please pick a time again.")
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
    known_email = details is not None and (
        User.objects.filter(email=details.cleaned_data["email"].strip().lower()).exists()
    )
    try:
        with transaction.atomic():
            if details is not None:
                patient = patient_for_email(
                    details.cleaned_data["email"],
                    details.cleaned_data["first_name"],
                    details.cleaned_data["last_name"],
                    details.cleaned_data["phone"],
                    client_ip=client_ip(request),
                )
            by = request.user if request.user.is_authenticated else None
            appointment = services.book(
                req, patient, by=by, source=Source.ONLINE, note=slot_form.cleaned_data["note"]
            )
    except SlotTaken as exc:
        return _slots_page(
            request, location, kind, error=exc.message, alternatives=exc.alternatives, status=409
        )
    except (BookingError, AccountError) as exc:
        context["error"] = str(exc)
        return render(request, "scheduling/book_confirm.html", context, status=400)
    audit.record(
        request, Action.CREATE, patient_id=appointment.patient_id, obj=appointment, detail="online"
    )
    if known_email:
        # Someone not signed in typed the email of an existing record: the visit is booked
        # and the patient emailed, but the manage link (and whatever the record holds) goes
        # only to that mailbox, so nobody learns about another person by typing an address.
        return render(request, "scheduling/book_done.html", {**context, "appointment": appointment})
    messages.success(request, "Your appointment is booked. A confirmation is on its way by email.")
    return redirect(appointment.get_absolute_url())


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
                error="To join the waitlist, give your first name, last name and email.",
                status=400,
            )
        try:
            patient = patient_for_email(
                form.cleaned_data["email"],
                form.cleaned_data["first_name"],
                form.cleaned_data["last_name"],
                client_ip=client_ip(request),
            )
        except AccountError as exc:
            return _slots_page(request, location, kind, error=str(exc), status=400)
    entry = waitlist.join_waitlist(patient, kind, location)
    audit.record(request, Action.CREATE, patient_id=patient.pk, obj=entry, detail="waitlist")
    messages.success(
        request,
        f"You are on the waitlist for {kind.name} at {location.name}. If an earlier time "
        "frees up, we will email you and hold it for you.",
    )
    return redirect("scheduling:book_slots", location.slug, kind.slug)
