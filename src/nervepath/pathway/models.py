# SPDX-License-Identifier: AGPL-3.0-or-later
"""The treatment path, recorded as it happens.

Every model keeps its full history (django-simple-history) and carries the patient, so
its changes appear on the patient's record page for clinicians. Rules that span rows
(a diary day within its block's window, a follow-up after its surgery, a second surgery
on the same tunnel only with a reason) are checked by the part's module (``blocks``,
``surgery``, ``follow_ups``, ``therapy``, ``medications``) before or inside the
transaction that writes, so a refused change stores nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient, User
from nervepath.scheduling.models import Appointment, Clinician, Leg, Location
from nervepath.science.nerves import monitoring

_M = TypeVar("_M", bound=models.Model)


def authored(obj: _M, user: User | None) -> _M:
    """Name ``user`` as the author of ``obj``'s next save or delete in its history (else
    django-simple-history takes the request's user, and outside a request no one)."""
    if user is not None:
        # django-simple-history's documented hook for the author of the next change.
        obj._history_user = user  # type: ignore[attr-defined]
    return obj


class Nerve(models.TextChoices):
    COMMON_PERONEAL = "common_peroneal", monitoring.NERVE_LABELS["common_peroneal"]
    SUPERFICIAL_PERONEAL = "superficial_peroneal", monitoring.NERVE_LABELS["superficial_peroneal"]
    TIBIAL = "tibial", monitoring.NERVE_LABELS["tibial"]


def validate_nerves(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one nerve.")
    unknown = [v for v in value if v not in Nerve.values]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not one of the three tunnels.")
    if len(set(value)) != len(value):
        raise ValidationError("Each nerve once.")


def validate_injections(value: Any) -> None:
    """[{"site": nerve id, "agent": "Lidocaine 1%", "volume_ml": 2.0}, ...]"""
    if not isinstance(value, list) or not value:
        raise ValidationError("Record at least one injection (site, agent and volume).")
    for row in value:
        if not isinstance(row, dict) or set(row) != {"site", "agent", "volume_ml"}:
            raise ValidationError("Each injection has a site, an agent and a volume.")
        if row["site"] not in Nerve.values:
            raise ValidationError(f"{row['site']!r} is not one of the three tunnels.")
        if not isinstance(row["agent"], str) or not row["agent"].strip():
            raise ValidationError("Name the agent of each injection.")
        volume = row["volume_ml"]
        if isinstance(volume, bool) or not isinstance(volume, int | float) or not 0 < volume <= 20:
            raise ValidationError("Each volume is above 0 and at most 20 mL.")


# -- diagnostic nerve blocks -------------------------------------------------------------


class NerveBlock(models.Model):
    """A diagnostic block of one leg at one or more tunnels."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="nerve_blocks")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField()
    leg = models.CharField(max_length=8, choices=Leg.choices)
    injections = models.JSONField(validators=[validate_injections])
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True, max_length=4000)
    diary_days = models.PositiveSmallIntegerField(default=14)
    # The day the last diary reminder went out (one per day until the diary is done).
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["reminded_on"])

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["patient", "given_on"])]

    def __str__(self) -> str:
        return f"Nerve block, {self.get_leg_display().lower()}, {self.given_on:%b %-d, %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pathway:block", args=[self.patient_id, self.pk])

    @property
    def sites(self) -> list[str]:
        seen: list[str] = []
        for row in self.injections or []:
            if row.get("site") not in seen:
                seen.append(row["site"])
        return [s for s in Nerve.values if s in seen]

    @property
    def site_labels(self) -> list[str]:
        return [Nerve(s).label for s in self.sites]

    @property
    def diary_last_day(self) -> date:
        return self.given_on + timedelta(days=self.diary_days - 1)

    def day_number(self, day: date) -> int:
        """1 on the day of the block."""
        return (day - self.given_on).days + 1


class ReliefEntry(models.Model):
    """One day of the patient's relief diary after a block."""

    block = models.ForeignKey(NerveBlock, on_delete=models.PROTECT, related_name="diary")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    relief_pct = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    sleep_hours = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
        help_text="Hours slept the night after this day.",
    )
    sleep_quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0 (very poor) to 10."
    )
    note = models.CharField(max_length=500, blank=True)
    entered_at = models.DateTimeField(auto_now=True)
    entered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["block", "day"]
        verbose_name_plural = "relief entries"
        constraints = [
            models.UniqueConstraint(fields=["block", "day"], name="one_relief_entry_per_day"),
            models.CheckConstraint(
                condition=models.Q(relief_pct__lte=100), name="relief_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(sleep_hours__gte=0) & models.Q(sleep_hours__lte=24),
                name="sleep_hours_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Relief {self.relief_pct} % on {self.day:%b %-d}"


class Decision(models.TextChoices):
    CANDIDATE = "candidate", "Likely surgical candidate"
    NOT_CANDIDATE = "not_candidate", "Not a candidate"


class CandidacyReview(models.Model):
    """The clinician's verdict on a block: confirms nervepath's or overrides it."""

    block = models.OneToOneField(NerveBlock, on_delete=models.PROTECT, related_name="review")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    computed = models.CharField(max_length=16, help_text="nervepath's verdict when decided.")
    relief_days = models.PositiveSmallIntegerField(help_text="Days of relief when decided.")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.block})"

    @property
    def overrides(self) -> bool:
        return self.decision != self.computed


# -- decompression surgery ---------------------------------------------------------------


class SurgeryStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Surgery(models.Model):
    """Decompression of one leg's tunnels."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="surgeries")
    leg = models.CharField(max_length=8, choices=Leg.choices)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="surgery"
    )
    operated_on = models.DateField()
    surgeon = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="surgeries")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    tunnels = models.JSONField(validators=[validate_nerves])
    status = models.CharField(
        max_length=16, choices=SurgeryStatus.choices, default=SurgeryStatus.PLANNED
    )
    findings = models.TextField(blank=True, max_length=4000)
    complications = models.TextField(blank=True, max_length=4000)
    repeat_reason = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Why a tunnel already released on this leg is operated on again.",
    )
    first_leg = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="second_legs",
        help_text="For staged bilateral surgery: the other leg's operation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["operated_on", "id"]
        verbose_name_plural = "surgeries"
        indexes = [models.Index(fields=["patient", "operated_on"])]

    def __str__(self) -> str:
        return f"Decompression, {self.get_leg_display().lower()}, {self.operated_on:%b %-d, %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pathway:surgery", args=[self.patient_id, self.pk])

    @property
    def tunnel_labels(self) -> list[str]:
        return [Nerve(t).label for t in Nerve.values if t in (self.tunnels or [])]


class Phase(models.TextChoices):
    BEFORE = "before", "Before release"
    AFTER = "after", "After release"


class ReadingSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    CSV = "csv", "Imported from the device's CSV"


class MonitoringReading(models.Model):
    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="readings")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    nerve = models.CharField(max_length=32, choices=Nerve.choices)
    phase = models.CharField(max_length=8, choices=Phase.choices)
    amplitude_uv = models.FloatField(validators=[MinValueValidator(0)])
    latency_ms = models.FloatField(null=True, blank=True)
    source = models.CharField(
        max_length=8, choices=ReadingSource.choices, default=ReadingSource.MANUAL
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["surgery", "nerve", "phase"]
        constraints = [
            models.UniqueConstraint(
                fields=["surgery", "nerve", "phase"], name="one_reading_per_nerve_and_phase"
            ),
            models.CheckConstraint(
                condition=models.Q(amplitude_uv__gte=0), name="amplitude_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_nerve_display()} {self.get_phase_display().lower()}"

    def as_reading(self) -> monitoring.Reading:
        return monitoring.Reading(self.nerve, self.phase, self.amplitude_uv, self.latency_ms)


class FollowUpStatus(models.TextChoices):
    TO_BOOK = "to_book", "To book"
    BOOKED = "booked", "Booked"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUp(models.Model):
    """A post-operative follow-up the clinic asks the patient to book (a booking
    request), with its outcome questionnaires sent a few days before it is due."""

    surgery = models.ForeignKey(Surgery, on_delete=models.CASCADE, related_name="follow_ups")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_ups")
    label = models.CharField(max_length=40)  # "2 weeks", "3 months"
    days_after = models.PositiveIntegerField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.TO_BOOK
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_up"
    )
    questionnaires_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["surgery", "days_after"], name="one_follow_up_per_interval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} follow-up, due {self.due_on:%b %-d, %Y}"

    @property
    def window(self) -> tuple[date, date]:
        """The days in which the visit should fall (settings FOLLOW_UP_WINDOW_DAYS)."""
        slack = timedelta(days=settings.NERVEPATH["FOLLOW_UP_WINDOW_DAYS"])
        return self.due_on - slack, self.due_on + slack


# -- non-surgical therapy ----------------------------------------------------------------


class Modality(models.TextChoices):
    ESTIM = "estim", "Electrical stimulation"
    LASER = "laser", "Laser"
    BOTH = "both", "Electrical stimulation and laser"


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Under way"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped early"


class TherapyCourse(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="therapy_courses")
    modality = models.CharField(max_length=8, choices=Modality.choices)
    planned_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    clinician = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    improvement_pct = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text="The patient's reported improvement at the end (negative: worse).",
    )
    notes = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_modality_display()}, {self.planned_sessions} sessions"

    def get_absolute_url(self) -> str:
        return reverse("pathway:therapy_course", args=[self.patient_id, self.pk])


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"


class TherapySession(models.Model):
    course = models.ForeignKey(TherapyCourse, on_delete=models.CASCADE, related_name="sessions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="therapy_session",
    )
    on_date = models.DateField()
    status = models.CharField(
        max_length=8, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    # Settings used, e.g. {"frequency_hz": 10, "pulse_width_us": 250, "intensity_ma": 20,
    # "minutes": 30} or {"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4}.
    parameters = models.JSONField(default=dict, blank=True)
    notes = models.CharField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="one_session_per_number")
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.course}"


# -- medications -------------------------------------------------------------------------


class MedicationRewritten(Exception):
    """Raised on an attempt to overwrite what a medication record says."""


class Medication(models.Model):
    """One medication at one dose over a period. A change of dose or schedule is a new
    record that ``replaces`` this one (which is then stopped), never an overwrite."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    dose = models.DecimalField(max_digits=8, decimal_places=3, validators=[MinValueValidator(0)])
    unit = models.CharField(max_length=16)  # mg, mcg, mg/24 h, ...
    frequency = models.CharField(max_length=80, blank=True)  # "at bedtime", "twice a day"
    started_on = models.DateField()
    stopped_on = models.DateField(null=True, blank=True)
    stop_reason = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    side_effects = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="medication_stops_after_it_starts",
            )
        ]

    # What a record says it was; only its end (and the side effects seen) may be added.
    FIXED = ("patient_id", "name", "dose", "unit", "frequency", "started_on", "replaces_id")

    def __str__(self) -> str:
        return f"{self.name} {self.dose.normalize():f} {self.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            old = Medication.objects.filter(pk=self.pk).values(*self.FIXED).first()
            if old is not None and any(old[f] != getattr(self, f) for f in self.FIXED):
                raise MedicationRewritten(
                    "A medication record is never rewritten: record the change as a new "
                    "medication that replaces this one."
                )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("pathway:medications", args=[self.patient_id])

    @property
    def current(self) -> bool:
        return self.stopped_on is None
