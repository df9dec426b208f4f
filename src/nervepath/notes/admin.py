# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinic edits its note, letter and consent templates and its referring doctors
here; patients' notes are not shown in the admin (clinical detail)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from nervepath.notes.models import ConsentTemplate, LetterTemplate, NoteTemplate, ReferringDoctor


@admin.register(NoteTemplate)
class NoteTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "treatment", "active", "order")
    filter_horizontal = ("appointment_types",)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "active")


@admin.register(ConsentTemplate)
class ConsentTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "version", "requires_witness", "active")
    readonly_fields = ("version",)


@admin.register(ReferringDoctor)
class ReferringDoctorAdmin(SimpleHistoryAdmin):
    list_display = ("name", "practice", "phone", "fax", "active")
