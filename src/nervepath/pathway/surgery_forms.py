# SPDX-License-Identifier: AGPL-3.0-or-later
"""Forms of the surgery pages and the follow-up booking page. They check the shape of
what was typed; the rules (tunnels, repeats, dates, readings) are the services'."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone

from nervepath.accounts.models import Role
from nervepath.pathway.forms import parse_id
from nervepath.pathway.models import Nerve, Phase, SurgeryStatus
from nervepath.scheduling import availability
from nervepath.scheduling.models import Clinician, Leg, Location

OFFERED = "Choose one of the offered times."


def _clinicians() -> Any:
    return Clinician.objects.filter(active=True, user__role=Role.CLINICIAN).select_related("user")


class SurgeryForm(forms.Form):
    leg = forms.ChoiceField(choices=Leg.choices)
    operated_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}), required=True
    )
    surgeon = forms.ModelChoiceField(queryset=Clinician.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.all())
    tunnels = forms.MultipleChoiceField(
        label="Tunnels released",
        choices=Nerve.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one tunnel released."},
    )
    status = forms.ChoiceField(choices=SurgeryStatus.choices, initial=SurgeryStatus.PLANNED)
    findings = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    complications = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    repeat_reason = forms.CharField(
        label="Reason for a repeat surgery",
        help_text="Only when a tunnel already released on this leg is operated on again.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(
        self, *args: Any, edit: bool = False, surgeon_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The recorded surgeon stays choosable on edit even after leaving the clinic.
        surgeons = _clinicians() | Clinician.objects.filter(Q(pk=surgeon_id))
        cast(forms.ModelChoiceField, self.fields["surgeon"]).queryset = surgeons.distinct()
        if edit:
            del self.fields["leg"]


class ReadingsForm(forms.Form):
    """For each nerve, amplitude and latency before and after release; blank: not
    recorded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for nerve in Nerve.values:
            for phase in Phase.values:
                self.fields[f"{nerve}_{phase}_amp"] = forms.FloatField(
                    label=f"{Nerve(nerve).label}, amplitude {phase} (µV)", required=False
                )
                self.fields[f"{nerve}_{phase}_lat"] = forms.FloatField(
                    label=f"{Nerve(nerve).label}, latency {phase} (ms)", required=False
                )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                Nerve(n).label,
                [self[f"{n}_{p}_{w}"] for p in Phase.values for w in ("amp", "lat")],
            )
            for n in Nerve.values
        ]

    def values(self) -> dict[tuple[str, str], tuple[float | None, float | None]]:
        data = self.cleaned_data
        return {
            (n, p): (data.get(f"{n}_{p}_amp"), data.get(f"{n}_{p}_lat"))
            for n in Nerve.values
            for p in Phase.values
        }


class ImportForm(forms.Form):
    file = forms.FileField(label="Monitoring CSV")
    replace = forms.BooleanField(label="Replace the readings already entered", required=False)


class SlotForm(forms.Form):
    """A slot offered on the page: "<ISO start>|<clinician id>". Only its shape and that
    it lies in the staff booking window are checked here (so a made-up year 1 or 9999
    never reaches the services); the booking system checks the rest."""

    slot = forms.CharField(
        max_length=100, error_messages={"required": OFFERED, "max_length": OFFERED}
    )

    def clean_slot(self) -> tuple[datetime, Clinician]:
        raw = self.cleaned_data["slot"]
        start_text, _, clinician_text = raw.partition("|")
        try:
            starts_at = datetime.fromisoformat(start_text)
        except ValueError:
            raise forms.ValidationError(OFFERED) from None
        clinician_id = parse_id(clinician_text)
        if clinician_id is None or timezone.is_naive(starts_at):
            raise forms.ValidationError(OFFERED)
        window = availability.staff_window(timezone.now())
        if not window.earliest <= starts_at <= window.latest:
            raise forms.ValidationError(OFFERED)
        clinician = _clinicians().filter(pk=clinician_id).first()
        if clinician is None:
            raise forms.ValidationError(OFFERED)
        return starts_at, clinician


class OtherLegForm(SlotForm):
    tunnels = forms.MultipleChoiceField(
        label="Tunnels to release",
        choices=Nerve.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one tunnel to release."},
    )
