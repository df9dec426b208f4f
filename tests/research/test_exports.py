# SPDX-License-Identifier: AGPL-3.0-or-later
"""The de-identified CSV export and the FHIR bulk export of a cohort."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.observation import Observation as FhirObservation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as FhirQuestionnaireResponse,
)

from nervepath.research import cohorts, deidentify
from nervepath.research.deidentify import deidentified_zip
from nervepath.research.fhir_export import RESOURCE_TYPES, fhir_bulk_zip
from nervepath.research.models import StudyCode

from .conftest import FREETEXT, SNAPSHOT, Records, unzip

FHIR_MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Appointment": FhirAppointment,
    "Procedure": FhirProcedure,
    "Observation": FhirObservation,
    "QuestionnaireResponse": FhirQuestionnaireResponse,
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ID_COLUMN = re.compile(r"(^|_)(id|pk|uuid|public_id)$", re.I)


def csv_zip(selection: cohorts.Selection) -> dict[str, str]:
    return unzip(
        deidentified_zip(
            selection,
            definition_lines=cohorts.describe(selection.filters),
            snapshot_at=SNAPSHOT,
            code_version="test-1",
        )
    )


def table(files: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name])))


def ndjson(files: dict[str, str], kind: str) -> list[dict]:
    return [json.loads(line) for line in files[f"{kind}.ndjson"].splitlines()]


def codes(records: Records) -> tuple[str, str]:
    found = StudyCode.for_patients([records.alice.pk, records.bob.pk])
    return found[records.alice.pk].code, found[records.bob.pk].code


# -- the CSV export ----------------------------------------------------------------------


def test_subjects_are_study_codes_with_ages_capped_at_90(records):
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    alice, bob = codes(records)
    subjects = {r["study_code"]: r for r in table(files, "subjects.csv")}
    assert set(subjects) == {alice, bob}
    assert subjects[alice]["age_years"] == "90+"
    assert subjects[bob]["age_years"] == "61"
    assert subjects[alice]["sex"] == "female"
    assert subjects[alice]["legs_operated"] == "right;left"
    assert subjects[alice]["block_response"] == "candidate"
    assert subjects[alice]["index_procedure"] == "decompression"
    assert subjects[alice]["baseline_irls_band"] == "severe"
    # The onset age of 90 answered in the symptom history is capped too.
    onset = [r for r in table(files, "answers.csv") if r["item"] == "onset_age"]
    assert [r["value"] for r in onset] == ["90+"]


def test_dates_become_days_since_the_index_procedure(records):
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    alice, bob = codes(records)
    procedures = [r for r in table(files, "procedures.csv") if r["study_code"] == alice]
    assert [(r["leg"], r["day"], r["surgery_number"]) for r in procedures] == [
        ("right", "0", "1"),
        ("left", "10", "2"),
    ]
    assert [r["complications_recorded"] for r in procedures] == ["yes", "no"]
    blocks = table(files, "blocks.csv")
    assert [(b["day"], b["sites"], b["total_volume_ml"], b["decision"]) for b in blocks] == [
        ("-60", "common_peroneal;tibial", "3.5", "candidate")
    ]
    diary = table(files, "diary.csv")
    assert [(d["day"], d["block_day"], d["relief_pct"]) for d in diary] == [
        ("-60", "1", "80"),
        ("-59", "2", "70"),
        ("-58", "3", "60"),
    ]
    monitoring = table(files, "monitoring.csv")
    assert len(monitoring) == 4 and {m["surgery_day"] for m in monitoring} == {"0"}
    assert {(m["nerve"], m["phase"], m["amplitude_uv"]) for m in monitoring} >= {
        ("tibial", "before", "2100.0"),
        ("tibial", "after", "3050.0"),
    }
    (follow_up,) = table(files, "follow_ups.csv")
    assert (follow_up["due_day"], follow_up["label"], follow_up["status"]) == (
        "90",
        "3 months",
        "to_book",
    )
    (medication,) = table(files, "medications.csv")
    assert medication["drug_class"] == "dopamine_agonist"
    assert (medication["drug"], medication["dose"], medication["start_day"]) == (
        "pramipexole",
        "0.25",
        "-200",
    )
    assert medication["stop_day"] == "-20"
    (visit,) = table(files, "visits.csv")
    assert (visit["visit_type"], visit["day"], visit["status"]) == (
        "new-patient",
        "-90",
        "completed",
    )
    nights = table(files, "nights.csv")
    assert [(n["day"], n["plms_index"]) for n in nights] == [("20", "12.5"), ("21", "13.5")]
    therapy = [r for r in table(files, "therapy.csv") if r["study_code"] == bob]
    assert [(t["course_start_day"], t["session_day"], t["wavelength_nm"]) for t in therapy] == [
        ("40", "40", "810")
    ]
    scores = {(s["study_code"], s["instrument"], s["score"]): s for s in table(files, "scores.csv")}
    assert scores[(alice, "irls", "total")]["value"] == "24"
    assert scores[(alice, "irls", "total")]["day"] == "-5"
    assert scores[(alice, "irls", "total")]["band"] == "severe"
    assert scores[(alice, "pain_nrs", "max")]["value"] == "7"
    assert scores[(bob, "irls", "total")]["day"] == "0"


def test_free_text_dates_and_identifiers_never_leave(records):
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    everything = "\n".join(files.values())
    assert FREETEXT.lower() not in everything.lower()
    for word in ("Alice", "Archer", "Bob", "Baker", "example.org", "Hale", "Fort Collins"):
        assert not re.search(rf"\b{re.escape(word)}\b", everything, re.I), word
    assert "alice_archer_wrist" not in everything
    assert "9705550142" not in re.sub(r"\D", "", everything)
    assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", everything.replace(SNAPSHOT.isoformat(), ""))
    assert not UUID.search(everything)
    items = {r["item"] for r in table(files, "answers.csv")}
    assert "side_effects" not in items and "onset_year" not in items
    assert {"q1", "now_left", "diabetes", "medications"} <= items
    for name, text in files.items():
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(text)))
            assert not [h for h in header if ID_COLUMN.search(h)], name


def test_the_data_dictionary_describes_every_column_and_the_readme_the_rules(records):
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    described = {(r["file"], r["column"]) for r in table(files, "data_dictionary.csv")}
    for name, text in files.items():
        if name.endswith(".csv") and name != "data_dictionary.csv":
            header = next(csv.reader(io.StringIO(text)))
            assert {(name, h) for h in header} <= described
    readme = files["README.txt"]
    assert "45 CFR 164.514(b)(2)" in readme
    assert "Procedure: Decompression surgery" in readme
    assert "test-1" in readme and SNAPSHOT.isoformat() in readme


def test_a_block_cohort_starts_at_the_block(records):
    files = csv_zip(cohorts.select({"procedure": "block"}))
    (subject,) = table(files, "subjects.csv")
    assert subject["index_procedure"] == "block" and subject["age_years"] == "90+"
    (block,) = table(files, "blocks.csv")
    assert block["day"] == "0"
    assert [p["day"] for p in table(files, "procedures.csv")] == ["60", "70"]


def test_an_empty_selection_gives_headers_only(db):
    selection = cohorts.select({"procedure": "decompression"})
    assert selection.members == []
    files = csv_zip(selection)
    assert set(files) == {*deidentify.FILES, "data_dictionary.csv", "README.txt"}
    for name in deidentify.FILES:
        assert files[name].count("\n") == 1, name
    fhir = unzip(fhir_bulk_zip(selection, snapshot_at=SNAPSHOT))
    manifest = json.loads(fhir["manifest.json"])
    assert all(o["count"] == 0 for o in manifest["output"])
    assert all(fhir[f"{kind}.ndjson"] == "" for kind in RESOURCE_TYPES)


def test_typed_drug_names_and_units_never_leave_as_typed(records):
    from nervepath.pathway.models import Medication

    Medication.objects.create(
        patient=records.bob, name="=HYPERLINK(1)", dose=1, unit="mg", started_on=records.bob_index
    )
    Medication.objects.create(
        patient=records.bob,
        name=f"Ropinirole, per Dr {FREETEXT}",
        dose=1,
        unit=f"tabs {FREETEXT}",
        started_on=records.bob_index,
    )
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    rows = table(files, "medications.csv")
    assert [r["drug"] for r in rows].count("other") == 1  # the formula is no known drug
    assert ("ropinirole", "other") in [(r["drug"], r["unit"]) for r in rows]
    assert FREETEXT not in files["medications.csv"] and "HYPERLINK" not in files["medications.csv"]
    # A negative day is a number, not a formula: it is written as is.
    assert "-200" in [r["start_day"] for r in table(files, "medications.csv")]


# -- the FHIR export ---------------------------------------------------------------------


def fhir_files(filters: dict) -> dict[str, str]:
    return unzip(fhir_bulk_zip(cohorts.select(filters), snapshot_at=SNAPSHOT))


def test_every_line_is_a_valid_r4_resource_and_the_manifest_lists_the_files(records):
    files = fhir_files({"procedure": "decompression"})
    manifest = json.loads(files["manifest.json"])
    assert manifest["requiresAccessToken"] is False and manifest["error"] == []
    assert manifest["transactionTime"].startswith("2000-01-03T12:00:00")
    assert [(o["type"], o["url"]) for o in manifest["output"]] == [
        (kind, f"{kind}.ndjson") for kind in RESOURCE_TYPES
    ]
    assert set(files) == {f"{k}.ndjson" for k in RESOURCE_TYPES} | {"manifest.json", "README.txt"}
    ids = set()
    for output in manifest["output"]:
        lines = files[output["url"]].splitlines()
        assert len(lines) == output["count"]
        for line in lines:
            model = FHIR_MODELS[output["type"]].model_validate_json(line)
            assert model.get_resource_type() == output["type"]
            assert (output["type"], model.id) not in ids
            ids.add((output["type"], model.id))
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    # 2 patients; 1 visit; 3 decompressions + 1 block; 4 questionnaire responses.
    assert counts["Patient"] == 2 and counts["Appointment"] == 1
    assert counts["Procedure"] == 4 and counts["QuestionnaireResponse"] == 4
    # Scores: IRLS total x2, pain 5, plus 2 nights x 2 metrics, plus 2 monitored nerves.
    assert counts["Observation"] == 2 + 5 + 4 + 2


def test_fhir_dates_are_shifted_by_the_patients_shift(records):
    files = fhir_files({"procedure": "decompression"})
    found = StudyCode.for_patients([records.alice.pk])[records.alice.pk]
    shift = timedelta(days=found.date_shift_days)
    mine = [
        p
        for p in ndjson(files, "Procedure")
        if p["subject"]["reference"] == f"Patient/{found.code}"
    ]
    performed = sorted(date.fromisoformat(p["performedDateTime"]) for p in mine)
    assert performed == [
        records.index - timedelta(days=60) + shift,
        records.index + shift,
        records.index + timedelta(days=10) + shift,
    ]
    (appointment,) = ndjson(files, "Appointment")
    start = datetime.fromisoformat(appointment["start"])
    real = records.alice.appointments.get().starts_at
    assert start - real == shift
    assert appointment["status"] == "fulfilled"
    assert appointment["participant"] == [
        {"actor": {"reference": f"Patient/{found.code}"}, "status": "accepted"}
    ]
    nights = [
        o for o in ndjson(files, "Observation") if o["code"]["coding"][0]["code"] == "plms_index"
    ]
    assert sorted(o["effectiveDateTime"] for o in nights) == [
        (records.index + timedelta(days=20 + n) + shift).isoformat() for n in range(2)
    ]


def test_fhir_resources_carry_no_identifiers_or_free_text(records):
    files = fhir_files({"procedure": "decompression"})
    everything = "\n".join(files.values())
    assert FREETEXT.lower() not in everything.lower()
    for word in ("Alice", "Archer", "Bob", "Baker", "example.org", "Hale", "Fort Collins"):
        assert not re.search(rf"\b{re.escape(word)}\b", everything, re.I), word
    assert not UUID.search(everything)
    patients = ndjson(files, "Patient")
    for patient in patients:
        assert re.fullmatch(r"S-[0-9A-Z]{8}", patient["id"])
        assert not {"name", "telecom", "address", "birthDate"} & set(patient)
    for response in ndjson(files, "QuestionnaireResponse"):
        links = {i["linkId"] for i in response.get("item", [])}
        assert not links & {"side_effects", "onset_year", "onset_age"}
    history = [
        r for r in ndjson(files, "QuestionnaireResponse") if "symptom_history" in r["questionnaire"]
    ]
    assert {i["linkId"] for i in history[0]["item"]} >= {"diabetes", "medications"}


def test_intraoperative_amplitudes_have_a_component_per_phase(records):
    files = fhir_files({"procedure": "decompression"})
    monitoring = [
        o
        for o in ndjson(files, "Observation")
        if o["category"][0]["coding"][0]["code"] == "procedure"
    ]
    tibial = next(o for o in monitoring if o["code"]["coding"][0]["code"] == "tibial")
    values = {c["code"]["text"]: c["valueQuantity"]["value"] for c in tibial["component"]}
    assert values == {
        "Amplitude before release": 2100.0,
        "Latency before release": 5.2,
        "Amplitude after release": 3050.0,
    }
    procedures = {p["id"] for p in ndjson(files, "Procedure")}
    assert tibial["partOf"][0]["reference"].removeprefix("Procedure/") in procedures
    irls = [
        o for o in ndjson(files, "Observation") if o["code"]["coding"][0]["code"] == "irls.total"
    ]
    assert sorted(o["valueQuantity"]["value"] for o in irls) == [12, 24]
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in irls)


def test_resource_ids_differ_between_exports(records):
    one = {p["id"] for p in ndjson(fhir_files({"procedure": "decompression"}), "Procedure")}
    two = {p["id"] for p in ndjson(fhir_files({"procedure": "decompression"}), "Procedure")}
    assert one and not one & two


@pytest.mark.parametrize("procedure", ["decompression", "block", "therapy"])
def test_the_queries_do_not_grow_with_the_cohort(records, procedure, django_assert_max_num_queries):
    selection = cohorts.select({"procedure": procedure})
    StudyCode.for_patients(selection.patient_ids)
    with django_assert_max_num_queries(20):
        deidentified_zip(selection, definition_lines=[], snapshot_at=SNAPSHOT, code_version="t")
    with django_assert_max_num_queries(15):
        fhir_bulk_zip(selection, snapshot_at=SNAPSHOT)


def test_the_leg_examination_of_signed_notes_is_exported_coded(records, hale):
    """Tinel at the fibular neck before surgery, for instance, as codes by leg and day;
    the note's text and drafts stay home."""
    from nervepath.notes import services as notes
    from nervepath.notes.models import NoteTemplate

    template = NoteTemplate.objects.get(slug="pre-op")
    before = notes.start_note(
        records.alice, template=template, author=hale.user, on=records.index - timedelta(days=30)
    )
    notes.save_draft(
        before,
        texts={"plan": f"Decompression {FREETEXT}", "assessment": FREETEXT},
        examination={
            "right": {
                "tunnels": {"common_peroneal": {"tinel": "positive", "tenderness": "yes"}},
                "monofilament": 7,
                "strength": {"dorsiflexion": 4},
            }
        },
        by=hale.user,
    )
    notes.sign(before, by=hale.user)
    draft = notes.start_note(records.alice, template=template, author=hale.user)
    notes.save_draft(draft, texts={}, examination={"left": {"vibration": "absent"}}, by=hale.user)
    files = csv_zip(cohorts.select({"procedure": "decompression"}))
    alice, _bob = codes(records)
    rows = table(files, "examinations.csv")
    assert [(r["study_code"], r["examination_number"], r["day"], r["leg"]) for r in rows] == [
        (alice, "1", "-30", "right")
    ]
    (row,) = rows
    assert row["common_peroneal_tinel"] == "positive"
    assert row["common_peroneal_tenderness"] == "yes"
    assert row["tibial_tinel"] == "not_tested"
    assert row["monofilament_felt"] == "7" and row["mrc_dorsiflexion"] == "4"
    assert row["mrc_eversion"] == ""
    assert not any(FREETEXT in text for text in files.values())
    dictionary = table(files, "data_dictionary.csv")
    described = {r["column"] for r in dictionary if r["file"] == "examinations.csv"}
    assert set(rows[0]) == described
