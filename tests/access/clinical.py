# SPDX-License-Identifier: AGPL-3.0-or-later
"""Clinical records for the route walk: each clinical app adds its models here and a
maker that gives the first patient one record with text found nowhere else."""

from __future__ import annotations

import hashlib
import pickle
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

import migrated
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
    "pathway.nerveblock",
    "pathway.reliefentry",
    "pathway.candidacyreview",
    "pathway.therapycourse",
    "pathway.therapysession",
    "pathway.medication",
    "pathway.surgery",
    "pathway.monitoringreading",
    "pathway.followup",
    "notes.visitnote",
    "notes.addendum",
    "notes.problem",
    "notes.allergy",
    "notes.vitals",
    "notes.letter",
    "notes.consent",
]

QUESTIONNAIRE_MARKER = "Marker-side-effect-7f3a9c"


def analyze_once_per_run(path: str | Path, **kwargs: Any) -> Any:
    """The engine's own analysis of a night file (``analyze_nights``, the default
    ``WEARABLES_ANALYZER``), kept for the rest of the test run.

    Every test that stands on Alice's record analyses the same real device file with the
    same arguments (about half a second each time); the first analysis of the run is kept
    in the run's folder (``NERVEPATH_VAR_DIR``, shared by its xdist workers) and handed
    back to the later ones. It is used only here: everything else still goes through
    the worker's real analysis (the wearables tests analyse each file every time)."""
    from nervepath.science.movement import analyze_nights

    key = hashlib.sha256(Path(path).read_bytes())
    key.update(repr(sorted(kwargs.items())).encode())

    def analyse(part: Path) -> None:
        found = analyze_nights(path, **kwargs)
        part.write_bytes(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))

    name = f"{key.hexdigest()[:32]}.pickle"
    kept = migrated.built_once(Path(settings.VAR_DIR) / "analyses" / name, analyse)
    return pickle.loads(kept.read_bytes())  # written by analyse(), in this run


THERAPY_MARKER = "MARKER-THERAPY-2C"
SESSION_MARKER = "MARKER-SESSION-9H"
MEDICATION_MARKER = "MARKEROL-6K"


def make_clinical_records(patient: Patient) -> list[str]:
    """Create clinical records for ``patient``; return marker strings they show."""
    from nervepath.assessment import services
    from nervepath.assessment.models import Schedule
    from nervepath.demo import assessment as demo

    # The record's change history is shown to clinicians only (access/patient_record.html).
    markers: list[str] = ["Changes to this record"]

    content = b"%PDF-1.4\nferritin 31 ng/mL MARKER-FILE-5K\n%%EOF\n"
    upload = SimpleUploadedFile("ferritin.pdf", content)
    # What DocumentForm.clean_file notes on an upload it has sniffed.
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
    with override_settings(WEARABLES_ANALYZER="access.clinical.analyze_once_per_run"):
        nights.run_analysis(recording.analysis.pk)
    markers += ["MARKER-NIGHT-4D", "163.6"]

    # A nerve block with a day of its relief diary and the clinician's decision.

    from nervepath.accounts.models import Role, User
    from nervepath.pathway import blocks

    clinician = User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by("pk").first()
    assert clinician is not None
    block = blocks.record_block(
        patient,
        given_on=timezone.localdate() - timedelta(days=2),
        leg="right",
        injections=[{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}],
        given_by=clinician,
        notes="Spread to the arch MARKER-BLOCK-3E",
        by=clinician,
    )
    blocks.save_entry(
        block,
        patient,
        day=block.given_on,
        relief_pct=80,
        sleep_hours=6.5,
        note="Slept through MARKER-DIARY-9W",
        by=patient.user,
    )
    blocks.review(block, decision="candidate", reason="Clear relief MARKER-REVIEW-6K", by=clinician)
    markers += ["MARKER-BLOCK-3E", "MARKER-DIARY-9W", "MARKER-REVIEW-6K"]

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

    markers += _therapy_and_medication(patient)
    markers += _notes(patient)
    markers += _inbox_and_referral(patient)[0]
    return markers


