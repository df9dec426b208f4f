# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's nights: a patient with nights before and after a treatment.

On SQLite only: the whole demo (``full_demo``) takes some 20 s to build on PostgreSQL,
where the nights' own tests (test_nights.py) run again.
"""

from __future__ import annotations

from django.core.files.storage import default_storage

from nervepath.wearables import compare
from nervepath.wearables.models import Night, State


def test_demo_patient_has_nights_before_and_after_a_treatment(full_demo):
    from nervepath.accounts.models import Patient
    from nervepath.demo import wearables as demo
    from nervepath.wearables import events

    patient = Patient.objects.get(user__email=demo.PATIENTS[0])
    surgery = next(e for e in events.completed_treatments(patient) if e.kind == "surgery")
    nights = list(Night.objects.filter(patient=patient).order_by("night_of"))
    before, after = compare.split(nights, surgery.day, 14)
    assert len(before) >= 5 and len(after) >= 5
    assert all(n.recording.analysis.state == State.DONE for n in nights)
    assert all(default_storage.exists(n.figure_name) for n in nights)
    result = compare.compare(nights, surgery)
    plms = result.rows[0]
    assert plms.before.median > 40 and plms.after.median < plms.before.median - 20
    assert result.sentence.startswith("PLMS index fell from a median of")
