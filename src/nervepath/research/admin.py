# SPDX-License-Identifier: AGPL-3.0-or-later
"""Research access for administrators: granted and ended here by another administrator,
each an audit event (the research-access rule, docs/security.md)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from nervepath.accounts.models import Role, User
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.research.models import ResearchGrant


class GrantForm(forms.ModelForm):
    """The granting administrator is the one signed in, set before the model's checks
    (so a self-grant is refused with a message, not stored)."""

    granter: User | None = None

    class Meta:
        model = ResearchGrant
        fields = ["user", "reason"]

    def _post_clean(self) -> None:
        if self.instance.pk is None and self.granter is not None:
            self.instance.granted_by = self.granter
        # ModelForm's own step (it builds the instance); the stubs leave it out.
        super()._post_clean()  # type: ignore[misc]


@admin.register(ResearchGrant)
class ResearchGrantAdmin(admin.ModelAdmin):
    form = GrantForm
    list_display = ["user", "granted_by", "granted_at", "ended_at", "reason"]
    list_filter = ["ended_at"]
    fields = ["user", "reason", "ended_at"]
    actions = ["end_grants"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(
                pk=request.user.pk
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # A grant is never rewritten: it is ended (and a new one made if needed).
        return ["user", "reason", "ended_at"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        return ("user", "reason", "ended_at") if obj is not None else ("user", "reason")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("GrantFormFor", (form,), {"granter": request.user})

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a grant is editable: it is ended with the action
        with transaction.atomic():
            obj.granted_by = request.user
            super().save_model(request, obj, form, change)
            audit.record(
                request,
                Action.CREATE,
                obj=obj,
                detail=f"research access granted to user {obj.user_id}: {obj.reason}",
            )

    @admin.action(description="End the selected research grants")
    def end_grants(self, request, queryset):
        with transaction.atomic():
            for grant in queryset.filter(ended_at__isnull=True):
                grant.ended_at = timezone.now()
                grant.save(update_fields=["ended_at"])
                audit.record(
                    request,
                    Action.UPDATE,
                    obj=grant,
                    detail=f"research access of user {grant.user_id} ended",
                )
