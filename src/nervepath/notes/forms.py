# SPDX-License-Identifier: AGPL-3.0-or-later
"""Forms of the notes pages. The leg examination is one form whose fields are made
from the examination's definition (``exam``): one select per finding and leg."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from nervepath.notes import exam
from nervepath.notes.models import ConsentTemplate, NoteTemplate, ReferringDoctor
from nervepath.scheduling.models import Leg

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = {"rows": 4}


class NoteForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 2}),
        label="Reason for visit",
    )
    present_history = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea({"rows": 8}), label="History"
    )
    examination_text = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(TEXT), label="Examination"
    )
    assessment = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(TEXT), label="Assessment"
    )
    plan = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(TEXT), label="Plan"
    )


def _select(choices: dict[str, str]) -> forms.ChoiceField:
    return forms.ChoiceField(choices=list(choices.items()), required=False, label="")


# (key in the examination, label, field maker); "{leg}" is filled in.
def _rows() -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for tunnel, name in exam.TUNNELS.items():
        rows += [
            (f"tunnels.{tunnel}.tinel", f"{name}: Tinel sign", lambda: _select(exam.TINEL)),
            (f"tunnels.{tunnel}.tenderness", f"{name}: tenderness", lambda: _select(exam.YES_NO)),
            (
                f"tunnels.{tunnel}.pressure",
                f"{name}: symptoms on pressure",
                lambda: _select(exam.YES_NO),
            ),
        ]
    rows += [
        (f"sensation.{r}", f"Sensation: {name}", lambda: _select(exam.SENSATION))
        for r, name in exam.SENSATION_REGIONS.items()
    ]
    rows += [
        (
            "monofilament",
            "10 g monofilament: applications felt of 10 (dorsum of the great toe)",
            lambda: forms.IntegerField(
                required=False,
                min_value=0,
                max_value=10,
                label="",
                widget=forms.NumberInput({"size": 3}),
            ),
        ),
        ("vibration", "Vibration (128 Hz) at the great toe", lambda: _select(exam.VIBRATION)),
        ("ankle_reflex", "Ankle reflex", lambda: _select(exam.REFLEX)),
        ("appearance", "Appearance of the foot", lambda: _select(exam.APPEARANCE)),
        (
            "appearance_kinds",
            "If abnormal",
            lambda: forms.MultipleChoiceField(
                choices=list(exam.APPEARANCE_KINDS.items()),
                required=False,
                label="",
                widget=forms.CheckboxSelectMultiple,
            ),
        ),
        ("ulceration", "Ulceration", lambda: _select(exam.YES_NO)),
    ]
    grades = [("", "—")] + [(str(g), str(g)) for g in exam.MRC_GRADES]
    rows += [
        (
            f"strength.{m}",
            f"Strength (MRC 0-5): {name.lower()}",
            lambda: forms.TypedChoiceField(
                choices=grades, coerce=int, empty_value=None, required=False, label=""
            ),
        )
        for m, name in exam.MOVEMENTS.items()
    ]
    return rows


ROWS = _rows()


def _name(leg: str, key: str) -> str:
    return f"exam-{leg}-{key.replace('.', '-')}"


class ExamForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, _label, make in ROWS:
            for leg in exam.LEGS:
                self.fields[_name(leg, key)] = make()

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(label, [self[_name(leg, key)] for leg in exam.LEGS]) for key, label, _ in ROWS]

    def examination(self) -> dict[str, Any]:
        """The posted findings in the examination's form (call after ``is_valid``)."""
        out: dict[str, Any] = exam.blank()
        for key, _label, _make in ROWS:
            for leg in exam.LEGS:
                value = self.cleaned_data.get(_name(leg, key))
                if (
                    value in ("", None)
                    and key not in ("monofilament", "appearance_kinds")
                    and not key.startswith("strength")
                ):
                    value = "not_tested"
                node = out[leg]
                parts = key.split(".")
                for part in parts[:-1]:
                    node = node[part]
                node[parts[-1]] = value if value != [] else []
        return out


def exam_initial(data: dict[str, Any]) -> dict[str, Any]:
    found = exam.clean(data)
    initial: dict[str, Any] = {}
    for key, _label, _make in ROWS:
        for leg in exam.LEGS:
            node: Any = found[leg]
            for part in key.split("."):
                node = node[part]
            initial[_name(leg, key)] = node
    return initial


class NewNoteForm(forms.Form):
    template = forms.ModelChoiceField(
        NoteTemplate.objects.filter(active=True), label="Template", empty_label=None
    )


class AddendumForm(forms.Form):
    text = forms.CharField(max_length=8000, widget=forms.Textarea(TEXT), label="Addendum")
    reason = forms.CharField(max_length=300, label="Why")


