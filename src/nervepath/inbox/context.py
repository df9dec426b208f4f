# SPDX-License-Identifier: AGPL-3.0-or-later
"""The inbox badge in the staff navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_patient:
        return {}
    from nervepath.inbox.services import open_count

    return {"inbox_open": open_count(user), "inbox_shown": True}
