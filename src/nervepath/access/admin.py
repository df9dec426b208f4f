# SPDX-License-Identifier: AGPL-3.0-or-later
"""Admins see every emergency access (who, which record number, why, how long) and the
care assignments. Every change made here goes into the audit trail (SecurityAuditMixin),
and a grant can be shortened but never stretched past its 4-hour cap (the model's
``clean``)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from nervepath.access.models import CareAssignment, EmergencyAccess
from nervepath.audit.admin import SecurityAuditMixin


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active now"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(started_at__lte=now, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(SecurityAuditMixin, admin.ModelAdmin):
    security_label = "admin, emergency grant"
    list_display = ["started_at", "user", "patient_id", "expires_at", "reason"]
    list_filter = [ActiveFilter, "user"]
    readonly_fields = ["user", "patient", "reason", "started_at"]
    fields = ["user", "patient", "reason", "started_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CareAssignment)
class CareAssignmentAdmin(SecurityAuditMixin, admin.ModelAdmin):
    security_label = "admin, care assignment"
    list_display = ["clinician", "patient_id", "created_at", "ended_at", "assigned_by"]
    list_filter = ["clinician"]
    raw_id_fields = ["patient"]
