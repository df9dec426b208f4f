# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinician's notes as records.

Every model keeps its full history (django-simple-history) and carries the patient (or
hangs from a row that does), so the access policy decides on it as on any clinical
record. A signed note and a completed consent are never rewritten: ``save`` refuses a
change of their content, as the last guard behind the services that check first.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy
from simple_history.models import HistoricalRecords

from nervepath.accounts.models import Patient, User
from nervepath.documents.models import Document
from nervepath.notes import exam
from nervepath.scheduling.models import Appointment, AppointmentType, Leg

_M = TypeVar("_M", bound=models.Model)


def authored(obj: _M, user: User | None) -> _M:
    """Name ``user`` as the author of ``obj``'s next save in its history."""
    if user is not None:
        setattr(obj, "_history_user", user)  # noqa: B010 (simple-history reads it)
    return obj


def validate_examination(value: Any) -> None:
    try:
        exam.clean(value)
    except exam.ExamError as error:
        raise ValidationError(str(error)) from None


class RecordLocked(Exception):
    """A signed note or a completed consent was about to be rewritten."""


# -- templates (data the clinic edits in the admin) -------------------------------------


class TemplateTreatment(models.TextChoices):
    BLOCK = "block", "Diagnostic nerve block"
    SURGERY = "surgery", "Decompression surgery"
    THERAPY = "therapy", "Therapy (electrical stimulation or laser)"


class NoteTemplate(models.Model):
    """What a note for one kind of visit starts with. Chosen for a visit by its
    appointment type (``appointment_types``), else by the type's slug or treatment."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    appointment_types = models.ManyToManyField(
        AppointmentType, blank=True, related_name="note_templates"
    )
    treatment = models.CharField(
        max_length=16,
        choices=TemplateTreatment.choices,
        blank=True,
        help_text="Used for visits of a type that gives this treatment.",
    )
    reason = models.TextField(blank=True, help_text="Starting text of the reason for visit.")
    present_history = models.TextField(
        "history", blank=True, help_text="Starting text of the history."
    )
    examination = models.TextField(blank=True, help_text="Starting text of the examination.")
    assessment = models.TextField(blank=True, help_text="Starting text of the assessment.")
    plan = models.TextField(blank=True, help_text="Starting text of the plan.")
    with_leg_examination = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class LetterTemplate(models.Model):
    """The words around a letter's findings: greeting, opening and closing."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    opening = models.TextField(help_text="{patient} and {visit_date} are filled in.")
    closing = models.TextField()
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name


# -- the visit note ---------------------------------------------------------------------


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


CONTENT_FIELDS = (
    "reason",
    "present_history",
    "examination_text",
    "examination",
    "assessment",
    "plan",
)


class VisitNote(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visit_notes")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    template = models.ForeignKey(NoteTemplate, on_delete=models.PROTECT, related_name="+")
    visit_type = models.CharField(max_length=100)
    visit_date = models.DateField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    reason = models.TextField("reason for visit", blank=True, max_length=4000)
    present_history = models.TextField("history", blank=True, max_length=20000)
    examination_text = models.TextField("examination", blank=True, max_length=20000)
    examination = models.JSONField(
        "leg examination", default=exam.blank, validators=[validate_examination]
    )
    assessment = models.TextField(blank=True, max_length=20000)
    plan = models.TextField(blank=True, max_length=20000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-visit_date", "-id"]
        indexes = [models.Index(fields=["patient", "visit_date"])]

    def __str__(self) -> str:
        return f"{self.visit_type} note, {self.visit_date:%b %-d, %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = VisitNote.objects.filter(pk=self.pk).values(*CONTENT_FIELDS, "status").first()
            if stored is not None and stored["status"] == NoteStatus.SIGNED:
                if self.status != NoteStatus.SIGNED or any(
                    stored[f] != getattr(self, f) for f in CONTENT_FIELDS
                ):
                    raise RecordLocked("A signed note is locked; add an addendum instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("notes:note", args=[self.patient_id, self.pk])

    @property
    def signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class Addendum(models.Model):
    """A correction or addition to a signed note: who, when and why."""

    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="addenda")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=8000)
    reason = models.CharField("why", max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum of {self.created_at:%b %-d, %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Addendum.objects.filter(pk=self.pk).exists():
            raise RecordLocked("An addendum is never rewritten; add another.")
        super().save(*args, **kwargs)


# -- problem list, allergies, vitals -----------------------------------------------------


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"


class Problem(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="problems")
    name = models.CharField(max_length=200)
    onset = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )
    resolved_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-onset", "name"]

    def __str__(self) -> str:
        return self.name


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "No longer"


class Allergy(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=300)
    status = models.CharField(
        max_length=8, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE
    )
    noted_on = models.DateField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Vitals(models.Model):
    """One visit's measurements; the rows of a patient are the history."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vitals")
    note = models.ForeignKey(
        VisitNote, on_delete=models.SET_NULL, null=True, blank=True, related_name="vitals"
    )
    measured_on = models.DateField()
    height_cm = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(250)],
    )  # fmt: skip
    weight_kg = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(400)],
    )  # fmt: skip
    systolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    diastolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    hba1c_pct = models.DecimalField(
        "HbA1c (%)", max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(20)],
    )  # fmt: skip
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-measured_on", "-id"]
        verbose_name_plural = "vitals"

    def __str__(self) -> str:
        return f"Vitals of {self.measured_on:%b %-d, %Y}"


# -- referring doctors and letters ------------------------------------------------------


class ReferringDoctor(models.Model):
    name = models.CharField(max_length=120)
    practice = models.CharField(max_length=160, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    fax = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True, max_length=500)
    secure_email = models.EmailField(
        blank=True, help_text="A secure (e.g. Direct) address: letters are sent there."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "practice"]

    def __str__(self) -> str:
        return f"{self.name}, {self.practice}" if self.practice else self.name


class PatientReferral(models.Model):
    """A patient's referring doctor (kept here, beside the doctors' list)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    doctor = models.ForeignKey(ReferringDoctor, on_delete=models.PROTECT, related_name="referrals")
    since = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-since", "-id"]

    def __str__(self) -> str:
        return f"Referred by {self.doctor}"


class IntakeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff to confirm the patient"
    FILED = "filed", "Filed in the patient's record"
    DISCARDED = "discarded", "Discarded"


class ReferralIntake(models.Model):
    """A referral document uploaded by staff (issue 20), before and after it is filed:
    what the referral names (the patient as typed, the referring doctor), the stored file
    until it becomes a document of the patient, and who confirmed which patient it is.
    A person always confirms the patient: a match is shown, never merged silently."""

    status = models.CharField(
        max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164")
    doctor = models.ForeignKey(ReferringDoctor, on_delete=models.PROTECT, related_name="intakes")
    received_on = models.DateField()
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=120, help_text="shown only, never a path")
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="referral_intakes"
    )
    created_patient = models.BooleanField(default=False)
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="intake"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["storage_name"])

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # No name: this shows in places (the admin, logs) that need not say whose it is.
        return f"referral intake {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("notes:intake", args=[self.pk])


