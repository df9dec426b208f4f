# SPDX-License-Identifier: AGPL-3.0-or-later
"""Admins read, filter and export the audit trail; nobody edits or deletes it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from nervepath.audit.log import record
from nervepath.audit.models import Action, AuditEvent
from nervepath.exports import csv_text

EXPORT_FIELDS = [
    "at",
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "object_type",
    "object_id",
    "route",
    "method",
    "ip",
    "request_id",
    "emergency",
    "detail",
]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "action",
        "actor_id",
        "actor_role",
        "patient_id",
        "route",
        "ip",
        "emergency",
    ]
    list_filter = ["action", "actor_role", "emergency", ("at", admin.DateFieldListFilter)]
    search_fields = ["=patient_id", "=actor_id", "=request_id", "=ip"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:  # type: ignore[type-arg]
        # Without change/delete rights Django hides every action; export is a read.
        return {"export_csv": self.get_action("export_csv")}  # type: ignore[dict-item]

    @admin.action(description="Export the selected events as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> HttpResponse:
        rows = queryset.order_by("at", "id").values_list(*EXPORT_FIELDS)
        body = csv_text(EXPORT_FIELDS, rows)
        record(request, Action.EXPORT, detail=f"audit trail, {queryset.count()} events")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
