# SPDX-License-Identifier: AGPL-3.0-or-later
"""A first patient (Alice) with a visit with Dr Hale, on Dr Okafor's list by assignment,
and on the waitlist; Dr Lindqvist does not care for her."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helpers import at, kind, next_weekday
from nervepath.access.models import CareAssignment
from nervepath.scheduling import services, waitlist
from nervepath.scheduling.models import Source

from . import clinical, walker


@pytest.fixture
def alice_record(clinic, alice, hale, okafor, frontdesk):
    return make_alice_record(clinic, alice, hale, okafor, frontdesk)


def make_alice_record(clinic, alice, hale, okafor, frontdesk) -> dict:
    """Alice's visit, care assignment, waitlist entry and clinical records (the
    ``alice_record`` fixture; the route walk builds it once for its module)."""
    alice.phone = "970-555-0199"
    alice.date_of_birth = date(1961, 3, 14)
    alice.save()
    fort = clinic["fort-collins"]
    day = next_weekday(0, after_days=5)
    appointment = services.book(
        services.Request(kind("follow-up"), fort, hale, at(fort, day, "09:00")),
        alice,
        by=frontdesk,
        source=Source.STAFF,
        note="Legs jerk every night",
    )
    assignment = CareAssignment.objects.create(
        clinician=okafor.user, patient=alice, assigned_by=frontdesk
    )
    entry = waitlist.join_waitlist(alice, kind("new-patient"), fort)
    clinical_markers = clinical.make_clinical_records(alice)
    return {
        "clinical_markers": clinical_markers,
        "patient": alice,
        "appointment": appointment,
        "assignment": assignment,
        "waitlist": entry,
        "day": day + timedelta(days=0),
    }


@pytest.fixture
def walk_setup(alice_record, clinic):
    alice = alice_record["patient"]
    fp = walker.footprint(alice)
    slugs = [next(iter(clinic)), "follow-up"]
    return alice, fp, slugs
