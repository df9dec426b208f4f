# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sign-in, sign-out, failed sign-in and lock-out become audit events.

A failed sign-in stores the account's id when the address belongs to an account and
nothing otherwise: the typed address itself may be a patient's email, so it is never
kept.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from nervepath.audit.log import record
from nervepath.audit.models import Action


def _account(username: object) -> Any:
    if not isinstance(username, str) or not username:
        return None
    return get_user_model().objects.filter(email__iexact=username.strip()).first()


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(request, Action.LOGIN, actor=user)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(request, Action.LOGOUT, actor=user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    account = _account(credentials.get("username") or credentials.get("email"))
    record(request, Action.LOGIN_FAILED, actor=account, detail="wrong address or password")


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def _locked_out(sender: Any, request: HttpRequest | None, username: Any = None, **kw: Any) -> None:
    record(request, Action.LOCKED_OUT, actor=_account(username), detail="too many failures")
