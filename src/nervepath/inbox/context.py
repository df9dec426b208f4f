# SPDX-License-Identifier: AGPL-3.0-or-later
"""The inbox badge in the staff navigation: one COUNT query per page, for the roles that
have an inbox (front desk, clinicians, administrators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_patient:
        return {}
    from nervepath.inbox import work

    if not work.kinds_for(user):
        return {}
    return {"inbox_open": work.open_count(user), "inbox_shown": True}