INBOX_FLAG_MARKER = "MARKER-INBOX-FLAG-1I"
INTAKE_TITLE_MARKER = "MARKER-INTAKE-TITLE-4I"
# Shown to the front desk (its own work, demographics), to nobody outside her care.
DESK_MARKERS = ["MARKER-DESK-ITEM-2I", "MARKER-INTAKE-NAME-3I"]


def _inbox_and_referral(patient: Patient) -> tuple[list[str], list[str]]:
    """Inbox items (a red flag with clinical text, a front-desk item) and a referral
    filed into her record (its typed name the desk sees; the document's title, clinical,
    it never does). Returns (clinical markers, desk markers). Made once per patient."""
    from nervepath.accounts.models import Role, User
    from nervepath.inbox.models import InboxItem, Kind, Urgency
    from nervepath.notes import intake
    from nervepath.notes.models import ReferralIntake, ReferringDoctor

    clinical = [INBOX_FLAG_MARKER, INTAKE_TITLE_MARKER]
    if ReferralIntake.objects.filter(patient=patient).exists():
        return clinical, DESK_MARKERS
    InboxItem.objects.create(
        kind=Kind.RED_FLAG,
        patient=patient,
        urgency=Urgency.URGENT,
        title="Walk red flag",
        body=INBOX_FLAG_MARKER,
        source="walk:1",
        code="walk",
    )
    InboxItem.objects.create(
        kind=Kind.FOLLOW_UP,
        patient=patient,
        urgency=Urgency.ROUTINE,
        title="Follow-up to book MARKER-DESK-ITEM-2I",
        source="walk:2",
        code=Kind.FOLLOW_UP,
    )
    desk = User.objects.filter(role=Role.FRONT_DESK).order_by("pk").first()
    assert desk is not None
    upload = SimpleUploadedFile("referral.pdf", b"%PDF-1.4\nreferral\n%%EOF\n")
    upload.detected_type = "application/pdf"  # type: ignore[attr-defined]
    received = intake.receive(
        upload,
        details={
            "first_name": "Alicia",
            "last_name": "MARKER-INTAKE-NAME-3I",
            "date_of_birth": date(1961, 3, 14),
            "email": "",
            "phone": "",
            "received_on": timezone.localdate(),
            "title": INTAKE_TITLE_MARKER,
        },
        doctor=ReferringDoctor.objects.create(name="Dr Intake Walk"),
        by=desk,
    )
    intake.file(received, patient, by=desk)
    return clinical, DESK_MARKERS


def _therapy_and_medication(patient: Patient) -> list[str]:
    """A laser course with a recorded session, and a medication changed once (so both
    records of its chain are walked). Made once per patient: the maker may run twice."""
    from nervepath.accounts.models import Role, User
    from nervepath.pathway import medications, therapy
    from nervepath.pathway.models import TherapyCourse, TherapySession

    markers = [THERAPY_MARKER, SESSION_MARKER, MEDICATION_MARKER, "Questionnaire flags"]
    if TherapyCourse.objects.filter(patient=patient, notes=THERAPY_MARKER).exists():
        return markers
    clinician = User.objects.filter(role=Role.CLINICIAN, last_name="Hale").get()
    today = timezone.localdate()
    course = therapy.start_course(
        patient,
        modality="laser",
        planned_sessions=6,
        clinician=clinician,
        started_on=today,
        notes=THERAPY_MARKER,
        by=clinician,
    )
    # A session given without a booking in the system (the walk must not give her a visit
    # with another clinician, who would then be in her care).
    session = TherapySession.objects.create(course=course, patient=patient, number=1, on_date=today)
    therapy.record_session(
        session,
        status="done",
        parameters={"wavelength_nm": 810, "power_mw": 500, "dose_j_cm2": 4, "minutes": 20},
        notes=SESSION_MARKER,
        by=clinician,
    )
    med = medications.add(
        patient,
        name=MEDICATION_MARKER,
        dose="0.125",
        unit="mg",
        frequency="at bedtime",
        started_on=today,
        by=clinician,
    )
    medications.change(
        med, dose="0.25", unit="mg", frequency="at bedtime", on=today, reason="walk", by=clinician
    )
    return markers


