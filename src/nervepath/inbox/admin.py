# SPDX-License-Identifier: AGPL-3.0-or-later
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from nervepath.inbox.models import InboxItem


@admin.register(InboxItem)
class InboxItemAdmin(SimpleHistoryAdmin):
    list_display = ("created_at", "urgency", "kind", "code", "patient", "acknowledged_at")
    list_filter = ("urgency", "kind")
    readonly_fields = (
        "kind", "patient", "urgency", "title", "body", "source", "code", "created_at",
        "ack_due_at", "acknowledged_at", "acknowledged_by", "escalated_at", "alerted",
    )  # fmt: skip
