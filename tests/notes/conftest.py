# SPDX-License-Identifier: AGPL-3.0-or-later
"""Alice has a visit with Dr Hale today (so she is in his care) and answered the IRLS 10
days ago; Dr Lindqvist does not care for her; Bob is another patient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpers import kind, login
from nervepath.assessment import services as questionnaires
from nervepath.demo import assessment as demo
from nervepath.scheduling.models import Appointment, Source, Status


def visit(patient, clinician, location, slug: str, start) -> Appointment:
    """A visit written directly (booking refuses the past and closed hours)."""
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
def todays_visit(clinic, alice, hale):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    return visit(alice, hale, clinic["fort-collins"], "new-patient", start)


@pytest.fixture
def irls(alice, todays_visit):
    return questionnaires.record_response(
        alice,
        "irls",
        demo.irls(24),
        by=alice.user,
        when=timezone.now() - timedelta(days=10),
    )


@pytest.fixture
def hale_client(client, hale, todays_visit):
    login(client, hale.user)
    return client
