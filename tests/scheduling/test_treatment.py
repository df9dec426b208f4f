# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which treatment an appointment type gives is data on the type (issue 14): migration
0006 filled it for existing types from the slugs the code used to recognise."""

from __future__ import annotations

import importlib

from django.apps import apps

from nervepath.scheduling.models import AppointmentType, Leg, Treatment

fill = importlib.import_module(
    "nervepath.scheduling.migrations.0006_appointment_type_treatment"
).fill


def test_the_migration_names_the_treatment_of_existing_types(db):
    made = {
        slug: AppointmentType.objects.create(slug=slug, name=slug, duration_minutes=30, **extra)
        for slug, extra in [
            ("nerve-block", {}),
            ("surgery-right", {}),
            ("surgery-left", {}),
            ("estim", {}),
            ("laser", {}),
            ("follow-up", {}),
            ("op-links", {"surgery_leg": Leg.LEFT}),
        ]
    }
    fill(apps, None)
    found = {
        k.slug: k.treatment
        for k in AppointmentType.objects.filter(pk__in=[m.pk for m in made.values()])
    }
    assert found == {
        "nerve-block": Treatment.BLOCK,
        "surgery-right": Treatment.SURGERY,
        "surgery-left": Treatment.SURGERY,
        "estim": Treatment.ESTIM,
        "laser": Treatment.LASER,
        "follow-up": Treatment.NONE,
        "op-links": Treatment.SURGERY,
    }


def test_the_demo_clinic_sets_each_treatment(db):
    import io

    from django.core.management import call_command

    call_command("seed_demo", "--no-appointments", stdout=io.StringIO())
    kinds = dict(AppointmentType.objects.values_list("slug", "treatment"))
    assert kinds["nerve-block"] == Treatment.BLOCK
    assert kinds["surgery-left"] == kinds["surgery-right"] == Treatment.SURGERY
    assert (kinds["estim"], kinds["laser"]) == (Treatment.ESTIM, Treatment.LASER)
    assert kinds["follow-up"] == kinds["new-patient"] == kinds["post-op"] == Treatment.NONE
