# SPDX-License-Identifier: AGPL-3.0-or-later
"""Clinical records for the route walk: each clinical app adds its models here and a
maker that gives the first patient one record with text found nowhere else."""

from __future__ import annotations

from nervepath.accounts.models import Patient

# Model labels (app_label.model) whose rows are clinical detail.
CLINICAL_MODELS: list[str] = []


def make_clinical_records(patient: Patient) -> list[str]:
    """Create clinical records for ``patient``; return marker strings they show."""
    # The record's change history is shown to clinicians only (access/patient_record.html).
    markers: list[str] = ["Changes to this record"]
    return markers
