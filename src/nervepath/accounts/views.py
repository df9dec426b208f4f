# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sign-in (password, then the two-factor step), two-factor set-up and the Security page."""

from __future__ import annotations

from typing import Any, Literal, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from nervepath.accounts import twofactor
from nervepath.accounts.forms import (
    CodeForm,
    DisableForm,
    OutboxPasswordResetForm,
    SetupCodeForm,
)
from nervepath.accounts.language import code_for
from nervepath.accounts.models import Patient, User
from nervepath.accounts.requests import SignedInRequest
from nervepath.audit import log as audit
from nervepath.audit.models import Action
from nervepath.ratelimit import rate_limit


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Where each role starts after signing in."""
    user = request.user
    if user.can_manage_schedule:
        return redirect("scheduling:staff_home")
    if user.role == "researcher":
        return redirect("research:home")
    return redirect("scheduling:portal")


@method_decorator(rate_limit("login", key="ip"), name="dispatch")
class SignInView(auth_views.LoginView):
    """The password step. Who must use two factors goes on to the code step next."""

    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _remember_language(self.request)
        return response

    def get_success_url(self) -> str:
        target = super().get_success_url()
        user = self.request.user  # signed in by now: the form was valid
        if isinstance(user, User) and twofactor.needs_two_factor(user):
            return f"{reverse('accounts:two_factor')}?{urlencode({'next': target})}"
        return target


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, with the e-mailed link built from ``SITE_URL`` like every
    other e-mail's links: never from the request's ``Host`` header, port or scheme,
    which a client (or a misconfigured proxy) chooses (issue 22, finding 10)."""

    template_name = "accounts/password_reset.html"
    form_class = OutboxPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            extra_email_context={
                "site_url": settings.SITE_URL,
                "clinic": settings.NERVEPATH["CLINIC_NAME"],
            },
        )
        return redirect(self.get_success_url())


