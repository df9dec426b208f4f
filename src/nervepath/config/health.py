# SPDX-License-Identifier: AGPL-3.0-or-later
"""``/healthz``: the one page a load balancer or monitor needs, without signing in.

It answers 200 only when the web process can reach its database, so a machine that
lost its database is taken out of rotation instead of showing error pages. It reads no
session and says nothing else about the installation.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("Health check: database unavailable (%s)", type(exc).__name__)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
