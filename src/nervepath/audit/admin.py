# SPDX-License-Identifier: AGPL-3.0-or-later
"""Admins read, filter and export the audit trail; nobody edits or deletes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from nervepath.audit.log import record, record_many
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

    def get_actions(self, request: HttpRequest) -> dict:
        # Without change/delete rights Django hides every action; export is a read.
        return {"export_csv": self.get_action("export_csv")}

    @admin.action(description="Export the selected events as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> HttpResponse:
        rows = queryset.order_by("at", "id").values_list(*EXPORT_FIELDS)
        body = csv_text(EXPORT_FIELDS, rows)
        record(request, Action.EXPORT, detail=f"audit trail, {queryset.count()} events")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response


# The mixins below go before ``admin.ModelAdmin`` in a model admin's bases; mypy is told
# so, and checks their ``super()`` calls against it.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class AuditedAdminMixin(_ModelAdmin):
    """For models holding patient data in the Django admin: opening, listing, saving and
    deleting a row are audited like the same actions in the app. ``patient_id_of`` says
    whose row it is."""

    def patient_id_of(self, obj: Any) -> int | None:
        return getattr(obj, "patient_id", None)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        cl = changelist.get("cl")
        if cl is not None:
            ids = [self.patient_id_of(obj) for obj in cl.result_list]
            record_many(request, Action.LIST, [i for i in ids if i is not None], detail="admin")
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            record(request, Action.VIEW, patient_id=self.patient_id_of(obj), obj=obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = Action.UPDATE if change else Action.CREATE
        detail = f"admin: {_changed(form)}" if change else "admin"
        record(request, action, patient_id=self.patient_id_of(obj), obj=obj, detail=detail)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request, Action.DELETE, patient_id=self.patient_id_of(obj), obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(request, Action.DELETE, patient_id=self.patient_id_of(obj), obj=obj)
        super().delete_queryset(request, queryset)


# --- Issue 22, finding 9: admin edits to security-relevant records -----------------------


def _changed(form: Any) -> str:
    fields = [f for f in getattr(form, "changed_data", []) if f not in {"password"}]
    return ", ".join(fields) if fields else "no field changed"


class SecurityAuditMixin(_ModelAdmin):
    """For security-relevant records in the Django admin (emergency grants, care
    assignments, two-factor devices, users and their roles, lock-outs): each save says
    which fields changed, each deletion (one, or several through the list's action) is
    one event per row. ``patient_id_of`` says whose record it concerns, if anyone's."""

    security_label = "admin"

    def patient_id_of(self, obj: Any) -> int | None:
        return getattr(obj, "patient_id", None)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            request,
            Action.UPDATE if change else Action.CREATE,
            patient_id=self.patient_id_of(obj),
            obj=obj,
            detail=f"{self.security_label}: {_changed(form)}",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(
            request,
            Action.DELETE,
            patient_id=self.patient_id_of(obj),
            obj=obj,
            detail=f"{self.security_label}: deleted",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(
                request,
                Action.DELETE,
                patient_id=self.patient_id_of(obj),
                obj=obj,
                detail=f"{self.security_label}: deleted",
            )
        super().delete_queryset(request, queryset)
