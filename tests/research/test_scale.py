# SPDX-License-Identifier: AGPL-3.0-or-later
"""Both exports of a few hundred patients in a fixed number of queries."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nervepath.accounts.models import Patient, Role, User
from nervepath.assessment.models import Response, ResponseStatus
from nervepath.assessment.services import result_json
from nervepath.demo import assessment as answers
from nervepath.pathway.models import (
    MonitoringReading,
    NerveBlock,
    ReliefEntry,
    Surgery,
    SurgeryStatus,
)
from nervepath.research import cohorts
from nervepath.research.deidentify import deidentified_zip
from nervepath.research.fhir_export import fhir_bulk_zip
from nervepath.science import instruments

from .conftest import SNAPSHOT

PATIENTS = 300


def _population(clinic, hale) -> None:
    fort = clinic["fort-collins"]
    today = timezone.localdate()
    users = User.objects.bulk_create(
        User(email=f"p{n}@scale.test", first_name="P", last_name=f"N{n}", role=Role.PATIENT)
        for n in range(PATIENTS)
    )
    patients = Patient.objects.bulk_create(
        Patient(user=u, date_of_birth=date(today.year - 40 - n % 55, 1, 15), sex="female")
        for n, u in enumerate(users)
    )
    surgeries = Surgery.objects.bulk_create(
        Surgery(
            patient=p,
            leg=leg,
            operated_on=today - timedelta(days=200 - 30 * i - n % 50),
            surgeon=hale,
            location=fort,
            tunnels=["tibial", "common_peroneal"],
            status=SurgeryStatus.DONE,
        )
        for n, p in enumerate(patients)
        for i, leg in enumerate(("right", "left"))
    )
    MonitoringReading.objects.bulk_create(
        MonitoringReading(
            surgery=s, patient_id=s.patient_id, nerve=nerve, phase=phase, amplitude_uv=10.0
        )
        for s in surgeries
        for nerve in ("tibial", "common_peroneal")
        for phase in ("before", "after")
    )
    blocks = NerveBlock.objects.bulk_create(
        NerveBlock(
            patient=p,
            given_on=today - timedelta(days=260),
            leg="right",
            injections=[{"site": "tibial", "agent": "Lidocaine 1%", "volume_ml": 2.0}],
            given_by=hale.user,
        )
        for p in patients
    )
    ReliefEntry.objects.bulk_create(
        ReliefEntry(
            block=b,
            patient_id=b.patient_id,
            day=b.given_on + timedelta(days=d),
            relief_pct=50,
            sleep_hours=Decimal("7.0"),
        )
        for b in blocks
        for d in range(7)
    )
    irls = instruments.load("irls")
    rows = []
    for n, p in enumerate(patients):
        for k in range(4):
            given = answers.irls((n + 7 * k) % 41)
            rows.append(
                Response(
                    patient=p,
                    instrument_id="irls",
                    instrument_version=irls.version,
                    answers=given,
                    result=result_json(instruments.score(irls, given)),
                    status=ResponseStatus.SUBMITTED,
                    submitted_at=timezone.now() - timedelta(days=250 - 60 * k),
                )
            )
    Response.objects.bulk_create(rows)


def test_a_few_hundred_patients_export_in_fixed_queries(clinic, hale):
    """Speed is measured by benchmarks/bench_research.py; here the query count must not
    grow with the cohort, and every member must be in both exports."""
    _population(clinic, hale)
    selection = cohorts.select({"procedure": "decompression"})
    assert selection.patients == PATIENTS
    with CaptureQueriesContext(connection) as csv_queries:
        data = deidentified_zip(
            selection, definition_lines=[], snapshot_at=SNAPSHOT, code_version="scale"
        )
    with CaptureQueriesContext(connection) as fhir_queries:
        bulk = fhir_bulk_zip(selection, snapshot_at=SNAPSHOT)
    # The first export makes the study codes (a few queries); neither grows per patient.
    assert len(csv_queries) < 30 and len(fhir_queries) < 20
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert len(z.read("subjects.csv").decode().strip().splitlines()) == PATIENTS + 1
    with zipfile.ZipFile(io.BytesIO(bulk)) as z:
        assert len(z.read("Patient.ndjson").decode().strip().splitlines()) == PATIENTS
