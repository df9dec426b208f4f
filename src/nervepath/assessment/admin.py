# SPDX-License-Identifier: AGPL-3.0-or-later
"""The admin sets which questionnaires each appointment type sends. Patients' answers are
clinical detail and stay out of the admin (administrators have no clinical scope)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from nervepath.assessment.models import TypeQuestionnaires, validate_instrument_ids
from nervepath.science import instruments


class TypeQuestionnairesForm(forms.ModelForm):
    instrument_ids = forms.JSONField(
        help_text="In order; choose from: " + ", ".join(instruments.available()),
        validators=[validate_instrument_ids],
    )

    class Meta:
        model = TypeQuestionnaires
        fields = ["appointment_type", "instrument_ids"]


@admin.register(TypeQuestionnaires)
class TypeQuestionnairesAdmin(SimpleHistoryAdmin):
    form = TypeQuestionnairesForm
    list_display = ["appointment_type", "instrument_list"]

    @admin.display(description="Questionnaires")
    def instrument_list(self, obj: TypeQuestionnaires) -> str:
        return ", ".join(obj.instrument_ids)
