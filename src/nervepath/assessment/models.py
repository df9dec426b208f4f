# SPDX-License-Identifier: AGPL-3.0-or-later
"""Questionnaires sent to patients and their answers.

- ``TypeQuestionnaires``: which instruments an appointment type sends when it is booked.
- ``Request``: one questionnaire asked of one patient (for an intake, a schedule, a
  follow-up or by a clinician), and where it stands.
- ``Response``: the answers, a draft until submitted. A submitted response is never
  changed; a correction is a new submitted response that points at the one it corrects.
- ``Schedule``: a questionnaire set a clinician asks for every N days.

The scoring itself is ``nervepath.science.instruments``; a response stores the result
as it was computed, so a later change to a definition never rewrites a past score.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient, User
from nervepath.science import instruments


def validate_instrument_ids(value: Any) -> None:
    """A non-empty list of shipped instrument ids, each once."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Give a list of at least one questionnaire id.")
    known = instruments.available()
    for item in value:
        if item not in known:
            raise ValidationError(
                f"{item!r} is not a questionnaire; choose from: {', '.join(known)}."
            )
    if len(set(value)) != len(value):
        raise ValidationError("A questionnaire is listed twice.")


def validate_instrument_id(value: str) -> None:
    if value not in instruments.available():
        raise ValidationError(f"{value!r} is not a questionnaire.")


class TypeQuestionnaires(models.Model):
    """The questionnaires (in this order) sent when a visit of this type is booked."""

    appointment_type = models.OneToOneField(
        "scheduling.AppointmentType", on_delete=models.CASCADE, related_name="questionnaires"
    )
    instrument_ids = models.JSONField(
        validators=[validate_instrument_ids],
        help_text="Questionnaire ids in the order the patient fills them, e.g. "
        '["irls", "pain_nrs"].',
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "questionnaires of an appointment type"
        verbose_name_plural = "questionnaires of appointment types"

    def __str__(self) -> str:
        return f"{self.appointment_type}: {', '.join(self.instrument_ids)}"


class Reason(models.TextChoices):
    INTAKE = "intake", "Before a booked visit"
    SCHEDULED = "scheduled", "On a schedule"
    FOLLOW_UP = "follow_up", "Follow-up"
    STAFF = "staff", "Sent by the clinic"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Not started")
    DRAFT = "draft", _("Started")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (RequestState.PENDING, RequestState.DRAFT)


class Request(models.Model):
    """One questionnaire a patient is asked to fill."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_requests"
    )
    instrument_id = models.CharField(max_length=64, validators=[validate_instrument_id])
    instrument_version = models.CharField(max_length=32)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaire_requests",
    )
    schedule = models.ForeignKey(
        "Schedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    due_date = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "created_at", "id"]
        indexes = [models.Index(fields=["patient", "state"])]

    def __str__(self) -> str:
        return f"{self.title} for {self.patient} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("assessment:fill", args=[self.pk])

    @property
    def title(self) -> str:
        return instruments.load(self.instrument_id).title

    @property
    def plain_title(self) -> str:
        """The title a patient reads."""
        return instruments.load(self.instrument_id).plain_title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", _("Submitted")


class SubmittedResponseChanged(Exception):
    """A submitted response was about to be changed or deleted; corrections are new rows."""


class ResponseQuerySet(models.QuerySet["Response"]):
    def submitted(self) -> ResponseQuerySet:
        return self.filter(status=ResponseStatus.SUBMITTED)

    def current(self) -> ResponseQuerySet:
        """Submitted responses not replaced by a correction (the latest of each chain)."""
        return self.submitted().filter(corrected_by__isnull=True)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=ResponseStatus.SUBMITTED).exists():
            raise SubmittedResponseChanged("Submitted responses are never deleted.")
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=ResponseStatus.SUBMITTED).exists():
            raise SubmittedResponseChanged("Submitted responses are never changed.")
        return super().update(**kwargs)


class CollectionMode(models.TextChoices):
    """How the answers were collected (issue 19): research filters the IRLS by it."""

    SELF_REPORT = "self_report", "Self-report (the patient)"
    CLINICIAN = "clinician", "Entered by the clinician"


class Response(models.Model):
    """A patient's answers to one questionnaire, with the score computed at submission."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    instrument_id = models.CharField(max_length=64, validators=[validate_instrument_id])
    instrument_version = models.CharField(max_length=32)
    # The language the questionnaire was shown in ("en", "es"; blank: before issue 21 or
    # entered by a clinician), so research can keep translations apart.
    language = models.CharField(max_length=8, blank=True, default="")
    answers = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="The submitted response this one corrects.",
    )
    correction_reason = models.TextField(blank=True)
    mode = models.CharField(
        max_length=16,
        choices=CollectionMode.choices,
        default=CollectionMode.SELF_REPORT,
        help_text="Self-report by the patient, or entered by the clinician in the visit.",
    )

    objects = ResponseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument_id", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False, result__isnull=False),
                name="submitted_response_has_time_and_result",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} of {self.patient} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A submitted row is final: saving it again is refused (a correction is a new
        row). A draft may be saved as often as needed and submitted once."""
        if self.pk is not None:
            stored = Response.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == ResponseStatus.SUBMITTED:
                raise SubmittedResponseChanged(
                    "This response was submitted and cannot be changed; make a correction."
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == ResponseStatus.SUBMITTED:
            raise SubmittedResponseChanged("Submitted responses are never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def title(self) -> str:
        return instruments.load(self.instrument_id).title

    @property
    def plain_title(self) -> str:
        """The title a patient reads."""
        return instruments.load(self.instrument_id).plain_title

    @property
    def scored(self) -> instruments.Result | None:
        """The stored score as a typed :class:`~nervepath.science.instruments.Result`
        (any stored schema version), or None for a draft that has none yet."""
        if not self.result:
            return None
        return instruments.Result.from_dict(self.result)

    def chain(self) -> list[Response]:
        """This response and every correction of it, oldest first."""
        first: Response = self
        while first.corrects is not None:
            first = first.corrects
        out = [first]
        while True:
            nxt = Response.objects.filter(corrects=out[-1]).first()
            if nxt is None:
                return out
            out.append(nxt)


class Schedule(models.Model):
    """Questionnaires a clinician asks of a patient every ``every_days`` days."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_schedules"
    )
    instrument_ids = models.JSONField(validators=[validate_instrument_ids])
    every_days = models.PositiveIntegerField()
    next_due = models.DateField()
    until = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["next_due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_days__gte=1), name="schedule_every_at_least_one_day"
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.instrument_ids)} every {self.every_days} days for {self.patient}"
