# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from nervepath.wearables.events import TreatmentEvent
from nervepath.wearables.formats import READABLE


class UploadForm(forms.Form):
    file = forms.FileField(label=f"Night file ({READABLE})")


class CompareForm(forms.Form):
    event = forms.ChoiceField(label="Treatment")
    days = forms.IntegerField(label="Days before and after", min_value=1, max_value=180, initial=14)

    def __init__(self, *args: Any, events: Iterable[TreatmentEvent] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event"]).choices = [
            (e.key, f"{e.label}, {e.day:%b %-d, %Y}") for e in events
        ]
