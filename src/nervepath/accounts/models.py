# SPDX-License-Identifier: AGPL-3.0-or-later
"""People: one user model with a role, and the patient's own record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    FRONT_DESK = "frontdesk", "Front desk"
    CLINICIAN = "clinician", "Clinician"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Administrator"


STAFF_ROLES = {Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str | None, password: str | None = None, **extra: object) -> User:
        """A user; only a patient may have no email address (then no sign-in either)."""
        if not email and extra.get("role", Role.PATIENT) != Role.PATIENT:
            raise ValueError("An email address is required")
        if not email and password:
            raise ValueError("A person without an email address cannot sign in.")
        user = self.model(email=self.normalize_email(email).lower() if email else None, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        """Emails are stored lower-case, so sign-in ignores case and stray spaces."""
        return self.get(email=(username or "").strip().lower())

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: patient, front desk, clinician, researcher or admin."""

    # Sign-in is by e-mail: the username column is removed (the stubs type it as a field).
    username = None  # type: ignore[assignment]
    # Optional for patients only (a phone-only patient): then empty (NULL), never shared.
    # The stubs type AbstractUser.email as a non-null field; here it may be NULL.
    email = models.EmailField(  # type: ignore[assignment]
        "email address", unique=True, null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Our manager keys on e-mail; the stubs want AbstractUser's username manager here.
    objects = UserManager()  # type: ignore[assignment, misc]

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    # Set on every request's user by django_otp's OTPMiddleware: True once this session
    # has passed a second factor.
    is_verified: Callable[[], bool]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.lower() if self.email else None
        # Only administrators reach the Django admin.
        self.is_staff = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.get_full_name() or self.email or f"Person {self.pk}"

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_front_desk(self) -> bool:
        return self.role == Role.FRONT_DESK

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def can_manage_schedule(self) -> bool:
        """Front desk, clinicians and admins book, move and cancel for patients."""
        return self.is_active and self.role in STAFF_ROLES


class Sex(models.TextChoices):
    """Sex as recorded by the clinic, for outcome tables; blank when not recorded."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"


class Patient(models.Model):
    """The patient's own record; appointments and, later, clinical data hang off it."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="patient")
    # Phone numbers are stored in E.164 (``accounts.phones``); ``phone`` is the mobile.
    phone = models.CharField("mobile phone", max_length=32, blank=True)
    home_phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    address_line = models.CharField("street address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    preferred_language = models.CharField(max_length=60, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    referring_doctor = models.CharField(max_length=120, blank=True)
    # Insurance as plain fields (no billing).
    insurance_payer = models.CharField(max_length=120, blank=True)
    insurance_member_id = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def email(self) -> str:
        """The patient's email address, or "" for a phone-only patient."""
        return self.user.email or ""

    @property
    def language_code(self) -> str | None:
        """The supported language code the record names ("es" for "Spanish"), or None
        when it names none (apps below accounts read it here, by the attribute)."""
        from nervepath.accounts.language import code_for

        return code_for(self.preferred_language)
