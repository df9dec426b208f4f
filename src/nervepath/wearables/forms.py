# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django import forms

from nervepath.wearables.formats import READABLE


class UploadForm(forms.Form):
    file = forms.FileField(label=f"Night file ({READABLE})")


class CompareForm(forms.Form):
    event = forms.ChoiceField(label="Treatment")
    days = forms.IntegerField(label="Days before and after", min_value=1, max_value=180, initial=14)

    def __init__(self, *args, events=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(e.key, f"{e.label}, {e.day:%b %-d, %Y}") for e in events]
