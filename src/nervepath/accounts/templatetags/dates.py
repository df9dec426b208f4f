# SPDX-License-Identifier: AGPL-3.0-or-later
"""Dates and times the way the page's language writes them (accounts/language.py):
``{{ start|clock }}`` is "2:11 PM" in English and "14:11" in Spanish;
``{{ start|day }}`` (long), ``|day:"day"``, ``|day:"short"``, ``|day:"date"``, ``|day:"month"``."""

from __future__ import annotations

from datetime import date, datetime, time

from django import template
from django.utils.translation import gettext

from nervepath.accounts import language

register = template.Library()


@register.filter(expects_localtime=True)
def clock(value: datetime | time | None) -> str:
    return language.clock(value)


@register.filter(expects_localtime=True)
def day(value: date | datetime | None, style: str = "long") -> str:
    return language.day(value, style)


@register.simple_tag
def link_life() -> str:
    """How long an e-mailed set-password link works, as a sentence."""
    return language.link_life()


@register.filter
def tr(value: object) -> object:
    """Translate a word that comes from data (an answer, a label), leaving numbers and
    empty values as they are; words with no translation stay as they are."""
    if isinstance(value, str) and value:
        return gettext(value)
    return value
