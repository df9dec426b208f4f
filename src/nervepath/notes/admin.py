# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinic edits its note, letter and consent templates and its referring doctors
here; patients' notes are not shown in the admin (clinical detail)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from nervepath.audit.admin import AuditedAdminMixin
from nervepath.notes.models import (
    ConsentTemplate,
    LetterTemplate,
    NoteTemplate,
    ReferralIntake,
    ReferringDoctor,
)


@admin.register(NoteTemplate)
class NoteTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "treatment", "active", "order")
    filter_horizontal = ("appointment_types",)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "active")


@admin.register(ConsentTemplate)
class ConsentTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "language", "version", "requires_witness", "active")
    list_filter = ("language", "kind")
    readonly_fields = ("version",)


@admin.register(ReferringDoctor)
class ReferringDoctorAdmin(SimpleHistoryAdmin):
    list_display = ("name", "practice", "phone", "fax", "active")


@admin.register(ReferralIntake)
class ReferralIntakeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Referrals taken in (demographics and the doctor; the document itself is clinical
    and stays in the patient's documents). Read-only: filing happens on the intake page,
    which asks the access policy and confirms the patient."""

    list_display = ("id", "status", "last_name", "first_name", "doctor", "received_on", "patient")
    list_filter = ("status",)
    search_fields = ("last_name", "first_name", "=patient__id")
    fields = (
        "status",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "phone",
        "doctor",
        "received_on",
        "original_name",
        "size",
        "patient",
        "created_patient",
        "created_by",
        "created_at",
        "filed_by",
        "filed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
