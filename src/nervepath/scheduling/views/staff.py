# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's and clinicians' calendar: book, move and cancel for patients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Role
from nervepath.accounts.requests import SignedInRequest
from nervepath.accounts.services import AccountError, patient_for_email
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.scheduling import closures, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.forms import ExceptionForm, MoveForm, StaffBookingForm
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    Clinician,
    ExceptionKind,
    Location,
    Source,
    Status,
)
from nervepath.scheduling.notices import visit_notices


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.can_manage_schedule:
            raise PermissionDenied("The calendar is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _mark_visible(request: HttpRequest, appointments: list[Appointment], *, what: str) -> None:
    """Set ``a.shown`` on each appointment: whether this user may see whose it is. A
    clinician sees other clinicians' visits in the day's plan, but not the patient's
    name, unless the patient is in their care. The names shown are audited."""
    ids = {a.patient_id for a in appointments}
    visible = set(
        policy.visible_patients(request.user, Scope.APPOINTMENTS)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    for a in appointments:
        # An attribute for the template only (not a model field).
        a.shown = a.patient_id in visible  # type: ignore[attr-defined]
    policy.record_listed(request, visible, what=what)


def _appointment(request: HttpRequest, pk: int, action: str) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("location", "patient__user", "clinician__user"), pk=pk
    )
    policy.require(
        request, appointment.patient_id, Scope.APPOINTMENTS, action=action, obj=appointment
    )
    return appointment


@staff_required
def staff_book(request: SignedInRequest, location_slug: str) -> HttpResponse:
    location = get_object_or_404(Location, slug=location_slug)
    initial = {}
    if request.GET.get("date"):
        initial["date"] = request.GET["date"]
    form = StaffBookingForm(location, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        req = services.Request(
            data["appointment_type"], location, data["clinician"], form.starts_at()
        )
        try:
            with transaction.atomic():
                patient = patient_for_email(
                    data["email"], data["first_name"], data["last_name"], data["phone"]
                )
                appointment = services.book(
                    req, patient, by=request.user, source=Source.STAFF, note=data["note"]
                )
        except SlotTaken as exc:
            times = ", ".join(
                f"{s.starts_at.astimezone(location.tz):%a %b %-d %-I:%M %p}"
                for s in exc.alternatives
            )
            form.add_error(None, f"{exc.message} {times}" if times else exc.message)
        except (BookingError, AccountError) as exc:
            form.add_error(None, str(exc))
        else:
            audit.record(
                request,
                Action.CREATE,
                patient_id=patient.pk,
                obj=appointment,
                detail=f"staff; {appointment.care_basis}",
            )
            # No patient name here: the booking may not put the patient in this user's
            # care (a clinician booking for someone not in their care sees nothing more).
            local = appointment.local_start
            messages.success(
                request,
                f"Booked {appointment.appointment_type} on {local:%a %b %-d, %-I:%M %p}; "
                "the patient has been emailed.",
            )
            url = reverse("scheduling:calendar", args=[location.slug])
            return redirect(f"{url}?date={appointment.local_start.date().isoformat()}")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "scheduling/staff_book.html", {"form": form, "location": location}, status=status
    )


@staff_required
def staff_appointment(request: SignedInRequest, pk: int) -> HttpResponse:
    action = Action.UPDATE if request.method == "POST" else Action.VIEW
    appointment = _appointment(request, pk, action)
    location = appointment.location
    form = MoveForm(
        location,
        request.POST or None,
        initial={
            "clinician": appointment.clinician_id,
            "date": appointment.local_start.date(),
            "time": appointment.local_start.time(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule(
                appointment,
                form.starts_at(),
                by=request.user,
                clinician=form.cleaned_data["clinician"],
            )
        except SlotTaken as exc:
            times = ", ".join(
                f"{s.starts_at.astimezone(location.tz):%a %b %-d %-I:%M %p}"
                for s in exc.alternatives
            )
            form.add_error(None, f"{exc.message} {times}" if times else exc.message)
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Appointment moved; the patient has been emailed.")
            return redirect("scheduling:staff_appointment", appointment.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/staff_appointment.html",
        {
            "appointment": appointment,
            "form": form,
            "started": appointment.starts_at <= timezone.now(),
            "notices": visit_notices(request, appointment),
        },
        status=status,
    )


@staff_required
@require_POST
def staff_outcome(request: SignedInRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk, Action.UPDATE)
    try:
        services.record_outcome(appointment, request.POST.get("status", ""))
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Outcome recorded.")
    return redirect("scheduling:staff_appointment", appointment.pk)


@staff_required
@require_POST
def staff_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk, Action.UPDATE)
    try:
        services.cancel(appointment, by=request.user)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Appointment cancelled; the patient has been emailed.")
    return redirect("scheduling:staff_appointment", appointment.pk)


def clinician_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A clinician's visits as a calendar subscription. The address is the only key (a
    calendar app cannot sign in), so the feed holds no patient name and no manage-link
    token; each read is audited with the feed's owner as actor."""
    from nervepath.scheduling.ical import clinician_feed as render_feed

    clinician = get_object_or_404(
        Clinician.objects.select_related("user"), calendar_token=token, active=True
    )
    now = timezone.now()
    appointments = list(
        Appointment.objects.filter(
            clinician=clinician,
            status__in=[Status.BOOKED, Status.COMPLETED],
            starts_at__gte=now - timedelta(days=30),
            starts_at__lt=now + timedelta(days=365),
        ).select_related("location", "appointment_type")
    )
    body = render_feed(f"{clinician} — nervepath", appointments)
    audit.record(
        request,
        Action.EXPORT,
        actor=clinician.user,
        obj=clinician,
        detail=f"calendar feed read, {len(appointments)} visits",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    patch_cache_control(response, no_store=True, private=True)
    return response


@staff_required
@require_POST
def rotate_feed(request: SignedInRequest) -> HttpResponse:
    """The clinician replaces their feed address (e.g. after a phone was lost); the old
    address answers 404 at once."""
    clinician = Clinician.objects.filter(user=request.user).first()
    if clinician is None:
        raise PermissionDenied("Only clinicians have a calendar feed.")
    clinician.rotate_calendar_token()
    audit.record(request, Action.UPDATE, obj=clinician, detail="calendar feed address replaced")
    messages.success(
        request,
        "Your calendar feed has a new address; the old one no longer works. "
        "Subscribe to the new one in your calendar app.",
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("scheduling:staff_home")
    return redirect(target)


def schedule_staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff who run the schedule (front desk, clinicians, admins); a patient's account is
    answered 404, as if the page did not exist, and other staff roles 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role == Role.PATIENT:
            raise Http404("No such page.")
        if not request.user.can_manage_schedule:
            raise PermissionDenied("The calendar is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _time_off_of(form: ExceptionForm) -> closures.TimeOff:
    data = form.cleaned_data
    location = data["location"]
    return closures.TimeOff(
        kind=data["kind"],
        starts_at=data["starts"],
        ends_at=data["ends"],
        clinician=data["clinician"],
        location_id=location.id if location is not None else None,
        reason=data["reason"],
    )


def _out_of_reach(request: SignedInRequest, plan: list[closures.Affected]) -> int:
    """How many of the covered visits are with patients this user may not change."""
    ids = {item.appointment.patient_id for item in plan}
    reach = set(
        policy.visible_patients(request.user, Scope.APPOINTMENTS)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    return len(ids - reach)


def _closure_preview(
    request: SignedInRequest,
    location: Location,
    form: ExceptionForm,
    plan: list[closures.Affected],
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    policy.record_listed(
        request, {item.appointment.patient_id for item in plan}, what="time off: visits inside"
    )
    off = _time_off_of(form)
    return render(
        request,
        "scheduling/time_off_confirm.html",
        {
            "location": location,
            "form": form,
            "plan": plan,
            "off": off,
            "starts": off.starts_at.astimezone(location.tz),
            "ends": off.ends_at.astimezone(location.tz),
            "movable": sum(1 for item in plan if item.proposal is not None),
            "error": error,
        },
        status=status,
    )


def _save_time_off(request: SignedInRequest, form: ExceptionForm) -> AvailabilityException:
    exception = _time_off_of(form).save()
    audit.record(request, Action.CREATE, obj=exception, detail=f"time off: {exception}")
    return exception


@schedule_staff_only
def time_off(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """Upcoming leave, closures and extra hours at a location; add or remove one. Leave
    or a closure over booked visits is not saved at once: the visits are listed first,
    each with its nearest free time, to move or cancel (``time_off_confirm``)."""
    location = get_object_or_404(Location, slug=location_slug)
    form = ExceptionForm(location, request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = closures.plan(_time_off_of(form), timezone.now())
        outside = _out_of_reach(request, plan) if plan else 0
        if outside:
            form.add_error(
                None,
                f"{outside} visit(s) in this time are with patients outside your care: "
                "ask the front desk to enter this time off.",
            )
        elif plan:
            return _closure_preview(request, location, form, plan)
        else:
            _save_time_off(request, form)
            messages.success(request, "Saved.")
            return redirect("scheduling:time_off", location.slug)
    now = timezone.now()
    upcoming = (
        AvailabilityException.objects.filter(ends_at__gt=now)
        .filter(Q(location=location) | Q(location__isnull=True))
        .select_related("clinician__user")
        .order_by("starts_at")
    )
    rows = [(e, _appointments_during(e)) for e in upcoming]
    _mark_visible(request, [a for _, clashes in rows for a in clashes], what="time off")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/time_off.html",
        {"location": location, "form": form, "rows": rows},
        status=status,
    )


def _posted_choices(
    request: SignedInRequest,
) -> tuple[dict[int, tuple[str, datetime | None]], str]:
    """Staff's choice for each visit of the plan they saw: ``visit_<id>`` is
    ``move:<ISO instant>`` or ``cancel``."""
    choices: dict[int, tuple[str, datetime | None]] = {}
    for raw in request.POST.getlist("visits"):
        if not raw.isdigit():
            return {}, "The list of visits could not be read: start again."
        value = request.POST.get(f"visit_{raw}", "")
        if value == closures.CANCEL:
            choices[int(raw)] = (closures.CANCEL, None)
            continue
        action, _, when = value.partition(":")
        try:
            start = datetime.fromisoformat(when) if action == closures.MOVE else None
        except ValueError:
            start = None
        if start is None or timezone.is_naive(start):
            return {}, "Choose, for every visit, to move it to the time proposed or to cancel it."
        choices[int(raw)] = (closures.MOVE, start)
    return choices, ""


@schedule_staff_only
@require_POST
def time_off_confirm(request: SignedInRequest, location_slug: str) -> HttpResponse:
    """Save the time off and move or cancel each visit inside it as chosen, at once."""
    location = get_object_or_404(Location, slug=location_slug)
    form = ExceptionForm(location, request.POST)
    if not form.is_valid():
        return render(
            request,
            "scheduling/time_off.html",
            {"location": location, "form": form, "rows": []},
            status=400,
        )
    off = _time_off_of(form)
    choices, error = _posted_choices(request)
    if error:
        return _closure_preview(
            request, location, form, closures.plan(off, timezone.now()), error=error, status=400
        )
    # Each visit to change is asked of the access policy (and the asking audited).
    for appointment in Appointment.objects.filter(pk__in=list(choices)):
        policy.require(
            request,
            appointment.patient_id,
            Scope.APPOINTMENTS,
            action=Action.UPDATE,
            obj=appointment,
        )
    try:
        with transaction.atomic():
            outcome = closures.apply(off, choices, by=request.user)
            _audit_outcome(request, outcome)
    except BookingError as exc:
        plan = closures.plan(off, timezone.now())
        if not plan:
            # Nothing is inside the time any more (the visits were moved or cancelled
            # meanwhile): the time off is saved as it is.
            _save_time_off(request, form)
            messages.success(request, "Saved: no booked visit is inside this time any more.")
            return redirect("scheduling:time_off", location.slug)
        return _closure_preview(request, location, form, plan, error=exc.message, status=exc.status)
    parts = []
    if outcome.moved:
        parts.append(f"{len(outcome.moved)} visit(s) moved")
    if outcome.cancelled:
        parts.append(f"{len(outcome.cancelled)} cancelled")
    messages.success(
        request,
        f"Saved. {' and '.join(parts)}; the patients have been told.",
    )
    url = reverse("scheduling:calendar", args=[location.slug])
    return redirect(f"{url}?date={off.starts_at.astimezone(location.tz).date().isoformat()}")


def _audit_outcome(request: SignedInRequest, outcome: closures.Outcome) -> None:
    exception = outcome.exception
    audit.record(request, Action.CREATE, obj=exception, detail=f"time off: {exception}")
    for appointment, old in outcome.moved:
        before = old.astimezone(appointment.location.tz)
        after = appointment.local_start
        audit.record(
            request,
            Action.UPDATE,
            patient_id=appointment.patient_id,
            obj=appointment,
            detail=f"moved for time off #{exception.pk}: {before:%Y-%m-%d %H:%M} -> "
            f"{after:%Y-%m-%d %H:%M}",
        )
    for appointment in outcome.cancelled:
        audit.record(
            request,
            Action.UPDATE,
            patient_id=appointment.patient_id,
            obj=appointment,
            detail=f"cancelled for time off #{exception.pk}",
        )


@schedule_staff_only
@require_POST
def time_off_delete(request: SignedInRequest, location_slug: str, pk: int) -> HttpResponse:
    location = get_object_or_404(Location, slug=location_slug)
    # This location's own entries, and a clinician's leave at every location (listed here).
    exception = get_object_or_404(
        AvailabilityException.objects.filter(
            Q(location=location) | Q(location__isnull=True, clinician__isnull=False)
        ),
        pk=pk,
    )
    audit.record(request, Action.DELETE, obj=exception, detail=f"time off: {exception}")
    exception.delete()
    messages.success(request, "Removed.")
    return redirect("scheduling:time_off", location.slug)


def _appointments_during(exception: AvailabilityException) -> list[Appointment]:
    """Booked appointments that an unavailability now overlaps (staff decide what to do)."""
    if exception.kind != ExceptionKind.UNAVAILABLE:
        return []
    qs = Appointment.objects.filter(status=Status.BOOKED).overlapping(
        exception.starts_at, exception.ends_at
    )
    if exception.clinician_id is not None:
        qs = qs.filter(clinician_id=exception.clinician_id)
    if exception.location_id is not None:
        qs = qs.filter(location_id=exception.location_id)
    return list(qs.select_related("patient__user", "location"))
