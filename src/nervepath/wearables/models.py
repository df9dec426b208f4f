# SPDX-License-Identifier: AGPL-3.0-or-later
"""A device file (Recording), its analysis (status, lease, error) and its nights.

A recording is kept once per patient and content (unique SHA-256), so the same bytes
uploaded twice point to the first upload and are not analysed again. Nights are keyed
(recording, night date): a re-run replaces them in one transaction, never duplicates.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient

if TYPE_CHECKING:
    from nervepath.science.movement.report import NightReport


class BodySite(models.TextChoices):
    """Where the monitor was worn, as given at upload (the file header wins where the
    format records it; see ``science.movement.location``)."""

    ANKLE = "ankle", _("Ankle or lower leg")
    WRIST = "wrist", _("Wrist")
    WAIST = "waist", _("Waist or hip")
    OTHER = "other", _("Somewhere else")


class Recording(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="recordings")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField(max_length=120, help_text="shown only, never a path")
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=8, help_text="file ending the engine reads")
    body_location = models.CharField(
        max_length=8,
        choices=BodySite.choices,
        blank=True,
        help_text="where the monitor was worn, as given at upload ('' before it was asked)",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["storage_name"])

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "sha256"], name="recording_once_per_patient")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_at:%Y-%m-%d})"


class State(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Analysing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Analysis(models.Model):
    """The analysis of one recording. ``heartbeat_at`` is the lease: a running analysis
    whose worker stopped beating for longer than the lease is queued again."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="analysis")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    engine_version = models.CharField(max_length=40, blank=True)

    history = HistoricalRecords(excluded_fields=["heartbeat_at"])

    class Meta:
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return f"analysis of {self.recording_id}: {self.state}"


class Night(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="nights")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="nights")
    night_of = models.DateField(help_text="the evening the night began (device clock)")
    plms_index = models.FloatField(null=True)
    movements_per_hour = models.FloatField(null=True)
    moves_every_min = models.FloatField(null=True)
    sleep_window_start = models.DateTimeField(
        null=True, help_text="device wall clock, read in the clinic's zone"
    )
    sleep_window_end = models.DateTimeField(
        null=True, help_text="device wall clock, read in the clinic's zone"
    )
    total_sleep_h = models.FloatField(null=True)
    report = models.JSONField(help_text="the engine's NightReport (to_dict)")
    figure_name = models.CharField(max_length=200, blank=True, editable=False)
    csv_name = models.CharField(max_length=200, blank=True, editable=False)
    engine_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["report", "figure_name", "csv_name"])

    class Meta:
        ordering = ["night_of"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "night_of"], name="one_night_per_date")
        ]

    def __str__(self) -> str:
        return f"night of {self.night_of:%Y-%m-%d}"

    @property
    def night_report(self) -> NightReport:
        """The stored report as a typed NightReport (any stored schema version)."""
        # Imported here: the engine (numpy, matplotlib) loads only when a report is read.
        from nervepath.science.movement.report import NightReport

        return NightReport.from_dict(self.report or {})
