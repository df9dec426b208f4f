# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notices on a visit's staff page from the apps above scheduling, which it cannot
import: e.g. the notes app says whether a valid consent covers a block or surgery visit.
A source is ``fn(request, appointment) -> list[str]``, registered from the app's
``AppConfig.ready``; it decides itself whether the viewer may see what it says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

VisitNotice = Callable[[HttpRequest, Any], list[str]]
_SOURCES: dict[str, VisitNotice] = {}


def register_visit_notice(name: str, source: VisitNotice) -> None:
    """Register (or, under the same name, replace) a source of visit notices."""
    _SOURCES[name] = source


def visit_notices(request: HttpRequest, appointment: Any) -> list[str]:
    out: list[str] = []
    for source in _SOURCES.values():
        out += source(request, appointment)
    return out
