# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's day: the schedule grid, the patient picker, check-in, the today list
and the printable day sheet."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.scheduling import desk, grid, services
from nervepath.scheduling import series as series_service
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.forms import SeriesForm, SlotField
from nervepath.scheduling.models import (
    AppointmentType,
    Clinician,
    Location,
    Source,
)
from nervepath.scheduling.views import grid_html
from nervepath.scheduling.views.staff import _appointment, _mark_visible, staff_required


def _today(location: Location) -> date:
    return timezone.now().astimezone(location.tz).date()


def _day_param(request: HttpRequest, location: Location) -> date:
    """The ``date`` query parameter, within ten years of today (else today)."""
    today = _today(location)
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    return day if abs((day - today).days) <= 3650 else today


@staff_required
def staff_home(request: SignedInRequest) -> HttpResponse:
    location = desk.home_location(request.user)
    if location is None:
        messages.info(request, "No location is set up yet: add one in the admin.")
        return redirect("site:home")
    return redirect("scheduling:calendar", location.slug)


@staff_required
def calendar(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """The schedule grid: a day with one column per clinician (or per room with
    ``rooms=1``), or a week of one clinician's days (``view=week``)."""
    location = get_object_or_404(Location, slug=location_slug)
    desk.remember_location(request.user, location)
    day = _day_param(request, location)
    week = request.GET.get("view") == "week"
    rooms = request.GET.get("rooms") == "1" and not week
    clinicians = list(
        Clinician.objects.filter(active=True, hours__location=location)
        .select_related("user")
        .distinct()
    )
    chosen = None
    if week:
        chosen = next((c for c in clinicians if str(c.id) == request.GET.get("clinician")), None)
        chosen = chosen or next((c for c in clinicians if c.user_id == request.user.pk), None)
        chosen = chosen or (clinicians[0] if clinicians else None)
        first = day - timedelta(days=day.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        shown = [chosen] if chosen else []
    else:
        first, days, shown = day, [day], clinicians
    now = timezone.now()
    layout = grid.build(location, days, clinicians=shown, rooms=rooms, now=now)
    appointments = [a for column in layout.columns for a in column.appointments]
    _mark_visible(request, appointments, what="calendar")
    step = timedelta(days=7 if week else 1)
    query = {"view": "week" if week else "", "rooms": "1" if rooms else ""}
    if week and chosen:
        query["clinician"] = str(chosen.id)
    suffix = "".join(f"&{k}={v}" for k, v in query.items() if v)
    return render(
        request,
        "scheduling/grid.html",
        {
            "location": location,
            "locations": Location.objects.all(),
            "day": first,
            "days": days,
            "week": week,
            "rooms": rooms,
            "grid": layout,
            "body": grid_html.table_body(layout, rooms=rooms),
            "clinicians": clinicians,
            "chosen": chosen,
            "previous": first - step,
            "next": first + step,
            "today": _today(location),
            "suffix": suffix,
        },
    )


def _slot_from(request: HttpRequest, location: Location) -> tuple[Clinician, datetime]:
    data = request.POST if request.method == "POST" else request.GET
    wanted = str(data.get("clinician", ""))
    if not wanted.isdigit():
        raise Http404("No such clinician here.")
    clinician = Clinician.objects.filter(
        pk=int(wanted),
        active=True,
        hours__location=location,
    ).first()
    if clinician is None:
        raise Http404("No such clinician here.")
    try:
        start = SlotField().clean(data.get("start", ""))
    except ValidationError:
        raise Http404("That time could not be read.") from None
    if start is None:
        raise Http404("That time could not be read.")
    return clinician, start


@staff_required
def book(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """Book a free time from the grid: find the patient (search sent as POST), then one
    click on their name books them."""
    location = get_object_or_404(Location, slug=location_slug)
    clinician, start = _slot_from(request, location)
    kinds = list(
        AppointmentType.objects.filter(active=True, locations=location, clinicians=clinician)
    )
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    results: list[Patient] = []
    error = ""
    status = 200
    if request.method == "POST" and request.POST.get("patient"):
        kind = next((k for k in kinds if str(k.pk) == request.POST.get("appointment_type")), None)
        if kind is None:
            error = "Choose a visit type this clinician offers here."
        else:
            patient = policy.get_patient(
                request,
                int(request.POST["patient"]) if request.POST["patient"].isdigit() else 0,
                Scope.APPOINTMENTS,
                action=Action.CREATE,
            )
            req = services.Request(kind, location, clinician, start)
            try:
                appointment = services.book(
                    req,
                    patient,
                    by=request.user,
                    source=Source.STAFF,
                    note=request.POST.get("note", "")[:1000],
                )
            except SlotTaken as exc:
                times = ", ".join(
                    f"{s.starts_at.astimezone(location.tz):%a %b %-d %-I:%M %p}"
                    for s in exc.alternatives
                )
                error = (
                    f"{desk.clash_reason(req)} Nearest free times: {times}"
                    if times
                    else (desk.clash_reason(req))
                )
            except BookingError as exc:
                error = exc.message
            else:
                audit.record(
                    request,
                    Action.CREATE,
                    patient_id=patient.pk,
                    obj=appointment,
                    detail=f"staff; {appointment.care_basis}",
                )
                local = appointment.local_start
                note = (
                    "the patient has been emailed."
                    if patient.email
                    else "the patient has no email: print the confirmation."
                )
                messages.success(
                    request,
                    f"Booked {patient} for {appointment.appointment_type} on "
                    f"{local:%a %b %-d, %-I:%M %p}; {note}",
                )
                url = reverse("scheduling:calendar", args=[location.slug])
                return redirect(f"{url}?date={local.date().isoformat()}")
        status = 400
    if request.method == "POST" and query:
        results = desk.search_patients(request, query)
        if not results:
            error = error or "No patient matches that name, phone number or date of birth."
    elif request.method == "POST" and not request.POST.get("patient"):
        error = "Type part of a name, a phone number or a date of birth to search."
        status = 400
    local = start.astimezone(location.tz)
    return render(
        request,
        "scheduling/desk_book.html",
        {
            "location": location,
            "clinician": clinician,
            "start": start,
            "local": local,
            "kinds": kinds,
            "chosen_kind": request.POST.get("appointment_type", ""),
            "query": query,
            "results": results,
            "error": error,
            "grid_url": reverse("scheduling:calendar", args=[location.slug])
            + f"?date={local.date().isoformat()}",
        },
        status=status,
    )


@staff_required
def today(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """Today's patients at a location with their check-in state and waiting times."""
    location = get_object_or_404(Location, slug=location_slug)
    desk.remember_location(request.user, location)
    day = _today(location)
    now = timezone.now()
    visits = desk.day_visits(location, day)
    _mark_visible(request, visits, what="today list")
    rows = [(a, desk.waiting_minutes(a, now)) for a in visits]
    return render(
        request,
        "scheduling/today.html",
        {
            "location": location,
            "locations": Location.objects.all(),
            "day": day,
            "rows": rows,
            "now": now,
            "clinicians": Clinician.objects.filter(active=True, hours__location=location)
            .select_related("user")
            .distinct(),
        },
    )


@staff_required
@require_POST
def check_in(request: SignedInRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk, Action.UPDATE)
    step = request.POST.get("step", "")
    try:
        desk.check_in(appointment, step, now=timezone.now())
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        audit.record(
            request,
            Action.UPDATE,
            patient_id=appointment.patient_id,
            obj=appointment,
            detail=f"check-in: {step}",
        )
        messages.success(request, f"{appointment.patient}: {desk.STEP_LABELS[step]}.")
    return redirect("scheduling:today", appointment.location.slug)


@staff_required
def day_sheet(request: SignedInRequest, location_slug: str, clinician_id: int) -> HttpResponse:
    """A clinician's day at a location, to print."""
    location = get_object_or_404(Location, slug=location_slug)
    clinician = get_object_or_404(Clinician.objects.select_related("user"), pk=clinician_id)
    day = _day_param(request, location)
    visits = [a for a in desk.day_visits(location, day) if a.clinician_id == clinician.id]
    _mark_visible(request, visits, what="day sheet")
    return render(
        request,
        "scheduling/day_sheet.html",
        {"location": location, "clinician": clinician, "day": day, "visits": visits},
    )


@staff_required
def series(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """Book a course in one step: find the patient, describe the course, check it (clashes
    listed with alternatives, nothing saved), then book every session at once."""
    location = get_object_or_404(Location, slug=location_slug)
    form = SeriesForm(location, request.POST or None)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    query = request.POST.get("q", "").strip()
    results = desk.search_patients(request, query) if step == "find" and query else []
    patient = None
    pid = request.POST.get("patient", "")
    if pid.isdigit() and step in ("check", "book"):
        patient = policy.get_patient(request, int(pid), Scope.APPOINTMENTS)
    sessions: list[series_service.Session] = []
    error = ""
    if step == "find" and not results:
        error = (
            "No patient matches that name, phone number or date of birth."
            if query
            else "Type part of a name, a phone number or a date of birth to search."
        )
    elif step in ("check", "book") and patient is None:
        error = "Choose the patient first."
    elif step in ("check", "book") and patient is not None and form.is_valid():
        data = form.cleaned_data
        days = series_service.wanted_days(data["first_day"], data["weekdays"], data["sessions"])
        now = timezone.now()
        sessions = series_service.plan(
            data["appointment_type"],
            location,
            data["clinician"],
            patient,
            days,
            data["time"],
            now=now,
        )
        if step == "book":
            starts, missing = _chosen_starts(request, sessions)
            if missing:
                error = f"Choose a time for session {missing} (or another of its alternatives)."
            else:
                try:
                    booked = series_service.book_series(
                        data["appointment_type"],
                        location,
                        data["clinician"],
                        patient,
                        starts,
                        by=request.user,
                    )
                except BookingError as exc:
                    error = exc.message
                else:
                    for appointment in booked:
                        audit.record(
                            request,
                            Action.CREATE,
                            patient_id=appointment.patient_id,
                            obj=appointment,
                            detail=f"staff; course {appointment.series}",
                        )
                    first = booked[0].local_start
                    messages.success(
                        request,
                        f"Booked {len(booked)} sessions of {booked[0].appointment_type} for "
                        f"{patient}, from {first:%a %b %-d}.",
                    )
                    url = reverse("scheduling:calendar", args=[location.slug])
                    return redirect(f"{url}?date={first.date().isoformat()}")
    status = 400 if error or (step in ("check", "book") and form.errors) else 200
    return render(
        request,
        "scheduling/series.html",
        {
            "location": location,
            "locations": Location.objects.all(),
            "form": form,
            "query": query,
            "results": results,
            "patient": patient,
            "sessions": sessions,
            "clashes": sum(1 for s in sessions if not s.free),
            "error": error,
        },
        status=status,
    )


def _chosen_starts(
    request: HttpRequest, sessions: list[series_service.Session]
) -> tuple[list[datetime], int | None]:
    """The time chosen for each session: its wanted time when free, else one of its
    alternatives (``session_<n>``, an ISO instant). Anything else counts as not chosen."""
    starts = []
    for session in sessions:
        if session.free:
            starts.append(session.wanted)
            continue
        chosen = request.POST.get(f"session_{session.number}", "")
        match = next((a for a in session.alternatives if a.isoformat() == chosen), None)
        if match is None:
            return [], session.number
        starts.append(match)
    return starts, None
