# SPDX-License-Identifier: AGPL-3.0-or-later
"""Referral intake (issue 20): a referral document uploaded by the front desk becomes a
document of the right patient, links the referring doctor and puts "book a new-patient
visit" in the front desk's inbox.

1. ``receive``: the file is checked like any document (``documents.forms``: PDF, PNG or
   JPEG by its first bytes, at most ``MAX_DOCUMENT_MB``) and stored; the intake keeps the
   patient's details as the referral gives them and the doctor (picked from the list or
   added to it).
2. ``candidates``: existing patients who may be the one referred: same name and date of
   birth, same email, or same mobile or home phone. Staff see them and choose.
3. ``file``: into the chosen patient's record, or a new patient made from the details
   (refused when the email already belongs to someone: that is a match to confirm, never
   a silent merge). The file becomes a referral document of the patient, the doctor
   becomes the patient's referring doctor (unless already), and the inbox item opens.

The item closes itself once a visit of the ``NEW_PATIENT_TYPE`` type is booked for the
patient (``inbox_causes``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, Role, User
from nervepath.documents import storage
from nervepath.documents.models import Document, Kind
from nervepath.inbox import work
from nervepath.inbox.models import Kind as ItemKind
from nervepath.notes.models import (
    IntakeStatus,
    PatientReferral,
    ReferralIntake,
    ReferringDoctor,
    authored,
)
from nervepath.scheduling.models import Appointment, Status


class IntakeError(ValueError):
    """A sentence for the person filing the referral; nothing was changed."""


INTAKE_ROLES = (Role.FRONT_DESK, Role.ADMIN)


def may_take_in(user: Any) -> bool:
    """The front desk and administrators take referrals in: they see every patient's
    demographics, so the matches they are shown are complete (a clinician, who sees only
    the patients in their care, could miss one and make a duplicate)."""
    return (
        user is not None
        and user.is_authenticated
        and user.role in INTAKE_ROLES
        and policy.role_may(user, Scope.DEMOGRAPHICS)
    )


def receive(
    upload: UploadedFile, *, details: dict[str, Any], doctor: ReferringDoctor, by: User
) -> ReferralIntake:
    """Store the checked file and the referral's details (step 1)."""
    limit = settings.NERVEPATH["MAX_DOCUMENT_MB"] * 1024 * 1024
    stored = storage.store(upload, prefix="documents/referrals", max_bytes=limit)
    try:
        with transaction.atomic():
            intake = ReferralIntake(
                first_name=details["first_name"],
                last_name=details["last_name"],
                date_of_birth=details["date_of_birth"],
                email=details.get("email", ""),
                phone=details.get("phone", ""),
                received_on=details["received_on"],
                title=details["title"],
                doctor=doctor,
                original_name=storage.safe_display_name(upload.name or "referral"),
                storage_name=stored.name,
                # DocumentForm's check sniffs the bytes and notes the type on the upload.
                content_type=upload.detected_type,  # type: ignore[attr-defined]
                size=stored.size,
                sha256=stored.sha256,
                created_by=by,
            )
            authored(intake, by).save()
    except Exception:
        storage.default_storage.delete(stored.name)
        raise
    return intake


def candidates(intake: ReferralIntake, user: Any) -> list[Patient]:
    """Patients the referral may name, among those the user may see (name and date of
    birth, email, or phone)."""
    same = Q(
        user__first_name__iexact=intake.first_name.strip(),
        user__last_name__iexact=intake.last_name.strip(),
        date_of_birth=intake.date_of_birth,
    )
    if intake.email:
        same |= Q(user__email__iexact=intake.email)
    if intake.phone:
        same |= Q(phone=intake.phone) | Q(home_phone=intake.phone)
    return list(
        policy.visible_patients(user, Scope.DEMOGRAPHICS)
        .filter(same)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")[:20]
    )


def match_reasons(intake: ReferralIntake, patient: Patient) -> list[str]:
    reasons = []
    if (
        patient.user.first_name.lower() == intake.first_name.strip().lower()
        and patient.user.last_name.lower() == intake.last_name.strip().lower()
        and patient.date_of_birth == intake.date_of_birth
    ):
        reasons.append("same name and date of birth")
    if intake.email and (patient.user.email or "").lower() == intake.email.lower():
        reasons.append("same email")
    if intake.phone and intake.phone in (patient.phone, patient.home_phone):
        reasons.append("same phone")
    return reasons


