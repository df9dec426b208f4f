# SPDX-License-Identifier: AGPL-3.0-or-later
"""Clinical records for the route walk: each clinical app adds its models here and a
maker that gives the first patient one record with text found nowhere else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from nervepath.accounts.models import Patient
from nervepath.documents.views import add_document
from nervepath.scheduling.models import Location

# Model labels (app_label.model) whose rows are clinical detail.
CLINICAL_MODELS: list[str] = [
    "documents.document",
    "assessment.request",
    "assessment.response",
    "assessment.schedule",
    "wearables.recording",
    "wearables.analysis",
    "wearables.night",
    "pathway.surgery",
    "pathway.monitoringreading",
    "pathway.followup",
]

QUESTIONNAIRE_MARKER = "Marker-side-effect-7f3a9c"


def make_clinical_records(patient: Patient) -> list[str]:
    """Create clinical records for ``patient``; return marker strings they show."""
    from nervepath.assessment import demo, services
    from nervepath.assessment.models import Schedule

    # The record's change history is shown to clinicians only (access/patient_record.html).
    markers: list[str] = ["Changes to this record"]

    content = b"%PDF-1.4\nferritin 31 ng/mL MARKER-FILE-5K\n%%EOF\n"
    upload = SimpleUploadedFile("ferritin.pdf", content)
    upload.detected_type = "application/pdf"  # type: ignore[attr-defined]
    add_document(patient, upload, kind="lab", title="Ferritin result MARKER-7Q2", by=patient.user)
    markers += ["MARKER-7Q2", "MARKER-FILE-5K"]

    # Questionnaires: a submitted symptom history whose free text is the marker, an open
    # request with a draft, and a schedule (so their ids are walked too).
    services.record_response(
        patient,
        "symptom_history",
        demo.history(medications=["gabapentin"], side_effects=QUESTIONNAIRE_MARKER),
        by=patient.user,
    )
    services.create_requests(patient, ["pain_nrs"], reason="staff")
    req = patient.questionnaire_requests.get(instrument_id="pain_nrs")
    services.save_draft(req, {"now_left": 7})
    Schedule.objects.create(
        patient=patient,
        instrument_ids=["irls"],
        every_days=30,
        next_due=timezone.localdate(),
    )
    markers += [QUESTIONNAIRE_MARKER, "Questionnaires and scores"]

    # A night: a real device file under a marker name, analysed, so its night page,
    # figure, reports and the raw file are walked (the night's device text is unique).
    from nervepath.wearables import services as nights

    cwa = Path(__file__).resolve().parents[3] / "shared/data/wearables/ax3_testfile.cwa"
    recording, _ = nights.add_recording(
        patient, SimpleUploadedFile("MARKER-NIGHT-4D.cwa", cwa.read_bytes()), by=patient.user
    )
    nights.run_analysis(recording.analysis.pk)
    markers += ["MARKER-NIGHT-4D", "163.6"]

    # A done decompression (no visit linked: her one appointment stays the walk's) with
    # monitoring readings and its follow-ups; front desk may see a follow-up's due date,
    # never the findings.
    from nervepath.pathway import surgery
    from nervepath.scheduling.models import Clinician

    # (Called twice in one walk: the second call reuses the first's surgery.)
    operated = patient.surgeries.first() or surgery.record_surgery(
        patient,
        leg="right",
        operated_on=timezone.localdate() - timedelta(days=20),
        surgeon=Clinician.objects.get(user__last_name="Hale"),
        location=Location.objects.get(slug="fort-collins"),
        tunnels=["common_peroneal", "tibial"],
        status="done",
        findings="Fibrous band MARKER-SURGERY-8B",
        complications="MARKER-COMPLICATION-2E",
        by=None,
    )
    surgery.enter_readings(
        operated,
        {("common_peroneal", "before"): (50.0, 4.1), ("common_peroneal", "after"): (141.7, 3.8)},
        by=None,
    )
    markers += ["MARKER-SURGERY-8B", "MARKER-COMPLICATION-2E", "141.7"]
    return markers
