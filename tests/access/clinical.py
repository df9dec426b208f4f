# SPDX-License-Identifier: AGPL-3.0-or-later
"""Clinical records for the route walk: each clinical app adds its models here and a
maker that gives the first patient one record with text found nowhere else."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from nervepath.accounts.models import Patient
from nervepath.documents.views import add_document

# Model labels (app_label.model) whose rows are clinical detail.
CLINICAL_MODELS: list[str] = ["documents.document"]


def make_clinical_records(patient: Patient) -> list[str]:
    """Create clinical records for ``patient``; return marker strings they show."""
    # The record's change history is shown to clinicians only (access/patient_record.html).
    markers: list[str] = ["Changes to this record"]

    content = b"%PDF-1.4\nferritin 31 ng/mL MARKER-FILE-5K\n%%EOF\n"
    upload = SimpleUploadedFile("ferritin.pdf", content)
    upload.detected_type = "application/pdf"  # type: ignore[attr-defined]
    add_document(patient, upload, kind="lab", title="Ferritin result MARKER-7Q2", by=patient.user)
    markers += ["MARKER-7Q2", "MARKER-FILE-5K"]
    return markers
