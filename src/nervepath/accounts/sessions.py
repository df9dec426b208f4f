# SPDX-License-Identifier: AGPL-3.0-or-later
"""Session lifetime: an idle limit by role and an absolute limit from sign-in.

The times live in the session itself (seconds since the epoch), so every web machine
sharing the session store agrees on them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest

from nervepath.accounts.models import Role, User

LOGIN_AT = "nervepath_login_at"
LAST_SEEN = "nervepath_last_seen"
# Writing the session on every request would cost a database write per page; the
# last-seen time is refreshed only when it is at least this old, so the idle limit
# is exact to within these seconds.
TOUCH_EVERY_SECONDS = 30


def start(session: SessionBase, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session[LOGIN_AT] = now
    session[LAST_SEEN] = now


@receiver(user_logged_in, dispatch_uid="nervepath-session-start")
def _on_login(sender: type, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        start(request.session)


def idle_minutes(user: User) -> int:
    if user.role == Role.PATIENT:
        return int(settings.NERVEPATH["PATIENT_IDLE_MINUTES"])
    return int(settings.NERVEPATH["STAFF_IDLE_MINUTES"])


@dataclass(frozen=True)
class Expired:
    """Why a session ended: shown to the person on the sign-in page."""

    message: str


def check(request: HttpRequest, now: float | None = None) -> Expired | None:
    """Whether the signed-in session has run out; if not, note this request as activity."""
    now = time.time() if now is None else now
    session = request.session
    login_at, last_seen = session.get(LOGIN_AT), session.get(LAST_SEEN)
    if not isinstance(login_at, int | float) or not isinstance(last_seen, int | float):
        # A session from before these limits existed: its clock starts now.
        start(session, now)
        return None
    max_hours = int(settings.NERVEPATH["SESSION_MAX_HOURS"])
    if now - login_at > max_hours * 3600:
        return Expired(
            f"You were signed out because {max_hours} hours have passed since you signed "
            "in. Please sign in again."
        )
    idle = idle_minutes(cast(User, request.user))  # the middleware checks signed-in sessions only
    if now - last_seen > idle * 60:
        return Expired(f"You were signed out after {idle} minutes without activity.")
    if now - last_seen >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN] = now
    return None