class LetterDelivery(models.TextChoices):
    MAIL = "mail", "Sent by secure mail"
    PRINT = "print", "To print"


class Letter(models.Model):
    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="letters")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey(ReferringDoctor, on_delete=models.PROTECT, related_name="letters")
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="+")
    delivery = models.CharField(max_length=8, choices=LetterDelivery.choices)
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Letter to {self.doctor}"


# -- consent ----------------------------------------------------------------------------


class ConsentKind(models.TextChoices):
    BLOCK = "block", "Diagnostic nerve block"
    SURGERY = "surgery", "Decompression surgery"
    THERAPY = "therapy", "Therapy"


class ConsentTemplate(models.Model):
    """A consent form. Changing its title or text makes a new version; a signed consent
    keeps the words and version it was signed on."""

    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=8, choices=ConsentKind.choices)
    title = models.CharField(max_length=160)
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    version = models.PositiveIntegerField(default=1, editable=False)
    requires_witness = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    # The language the form is written in; a translation points at the form it translates
    # (the clinician picks the original; the patient gets it in their language).
    language = models.CharField(max_length=8, default="en")
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="translations"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version}, {self.language})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = ConsentTemplate.objects.filter(pk=self.pk).values("title", "body").first()
            if stored and (stored["title"], stored["body"]) != (self.title, self.body):
                self.version += 1
        super().save(*args, **kwargs)


class ConsentStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("consent", "Waiting for the patient's signature")
    WITNESS = "witness", pgettext_lazy("consent", "Signed, waiting for a witness")
    SIGNED = "signed", pgettext_lazy("consent", "Signed")


class SignedVia(models.TextChoices):
    PORTAL = "portal", pgettext_lazy("consent", "Patient portal")
    TABLET = "tablet", pgettext_lazy("consent", "Clinic tablet")


# The leg and the tunnels as a consent form names them, in the patient's language (the
# keys are ``scheduling.Leg`` and ``exam.TUNNELS``).
LEG_WORDS = {"right": gettext_lazy("Right leg"), "left": gettext_lazy("Left leg")}
TUNNEL_WORDS = {
    "common_peroneal": gettext_lazy("Common peroneal nerve at the fibular neck"),
    "superficial_peroneal": gettext_lazy("Superficial peroneal nerve"),
    "tibial": gettext_lazy("Tibial nerve at the soleal sling"),
}


class Consent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    # The language of the words signed (with ``template`` and ``version``: which form).
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=160)
    body = models.TextField()
    requires_witness = models.BooleanField(default=False)
    leg = models.CharField(max_length=8, choices=Leg.choices, blank=True)
    tunnels = models.JSONField(default=list, blank=True)
    withdraws = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="withdrawal"
    )
    status = models.CharField(
        max_length=12, choices=ConsentStatus.choices, default=ConsentStatus.REQUESTED
    )
    typed_name = models.CharField(max_length=160, blank=True)
    signature_png = models.BinaryField(blank=True, default=b"", editable=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_via = models.CharField(max_length=8, choices=SignedVia.choices, blank=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witness = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witnessed_at = models.DateTimeField(null=True, blank=True)
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["signature_png"])

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        what = "Withdrawal of consent" if self.withdraws_id else "Consent"
        return f"{what}: {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Consent.objects.filter(pk=self.pk).values("status").first()
            if stored is not None and stored["status"] == ConsentStatus.SIGNED:
                raise RecordLocked(
                    "A signed consent is never changed; a withdrawal is a new record."
                )
        super().save(*args, **kwargs)

    @property
    def is_withdrawal(self) -> bool:
        return self.withdraws_id is not None

    @property
    def tunnel_labels(self) -> list[str]:
        """The tunnels named, in the active language."""
        return [
            str(TUNNEL_WORDS.get(key, label))
            for key, label in exam.TUNNELS.items()
            if key in (self.tunnels or [])
        ]

    @property
    def leg_label(self) -> str:
        """The leg named, in the active language ("" for none)."""
        return str(LEG_WORDS.get(self.leg, self.get_leg_display())) if self.leg else ""
