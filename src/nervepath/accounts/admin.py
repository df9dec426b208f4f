# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nervepath.accounts.models import Patient, Role, User
from nervepath.audit.admin import AuditedAdminMixin, SecurityAuditMixin
from nervepath.audit.log import record
from nervepath.audit.models import Action


def _admins_only(request: HttpRequest) -> bool:
    user = request.user
    verified = getattr(user, "is_verified", None)
    return bool(
        user.is_active
        and user.is_staff
        and getattr(user, "role", None) == Role.ADMIN
        and verified is not None
        and verified()
    )


def _our_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin's own login form would skip our two-factor step: send people to ours."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target, resolve_url(settings.LOGIN_URL))


# The Django admin is for the admin role only, whatever other flags a user carries, and
# only in a session that passed the two-factor step.
# (The stubs forbid assigning to methods; these two replace the default site's on purpose.)
admin.site.has_permission = _admins_only  # type: ignore[method-assign]
admin.site.login = _our_login  # type: ignore[method-assign]


class UserCreateForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email", "role")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Status", {"fields": ("is_active", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # The audit of a listing needs each user's patient id: one join, not a query each.
        return super().get_queryset(request).select_related("patient")

    def patient_id_of(self, obj: User) -> int | None:
        try:
            return obj.patient.pk
        except Patient.DoesNotExist:
            return None

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Setting someone's password from the admin is audited (never the password)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            record(
                request,
                Action.UPDATE,
                patient_id=self.patient_id_of(user) if user else None,
                obj=user,
                detail="admin: password set",
            )
        return response


@admin.register(Patient)
class PatientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "phone", "date_of_birth"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]

    def patient_id_of(self, obj: Patient) -> int | None:
        return obj.pk


# django-otp's own device admins can show a device's secret key and QR code (letting an
# administrator clone someone's second factor) and fail on unknown ids. Ours lists the
# devices and lets an administrator delete one (the person then sets up a new device at
# their next sign-in); nothing else.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


@admin.register(TOTPDevice, StaticDevice)
class DeviceAdmin(SecurityAuditMixin, admin.ModelAdmin):
    security_label = "admin, two-factor device"

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__email"]
    fields = ("user", "name", "confirmed")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# django-axes' lock-out records: clearing one (deleting the attempt) unlocks an account,
# so it goes into the audit trail like every other admin edit of a security record.
for _axes_model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_axes_model):
        admin.site.unregister(_axes_model)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(SecurityAuditMixin, AccessAttemptAdmin):
    security_label = "admin, sign-in lock-out"

    def patient_id_of(self, obj: Any) -> int | None:
        return None


@admin.register(AccessLog)
class AuditedAccessLogAdmin(SecurityAuditMixin, AccessLogAdmin):
    security_label = "admin, sign-in log"

    def patient_id_of(self, obj: Any) -> int | None:
        return None


@admin.register(AccessFailureLog)
class AuditedAccessFailureLogAdmin(SecurityAuditMixin, AccessFailureLogAdmin):
    security_label = "admin, failed sign-in log"

    def patient_id_of(self, obj: Any) -> int | None:
        return None
