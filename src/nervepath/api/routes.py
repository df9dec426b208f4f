# SPDX-License-Identifier: AGPL-3.0-or-later
"""The JSON API (OpenAPI schema at /api/openapi.json, docs at /api/docs).

The same services and rules as the pages. Errors are ``{"error": "one sentence"}`` (a bad
field is named in it, ``api/errors.py``) with 400 (bad input), 401 (not signed in, or
staff who have not given their two-factor code: asked before anything else), 403 (a
signed-in browser session without its CSRF token, or a role without access), 404 (no
such object, or not yours), 409 (the slot was just taken; ``alternatives`` lists the
nearest free ones), 429 (too many booking changes in a short time; ``Retry-After`` says
how many seconds to wait).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from csp.constants import SELF
from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja import Status as WithStatus
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth
from pydantic import Field, field_validator

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient
from nervepath.accounts.requests import SignedInRequest
from nervepath.api import errors
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.ratelimit import RateLimited, hit, too_many
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    Clinician,
    Location,
    Source,
    Status,
)

api = NinjaAPI(
    title="nervepath API",
    version="1",
    urls_namespace="api",
    # Swagger UI (served from our static files) draws its icons as data: images.
    docs_decorator=csp_update({"img-src": [SELF, "data:"]}),
)


class SignedIn(SessionAuth):
    """Django's session, as ninja's ``django_auth``, but a request with no signed-in user
    is answered 401 "Sign in first." before the CSRF check (which answers 403 to a
    signed-in browser session whose request lacks the token): without credentials there
    is nothing for a forged request to ride on."""

    def __call__(self, request: HttpRequest) -> object | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


django_auth = SignedIn()

MAX_DAYS = 92
# Slugs as the models define them; anything else (NUL bytes included, which PostgreSQL
# refuses in text) is a 400 before it reaches a query.
SLUG = r"^[-a-zA-Z0-9_]+$"
Slug = Annotated[str, Field(min_length=1, max_length=50, pattern=SLUG)]


class ErrorOut(Schema):
    error: str


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    local_start: str
    clinician_id: int
    location: str


class TakenOut(Schema):
    error: str
    alternatives: list[SlotOut]


class LocationOut(Schema):
    slug: str
    name: str
    address: str
    city: str
    state: str
    postal_code: str
    phone: str
    timezone: str


class TypeOut(Schema):
    slug: str
    name: str
    duration_minutes: int
    online_bookable: bool
    locations: list[str]


class AppointmentOut(Schema):
    id: int
    status: str
    appointment_type: str
    location: str
    clinician_id: int
    clinician: str
    starts_at: datetime
    ends_at: datetime
    local_start: str


class BookingIn(Schema):
    appointment_type: Slug
    location: Slug
    clinician_id: int = Field(gt=0)
    starts_at: datetime
    patient_id: int | None = Field(default=None, gt=0, description="Staff only")
    note: str = Field(default="", max_length=1000)

    @field_validator("note")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class MoveIn(Schema):
    starts_at: datetime
    clinician_id: int | None = Field(default=None, gt=0)


def _slot_out(slot: availability.Slot, locations: dict[int, Location]) -> SlotOut:
    location = locations[slot.location_id]
    return SlotOut(
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_start=slot.starts_at.astimezone(location.tz).isoformat(),
        clinician_id=slot.clinician_id,
        location=location.slug,
    )


def _appointment_out(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=a.id,
        status=a.status,
        appointment_type=a.appointment_type.slug,
        location=a.location.slug,
        clinician_id=a.clinician_id,
        clinician=str(a.clinician),
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        local_start=a.local_start.isoformat(),
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    return api.create_response(request, {"error": errors.sentence(first)}, status=400)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"error": "Sign in first."}, status=401)


@api.exception_handler(MultiPartParserError)
def _unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(
        request, {"error": "The request body could not be read; send JSON."}, status=400
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = errors.BODY_NOT_JSON  # ninja's wording, with the parser's own in DEBUG
    elif exc.status_code == 403 and message == "CSRF check Failed":
        message = errors.CSRF_MISSING
    return api.create_response(request, {"error": message}, status=exc.status_code)


def _booking_error(request: HttpRequest, exc: BookingError) -> HttpResponse:
    if isinstance(exc, SlotTaken):
        locations = {loc.id: loc for loc in Location.objects.all()}
        body = {
            "error": exc.message,
            "alternatives": [
                _slot_out(s, locations).model_dump(mode="json") for s in exc.alternatives
            ],
        }
        return api.create_response(request, body, status=409)
    return api.create_response(request, {"error": exc.message}, status=exc.status)


api.exception_handler(BookingError)(_booking_error)
# Booking changes are rate limited (per user; per address when anonymous): 429 + Retry-After.
api.exception_handler(RateLimited)(too_many)


@api.get("/locations", response=list[LocationOut], tags=["booking"])
def list_locations(request: HttpRequest) -> list[Location]:
    return list(Location.objects.all())


@api.get("/appointment-types", response=list[TypeOut], tags=["booking"])
def list_types(request: HttpRequest) -> list[TypeOut]:
    kinds = AppointmentType.objects.filter(active=True).prefetch_related("locations")
    return [
        TypeOut(
            slug=k.slug,
            name=k.name,
            duration_minutes=k.duration_minutes,
            online_bookable=k.online_bookable,
            locations=[loc.slug for loc in k.locations.all()],
        )
        for k in kinds
    ]


class AvailabilityQuery(Schema):
    appointment_type: Slug
    location: list[Slug] = Field(default_factory=list, description="Slugs; all when omitted")
    start: date | None = None
    days: int = Field(default=14, ge=1, le=MAX_DAYS)


@api.get(
    "/availability",
    response={200: list[SlotOut], 400: ErrorOut, 404: ErrorOut},
    tags=["booking"],
)
def get_availability(request: HttpRequest, query: Query[AvailabilityQuery]) -> list[SlotOut]:
    """Free slots, in UTC with the location's local time beside each."""
    kind = AppointmentType.objects.filter(slug=query.appointment_type, active=True).first()
    if kind is None:
        raise HttpError(404, f"Unknown appointment type {query.appointment_type!r}.")
    locations = (
        list(Location.objects.filter(slug__in=query.location))
        if query.location
        else list(Location.objects.all())
    )
    if query.location and len(locations) != len(set(query.location)):
        raise HttpError(404, "Unknown location.")
    user = request.user
    staff = user.is_authenticated and user.can_manage_schedule
    if not staff and not kind.online_bookable:
        raise HttpError(400, f"“{kind.name}” is booked by the clinic, not online.")
    if query.start is not None and abs((query.start - date.today()).days) > 3650:
        raise HttpError(400, "start: must be within ten years of today.")
    by_id = {loc.id: loc for loc in locations}
    out: list[SlotOut] = []
    for location in locations:
        window = availability.staff_window() if staff else availability.online_window(location)
        first = query.start or window.earliest.astimezone(location.tz).date()
        slots = availability.free_slots(kind, [location], first, query.days, window=window)
        out.extend(_slot_out(s, by_id) for s in slots)
    out.sort(key=lambda s: (s.starts_at, s.location, s.clinician_id))
    return out


