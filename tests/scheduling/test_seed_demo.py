# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo clinic is built by a command, and its bookings obey the clinic's rules."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command

import snapshot
from nervepath.accounts.models import Role, User
from nervepath.scheduling.models import Appointment, Location, Status


@pytest.mark.full_demo
def test_seed_demo_builds_a_two_location_clinic_and_is_repeatable(db):
    out = io.StringIO()
    # Built for real here; the first such build of a test process is also the one the
    # ``full_demo`` fixture copies in (tests/snapshot.py), on the database as migrated.
    snapshot.as_migrated()
    snapshot.build(lambda: snapshot.seed_full_demo(out), "demo", real=True)
    counts = _counts()
    call_command("seed_demo", stdout=io.StringIO())  # a second run adds nothing
    assert _counts() == counts
    assert sorted(Location.objects.values_list("name", flat=True)) == ["Broomfield", "Fort Collins"]
    assert all(loc.timezone == "America/Denver" for loc in Location.objects.all())
    assert len({loc.phone for loc in Location.objects.all()}) == 2
    assert User.objects.filter(role=Role.CLINICIAN).count() >= 3
    for role in (Role.FRONT_DESK, Role.RESEARCHER, Role.ADMIN, Role.PATIENT):
        assert User.objects.filter(role=role).exists()
    text = out.getvalue()
    assert "demo-password-2026" in text and "frontdesk@demo.nervepath.org" in text

    appointments = list(Appointment.objects.select_related("appointment_type", "location"))
    assert len(appointments) == Appointment.objects.count() > 20
    statuses = Counter(a.status for a in appointments)
    assert statuses[Status.COMPLETED] > 0 and statuses[Status.BOOKED] > 0
    # No patient has two visits on one day.
    days = Counter((a.patient_id, a.local_start.date()) for a in appointments)
    assert max(days.values()) == 1
    # The demo's two-leg patient respects the second-leg gap.
    legs = {
        a.appointment_type.surgery_leg: a.local_start.date()
        for a in appointments
        if a.appointment_type.surgery_leg
    }
    assert set(legs) == {"right", "left"}
    assert (legs["left"] - legs["right"]).days >= 21


def _counts() -> dict[str, int]:
    """Rows of every model (the demo's history tables included)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_without_appointments_adds_no_nights(db):
    from nervepath.wearables.models import Night, Recording

    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    assert not Recording.objects.exists() and not Night.objects.exists()
