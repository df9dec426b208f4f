# SPDX-License-Identifier: AGPL-3.0-or-later
"""How visits put a patient in a clinician's care (docs/security.md, issue 22).

A visit that took place (completed), or a booked visit whose booking basis confers care
(``CARE_BASES``), puts the patient in the care of the visit's clinician from the booking
until ``NERVEPATH_CARE_LAPSE_DAYS`` after it starts. Scheduling registers this rule with
the access policy as the "visits" care source (``SchedulingConfig.ready``); the policy
never imports scheduling.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from nervepath.access import policy
from nervepath.access.policy import Scope
from nervepath.accounts.models import Patient, Role
from nervepath.scheduling.models import CARE_BASES, Appointment, CareBasis, Status


def visit_patients(user: Any) -> QuerySet[Any]:
    """The "visits" care source: ids of the patients this clinician has a visit with that
    confers care and has not lapsed."""
    since = timezone.now() - policy.care_lapse()
    return (
        Appointment.objects.filter(clinician__user=user, starts_at__gte=since)
        .filter(Q(status=Status.COMPLETED) | Q(status=Status.BOOKED, care_basis__in=CARE_BASES))
        .values("patient_id")
    )


def booking_basis(
    by: Any, patient: Patient, *, confirmed_by_mail: bool = False, held: bool = False
) -> str:
    """How a booking came to be, and so whether it puts the patient in the care of the
    visit's clinician (``CARE_BASES``). Every booking path asks this one question: the
    public form, the staff calendar, the JSON API, waitlist offers and the pathway
    helpers (follow-ups, second leg, therapy sessions) through ``services.book``;
    confirmation from the mailbox through ``services.confirm_hold`` and
    ``waitlist.accept_offer``.

    No one starts a care relationship alone: a clinician who books a visit for a patient
    not in their care (for themselves or a colleague) gives no one access by it."""
    if confirmed_by_mail:
        return CareBasis.PATIENT_CONFIRMED
    if by is None or not by.is_authenticated:
        # Nobody signed in: a hold awaiting the mailbox's confirmation (the public form),
        # or a booking made by the system itself; neither confers care.
        return CareBasis.UNCONFIRMED if held else CareBasis.ANONYMOUS
    if by.role == Role.PATIENT:
        if patient.user_id != by.pk:
            raise PermissionDenied("A patient books visits for themselves only.")
        return CareBasis.PATIENT
    if by.role in (Role.FRONT_DESK, Role.ADMIN):
        return CareBasis.FRONT_DESK
    if by.role == Role.CLINICIAN:
        decision = policy.decide(by, patient.pk, Scope.CLINICAL)
        if decision.allowed and not decision.emergency:
            return CareBasis.CARING_CLINICIAN
        return CareBasis.STAFF
    raise PermissionDenied("Your role does not book visits.")
