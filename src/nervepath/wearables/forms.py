# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from nervepath.wearables.events import TreatmentEvent
from nervepath.wearables.formats import READABLE
from nervepath.wearables.models import BodySite


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Night file (%(formats)s)") % {"formats": READABLE})
    # Asked every time: a file header that records the place wins over the answer,
    # but CSV files and many headers record none. Leg-movement numbers come only from
    # the ankle (issue 16).
    body_location = forms.ChoiceField(
        label=_("Where was the monitor worn?"),
        choices=[("", _("Choose…")), *BodySite.choices],
        help_text=_(
            "Leg movements can only be counted from a monitor worn at the ankle or lower leg."
        ),
    )


class CompareForm(forms.Form):
    event = forms.ChoiceField(label="Treatment")
    days = forms.IntegerField(label="Days before and after", min_value=1, max_value=180, initial=14)

    def __init__(self, *args: Any, events: Iterable[TreatmentEvent] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event"]).choices = [
            (e.key, f"{e.label}, {e.day:%b %-d, %Y}") for e in events
        ]
