# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inbox items in the Django admin: read-only, for following up the clinic's loose ends
(what is open, who marked what done, what closed itself). Items are raised, closed and
marked done only by the app (``inbox.work``, the inbox page), never here.

The admin shows only the kinds an administrator's role may see under the access policy
(the front desk's kinds): red flags, failed night analyses and diaries missing days are
clinical detail, which administrators never read (docs/security.md). Opening and
listing rows is audited like any read of patient data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from nervepath.audit.admin import AuditedAdminMixin
from nervepath.inbox import work
from nervepath.inbox.models import InboxItem


@admin.register(InboxItem)
class InboxItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "patient_id",
        "urgency",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
    )
    list_filter = ("kind", "urgency")
    search_fields = ("=patient__id", "=source")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "patient",
        "urgency",
        "title",
        "link",
        "source",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_note",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboxItem]:
        return super().get_queryset(request).filter(kind__in=work.kinds_for(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
