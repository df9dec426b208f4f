# SPDX-License-Identifier: AGPL-3.0-or-later
from django.contrib import admin

from nervepath.audit.admin import AuditedAdminMixin
from nervepath.messaging.models import Message, TextConsent


@admin.register(Message)
class MessageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "channel", "kind", "to", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("to", "provider_id")
    date_hierarchy = "created_at"
    fields = (
        "channel",
        "kind",
        "to",
        "patient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
        "bounced_at",
        "bounce_status",
    )
    readonly_fields = fields

    def patient_id_of(self, obj: Message) -> int | None:
        return obj.patient_id

    def has_add_permission(self, request, obj=None):
        return False  # messages are written by the change that causes them

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TextConsent)
class TextConsentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("patient", "phone", "given_at", "given_via", "withdrawn_at", "withdrawn_via")
    search_fields = ("phone",)
    readonly_fields = (
        "patient",
        "phone",
        "wording",
        "given_at",
        "given_via",
        "withdrawn_at",
        "withdrawn_via",
    )

    def patient_id_of(self, obj: TextConsent) -> int | None:
        return obj.patient_id

    def has_add_permission(self, request, obj=None):
        return False  # only the patient gives consent (portal or START)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
