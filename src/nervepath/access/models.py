# SPDX-License-Identifier: AGPL-3.0-or-later
"""Care assignments (who looks after whom) and emergency ("break-the-glass") access."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from nervepath.accounts.models import Patient


class CareAssignment(models.Model):
    """A clinician looks after a patient even without an appointment with them (e.g. the
    surgeon who takes over from the consulting clinician)."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_assignments"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Why (issue 22: an assignment is how care starts outside a visit, so it says why).
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "patient"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_assignment_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} cares for patient {self.patient_id}"


# The shortest and longest grant (docs/security.md). A grant is opened for 15 minutes to
# 4 hours; an admin may end one early but never stretch it past 4 hours from its start.
MIN_GRANT_MINUTES = 15
MAX_GRANT_MINUTES = 240


class EmergencyAccess(models.Model):
    """A clinician opened a record outside their list, with a reason, for a limited time.
    Every use is flagged in the audit trail and the grants are listed for admins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_grants"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "emergency access grants"

    def __str__(self) -> str:
        return f"{self.user} → patient {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """The cap (issue 22, finding 9): at most 4 hours from the start, whoever edits
        the grant (the Django admin shows this on the form); at least 15 minutes when
        opened; an existing grant may be ended early, never before it started."""
        super().clean()
        if self.started_at is None or self.expires_at is None:
            return
        length = self.expires_at - self.started_at
        if length > timedelta(minutes=MAX_GRANT_MINUTES):
            latest = timezone.localtime(self.started_at + timedelta(minutes=MAX_GRANT_MINUTES))
            raise ValidationError(
                {
                    "expires_at": f"An emergency access lasts at most {MAX_GRANT_MINUTES} "
                    f"minutes: end it by {latest:%Y-%m-%d %H:%M}."
                }
            )
        if self._state.adding and length < timedelta(minutes=MIN_GRANT_MINUTES):
            raise ValidationError(
                {"expires_at": f"An emergency access lasts at least {MIN_GRANT_MINUTES} minutes."}
            )
        if length <= timedelta(0):
            raise ValidationError({"expires_at": "A grant must end after it started."})

    def active_at(self, when: datetime) -> bool:
        return self.started_at <= when < self.expires_at
