# SPDX-License-Identifier: AGPL-3.0-or-later
"""How django-axes names the account a sign-in attempt was for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The typed email, trimmed and lower-cased, as sign-in itself treats it.

    Without this, ``Alice@…`` and ``alice@…`` would be counted as two accounts and an
    attacker could double the number of guesses by varying the case.
    """
    raw = ""
    if credentials:
        # django-axes passes the form's ``username`` on failure, but the backend sees it
        # under the user model's USERNAME_FIELD (``email``).
        raw = credentials.get("username") or credentials.get("email") or ""
    if not raw:
        raw = request.POST.get("username", "")
    return str(raw).strip().lower()
