# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small helpers the pathway's pages share: ids from URLs and posts, a form's first
error as one message."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

# Ids are positive 64-bit integers: more digits than this is no id.
MAX_ID_DIGITS = 18


def parse_id(raw: str) -> int | None:
    """``raw`` as a row id, or None: ASCII digits only ("²" and "٣" are digits to
    ``str.isdigit`` but not to ``int`` or to a database), at most 18 of them."""
    raw = raw.strip()
    if not raw or len(raw) > MAX_ID_DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value > 0 else None


def posted_id(request: HttpRequest, name: str) -> int:
    """A posted object id (0, which matches nothing, when it is not one)."""
    return parse_id(request.POST.get(name, "")) or 0


def form_error(form: forms.Form) -> str:
    """The form's first error, named by its field's label."""
    for name, errors in form.errors.items():
        if name == "__all__":
            return str(errors[0])
        field = form.fields.get(name)
        label = field.label if field is not None and field.label else name.replace("_", " ")
        return f"{str(label).capitalize()}: {' '.join(str(e) for e in errors)}"
    return "Check the form."
