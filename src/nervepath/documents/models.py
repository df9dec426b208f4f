# SPDX-License-Identifier: AGPL-3.0-or-later
"""A document in a patient's record: what it is, who added it, and where its bytes are."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient


class Kind(models.TextChoices):
    REFERRAL = "referral", _("Referral letter")
    LAB = "lab", _("Lab result (e.g. ferritin, HbA1c)")
    IMAGING = "imaging", _("Imaging or nerve study report")
    OTHER = "other", _("Other")
    # Made by the clinic (notes app), never offered for an upload.
    LETTER = "letter", _("Letter from the clinic")
    CONSENT = "consent", _("Signed consent form")


MADE_BY_CLINIC = (Kind.LETTER, Kind.CONSENT)


class Document(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=120, help_text="shown only, never a path")
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["storage_name"])

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        # No title: this text shows in places (the admin, logs) that must not say what the
        # document is about.
        return f"document {self.public_id.hex[:8]}"
