# SPDX-License-Identifier: AGPL-3.0-or-later
"""The pathway's treatments as events for the nights timeline and the before/after
comparison (``wearables.events``): blocks and surgeries, therapy course starts, and
medication starts, changes and stops."""

from __future__ import annotations

from nervepath.accounts.models import Patient
from nervepath.pathway.models import Medication, NerveBlock, Surgery, SurgeryStatus, TherapyCourse
from nervepath.pathway.timeline.words import leg_name
from nervepath.scheduling.models import Appointment, Status
from nervepath.wearables import events as wearable_events
from nervepath.wearables.events import TreatmentEvent


def treatment_events(patient: Patient) -> list[TreatmentEvent]:
    """The pathway's treatments not already listed by ``completed_treatments`` (which
    lists completed visits of treatment types): blocks and done surgeries whose visit is
    not among those, therapy course starts, and medication starts, changes and stops."""
    listed = set(
        Appointment.objects.filter(
            patient=patient,
            status=Status.COMPLETED,
            appointment_type__treatment__in=list(wearable_events.EVENT_KIND),
        ).values_list("pk", flat=True)
    )
    found: list[TreatmentEvent] = []
    for block in NerveBlock.objects.filter(patient=patient).only(
        "pk", "given_on", "leg", "appointment_id"
    ):
        if block.appointment_id is None or block.appointment_id not in listed:
            found.append(
                TreatmentEvent(
                    key=f"block-{block.pk}",
                    day=block.given_on,
                    label=f"Nerve block, {leg_name(block.leg).lower()}",
                    kind="block",
                )
            )
    for surgery in Surgery.objects.filter(patient=patient, status=SurgeryStatus.DONE).only(
        "pk", "operated_on", "leg", "appointment_id"
    ):
        if surgery.appointment_id is None or surgery.appointment_id not in listed:
            found.append(
                TreatmentEvent(
                    key=f"surgery-{surgery.pk}",
                    day=surgery.operated_on,
                    label=f"Decompression, {leg_name(surgery.leg).lower()}",
                    kind="surgery",
                )
            )
    for therapy in TherapyCourse.objects.filter(patient=patient):
        found.append(
            TreatmentEvent(
                key=f"therapy-course-{therapy.pk}",
                day=therapy.started_on,
                label=f"{therapy.get_modality_display()} course started",
                kind="therapy",
            )
        )
    return found + _medication_events(patient)


def _medication_events(patient: Patient) -> list[TreatmentEvent]:
    """Each start and change of a medicine; a stop unless a change replaced it."""
    medications = list(Medication.objects.filter(patient=patient))
    by_id = {m.pk: m for m in medications}
    replaced = {m.replaces_id for m in medications if m.replaces_id is not None}
    found: list[TreatmentEvent] = []
    for med in medications:
        previous = by_id.get(med.replaces_id) if med.replaces_id is not None else None
        if med.replaces_id is None:
            label = f"Started {med}"
        elif previous is not None:
            label = (
                f"{med.name} {previous.dose.normalize():f} → {med.dose.normalize():f} {med.unit}"
            )
        else:
            label = f"Changed to {med}"
        found.append(
            TreatmentEvent(
                key=f"medication-{med.pk}", day=med.started_on, label=label, kind="medication"
            )
        )
        if med.stopped_on is not None and med.pk not in replaced:
            found.append(
                TreatmentEvent(
                    key=f"medication-{med.pk}-stop",
                    day=med.stopped_on,
                    label=f"Stopped {med}",
                    kind="medication",
                )
            )
    return found


def register_treatment_events() -> None:
    """Offer these events to the nights timeline and the before/after comparison."""
    wearable_events.register(treatment_events)
