# SPDX-License-Identifier: AGPL-3.0-or-later
"""``{{ n|cell }}``: a count on a research page, "<11" for 1 to 10 (``disclosure``);
``{{ user|does_research }}``: whether the research pages are open to the user."""

from __future__ import annotations

from django import template

from nervepath.research import disclosure
from nervepath.research.access import may_do_research

register = template.Library()


@register.filter
def cell(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return disclosure.count(value)
    return "" if value is None else str(value)


@register.filter
def plural_cell(value: object) -> str:
    """The "s" of "patients" for a count shown through :func:`cell`."""
    return "" if value == 1 and disclosure.min_cell() <= 1 else "s"


@register.filter
def does_research(user: object) -> bool:
    """Whether the research pages are open to ``user`` (the research-access rule)."""
    return may_do_research(user)
