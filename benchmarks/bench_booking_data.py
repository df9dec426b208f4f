# SPDX-License-Identifier: AGPL-3.0-or-later
"""Data for the booking benchmark: a busy two-location clinic.

On top of the demo reference data (``seed_demo --no-appointments``) it adds clinicians
up to ``clinicians`` (working weekdays across both locations, a Saturday morning, a day
of leave each), a few hundred patients, and ``appointments`` appointments spread over
the next ``days`` days: placed round-robin over every clinician's working blocks so
each day fills evenly, never overlapping for a clinician (the database would refuse
it), with a few cancelled ones among them. Needs Django set up.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from nervepath.accounts.models import Patient, Role, User
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    Clinician,
    ExceptionKind,
    Location,
    Source,
    Status,
    WorkingHours,
)

# The visits a busy clinic fills its days with: (type slug, weight).
MIX = [("new-patient", 20), ("follow-up", 55), ("post-op", 25)]
GAPS_MINUTES = [0, 0, 0, 0, 5, 10, 15]
CANCELLED_SHARE = 0.05


@dataclass
class _Block:
    clinician_id: int
    location_id: int
    cursor: datetime
    end: datetime
    open: bool = field(default=True)


def _ceil5(moment: datetime) -> datetime:
    extra = (-moment.minute) % 5
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=extra)


def _add_clinicians(
    total: int, locations: list[Location], rng: random.Random, start_day: date
) -> None:
    kinds = list(AppointmentType.objects.filter(slug__in=[slug for slug, _ in MIX]))
    existing = Clinician.objects.count()
    first_day = start_day + timedelta(days=7)
    for i in range(existing, total):
        user = User.objects.create_user(
            f"bench.clinician{i}@example.org",
            None,
            first_name="Bench",
            last_name=f"Clinician {i:02d}",
            role=Role.CLINICIAN,
        )
        clinician = Clinician.objects.create(user=user, title="MD")
        rows = [
            WorkingHours(
                clinician=clinician,
                location=locations[(weekday + i) % 2],
                weekday=weekday,
                start=time(7, 0),
                end=time(18, 0),
            )
            for weekday in range(5)
        ]
        rows.append(
            WorkingHours(
                clinician=clinician,
                location=locations[i % 2],
                weekday=5,
                start=time(8, 0),
                end=time(13, 0),
            )
        )
        WorkingHours.objects.bulk_create(rows)
        leave = first_day + timedelta(days=rng.randrange(45))
        tz = locations[0].tz
        AvailabilityException.objects.create(
            clinician=clinician,
            kind=ExceptionKind.UNAVAILABLE,
            starts_at=datetime.combine(leave, time.min, tzinfo=tz),
            ends_at=datetime.combine(leave + timedelta(days=1), time.min, tzinfo=tz),
            reason="Leave",
        )
        for kind in kinds:
            kind.clinicians.add(clinician)
    # The demo clinicians offer these types already; make sure every clinician does.
    for kind in kinds:
        kind.clinicians.add(*Clinician.objects.all())


def _add_patients(count: int) -> list[Patient]:
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"bench.patient{i:04d}@example.org",
            first_name="Bench",
            last_name=f"Patient {i:04d}",
            role=Role.PATIENT,
            password=unusable,
        )
        for i in range(count)
    )
    return Patient.objects.bulk_create(Patient(user=user) for user in users)


def _blocks(first: date, days: int) -> list[_Block]:
    locations = {loc.id: loc for loc in Location.objects.all()}
    hours = list(WorkingHours.objects.all())
    blocks = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for row in hours:
            if row.weekday != day.weekday():
                continue
            tz = locations[row.location_id].tz
            blocks.append(
                _Block(
                    row.clinician_id,
                    row.location_id,
                    datetime.combine(day, row.start, tzinfo=tz),
                    datetime.combine(day, row.end, tzinfo=tz),
                )
            )
    return blocks


def _free_patient(
    patients: list[Patient],
    busy: dict[int, list[tuple[datetime, datetime]]],
    start: datetime,
    end: datetime,
    rng: random.Random,
) -> Patient:
    """A random patient with no booked visit overlapping ``start``–``end`` (the database
    refuses one patient in two places at once, migration scheduling/0008)."""
    while True:
        patient = rng.choice(patients)
        if all(end <= s or e <= start for s, e in busy[patient.pk]):
            return patient


@transaction.atomic
def build(
    *, clinicians: int, appointments: int, days: int, start_day: date, seed: int = 2026
) -> dict[str, int]:
    """Add the clinicians, patients and appointments; return what was made."""
    rng = random.Random(seed)
    locations = list(Location.objects.order_by("slug"))
    _add_clinicians(clinicians, locations, rng, start_day)
    patients = _add_patients(400)
    kinds = {k.slug: k for k in AppointmentType.objects.filter(slug__in=[s for s, _ in MIX])}
    slugs = [slug for slug, _ in MIX]
    weights = [weight for _, weight in MIX]

    blocks = _blocks(start_day + timedelta(days=1), days)
    rng.shuffle(blocks)
    made: list[Appointment] = []
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    while len(made) < appointments and any(b.open for b in blocks):
        for block in blocks:
            if not block.open:
                continue
            kind = kinds[rng.choices(slugs, weights)[0]]
            start = _ceil5(block.cursor) + timedelta(minutes=rng.choice(GAPS_MINUTES))
            start += kind.buffer_before
            end = start + kind.duration
            blocked_until = end + kind.buffer_after
            if blocked_until > block.end:
                block.open = False
                continue
            cancelled = rng.random() < CANCELLED_SHARE
            patient = _free_patient(patients, busy, start, end, rng)
            if not cancelled:
                busy[patient.pk].append((start, end))
            made.append(
                Appointment(
                    patient=patient,
                    clinician_id=block.clinician_id,
                    location_id=block.location_id,
                    appointment_type=kind,
                    starts_at=start,
                    ends_at=end,
                    blocked_from=start - kind.buffer_before,
                    blocked_until=blocked_until,
                    status=Status.CANCELLED if cancelled else Status.BOOKED,
                    source=Source.STAFF,
                )
            )
            block.cursor = blocked_until
            if len(made) >= appointments:
                break
    Appointment.objects.bulk_create(made, batch_size=500)
    return {
        "clinicians": Clinician.objects.count(),
        "appointments": Appointment.objects.count(),
        "active_appointments": Appointment.objects.filter(status=Status.BOOKED).count(),
        "patients": Patient.objects.count(),
    }
