# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib import admin

from nervepath.audit.admin import AuditedAdminMixin
from nervepath.scheduling import models


class OpeningHoursInline(admin.TabularInline):
    model = models.OpeningHours
    extra = 0


class ResourceInline(admin.TabularInline):
    model = models.Resource
    extra = 0


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "timezone", "min_notice_hours", "max_horizon_days"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline, ResourceInline]


class WorkingHoursInline(admin.TabularInline):
    model = models.WorkingHours
    extra = 0


@admin.register(models.Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "active"]
    inlines = [WorkingHoursInline]
    readonly_fields = ["calendar_token"]


@admin.register(models.AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "resource_kind",
        "online_bookable",
        "surgery_leg",
        "active",
    ]
    list_editable = ["online_bookable", "active"]
    filter_horizontal = ["locations", "clinicians"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "kind", "clinician", "location", "reason"]
    list_filter = ["kind", "location"]


@admin.register(models.Appointment)
class AppointmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["starts_at", "appointment_type", "patient", "clinician", "location", "status"]
    list_filter = ["status", "location", "appointment_type"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    # Times are changed through the calendar, which applies the booking rules.
    readonly_fields = [
        "starts_at",
        "ends_at",
        "blocked_from",
        "blocked_until",
        "clinician",
        "resource",
        "created_by",
    ]
    exclude = ["manage_token"]  # the patient's secret link is not for anyone else's eyes


@admin.register(models.WaitlistEntry)
class WaitlistEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "patient", "appointment_type", "location", "status"]
    list_filter = ["status", "location"]
