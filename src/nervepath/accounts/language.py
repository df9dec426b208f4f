# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's language: which one a page, an e-mail or a text is written in, and how
dates and times read in it.

- A visitor picks the language in the header (``set_language``); it is remembered in the
  language cookie and, for a signed-in patient, on their record
  (``Patient.preferred_language``, which the front desk may also fill in by hand, e.g.
  "Spanish").
- A signed-in patient reads in the language on their record; staff pages stay in English
  (they are marked for translation so another language can be added later).
- Messages the clinic sends (e-mails, texts, reminders from the worker) are rendered
  inside ``for_patient(patient)``, so they follow the record, not whoever triggered them.
- One time format per language: "2:11 PM" in English, "14:11" in Spanish (``clock``), and
  dates in the order each language writes them (``day``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat, timezone, translation

Handler = Callable[[HttpRequest], HttpResponse]

DEFAULT = "en"

# What staff may have typed in the free-text field, folded to lower case without accents.
_NAMES = {
    "en": "en",
    "en-us": "en",
    "english": "en",
    "ingles": "en",
    "es": "es",
    "es-us": "es",
    "es-mx": "es",
    "spanish": "es",
    "espanol": "es",
    "castellano": "es",
}

# Date and time formats per language (Django date-format characters). Spanish puts the
# day before the month ("martes 8 de diciembre") and uses the 24-hour clock, as Spanish
# calendars and the Spanish-language press in the US do.
FORMATS: dict[str, dict[str, str]] = {
    "en": {
        "clock": "g:i A",
        "long": "l, F j, Y",
        "day": "l, F j",
        "short": "D M j",
        "date": "M j, Y",
        "month": "M j",
    },
    "es": {
        "clock": "H:i",
        "long": r"l j \d\e F \d\e Y",
        "day": r"l j \d\e F",
        "short": "D j M",
        "date": "j M Y",
        "month": "j M",
    },
}


def supported() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def code_for(text: str | None) -> str | None:
    """The supported language code a record's free text names, or None."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    code = _NAMES.get(folded) or _NAMES.get(folded.split("-")[0])
    return code if code in supported() else None


def current() -> str:
    """The active language's code, as one of ours ("en" for "en-us")."""
    code = (translation.get_language() or DEFAULT).split("-")[0]
    return code if code in FORMATS else DEFAULT


def name_of(code: str) -> str:
    """The language's own name ("Español"), as the picker shows it."""
    return dict(settings.LANGUAGES).get(code, code)


def patient_language(patient: Any) -> str:
    """The language every message to this patient is written in: the one on their
    record; with none there, the language in use (the visitor's page, or English in the
    task worker)."""
    recorded = code_for(getattr(patient, "preferred_language", "")) if patient else None
    return recorded or current()


@contextmanager
def for_patient(patient: Any) -> Iterator[str]:
    """Render what follows in the patient's language."""
    code = patient_language(patient)
    with translation.override(code):
        yield code


def _format(value: date | datetime | time | None, style: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(dateformat.format(value, FORMATS[current()][style]))


def clock(value: datetime | time | None) -> str:
    """The time of day in the current language: "2:11 PM" or "14:11"."""
    return _format(value, "clock")


def day(value: date | datetime | None, style: str = "long") -> str:
    """The date in the current language; ``style`` is long, day, short, date or month."""
    if style not in FORMATS[DEFAULT]:
        raise ValueError(f"unknown date style {style!r}")
    return _format(value, style)


def when(value: datetime) -> str:
    """Day and time together, for subjects and texts: "Tue Dec 8, 2:11 PM"."""
    return f"{_format(value, 'short')}, {_format(value, 'clock')}"


class PatientLanguageMiddleware:
    """A signed-in patient's pages follow the language on their record; staff pages are
    English. Visitors keep what ``LocaleMiddleware`` chose (cookie, then browser)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without a session cookie nobody is signed in: leave the session untouched.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                code: str | None = DEFAULT
                if getattr(user, "is_patient", False):
                    # The language on the record; with none there (or one we do not
                    # have), the visitor's own choice stands.
                    patient = getattr(user, "patient", None)
                    code = code_for(getattr(patient, "preferred_language", ""))
                if code is not None:
                    translation.activate(code)
                    request.LANGUAGE_CODE = code
        return self.get_response(request)


def link_life() -> str:
    """How long a set-password link works (``PASSWORD_RESET_TIMEOUT``), as a sentence in
    the current language: "The link works for 1 hour." """
    from django.utils.translation import ngettext

    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext(
            "The link works for %(count)d hour.", "The link works for %(count)d hours.", hours
        ) % {"count": hours}
    minutes = max(seconds // 60, 1)
    return ngettext(
        "The link works for %(count)d minute.", "The link works for %(count)d minutes.", minutes
    ) % {"count": minutes}