def _patient_of(request: SignedInRequest) -> Patient:
    user = request.user
    patient = Patient.objects.filter(user=user).first() if user.is_patient else None
    if patient is None:
        raise HttpError(403, "Only patients have their own bookings.")
    return patient


def _visible(request: SignedInRequest) -> QuerySet[Appointment]:
    """Appointments of the patients this user may see (``access.policy``)."""
    patients = policy.visible_patients(request.user, Scope.APPOINTMENTS)
    return (
        Appointment.objects.select_related("location", "appointment_type", "clinician__user")
        .exclude(status=Status.HELD)
        .filter(patient__in=patients)
    )


def _booking(request: SignedInRequest, booking_id: int, action: str) -> Appointment:
    """One appointment, through the policy: 404 for another account's id, 403 for a role
    without appointments, audited either way."""
    appointment = Appointment.objects.filter(pk=booking_id).exclude(status=Status.HELD).first()
    if appointment is None:
        raise HttpError(404, "No such booking.")
    try:
        policy.require(
            request, appointment.patient_id, Scope.APPOINTMENTS, action=action, obj=appointment
        )
    except Http404:
        raise HttpError(404, "No such booking.") from None
    except PermissionDenied:
        raise HttpError(403, "Your role does not give access to bookings.") from None
    return _visible(request).get(pk=booking_id)


