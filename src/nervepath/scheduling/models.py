# SPDX-License-Identifier: AGPL-3.0-or-later
"""Locations, clinicians, their hours, appointment types, appointments and the waitlist.

All instants are stored in UTC; hours of work are wall-clock times in the location's
own time zone, turned into instants day by day (so DST changes are handled there).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient, Role, User

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. America/Denver).")


class Location(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=40)
    postal_code = models.CharField(max_length=20)
    phone = models.CharField(max_length=32)
    timezone = models.CharField(
        max_length=64, default="America/Denver", validators=[validate_timezone]
    )
    min_notice_hours = models.PositiveIntegerField(
        default=12, help_text="Online bookings must start at least this many hours ahead."
    )
    max_horizon_days = models.PositiveIntegerField(
        default=90, help_text="Online bookings can be made at most this many days ahead."
    )
    cancel_cutoff_hours = models.PositiveIntegerField(
        default=24, help_text="Patients can cancel or move online until this many hours before."
    )
    reminder_hours_before = models.PositiveIntegerField(
        default=24, help_text="The reminder email goes out this many hours before the visit."
    )
    waitlist_offer_hours = models.PositiveIntegerField(
        default=12, help_text="How long a freed slot is held for the first patient waiting."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:locations") + f"#{self.slug}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class OpeningHours(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens >= self.closes:
            raise ValidationError("Opening time must be before closing time.")


class ResourceKind(models.TextChoices):
    PROCEDURE_ROOM = "procedure_room", "Procedure room"
    OPERATING_ROOM = "operating_room", "Operating room"
    THERAPY_CHAIR = "therapy_chair", "Therapy chair"


class Resource(models.Model):
    """A room or chair that some appointment types need, one appointment at a time."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=ResourceKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class Clinician(models.Model):
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        related_name="clinician",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    title = models.CharField(max_length=60, blank=True, help_text="e.g. DPM, MD, PA-C")
    bio = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.email or ""
        return f"{name}, {self.title}" if self.title else name

    def calendar_feed_path(self) -> str:
        return reverse("scheduling:clinician_feed", args=[self.calendar_token])

    def calendar_feed_url(self) -> str:
        """The feed's full address, from ``SITE_URL`` (never the request's Host)."""
        return f"{settings.SITE_URL}{self.calendar_feed_path()}"

    def rotate_calendar_token(self) -> None:
        """A new feed address; the old one answers 404 from now on."""
        self.calendar_token = new_token()
        self.save(update_fields=["calendar_token"])


class Leg(models.TextChoices):
    RIGHT = "right", "Right leg"
    LEFT = "left", "Left leg"


class Treatment(models.TextChoices):
    """Which treatment an appointment type gives, if any: what the pathway, the nights
    and the timeline read (never the type's slug, which each clinic names as it likes)."""

    NONE = "", "Not a treatment"
    BLOCK = "block", "Diagnostic nerve block"
    SURGERY = "surgery", "Decompression surgery"
    ESTIM = "estim", "Electrical stimulation"
    LASER = "laser", "Laser therapy"


