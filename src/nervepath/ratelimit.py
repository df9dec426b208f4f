# SPDX-License-Identifier: AGPL-3.0-or-later
"""Rate limits for the POSTs worth abusing: sign-in, booking, uploads.

A fixed window per (scope, client) counted in Django's cache, which every web machine
shares (the database cache table by default, Redis when ``REDIS_URL`` is set). The
count is kept with ``cache.add`` (creates the window at 0 only if absent) and
``cache.incr``; on Redis both are atomic, on the database cache ``incr`` is a read
then a write, so under a burst of simultaneous requests a few extra may get through
— a limit on abuse, not an exact quota.

Usage::

    @rate_limit("booking", key="user")          # limits from settings (env)
    def book(request): ...

    hit(request, "booking", key="user")         # inside a django-ninja operation

    @rate_limit("export", limit=5, period_seconds=3600, key="ip+user")
    def export(request): ...

``key``: ``"ip"`` counts per client address; ``"user"`` per signed-in user, falling back
to the address for anonymous visitors; ``"ip+user"`` per (address, user) pair.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

Key = Literal["ip", "user", "ip+user"]
View = TypeVar("View", bound=Callable[..., Any])


class RateLimited(Exception):
    """Too many requests in this window; ``retry_after`` is seconds until it ends."""

    def __init__(self, scope: str, retry_after: int) -> None:
        self.scope = scope
        self.retry_after = retry_after
        minutes = math.ceil(retry_after / 60)
        if retry_after < 120:
            self.message = ngettext(
                "Too many attempts from here. Please wait %(count)d second and try again.",
                "Too many attempts from here. Please wait %(count)d seconds and try again.",
                retry_after,
            ) % {"count": retry_after}
        else:
            self.message = ngettext(
                "Too many attempts from here. Please wait %(count)d minute and try again.",
                "Too many attempts from here. Please wait %(count)d minutes and try again.",
                minutes,
            ) % {"count": minutes}
        super().__init__(self.message)


def client_ip(request: HttpRequest) -> str:
    """The client address: ``REMOTE_ADDR``, or, behind ``NERVEPATH_PROXY_COUNT`` trusted
    proxies, the address the outermost of them saw (from ``X-Forwarded-For``)."""
    proxies = int(settings.NERVEPATH.get("PROXY_COUNT", 0))
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _who(request: HttpRequest, key: Key) -> str:
    user = getattr(request, "user", None)
    user_id = f"u{user.pk}" if user is not None and user.is_authenticated else ""
    if key == "user":
        return user_id or f"ip{client_ip(request)}"
    if key == "ip+user":
        return f"ip{client_ip(request)}|{user_id or 'anon'}"
    if key == "ip":
        return f"ip{client_ip(request)}"
    raise ValueError(f"rate_limit key must be 'ip', 'user' or 'ip+user'; got {key!r}")


def configured(scope: str) -> tuple[int, int]:
    """(limit, period_seconds) for a scope from ``settings.NERVEPATH['RATE_LIMITS']``."""
    try:
        limit, period = settings.NERVEPATH["RATE_LIMITS"][scope]
    except KeyError:
        raise ValueError(f"No rate limit is configured for scope {scope!r}") from None
    return int(limit), int(period)


def hit(
    request: HttpRequest,
    scope: str,
    *,
    limit: int | None = None,
    period_seconds: int | None = None,
    key: Key = "ip",
) -> None:
    """Count one request; raise :class:`RateLimited` once the window's limit is passed."""
    if limit is None or period_seconds is None:
        limit, period_seconds = configured(scope)
    now = time.time()
    window = int(now // period_seconds)
    name = f"ratelimit:{scope}:{_who(request, key)}:{window}"
    cache.add(name, 0, timeout=period_seconds + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # the window expired between add and incr
        cache.set(name, 1, timeout=period_seconds + 1)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * period_seconds - now))
        raise RateLimited(scope, retry_after)


def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 with ``Retry-After``: JSON ``{"error": ...}`` for the API, a page otherwise."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": exc.message}, status=429)
    else:
        response = render(request, "429.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limit(
    scope: str,
    *,
    limit: int | None = None,
    period_seconds: int | None = None,
    key: Key = "ip",
    methods: tuple[str, ...] = ("POST",),
) -> Callable[[View], View]:
    """Limit a Django view to ``limit`` requests per ``period_seconds``.

    (A django-ninja operation calls :func:`hit` itself and the API registers
    :func:`too_many` as the handler for :class:`RateLimited`: ninja reads the operation's
    own signature, which a wrapper would hide.)

    Without ``limit``/``period_seconds`` the scope's limits are read from settings on
    each request (so ``override_settings`` works). Only ``methods`` are counted: looking
    at a form costs nothing, submitting it does.
    """
    if key not in ("ip", "user", "ip+user"):
        raise ValueError(f"rate_limit key must be 'ip', 'user' or 'ip+user'; got {key!r}")
    if (limit is None) != (period_seconds is None):
        raise ValueError("Give both limit and period_seconds, or neither")
    if limit is not None and (limit < 1 or (period_seconds or 0) < 1):
        raise ValueError("limit and period_seconds must be at least 1")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method in methods:
                try:
                    hit(request, scope, limit=limit, period_seconds=period_seconds, key=key)
                except RateLimited as exc:
                    return too_many(request, exc)
            return view(request, *args, **kwargs)

        return cast(View, wrapped)  # functools.wraps: it stands in for the view

    return decorate
