# SPDX-License-Identifier: AGPL-3.0-or-later
"""Saved cohorts, the random study codes that stand in for patients, and analysis runs.

Research pages never show who a patient is: a patient appears only by a `StudyCode`, a
random code that is not derived from anything about the person (HIPAA Safe Harbor,
45 CFR 164.514(c)), so the clinic can re-identify through this table while a reader of an
export cannot.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable

from django.db import IntegrityError, models

from nervepath.accounts.models import Patient, User

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud safely
MAX_SHIFT_DAYS = 182


def new_code() -> str:
    return "S-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def new_shift() -> int:
    """A whole number of days in [-182, 182], never 0."""
    shift = secrets.randbelow(MAX_SHIFT_DAYS) + 1
    return shift if secrets.randbelow(2) else -shift


class StudyCode(models.Model):
    """A patient's random study code and date shift, made the first time research reads them."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="study_code")
    code = models.CharField(max_length=12, unique=True)
    date_shift_days = models.SmallIntegerField(
        help_text="Days added to every date of this patient in a date-shifted export."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @classmethod
    def codes_for(cls, patient_ids: Iterable[int]) -> dict[int, str]:
        """patient id → code, reading only the two columns (made first where missing)."""
        from nervepath.research.cohorts import rows_of

        wanted = list(patient_ids)
        found: dict[int, str] = dict(rows_of(cls, wanted, ("patient_id", "code")))
        if len(found) < len(set(wanted)):
            found.update({pid: s.code for pid, s in cls.for_patients(wanted).items()})
        return found

    @classmethod
    def for_patients(cls, patient_ids: Iterable[int]) -> dict[int, StudyCode]:
        """The codes of these patients, creating the missing ones in one insert."""
        wanted = set(patient_ids)
        found = {s.patient_id: s for s in StudyCode.objects.filter(patient_id__in=wanted)}
        for _attempt in range(5):
            missing = wanted - found.keys()
            if not missing:
                break
            rows = [
                StudyCode(patient_id=pid, code=new_code(), date_shift_days=new_shift())
                for pid in sorted(missing)
            ]
            # A concurrent request may have coded some of them, or (rarely) drawn the same
            # code: those rows are skipped and the next round makes the rest.
            StudyCode.objects.bulk_create(rows, ignore_conflicts=True)
            found = {s.patient_id: s for s in StudyCode.objects.filter(patient_id__in=wanted)}
        if wanted - found.keys():
            raise IntegrityError("Study codes could not be made for every patient.")
        return found


class Cohort(models.Model):
    """A named set of filters; who is in it is worked out each time it is read."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name


class AnalysisRun(models.Model):
    """One run of the analysis: the definition, data time and code version it used, and
    everything it found, so that its numbers can be shown and reproduced later."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="runs")
    definition = models.JSONField(help_text="The cohort's name and filters at the time.")
    snapshot_at = models.DateTimeField(help_text="When the data were read.")
    code_version = models.CharField(max_length=80)
    patients = models.PositiveIntegerField()
    legs = models.PositiveIntegerField()
    result = models.JSONField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cohort} at {self.snapshot_at:%Y-%m-%d %H:%M}"


class JobKind(models.TextChoices):
    ANALYSIS = "analysis", "Analysis"
    REPORT_PDF = "report_pdf", "Analysis report (PDF)"
    REPORT_DOCX = "report_docx", "Analysis report (Word)"
    DEIDENTIFIED = "deidentified", "De-identified CSV (zip)"
    FHIR = "fhir", "FHIR R4 bulk export (zip)"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ResearchJob(models.Model):
    """One analysis, document or export, made by the task worker off the request path.

    Only the researcher who asked sees it. When done, an analysis points to its run and
    any other job holds its file until ``expires_at`` (``NERVEPATH_RESEARCH_DOWNLOAD_HOURS``),
    after which the file is deleted and the download page says so."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=JobKind.choices)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="jobs")
    run = models.ForeignKey(
        AnalysisRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        help_text="The run a report is made of, or the run an analysis made.",
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    error = models.CharField(max_length=500, blank=True)
    patients = models.PositiveIntegerField(default=0, help_text="Patients in what it made.")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    # The made file, in file storage (``research/jobs/...``); rows made before files went
    # to storage hold the bytes in ``data`` instead (migration 0004 moves them).
    storage_name = models.CharField(max_length=200, blank=True)
    data = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    # Renewed by the worker while the job runs; a running job that stops beating for a
    # lease lost its worker (jobs.recover_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of cohort {self.cohort_id} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class ResearchGrant(models.Model):
    """An administrator's research access, granted by ANOTHER administrator.

    The research-access rule (docs/security.md): no role both sees identities and takes
    research outputs. Researchers see no identity; administrators see names, so they
    reach the research pages only with an open grant (or when the clinic turns on
    ``NERVEPATH_ADMINS_DO_RESEARCH`` for all of them). A grant and its end are audit
    events; nobody grants themself."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="research_grants")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    granted_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"research access for {self.user} (granted by {self.granted_by})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from nervepath.accounts.models import Role

        if self.user_id and self.user.role != Role.ADMIN:
            raise ValidationError(
                {
                    "user": "Only administrators need a grant: researchers have research access "
                    "and no other role may have it."
                }
            )
        if self.user_id and self.user_id == self.granted_by_id:
            raise ValidationError(
                {"user": "Another administrator must grant your research access."}
            )
        if len(self.reason.strip()) < 10:
            raise ValidationError({"reason": "Say why (at least 10 characters)."})