class AppointmentType(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField()
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    locations = models.ManyToManyField(Location, related_name="appointment_types")
    clinicians = models.ManyToManyField(Clinician, related_name="appointment_types")
    resource_kind = models.CharField(
        max_length=32, choices=ResourceKind.choices, blank=True, help_text="Needs a room or chair."
    )
    online_bookable = models.BooleanField(
        default=True, help_text="Patients may book it themselves online."
    )
    surgery_leg = models.CharField(
        max_length=8, choices=Leg.choices, blank=True, help_text="Decompression surgery of a leg."
    )
    treatment = models.CharField(
        max_length=16,
        choices=Treatment.choices,
        blank=True,
        default=Treatment.NONE,
        help_text="The treatment this visit gives (a nerve block, surgery, a therapy session): "
        "what the care pathway, the nights and the timeline go by.",
    )
    other_leg_min_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minimum days from the other leg's surgery (empty: the clinic default).",
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.duration_minutes is not None and self.duration_minutes < 5:
            raise ValidationError("An appointment lasts at least 5 minutes.")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @property
    def second_leg_gap(self) -> timedelta:
        days = self.other_leg_min_days
        if days is None:
            days = settings.NERVEPATH["SECOND_LEG_MIN_DAYS"]
        return timedelta(days=days)


class WorkingHours(models.Model):
    """A clinician's weekly hours at one location, in the location's wall-clock time."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="hours")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["clinician", "weekday", "start"]
        verbose_name_plural = "working hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError("Start must be before end.")


class ExceptionKind(models.TextChoices):
    UNAVAILABLE = "unavailable", "Unavailable (holiday, leave, closure)"
    EXTRA = "extra", "Extra hours"


class AvailabilityException(models.Model):
    """A one-off change to the weekly hours.

    With a clinician: their leave or extra hours (at one location, or all if empty).
    Without a clinician: the location is closed (a holiday) for everyone.
    """

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, null=True, blank=True, related_name="exceptions"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="exceptions"
    )
    kind = models.CharField(max_length=16, choices=ExceptionKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} {self.reason}".strip()

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError("The exception must end after it starts.")
        if self.clinician_id is None and self.location_id is None:
            raise ValidationError("Choose a clinician, a location, or both.")
        if self.kind == ExceptionKind.EXTRA and (
            self.clinician_id is None or self.location_id is None
        ):
            raise ValidationError("Extra hours need both a clinician and a location.")


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    HELD = "held", "Held (waitlist offer, or awaiting the patient's confirmation)"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# Appointments in these states occupy their clinician and resource; the database
# refuses two of them overlapping (see migration 0002).
ACTIVE_STATUSES = (Status.BOOKED, Status.HELD)


class CheckIn(models.TextChoices):
    """Where a booked patient is on the day of the visit (the front desk's check-in)."""

    NOT_ARRIVED = "", "Not arrived"
    ARRIVED = "arrived", "Arrived"
    IN_ROOM = "in_room", "In room"
    SEEN = "seen", "Seen"


class Source(models.TextChoices):
    ONLINE = "online", "Online"
    STAFF = "staff", "Staff"
    API = "api", "API"
    WAITLIST = "waitlist", "Waitlist offer"


class CareBasis(models.TextChoices):
    """How an appointment came to be, which decides whether it puts the patient in the
    clinician's care (``scheduling.care.booking_basis`` sets it; docs/security.md)."""

    PATIENT = "patient", "Booked by the patient, signed in"
    PATIENT_CONFIRMED = "patient_confirmed", "Confirmed from the patient's mailbox"
    FRONT_DESK = "front_desk", "Booked by the front desk"
    CARING_CLINICIAN = "caring_clinician", "Booked by a clinician caring for the patient"
    STAFF = "staff", "Booked by a clinician not caring for the patient"
    UNCONFIRMED = "unconfirmed", "Awaiting confirmation from the patient's mailbox"
    ANONYMOUS = "anonymous", "Booked without sign-in before confirmation was required"


# Bases that put the patient in the clinician's care while the visit is booked (a visit
# that took place, i.e. completed, does so whatever its basis).
CARE_BASES = (
    CareBasis.PATIENT,
    CareBasis.PATIENT_CONFIRMED,
    CareBasis.FRONT_DESK,
    CareBasis.CARING_CLINICIAN,
)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self, now: datetime | None = None) -> AppointmentQuerySet:
        """Appointments that occupy their clinician and resource at ``now``: booked ones,
        and holds for waitlisted patients that have not expired."""
        now = now or timezone.now()
        return self.filter(
            models.Q(status=Status.BOOKED) | models.Q(status=Status.HELD, hold_expires_at__gt=now)
        )

    def overlapping(self, start: object, end: object) -> AppointmentQuerySet:
        return self.filter(blocked_from__lt=end, blocked_until__gt=start)


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The time the clinician (and resource) is taken, buffers included.
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ONLINE)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    manage_token = models.CharField(max_length=64, unique=True, default=new_token)
    # How the booking came to be (who booked it is ``created_by``); safe default: none of
    # the bases that confer care.
    care_basis = models.CharField(max_length=24, choices=CareBasis.choices, default=CareBasis.STAFF)
    # The single-use link that makes an anonymous booking real (cleared once used).
    confirm_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    patient_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Check-in on the day (``scheduling.desk``): when the patient arrived, was taken to a
    # room and was seen; "seen" also marks the visit completed.
    checkin = models.CharField(max_length=16, choices=CheckIn.choices, blank=True, default="")
    arrived_at = models.DateTimeField(null=True, blank=True)
    roomed_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    # The sessions of one course booked together (``scheduling.series``) share this key.
    series = models.CharField(max_length=32, blank=True, default="", db_index=True)
    # The revision calendar apps go by (iCalendar SEQUENCE, RFC 5545 3.8.7.4): one more
    # at every move or cancellation, never less.
    sequence = models.PositiveIntegerField(default=0)

    objects = AppointmentQuerySet.as_manager()
    # Who changed what and when; the manage link is a secret and stays out of history.
    history = HistoricalRecords(excluded_fields=["manage_token", "confirm_token"])

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinician", "blocked_from"]),
            models.Index(fields=["resource", "blocked_from"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["location", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="appointment_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_from__lte=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("ends_at")),
                name="appointment_blocked_time_covers_visit",
            ),
        ]

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.location.tz)
        return f"{self.appointment_type} — {self.patient} — {local:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:manage", args=[self.manage_token])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def awaiting_confirmation(self) -> bool:
        return self.status == Status.HELD and self.care_basis == CareBasis.UNCONFIRMED

    @property
    def clinic_only(self) -> bool:
        """Visits the clinic books (surgery, nerve blocks): never changed through a link."""
        return not self.appointment_type.online_bookable

    def manage_link_expired(self, now: datetime | None = None) -> bool:
        """The emailed manage link works until the visit has ended or was cancelled,
        plus ``NERVEPATH_MANAGE_LINK_GRACE_HOURS``."""
        now = now or timezone.now()
        grace = timedelta(hours=settings.NERVEPATH["MANAGE_LINK_GRACE_HOURS"])
        if self.status not in (Status.BOOKED, Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW):
            return True
        if self.status == Status.CANCELLED:
            return (self.cancelled_at or self.starts_at) + grace <= now
        return self.ends_at + grace <= now

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.location.tz)

    @property
    def local_end(self):
        return self.ends_at.astimezone(self.location.tz)


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a slot"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier slot of one type at one location (first come, first
    offered)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)
    status = models.CharField(
        max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    offered_appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_entry"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "appointment_type", "location"],
                condition=models.Q(status__in=["waiting", "offered"]),
                name="one_open_waitlist_entry_per_patient_type_location",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.appointment_type} at {self.location}"


class DeskPreference(models.Model):
    """The location a staff member last worked the schedule at: the calendar opens there."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="desk_preference")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} at {self.location}"
