# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing audit events: ``record`` for one, ``record_many`` for a page listing patients.

Call these only through ``nervepath.access`` for patient data (it decides and records in
one step); sign-in events come from the receivers in ``signals.py``.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

from nervepath import ratelimit
from nervepath.audit.models import Action, AuditEvent

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,32}")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the rate limits see it (``REMOTE_ADDR``, or behind
    ``NERVEPATH_PROXY_COUNT`` trusted proxies the address the outermost one saw); None
    when it is not a valid IP address (a forged header must not break the write)."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(ratelimit.client_ip(request)))
    except ValueError:
        return None


def request_id(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return getattr(request, "request_id", "")


def _route(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match else "")[:100]


def _event(
    request: HttpRequest | None,
    action: str,
    *,
    actor: Any = None,
    patient_id: int | None = None,
    obj: models.Model | None = None,
    detail: str = "",
    emergency: bool = False,
) -> AuditEvent:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor_id=actor.pk if authenticated else None,
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        patient_id=patient_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        route=_route(request),
        method=(request.method or "")[:8] if request is not None else "",
        ip=client_ip(request),
        request_id=request_id(request),
        emergency=emergency,
        detail=detail[:200],
    )


def record(request: HttpRequest | None, action: str, **fields: Any) -> AuditEvent:
    """Write one event; ``fields`` are those of ``_event`` (actor, patient_id, obj,
    detail, emergency)."""
    event = _event(request, action, **fields)
    event.save()
    return event


def record_many(
    request: HttpRequest | None,
    action: str,
    patient_ids: Iterable[int],
    *,
    detail: str = "",
    emergency_ids: frozenset[int] = frozenset(),
) -> int:
    """One event per distinct patient shown (a calendar day, a patient list)."""
    events = [
        _event(request, action, patient_id=pid, detail=detail, emergency=pid in emergency_ids)
        for pid in sorted(set(patient_ids))
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


def _trusted_request_id(request: HttpRequest) -> str:
    """The ``X-Request-ID`` header when a trusted proxy set it, else "".

    Only behind ``NERVEPATH_PROXY_COUNT`` trusted proxies (the shipped nginx overwrites the
    header with its own ``$request_id``) and only when it looks like an id (8-32 letters,
    digits and dashes). Without a proxy the header is the client's choice, and a client
    must not pick the id its audit events are filed under."""
    if int(settings.NERVEPATH.get("PROXY_COUNT", 0)) < 1:
        return ""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID.fullmatch(incoming) else ""


class RequestIdMiddleware:
    """Gives each request an id (or keeps a well-formed one from the trusted proxy) that
    ties its audit events to the server's logs; echoed in the ``X-Request-ID`` response
    header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = _trusted_request_id(request) or uuid.uuid4().hex
        # Our own attribute on the request, read back by record() for each audit event.
        request.request_id = rid  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


__all__ = ["Action", "RequestIdMiddleware", "client_ip", "record", "record_many"]
