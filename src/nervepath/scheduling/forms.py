# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nervepath.scheduling.models import AppointmentType, Clinician, ExceptionKind, Location


class SlotField(forms.CharField):
    """An instant as ISO 8601 with its offset, as the slot links carry it."""

    # A CharField whose cleaned value is the parsed instant, not the text (the stubs say str).
    def to_python(self, value: object) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(_("That appointment time is not valid.")) from None
        if timezone.is_naive(moment):
            raise forms.ValidationError(_("That appointment time has no time zone."))
        return moment


class ChosenSlotForm(forms.Form):
    start = SlotField(widget=forms.HiddenInput)
    clinician = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PatientDetailsForm(forms.Form):
    first_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        from nervepath.accounts.phones import to_e164

        return to_e164(self.cleaned_data.get("phone", ""))


class BookingForm(ChosenSlotForm):
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Anything we should know? (optional)"),
    )


class WaitlistForm(forms.Form):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(required=False)


class MoveForm(forms.Form):
    """A clinician and a wall-clock time at one location."""

    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none())
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 300}))

    def __init__(self, location: Location, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = Clinician.objects.filter(
            active=True, hours__location=location
        ).distinct()

    def starts_at(self) -> datetime:
        local = datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return local.replace(tzinfo=self.location.tz)


class StaffBookingForm(PatientDetailsForm, MoveForm):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "appointment_type",
        "clinician",
        "date",
        "time",
        "note",
    ]

    def __init__(self, location: Location, *args: Any, **kwargs: Any) -> None:
        super().__init__(location, *args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["appointment_type"]
        ).queryset = AppointmentType.objects.filter(active=True, locations=location)


class ExceptionForm(forms.Form):
    """Leave, a closure or extra hours, entered in the location's local time."""

    kind = forms.ChoiceField(choices=ExceptionKind.choices)
    clinician = forms.ModelChoiceField(
        queryset=Clinician.objects.none(),
        required=False,
        empty_label="Whole location (closure)",
    )
    starts = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    where = forms.ChoiceField(
        label="Where (a clinician's leave)",
        choices=[("everywhere", "At every location"), ("here", "Only at this location")],
        initial="everywhere",
        required=False,
        help_text="Leave blocks the clinician at every location unless you choose this one "
        "only. Closures and extra hours are always for this location.",
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, location: Location, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = Clinician.objects.filter(
            active=True
        )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        tz = self.location.tz
        for name in ("starts", "ends"):
            if data.get(name) is not None:
                # The form's wall-clock time is the location's, not the server's.
                data[name] = timezone.make_naive(data[name]).replace(tzinfo=tz)
        if data.get("starts") and data.get("ends") and data["starts"] >= data["ends"]:
            raise forms.ValidationError("The end must be after the start.")
        if data.get("kind") == ExceptionKind.EXTRA and not data.get("clinician"):
            raise forms.ValidationError("Extra hours are for a clinician: choose one.")
        leave = data.get("kind") == ExceptionKind.UNAVAILABLE and data.get("clinician")
        everywhere = data.get("where", "everywhere") in ("", "everywhere")
        data["location"] = None if leave and everywhere else self.location
        return data


class SeriesForm(forms.Form):
    """A course of sessions: type, clinician, first day, time, weekdays, how many."""

    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none())
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    weekdays = forms.TypedMultipleChoiceField(
        choices=[(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat")],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    sessions = forms.IntegerField(min_value=1, max_value=40, initial=10)

    def __init__(self, location: Location, *args: object, **kwargs: object) -> None:
        # The form's own arguments (data, initial...) passed through as the caller gave them.
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        kinds = cast(forms.ModelChoiceField, self.fields["appointment_type"])
        kinds.queryset = AppointmentType.objects.filter(active=True, locations=location)
        cast(forms.ModelChoiceField, self.fields["clinician"]).queryset = (
            Clinician.objects.filter(active=True, hours__location=location)
            .select_related("user")
            .distinct()
        )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind, clinician = data.get("appointment_type"), data.get("clinician")
        if kind and clinician and not kind.clinicians.filter(pk=clinician.pk).exists():
            raise forms.ValidationError(f"{clinician} does not offer “{kind}”.")
        return data