def _new_patient(intake: ReferralIntake) -> Patient:
    if intake.email and User.objects.filter(email__iexact=intake.email).exists():
        raise IntakeError(
            "Someone already has this email. Link the referral to the match shown, or ask "
            "the referring practice; a new record would be a second one for one person."
        )
    user = User.objects.create_user(
        intake.email or None,
        first_name=intake.first_name.strip(),
        last_name=intake.last_name.strip(),
        role=Role.PATIENT,
    )
    patient = Patient(user=user, date_of_birth=intake.date_of_birth, phone=intake.phone)
    patient.referring_doctor = str(intake.doctor)[:120]
    patient.save()
    return patient


def file(intake: ReferralIntake, patient: Patient | None, *, by: User) -> ReferralIntake:
    """File a pending intake into ``patient`` (None: a new patient from its details)."""
    with transaction.atomic():
        locked = ReferralIntake.objects.select_for_update().get(pk=intake.pk)
        if locked.status != IntakeStatus.PENDING:
            raise IntakeError("This referral was already filed or discarded.")
        created = patient is None
        target = _new_patient(locked) if patient is None else patient
        document = Document.objects.create(
            patient=target,
            kind=Kind.REFERRAL,
            title=locked.title,
            original_name=locked.original_name,
            storage_name=locked.storage_name,
            content_type=locked.content_type,
            size=locked.size,
            sha256=locked.sha256,
            uploaded_by=by,
        )
        if not PatientReferral.objects.filter(
            patient=target, doctor=locked.doctor, ended_on__isnull=True
        ).exists():
            authored(
                PatientReferral(
                    patient=target, doctor=locked.doctor, since=locked.received_on, created_by=by
                ),
                by,
            ).save()
        locked.status = IntakeStatus.FILED
        locked.patient = target
        locked.created_patient = created
        locked.document = document
        locked.filed_by = by
        locked.filed_at = timezone.now()
        authored(locked, by).save()
        work.sync(ItemKind.REFERRAL, [locked.pk])
    return locked


def discard(intake: ReferralIntake, *, by: User) -> None:
    """Drop a pending intake (a wrong upload): its stored file goes."""
    with transaction.atomic():
        locked = ReferralIntake.objects.select_for_update().get(pk=intake.pk)
        if locked.status != IntakeStatus.PENDING:
            raise IntakeError("Only a referral not filed yet can be discarded.")
        locked.status = IntakeStatus.DISCARDED
        authored(locked, by).save()
        name = locked.storage_name
        transaction.on_commit(lambda: storage.default_storage.delete(name))


# -- the front desk's inbox ---------------------------------------------------------------


def _not_booked(intakes: QuerySet[ReferralIntake]) -> QuerySet[ReferralIntake]:
    """Those whose patient has no new-patient visit booked (or had) since filing."""
    visit = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"),
        appointment_type__slug=settings.NERVEPATH["NEW_PATIENT_TYPE"],
        status__in=[Status.BOOKED, Status.COMPLETED],
        ends_at__gte=OuterRef("filed_at"),
    )
    return intakes.filter(~Exists(visit))


def open_referrals(only: Collection[int] | None) -> Iterator[work.Cause]:
    rows = ReferralIntake.objects.filter(status=IntakeStatus.FILED, patient__isnull=False)
    if only is not None:
        rows = rows.filter(pk__in=only)
    for intake in _not_booked(rows).select_related("doctor"):
        assert intake.patient_id is not None
        yield work.Cause(
            pk=intake.pk,
            patient_id=intake.patient_id,
            title=f"Book a new-patient visit: referred by {intake.doctor} on "
            f"{intake.received_on:%b %-d, %Y}",
            link=reverse("scheduling:staff_home"),
        )


def _visit_saved(sender: Any, instance: Appointment, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.patient_id is None:
        return
    ids = list(
        ReferralIntake.objects.filter(
            patient_id=instance.patient_id, status=IntakeStatus.FILED
        ).values_list("pk", flat=True)
    )
    if ids:
        work.refresh(ItemKind.REFERRAL, ids)


def connect() -> None:
    work.register(ItemKind.REFERRAL, "notes.ReferralIntake", open_referrals)
    post_save.connect(_visit_saved, sender=Appointment, dispatch_uid="inbox_referral_visit")