@api.get("/bookings", response=list[AppointmentOut], auth=django_auth, tags=["bookings"])
def list_bookings(request: SignedInRequest) -> list[AppointmentOut]:
    """The signed-in patient's appointments (staff: the next 30 days' at all locations)."""
    qs = _visible(request)
    if request.user.can_manage_schedule:
        now = timezone.now()
        qs = qs.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=30))
    rows = list(qs)
    policy.record_listed(request, {a.patient_id for a in rows}, what="bookings")
    return [_appointment_out(a) for a in rows]


@api.get(
    "/bookings/{id:booking_id}",
    response={200: AppointmentOut, 404: ErrorOut},
    auth=django_auth,
    tags=["bookings"],
)
def get_booking(request: SignedInRequest, booking_id: int) -> AppointmentOut:
    return _appointment_out(_booking(request, booking_id, Action.VIEW))


@api.post(
    "/bookings",
    response={
        201: AppointmentOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: TakenOut,
        429: ErrorOut,
    },
    auth=django_auth,
    tags=["bookings"],
)
def create_booking(request: SignedInRequest, body: BookingIn) -> WithStatus[AppointmentOut]:
    hit(request, "booking", key="user")
    user = request.user
    location = Location.objects.filter(slug=body.location).first()
    kind = AppointmentType.objects.filter(slug=body.appointment_type).first()
    clinician = Clinician.objects.filter(id=body.clinician_id).first()
    if location is None or kind is None or clinician is None:
        raise HttpError(404, "Unknown location, appointment type or clinician.")
    if user.can_manage_schedule:
        if body.patient_id is None:
            raise HttpError(400, "patient_id: staff must say which patient the booking is for.")
        patient = Patient.objects.filter(id=body.patient_id).first()
        if patient is None or not policy.decide(user, patient.pk, Scope.APPOINTMENTS).allowed:
            audit.record(request, Action.DENIED, patient_id=body.patient_id, detail="booking")
            raise HttpError(404, "Unknown patient.")
        source = Source.STAFF
    else:
        patient = _patient_of(request)
        if body.patient_id is not None and body.patient_id != patient.id:
            audit.record(request, Action.DENIED, patient_id=body.patient_id, detail="booking")
            raise HttpError(404, "Unknown patient.")
        source = Source.API
    appointment = services.book(
        services.Request(kind, location, clinician, body.starts_at),
        patient,
        by=user,
        source=source,
        note=body.note,
    )
    audit.record(
        request,
        Action.CREATE,
        patient_id=patient.pk,
        obj=appointment,
        detail=f"api; {appointment.care_basis}",
    )
    return WithStatus(201, _appointment_out(appointment))


@api.post(
    "/bookings/{id:booking_id}/cancel",
    response={200: AppointmentOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=django_auth,
    tags=["bookings"],
)
def cancel_booking(request: SignedInRequest, booking_id: int) -> AppointmentOut:
    hit(request, "booking", key="user")
    appointment = _booking(request, booking_id, Action.UPDATE)
    return _appointment_out(services.cancel(appointment, by=request.user))


@api.post(
    "/bookings/{id:booking_id}/reschedule",
    response={200: AppointmentOut, 400: ErrorOut, 404: ErrorOut, 409: TakenOut, 429: ErrorOut},
    auth=django_auth,
    tags=["bookings"],
)
def reschedule_booking(request: SignedInRequest, booking_id: int, body: MoveIn) -> AppointmentOut:
    hit(request, "booking", key="user")
    appointment = _booking(request, booking_id, Action.UPDATE)
    clinician = None
    if body.clinician_id is not None:
        clinician = Clinician.objects.filter(id=body.clinician_id).first()
        if clinician is None:
            raise HttpError(404, "Unknown clinician.")
    moved = services.reschedule(
        appointment,
        body.starts_at,
        by=request.user,
        clinician=clinician,
    )
    return _appointment_out(moved)


# FHIR questionnaires and answers (nervepath.assessment).
from nervepath.assessment.api import router as assessment_router  # noqa: E402

api.add_router("/", assessment_router)