def _next(request: HttpRequest) -> str:
    """The safe place to go after the two-factor step (``next``, else the start page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    url = reverse(name)
    return f"{url}?{urlencode({'next': target})}" if target else url


@login_required
def two_factor(request: SignedInRequest) -> HttpResponse:
    """Ask for the authenticator code (or a recovery code) after the password."""
    user: User = request.user
    if user.is_verified() or not twofactor.needs_two_factor(user):
        return redirect(_next(request))
    if twofactor.confirmed_totp(user) is None:
        return redirect(_with_next("accounts:two_factor_setup", request))
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = twofactor.check_code(user, form.cleaned_data["code"])
        if result.device is not None:
            twofactor.mark_verified(request, result.device)
            how = "recovery code" if result.device.name == twofactor.RECOVERY_NAME else "app"
            audit.record(request, Action.TWO_FACTOR, detail=how)
            if result.device.name == twofactor.RECOVERY_NAME:
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Make new ones on "
                    "your Security page if you are running low.",
                )
            return redirect(_next(request))
        error = result.error
        audit.record(request, Action.TWO_FACTOR_FAILED)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "error": error, "next": _next(request)}
    return render(request, "accounts/two_factor.html", context, status=status)


@login_required
def two_factor_setup(request: SignedInRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (or type the secret), confirm a code,
    then see the recovery codes once. Refused while a confirmed one exists, so a stolen
    password alone can never add a second authenticator."""
    user: User = request.user
    if twofactor.confirmed_totp(user) is not None:
        if user.is_verified():
            messages.info(request, "Two-step sign-in is already on for your account.")
            return redirect("accounts:security")
        return redirect(_with_next("accounts:two_factor", request))
    device = twofactor.pending_totp(user)
    form = SetupCodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = twofactor.check_code(user, form.cleaned_data["code"], device=device)
        if result.device is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = twofactor.new_recovery_codes(user)
            twofactor.mark_verified(request, device)
            audit.record(request, Action.TWO_FACTOR, detail="authenticator set up")
            context = {"codes": codes, "next": _next(request), "first_time": True}
            return render(request, "accounts/recovery_codes.html", context)
        error = result.error
    secret = twofactor.base32_secret(device)
    context = {
        "form": form,
        "error": error,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.grouped(secret),
        "next": _next(request),
        "required": twofactor.is_staff_role(user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
def security(request: SignedInRequest) -> HttpResponse:
    """Two-step sign-in status, with the actions each role may take."""
    user: User = request.user
    context = {
        "enabled": twofactor.confirmed_totp(user) is not None,
        "required": twofactor.is_staff_role(user),
        "codes_left": twofactor.recovery_codes_left(user),
        "disable_form": DisableForm(),
    }
    return render(request, "accounts/security.html", context)


@require_POST
@login_required
def recovery_codes(request: SignedInRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working) and show the new ones once."""
    user: User = request.user
    if not user.is_verified() or twofactor.confirmed_totp(user) is None:
        messages.error(request, "Turn on two-step sign-in first.")
        return redirect("accounts:security")
    codes = twofactor.new_recovery_codes(user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})


DISABLE_REFUSED = "That password or code is not right."


def _patient_id(user: User) -> int | None:
    patient = getattr(user, "patient", None) if user.role == "patient" else None
    return getattr(patient, "pk", None)


@require_POST
@login_required
@rate_limit("login", key="user")
def disable_two_factor(request: SignedInRequest) -> HttpResponse:
    """A patient turns two-step sign-in off with their password and a current code.

    The password goes through ``authenticate`` (so django-axes counts a wrong one
    towards the account's lock-out exactly like a failed sign-in, and refuses while the
    account is locked) and both answers are checked before one combined reply, so the
    page is no password oracle. Success and failure are audited (issue 22, finding 11).
    """
    user: User = request.user
    if twofactor.is_staff_role(user):
        messages.error(request, "Staff accounts must keep two-step sign-in on.")
        return redirect("accounts:security")
    if twofactor.confirmed_totp(user) is None:
        return redirect("accounts:security")
    form = DisableForm(request.POST)
    error = "Enter your password and a code."
    if form.is_valid():
        signed = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        password_ok = signed is not None and signed.pk == user.pk
        result = twofactor.check_code(user, form.cleaned_data["code"])
        if password_ok and result.device is not None:
            twofactor.remove_two_factor(user)
            audit.record(
                request,
                Action.UPDATE,
                patient_id=_patient_id(user),
                obj=user,
                detail="two-step sign-in turned off",
            )
            messages.success(request, "Two-step sign-in is off.")
            return redirect("accounts:security")
        why = "password" if not password_ok else "code"
        audit.record(
            request,
            Action.TWO_FACTOR_FAILED,
            patient_id=_patient_id(user),
            obj=user,
            detail=f"turning two-step sign-in off refused: wrong {why}",
        )
        if getattr(request, "axes_locked_out", False):
            # Too many wrong passwords: the account is locked like after failed
            # sign-ins, and this session ends too (AxesMiddleware shows the lock-out page).
            logout(request)
            return HttpResponse(status=429)
        # The code's throttle ("wait N seconds") does not depend on the password, so
        # showing it says nothing about the password.
        error = DISABLE_REFUSED if result.error in ("", twofactor.WRONG) else result.error
    context = {
        "enabled": True,
        "required": False,
        "codes_left": twofactor.recovery_codes_left(user),
        "disable_form": DisableForm(),
        "disable_error": error,
    }
    return render(request, "accounts/security.html", context, status=400)


def _remember_language(request: HttpRequest) -> None:
    """A patient who chose a language before signing in, with none on their record,
    keeps it: it goes on the record, so the clinic's messages use it too."""
    user = request.user
    chosen = code_for(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    patient = getattr(user, "patient", None) if getattr(user, "is_patient", False) else None
    if chosen is None or patient is None or patient.preferred_language:
        return
    _set_language(request, patient, chosen, " (chosen before signing in)")


def _set_language(request: HttpRequest, patient: Patient, chosen: str, how: str = "") -> None:
    """Put the chosen language on the patient's record, audited."""
    patient.preferred_language = chosen
    patient.save(update_fields=["preferred_language"])
    audit.record(
        request,
        Action.UPDATE,
        patient_id=patient.pk,
        obj=patient,
        detail=f"preferred language set to {chosen}{how}",
    )


@require_GET
def choose_language(request: HttpRequest, code: str) -> HttpResponse:
    """The header's language link: remembered in the language cookie and, for a signed-in
    patient, on their record, so the clinic's messages follow it too. A link (no form)
    keeps every page the same for everyone; the record changes only when the click came
    from one of our own pages (the Referer), so a link elsewhere cannot change it."""
    chosen = code_for(code)
    if chosen is None:
        raise Http404("No such language.")
    referer = request.META.get("HTTP_REFERER", "")
    ours = bool(referer) and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    response = redirect(referer if ours else resolve_url("site:home"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
    user = request.user
    if ours and user.is_authenticated and getattr(user, "is_patient", False):
        patient = getattr(user, "patient", None)
        if patient is not None and code_for(patient.preferred_language) != chosen:
            _set_language(request, patient, chosen)
    return response
