# SPDX-License-Identifier: AGPL-3.0-or-later
"""The cohort builder's form: a name and the filters of `cohorts.clean_filters`."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from nervepath.pathway.models import Modality, Nerve
from nervepath.research import cohorts


def _choices(mapping: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, v[0] if isinstance(v, tuple) else v) for k, v in mapping.items()]


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    procedure = forms.ChoiceField(
        choices=_choices(cohorts.PROCEDURES), widget=forms.RadioSelect, initial="decompression"
    )
    tunnels = forms.MultipleChoiceField(
        choices=Nerve.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Any of these released (decompression only); none ticked: any tunnel.",
    )
    modalities = forms.MultipleChoiceField(
        choices=Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Therapy courses only; none ticked: any.",
    )
    # Months, never days: a one-day cohort next to "days since index" gives back dates.
    index_from = forms.CharField(
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="The first month of index procedures (YYYY-MM).",
    )
    index_to = forms.CharField(
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="The last month, included whole.",
    )
    diagnoses = forms.MultipleChoiceField(
        choices=_choices(cohorts.DIAGNOSES), required=False, widget=forms.CheckboxSelectMultiple
    )
    diabetes = forms.ChoiceField(choices=[("", "Any"), *_choices(cohorts.YES_NO)], required=False)
    age_bands = forms.MultipleChoiceField(
        choices=_choices(cohorts.AGE_BANDS), required=False, widget=forms.CheckboxSelectMultiple
    )
    sexes = forms.MultipleChoiceField(
        choices=_choices(cohorts.SEXES), required=False, widget=forms.CheckboxSelectMultiple
    )
    baseline_bands = forms.MultipleChoiceField(
        choices=_choices(cohorts.IRLS_BANDS), required=False, widget=forms.CheckboxSelectMultiple
    )
    block_responses = forms.MultipleChoiceField(
        choices=_choices(cohorts.BLOCK_RESPONSES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_reached = forms.ChoiceField(required=False)
    irls_mode = forms.ChoiceField(
        choices=[("", "Both"), *_choices(cohorts.IRLS_COLLECTION)],
        required=False,
        label="IRLS collected as",
        help_text="Self-report and clinician-entered IRLS scores are different measurements.",
    )

    FILTERS = (
        "procedure",
        "tunnels",
        "modalities",
        "index_from",
        "index_to",
        "diagnoses",
        "diabetes",
        "age_bands",
        "sexes",
        "baseline_bands",
        "block_responses",
        "follow_up_reached",
        "irls_mode",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["follow_up_reached"]).choices = [
            ("", "Not required"),
            *[(label, f"{label} done") for label in cohorts.follow_up_labels()],
        ]

    @classmethod
    def initial_from(cls, name: str, description: str, filters: Any) -> dict[str, Any]:
        """The form's starting values; stored filters that are not a mapping start empty."""
        known = dict(filters) if isinstance(filters, dict) else {}
        for key in ("index_from", "index_to"):
            try:  # a day stored before months were the finest is shown as its month
                known[key] = cohorts.as_month(known.get(key), key) or ""
            except cohorts.FilterError:
                pass  # shown as stored; saving asks for a month
        return {
            "name": name,
            "description": description,
            **{k: v for k, v in known.items() if k in cls.FILTERS},
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        raw = {key: data.get(key) for key in self.FILTERS}
        try:
            data["filters"] = cohorts.clean_filters(raw)
        except cohorts.FilterError as exc:
            field, _sep, message = str(exc).partition(": ")
            if field in self.fields and message:
                self.add_error(field, message)
            else:
                self.add_error(None, str(exc))
        return data
