# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server-error page. Django's 404 and 403 views render ``404.html`` and ``403.html``
(templates/) with the usual context; the 500 page must render when the database or a
context processor is what failed, so it gets a plain context from settings only."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponseServerError
from django.template import loader

log = logging.getLogger(__name__)

FALLBACK = (
    "<!doctype html><title>Server error</title><h1>Something went wrong on our side</h1>"
    "<p>Please try again in a few minutes. In an emergency call 911.</p>"
)


def server_error(request: HttpRequest) -> HttpResponseServerError:
    context = {
        "clinic_name": settings.NERVEPATH["CLINIC_NAME"],
        "clinic_phone": settings.NERVEPATH["CLINIC_PHONE"],
    }
    try:
        # No request: no context processors, no session, no database.
        body = loader.get_template("500.html").render(context)
    except Exception:  # the page that reports failures must not fail itself
        log.exception("the 500 page could not be rendered")
        body = FALLBACK
    return HttpResponseServerError(body)
