# SPDX-License-Identifier: AGPL-3.0-or-later
"""The front desk's services: where a staff member works, finding a patient, saying why a
time is not free, and check-in on the day of the visit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts import phones
from nervepath.accounts.models import Patient, User
from nervepath.scheduling.errors import BookingError
from nervepath.scheduling.models import (
    Appointment,
    CheckIn,
    DeskPreference,
    Location,
    OpeningHours,
    Status,
    WorkingHours,
)
from nervepath.scheduling.services import Request

SEARCH_LIMIT = 20
STEP_LABELS = {
    "arrived": "arrived",
    "in_room": "in room",
    "seen": "seen",
    "no_show": "marked no-show",
}


def home_location(user: User) -> Location | None:
    """Where the calendar opens: the location this person last worked at; else, for a
    clinician, where they work today; else the first location open today; else the
    first location."""
    pref = DeskPreference.objects.filter(user=user).select_related("location").first()
    if pref is not None:
        return pref.location
    locations = list(Location.objects.order_by("name"))
    if not locations:
        return None
    weekday = timezone.now().astimezone(locations[0].tz).weekday()
    mine = (
        WorkingHours.objects.filter(clinician__user=user, weekday=weekday)
        .values_list("location_id", flat=True)
        .first()
    )
    open_today = set(
        OpeningHours.objects.filter(weekday=weekday).values_list("location_id", flat=True)
    )
    for location in locations:
        if location.id == mine:
            return location
    return next((loc for loc in locations if loc.id in open_today), locations[0])


def remember_location(user: User, location: Location) -> None:
    """Remember the location a staff member opened (written only when it changes)."""
    current = DeskPreference.objects.filter(user=user).values_list("location_id", flat=True)
    if list(current) != [location.id]:
        DeskPreference.objects.update_or_create(user=user, defaults={"location": location})


def _as_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_patients(request: HttpRequest, query: str) -> list[Patient]:
    """Patients this user may see whose name, phone number or date of birth matches
    ``query``; the patients listed are audited."""
    query = " ".join(query.split())[:100]
    if not query:
        return []
    found = policy.visible_patients(request.user, Scope.DEMOGRAPHICS).select_related("user")
    birth = _as_date(query)
    digits = "".join(ch for ch in query if ch.isdigit())
    if birth is not None:
        found = found.filter(date_of_birth=birth)
    elif digits and len(digits) >= 4 and not any(ch.isalpha() for ch in query):
        needle = phones.search_digits(query)
        found = found.filter(Q(phone__contains=needle) | Q(home_phone__contains=needle))
    else:
        for word in query.split():
            found = found.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__istartswith=word)
            )
    patients = list(found.order_by("user__last_name", "user__first_name", "pk")[:SEARCH_LIMIT])
    policy.record_listed(request, [p.pk for p in patients], what="patient search")
    return patients


def clash_reason(req: Request) -> str:
    """Why a requested time is not free, in one sentence for staff (instead of "just
    taken"): the clinician's visit it meets, or the rooms."""
    now = timezone.now()
    clash = (
        Appointment.objects.active(now)
        .filter(clinician=req.clinician)
        .overlapping(req.blocked_from, req.blocked_until)
        .order_by("starts_at")
        .first()
    )
    tz = req.location.tz
    if clash is not None:
        return (
            f"{req.clinician} already has a visit from "
            f"{clash.starts_at.astimezone(tz):%-I:%M %p} to "
            f"{clash.ends_at.astimezone(tz):%-I:%M %p} (booked "
            f"{clash.created_at.astimezone(tz):%b %-d}), which this time overlaps."
        )
    if req.appointment_type.resource_kind:
        return f"Every {req.appointment_type.get_resource_kind_display().lower()} is in use then."
    return "That time is no longer free."


def day_visits(location: Location, day: date) -> list[Appointment]:
    """The day's visits at a location (not cancelled), in time order."""
    tz = location.tz
    start = datetime.combine(day, time.min, tzinfo=tz)
    return list(
        Appointment.objects.filter(
            location=location, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
        )
        .exclude(status__in=[Status.CANCELLED, Status.HELD])
        .select_related(
            "patient__user", "clinician__user", "appointment_type", "resource", "location"
        )
        .order_by("starts_at", "clinician__user__last_name")
    )


def waiting_minutes(appointment: Appointment, now: datetime) -> int | None:
    """Minutes the patient has waited (or waited) between arriving and being taken in."""
    if appointment.arrived_at is None:
        return None
    until = appointment.roomed_at or (
        now if appointment.checkin == CheckIn.ARRIVED else appointment.seen_at or now
    )
    return max(int((until - appointment.arrived_at).total_seconds() // 60), 0)


def check_in(appointment: Appointment, step: str, *, now: datetime) -> Appointment:
    """Move a visit on the day: arrived, in room, seen (which completes it) or no-show.
    A step out of order, or on another day's visit, is refused with a sentence."""
    if step not in STEP_LABELS:
        raise BookingError("Choose arrived, in room, seen or no-show.")
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        local_day = now.astimezone(current.location.tz).date()
        if current.starts_at.astimezone(current.location.tz).date() != local_day:
            raise BookingError("Patients are checked in on the day of their visit.")
        if current.status != Status.BOOKED:
            raise BookingError(
                f"This visit is {current.get_status_display().lower()}; nothing to check in."
            )
        if step == "no_show":
            if current.checkin:
                raise BookingError("The patient has arrived, so this is not a no-show.")
            if current.starts_at > now:
                raise BookingError("A no-show can be recorded once the visit has started.")
            current.status = Status.NO_SHOW
        elif step == "arrived":
            if current.checkin:
                raise BookingError("The patient is already checked in.")
            current.checkin, current.arrived_at = CheckIn.ARRIVED, now
        elif step == "in_room":
            if current.checkin != CheckIn.ARRIVED:
                raise BookingError("Mark the patient arrived before taking them in.")
            current.checkin, current.roomed_at = CheckIn.IN_ROOM, now
        else:
            if current.checkin not in (CheckIn.ARRIVED, CheckIn.IN_ROOM):
                raise BookingError("Mark the patient arrived before marking them seen.")
            current.checkin, current.seen_at = CheckIn.SEEN, now
            current.roomed_at = current.roomed_at or now
            current.status = Status.COMPLETED
        current.save()
    return current
