# SPDX-License-Identifier: AGPL-3.0-or-later
"""Template helpers: whether a user's role reaches clinical detail (to show links), and
a signed change for score differences."""

from __future__ import annotations

from typing import Any

from django import template

from nervepath.access import policy
from nervepath.access.policy import Scope

register = template.Library()


@register.filter
def may_see_clinical(user: Any) -> bool:
    return policy.role_may(user, Scope.CLINICAL) and not getattr(user, "is_patient", True)


@register.filter
def signed(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:+g}" if value else "no change"


@register.filter
def number(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, int | float) else str(value)