NOTE_MARKERS = [
    "MARKER-REASON-1N",
    "MARKER-HISTORY-2N",
    "MARKER-EXAM-3N",
    "MARKER-ASSESS-4N",
    "MARKER-PLAN-5N",
    "MARKER-DRAFT-6N",
    "MARKER-ADDENDUM-7N",
    "MARKER-WHY-8N",
    "MARKER-PROBLEM-9N",
    "MARKER-ALLERGEN-AN",
    "MARKER-REACTION-BN",
    "MARKER-SIGNED-NAME-CN",
    "217/133",
]


def _notes(patient: Patient) -> list[str]:
    """A signed note with an addendum and a letter, a draft, a problem, an allergy,
    vitals, and a signed and a waiting consent, each free-text field a marker. Made once
    per patient (the maker may run twice)."""
    from nervepath.accounts.models import Role, User
    from nervepath.notes import chart, consent, letters, services
    from nervepath.notes.models import (
        ConsentTemplate,
        NoteTemplate,
        PatientReferral,
        ReferringDoctor,
        VisitNote,
    )

    if VisitNote.objects.filter(patient=patient).exists():
        return NOTE_MARKERS
    clinician = User.objects.filter(role=Role.CLINICIAN, last_name="Hale").get()
    template = NoteTemplate.objects.get(slug="follow-up")
    note = services.start_note(patient, template=template, author=clinician)
    services.save_draft(
        note,
        texts={
            "reason": "MARKER-REASON-1N",
            "present_history": "MARKER-HISTORY-2N",
            "examination_text": "MARKER-EXAM-3N",
            "assessment": "MARKER-ASSESS-4N",
            "plan": "MARKER-PLAN-5N",
        },
        examination={"left": {"tunnels": {"tibial": {"tinel": "positive"}}}},
        by=clinician,
    )
    note = services.sign(note, by=clinician)
    services.add_addendum(note, text="MARKER-ADDENDUM-7N", reason="MARKER-WHY-8N", by=clinician)
    draft = services.start_note(patient, template=template, author=clinician)
    services.save_draft(draft, texts={"plan": "MARKER-DRAFT-6N"}, examination={}, by=clinician)
    doctor = ReferringDoctor.objects.create(name="Dr Walk Referrer", practice="Walk Practice")
    PatientReferral.objects.create(
        patient=patient, doctor=doctor, since=timezone.localdate(), created_by=clinician
    )
    letters.write_letter(note, doctor=doctor, by=clinician, mail=False)
    chart.add_problem(patient, name="MARKER-PROBLEM-9N", onset=None, by=clinician)
    chart.add_allergy(
        patient, substance="MARKER-ALLERGEN-AN", reaction="MARKER-REACTION-BN", by=clinician
    )
    chart.record_vitals(
        patient,
        values={"systolic": 217, "diastolic": 133, "hba1c_pct": "8.8"},
        measured_on=None,
        by=clinician,
    )
    signed = consent.request_consent(
        patient, template=ConsentTemplate.objects.get(slug="nerve-block"), by=clinician
    )
    consent.sign(
        signed,
        typed_name="MARKER-SIGNED-NAME-CN",
        signature="",
        via="tablet",
        by=clinician,
        witness=clinician,
    )
    consent.request_consent(
        patient, template=ConsentTemplate.objects.get(slug="therapy"), by=clinician
    )
    return NOTE_MARKERS
