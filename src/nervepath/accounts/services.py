# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from nervepath.accounts.models import Patient, Role, User


class AccountError(ValueError):
    """The email cannot be used for a patient record; the message says why."""


def patient_for_email(email: str, first_name: str, last_name: str, phone: str = "") -> Patient:
    """The patient with this email, created (without a password) if new.

    An existing patient's details are not overwritten by whoever typed their email.
    """
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, first_name=first_name.strip(), last_name=last_name.strip()
            )
        elif user.role != Role.PATIENT:
            raise AccountError(
                "This email belongs to a staff account. Please use a personal email address."
            )
        patient, _ = Patient.objects.get_or_create(user=user, defaults={"phone": phone.strip()})
    return patient


def set_password_path(user: User) -> str:
    """A single-use link (Django's password-reset token) to choose a portal password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])
