# SPDX-License-Identifier: AGPL-3.0-or-later
"""Alice is in Dr Hale's care (a completed new-patient visit with him); Bob is not.

``hale_client`` and ``alice_client`` are signed in (staff with their second factor).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpers import kind, login
from nervepath.scheduling.models import Appointment, Source, Status


def past_visit(patient, clinician, location, slug: str, days_ago: int) -> Appointment:
    """A completed visit ``days_ago`` days back (written directly: booking refuses the
    past)."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    visit_kind = kind(slug)
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        appointment_type=visit_kind,
        starts_at=start,
        ends_at=start + visit_kind.duration,
        blocked_from=start - visit_kind.buffer_before,
        blocked_until=start + visit_kind.duration + visit_kind.buffer_after,
        status=Status.COMPLETED,
        source=Source.STAFF,
    )


@pytest.fixture
def in_care(clinic, alice, hale):
    """Alice's consultation with Dr Hale 30 days ago."""
    return past_visit(alice, hale, clinic["fort-collins"], "new-patient", 30)


@pytest.fixture
def hale_client(client, hale, in_care):
    login(client, hale.user)
    return client


@pytest.fixture
def alice_client(client, alice):
    login(client, alice.user)
    return client
