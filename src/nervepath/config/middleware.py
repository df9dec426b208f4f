# SPDX-License-Identifier: AGPL-3.0-or-later
"""Keep pages that may carry patient data out of every cache.

A signed-in person's pages (and the JSON API, which signs in with the same session)
may show names, appointments and answers. Browsers keep such pages in their disk cache
and back/forward history unless told not to, and a shared proxy could hand them to the
next person. ``no-store`` forbids both; ``private`` also covers caches that only
understand that word. Static files are never touched: WhiteNoise answers them before
this middleware runs, with their own long-lived, immutable cache headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from nervepath.science.stored import StoredVersionError

log = logging.getLogger(__name__)


class NoStoreMiddleware:
    """Add ``Cache-Control: no-store, private`` to responses that use a session.

    It sits above ``SessionMiddleware`` in ``MIDDLEWARE`` so it sees the response after
    the session cookie has been written.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL or "/static/"):
            return response
        if self._personal(request, response):
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _personal(request: HttpRequest, response: HttpResponse) -> bool:
        if settings.SESSION_COOKIE_NAME in response.cookies:
            return True
        session = getattr(request, "session", None)
        if session is not None and (session.accessed or session.modified):
            return True
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)


# --- Issue 22, finding 12: NUL characters in the address -------------------------------


class RefuseNulMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character
    (``%00``), before any view sees it.

    No address of ours has a use for one, and PostgreSQL refuses NUL in text, so a
    filter like the admin's ``?q=%00`` would otherwise end in a 500.
    """

    MESSAGE = "The address holds a NUL character (%00), which no page accepts."

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote_plus(raw_query, errors="replace"):
            if request.path.startswith("/api/"):
                return JsonResponse({"error": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# A stored result written by a newer nervepath than this server runs (or with a damaged
# version stamp): the page cannot be drawn from it, and guessing could show wrong numbers.
STORED_VERSION_MESSAGE = (
    "This record was saved by a newer version of nervepath than this server runs, so it "
    "cannot be shown here. Nothing was changed. Please ask the clinic's administrator to "
    "finish upgrading nervepath."
)


class StoredVersionMiddleware:
    """Answer 409 Conflict, with a sentence, when a view meets a stored result it cannot
    read (``nervepath.science.stored.StoredVersionError``): the request was fine, the
    stored row is ahead of the code. The JSON API gets ``{"error": ...}``; pages get the
    sentence in the site's layout. The error is logged with the request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StoredVersionError):
            return None
        log.warning("Stored result not readable at %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"error": STORED_VERSION_MESSAGE}, status=409)
        return render(
            request,
            "stored_version.html",
            {"message": STORED_VERSION_MESSAGE, "clinic_name": settings.NERVEPATH["CLINIC_NAME"]},
            status=409,
        )
