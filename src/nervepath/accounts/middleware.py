# SPDX-License-Identifier: AGPL-3.0-or-later
"""Session expiry and the two-factor gate, run on every request after authentication."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse

from nervepath.accounts import sessions, twofactor

Handler = Callable[[HttpRequest], HttpResponse]


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionExpiryMiddleware:
    """Log out a session that was idle too long or is older than the absolute limit.

    ``logout`` flushes the session, so its row in the session store is deleted and the
    old cookie is worthless. Pages go to sign-in with a message saying why; the API
    answers 401.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without a session cookie nobody is signed in: don't touch the session (so a
        # public response stays cacheable, see config/middleware.py).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        if request.user.is_authenticated:
            expired = sessions.check(request)
            if expired is not None:
                logout(request)
                if is_api(request):
                    return JsonResponse({"error": expired.message}, status=401)
                messages.info(request, expired.message)
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return self.get_response(request)


class TwoFactorMiddleware:
    """Keep a signed-in user who must use two factors, but has not yet given the code
    in this session, on the two-factor pages (plus sign-out and static files)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("accounts:two_factor"),
                reverse("accounts:two_factor_setup"),
                reverse("accounts:logout"),
                settings.STATIC_URL or "/static/",
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.open_paths())
            and twofactor.needs_two_factor(user)
        ):
            if is_api(request):
                return JsonResponse(
                    {"error": "Finish signing in with your two-factor code first."}, status=401
                )
            return redirect_to_login(
                request.get_full_path(), reverse("accounts:two_factor"), "next"
            )
        return self.get_response(request)
