# SPDX-License-Identifier: AGPL-3.0-or-later
"""Audit events. They hold ids, never patient data or secrets, and are never changed.

The model refuses updates and deletes; on PostgreSQL a trigger refuses them too (see
migration 0002), so not even a raw SQL statement from the app can rewrite history.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed a record"
    LIST = "list", "Listed in a page"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    DOWNLOAD = "download", "Downloaded a file"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Access refused"
    EMERGENCY = "emergency", "Emergency access opened"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    TWO_FACTOR = "2fa", "Gave the second factor"
    TWO_FACTOR_FAILED = "2fa_failed", "Wrong second factor"
    LOCKED_OUT = "locked_out", "Account locked out"
    LOGOUT = "logout", "Signed out"


class AppendOnly(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    route = models.CharField(max_length=100, blank=True, help_text="URL name, never the path")
    method = models.CharField(max_length=8, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True, db_index=True)
    emergency = models.BooleanField(default=False, db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient_id", "at"])]

    def __str__(self) -> str:
        who = f"user {self.actor_id}" if self.actor_id else "anonymous"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} by {who}, patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")
