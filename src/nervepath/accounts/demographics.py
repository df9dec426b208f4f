# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's demographics as forms: the front desk's full record, and the contact
details a patient corrects in the portal. Phone numbers are checked and stored as E.164."""

from __future__ import annotations

from django import forms
from django.db import transaction

from nervepath.accounts import phones
from nervepath.accounts.models import Patient, Role, User

CONTACT_FIELDS = [
    "phone",
    "home_phone",
    "address_line",
    "city",
    "state",
    "postal_code",
    "preferred_language",
    "emergency_contact_name",
    "emergency_contact_phone",
]
PHONE_FIELDS = ("phone", "home_phone", "emergency_contact_phone")


class _PhonesMixin(forms.ModelForm):
    def _clean_phone(self, name: str) -> str:
        return phones.to_e164(self.cleaned_data.get(name, ""))

    def clean_phone(self) -> str:
        return self._clean_phone("phone")

    def clean_home_phone(self) -> str:
        return self._clean_phone("home_phone")

    def clean_emergency_contact_phone(self) -> str:
        return self._clean_phone("emergency_contact_phone")


class ContactForm(_PhonesMixin):
    """What a patient may correct themself."""

    class Meta:
        model = Patient
        fields = CONTACT_FIELDS
        labels = {"phone": "Mobile phone", "address_line": "Street address"}


class PatientRecordForm(_PhonesMixin):
    """The front desk's new patient: names and an optional email, plus the demographics."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(
        required=False,
        help_text="Optional: without one, confirmations are printed (or texted to the mobile).",
    )
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Patient
        fields = [
            "date_of_birth",
            "sex",
            *CONTACT_FIELDS,
            "referring_doctor",
            "insurance_payer",
            "insurance_member_id",
        ]
        labels = {"phone": "Mobile phone", "address_line": "Street address"}

    field_order = ["first_name", "last_name", "email", "date_of_birth", "sex"]

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email and User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "A person with this email already exists: search for them instead."
            )
        return email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("email") and not data.get("phone") and not data.get("home_phone"):
            raise forms.ValidationError(
                "Give at least one way to reach the patient: an email or a phone number."
            )
        return data

    def save(self, commit: bool = True) -> Patient:
        data = self.cleaned_data
        with transaction.atomic():
            user = User.objects.create_user(
                data["email"] or None,
                first_name=data["first_name"].strip(),
                last_name=data["last_name"].strip(),
                role=Role.PATIENT,
            )
            patient = super().save(commit=False)
            patient.user = user
            patient.save()
        return patient