class LetterForm(forms.Form):
    doctor = forms.ModelChoiceField(ReferringDoctor.objects.none(), label="To", empty_label=None)
    mail = forms.BooleanField(
        required=False, initial=True, label="Send by secure mail where the doctor has an address"
    )

    def __init__(self, *args: Any, doctors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if doctors is not None:
            cast(forms.ModelChoiceField, self.fields["doctor"]).queryset = doctors


class ProblemForm(forms.Form):
    name = forms.CharField(max_length=200, label="Problem")
    onset = forms.DateField(required=False, widget=DATE, label="Onset")


class AllergyForm(forms.Form):
    substance = forms.CharField(max_length=120)
    reaction = forms.CharField(max_length=300)


class VitalsForm(forms.Form):
    measured_on = forms.DateField(widget=DATE, label="Measured on")
    height_cm = forms.CharField(required=False, max_length=8, label="Height (cm)")
    weight_kg = forms.CharField(required=False, max_length=8, label="Weight (kg)")
    systolic = forms.CharField(required=False, max_length=8, label="Systolic (mmHg)")
    diastolic = forms.CharField(required=False, max_length=8, label="Diastolic (mmHg)")
    hba1c_pct = forms.CharField(required=False, max_length=8, label="HbA1c (%)")


class DoctorForm(forms.ModelForm):
    class Meta:
        model = ReferringDoctor
        fields = ["name", "practice", "phone", "fax", "address", "secure_email"]
        widgets = {"address": forms.Textarea({"rows": 3})}


class ReferralForm(forms.Form):
    doctor = forms.ModelChoiceField(
        ReferringDoctor.objects.filter(active=True), label="Referring doctor"
    )
    since = forms.DateField(widget=DATE, label="Referred on")


class ConsentRequestForm(forms.Form):
    template = forms.ModelChoiceField(
        # The clinician picks the original; the patient gets it in their language.
        ConsentTemplate.objects.filter(active=True, original__isnull=True),
        label="Form",
        empty_label=None,
    )
    leg = forms.ChoiceField(choices=[("", "—"), *Leg.choices], required=False)
    tunnels = forms.MultipleChoiceField(
        choices=list(exam.TUNNELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Tunnels (surgery)",
    )


class SignForm(forms.Form):
    typed_name = forms.CharField(max_length=160, label=gettext_lazy("Type your full name"))
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=450_000)
    agree = forms.BooleanField(
        label=gettext_lazy("I have read this form and I consent"), required=True
    )


class WithdrawForm(forms.Form):
    typed_name = forms.CharField(
        max_length=160, label=gettext_lazy("Type your full name to withdraw")
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=450_000)


class IntakeForm(forms.Form):
    """A referral document and what it says about the patient and the referring doctor."""

    file = forms.FileField(label="Referral document (PDF, PNG or JPEG)")
    title = forms.CharField(max_length=200, initial="Referral letter", label="Short description")
    received_on = forms.DateField(widget=DATE, label="Received on")
    first_name = forms.CharField(max_length=100, label="Patient's first name")
    last_name = forms.CharField(max_length=100, label="Patient's last name")
    date_of_birth = forms.DateField(widget=DATE, label="Date of birth")
    email = forms.EmailField(required=False, label="Patient's email (if the referral gives one)")
    phone = forms.CharField(
        required=False, max_length=32, label="Patient's phone (if the referral gives one)"
    )
    doctor = forms.ModelChoiceField(
        ReferringDoctor.objects.filter(active=True),
        required=False,
        label="Referring doctor from the list",
        empty_label="— not on the list: add below —",
    )
    doctor_name = forms.CharField(required=False, max_length=120, label="New doctor's name")
    doctor_practice = forms.CharField(required=False, max_length=160, label="Practice")
    doctor_phone = forms.CharField(required=False, max_length=32, label="Practice phone")
    doctor_fax = forms.CharField(required=False, max_length=32, label="Fax")

    def clean_file(self) -> Any:
        from nervepath.documents.forms import DocumentForm

        check = DocumentForm()
        check.cleaned_data = {"file": self.cleaned_data["file"]}
        return check.clean_file()

    def _text(self, name: str) -> str:
        value = " ".join((self.cleaned_data.get(name) or "").split())
        if "\x00" in value:
            raise forms.ValidationError("This field holds a character that is not allowed.")
        return value

    def clean_title(self) -> str:
        title = self._text("title")
        if not title:
            raise forms.ValidationError("Give a short description.")
        return title

    def clean_first_name(self) -> str:
        return self._text("first_name")

    def clean_last_name(self) -> str:
        return self._text("last_name")

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_phone(self) -> str:
        from nervepath.accounts import phones

        return phones.to_e164(self.cleaned_data.get("phone", ""))

    def clean_doctor_name(self) -> str:
        return self._text("doctor_name")

    def clean(self) -> dict[str, Any]:
        from django.utils import timezone

        data = super().clean() or {}
        today = timezone.localdate()
        if data.get("date_of_birth") and data["date_of_birth"] > today:
            self.add_error("date_of_birth", "The date of birth is in the future.")
        if data.get("received_on") and data["received_on"] > today:
            self.add_error("received_on", "The referral cannot arrive in the future.")
        if data.get("doctor") and data.get("doctor_name"):
            self.add_error("doctor_name", "Pick a doctor from the list or add a new one, not both.")
        elif (
            not data.get("doctor") and not data.get("doctor_name") and not self.has_error("doctor")
        ):
            self.add_error("doctor", "Pick the referring doctor, or add them below.")
        return data
