# SPDX-License-Identifier: AGPL-3.0-or-later
"""A cohort as a FHIR R4 bulk export: NDJSON files and a manifest in one ZIP.

The layout follows the FHIR Bulk Data Access specification
(https://hl7.org/fhir/uv/bulkdata/export.html): one file per resource type, one resource
per line, and a manifest (``transactionTime``, ``requiresAccessToken``, ``output`` of
``{type, url, count}``, ``error``). The ``url`` of each output is the file's name inside
the ZIP, not a web address; the spec's ``request`` (the kick-off URL) is left out as there
is none.

De-identified as the CSV export (`deidentify`) except for dates: FHIR needs dates, so every
date and time of a patient is moved by that patient's own random ``StudyCode``
``date_shift_days`` (the same shift for all their records, so intervals are kept). A
date-shifted file is not Safe Harbor de-identified in the strict sense (shifted dates are
still "elements of dates"); README.txt says so. Resource ids are opaque: a hash of a
per-export random salt, the study code, the kind and an ordinal, so they differ between
exports and say nothing of the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from nervepath.pathway.models import (
    CandidacyReview,
    MonitoringReading,
    Nerve,
    NerveBlock,
    Phase,
    Surgery,
    SurgeryStatus,
)
from nervepath.research.cohorts import Selection, rows_of
from nervepath.research.deidentify import (
    AGE_CAP,
    AGE_ITEMS,
    EXPORTED_ITEM_TYPES,
    as_number,
    current_responses,
    load_instrument,
)
from nervepath.research.models import StudyCode
from nervepath.scheduling.models import Appointment, Status
from nervepath.science.instruments import AnswerError
from nervepath.science.instruments.fhir import to_fhir_response
from nervepath.science.instruments.model import Instrument, Result
from nervepath.wearables.models import Night

RESOURCE_TYPES = ("Patient", "Appointment", "Procedure", "Observation", "QuestionnaireResponse")
GENDERS = {"female": "female", "male": "male", "other": "other"}
APPOINTMENT_STATUS = {
    Status.BOOKED: "booked",
    Status.HELD: "pending",
    Status.CANCELLED: "cancelled",
    Status.COMPLETED: "fulfilled",
    Status.NO_SHOW: "noshow",
}
PROCEDURE_STATUS = {
    SurgeryStatus.PLANNED: "preparation",
    SurgeryStatus.DONE: "completed",
    SurgeryStatus.CANCELLED: "not-done",
}
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
SCORE_SYSTEM = "urn:nervepath:score"
NIGHT_SYSTEM = "urn:nervepath:night"
MONITORING_SYSTEM = "urn:nervepath:monitoring"
PROCEDURE_SYSTEM = "urn:nervepath:procedure"
NIGHT_OBSERVATIONS = {
    "plms_index": ("PLMS index (periodic limb movements in sleep per hour)", "/h"),
    "movements_per_hour": ("Leg movements per hour of the sleep window", "/h"),
}
LEG_TEXT = {"right": "Right lower leg", "left": "Left lower leg"}


class Ids:
    """Opaque, per-export resource ids: "r" and sha256(salt, study code, kind, ordinal), so
    an id never looks like a row number."""

    def __init__(self, salt: str | None = None) -> None:
        self.salt = salt or secrets.token_hex(16)

    def __call__(self, code: str, kind: str, ordinal: object) -> str:
        text = f"{self.salt}|{code}|{kind}|{ordinal}"
        return "r" + hashlib.sha256(text.encode()).hexdigest()[:24]


def shift_date(value: dt.date, days: int) -> str:
    return (value + dt.timedelta(days=days)).isoformat()


def shift_instant(value: dt.datetime, days: int) -> str:
    """The instant moved by whole days, in UTC (to the second)."""
    moved = (value + dt.timedelta(days=days)).astimezone(dt.UTC).replace(microsecond=0)
    return moved.isoformat()


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


def _quantity(value: float | int, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _patients(selection: Selection, codes: dict[int, StudyCode]) -> list[dict[str, Any]]:
    out = []
    for m in selection.members:
        code = codes[m.patient_id].code
        out.append(
            {
                "resourceType": "Patient",
                "id": code,
                "identifier": [{"system": "urn:nervepath:study-code", "value": code}],
                "gender": GENDERS.get(m.sex, "unknown"),
            }
        )
    return out


def _appointments(ids: list[int], codes: dict[int, StudyCode], rid: Ids) -> list[dict[str, Any]]:
    rows = sorted(
        rows_of(
            Appointment,
            ids,
            ("patient_id", "starts_at", "ends_at", "status", "appointment_type__name"),
        ),
        key=lambda r: (codes[r[0]].code, r[1]),
    )
    out = []
    counter: dict[int, int] = defaultdict(int)
    for pid, starts, ends, status, type_name in rows:
        code, shift = codes[pid].code, codes[pid].date_shift_days
        counter[pid] += 1
        out.append(
            {
                "resourceType": "Appointment",
                "id": rid(code, "appointment", counter[pid]),
                "status": APPOINTMENT_STATUS.get(status, "booked"),
                "serviceType": [{"text": type_name}],
                "start": shift_instant(starts, shift),
                "end": shift_instant(ends, shift),
                "participant": [{"actor": _ref("Patient", code), "status": "accepted"}],
            }
        )
    return out


def _tunnels_text(tunnels: Iterable[str]) -> str:
    labels = [Nerve(t).label.lower() for t in Nerve.values if t in set(tunnels)]
    return ", ".join(labels)


def _procedures(
    ids: list[int], codes: dict[int, StudyCode], rid: Ids
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Procedures (decompressions then blocks) and the intraoperative observations."""
    out: list[dict[str, Any]] = []
    surgeries = sorted(
        rows_of(Surgery, ids, ("id", "patient_id", "leg", "operated_on", "tunnels", "status")),
        key=lambda r: (codes[r[1]].code, r[3], r[0]),
    )
    surgery_ref: dict[int, tuple[str, str, int]] = {}  # id → (resource id, date, shift)
    counter: dict[int, int] = defaultdict(int)
    for sid, pid, leg, on, tunnels, status in surgeries:
        code, shift = codes[pid].code, codes[pid].date_shift_days
        counter[pid] += 1
        res_id = rid(code, "surgery", counter[pid])
        surgery_ref[sid] = (res_id, code, shift)
        released = _tunnels_text(tunnels or [])
        out.append(
            {
                "resourceType": "Procedure",
                "id": res_id,
                "status": PROCEDURE_STATUS.get(status, "unknown"),
                "category": {"text": "Surgical procedure"},
                "code": {
                    "coding": [
                        {
                            "system": PROCEDURE_SYSTEM,
                            "code": "decompression",
                            "display": "Peripheral nerve decompression",
                        }
                    ],
                    "text": f"Decompression of the {released} nerve(s)",
                },
                "subject": _ref("Patient", code),
                "performedDateTime": shift_date(on, shift),
                "bodySite": [{"text": LEG_TEXT.get(leg, leg)}],
            }
        )
    reviews = dict(rows_of(CandidacyReview, ids, ("block_id", "decision")))
    blocks = sorted(
        rows_of(NerveBlock, ids, ("id", "patient_id", "leg", "given_on", "injections")),
        key=lambda r: (codes[r[1]].code, r[3], r[0]),
    )
    counter.clear()
    for bid, pid, leg, given, injections in blocks:
        code, shift = codes[pid].code, codes[pid].date_shift_days
        counter[pid] += 1
        sites = [r.get("site") for r in injections or [] if isinstance(r, dict)]
        block: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": rid(code, "block", counter[pid]),
            "status": "completed",
            "category": {"text": "Diagnostic procedure"},
            "code": {
                "coding": [
                    {
                        "system": PROCEDURE_SYSTEM,
                        "code": "nerve-block",
                        "display": "Diagnostic peripheral nerve block",
                    }
                ],
                "text": f"Diagnostic block of the {_tunnels_text(s for s in sites if s)} nerve(s)",
            },
            "subject": _ref("Patient", code),
            "performedDateTime": shift_date(given, shift),
            "bodySite": [{"text": LEG_TEXT.get(leg, leg)}],
        }
        decision = reviews.get(bid)
        if decision == "candidate":
            block["outcome"] = {"text": "Likely surgical candidate"}
        elif decision == "not_candidate":
            block["outcome"] = {"text": "Not a surgical candidate"}
        out.append(block)

    readings: dict[tuple[int, str], list[tuple[str, float, float | None]]] = defaultdict(list)
    for sid, nerve, phase, amplitude, latency in rows_of(
        MonitoringReading, ids, ("surgery_id", "nerve", "phase", "amplitude_uv", "latency_ms")
    ):
        readings[(sid, nerve)].append((phase, amplitude, latency))
    surgery_day = {s[0]: s[3] for s in surgeries}
    observations = []
    order = {p: n for n, p in enumerate(Phase.values)}
    for (sid, nerve), values in sorted(
        readings.items(), key=lambda kv: (surgery_ref[kv[0][0]][1], kv[0][0], kv[0][1])
    ):
        res_id, code, shift = surgery_ref[sid]
        components = []
        for phase, amplitude, latency in sorted(values, key=lambda v: order.get(v[0], 9)):
            label = Phase(phase).label.lower()
            components.append(
                {
                    "code": {"text": f"Amplitude {label}"},
                    "valueQuantity": _quantity(amplitude, "µV", "uV"),
                }
            )
            if latency is not None:
                components.append(
                    {
                        "code": {"text": f"Latency {label}"},
                        "valueQuantity": _quantity(latency, "ms", "ms"),
                    }
                )
        observations.append(
            {
                "resourceType": "Observation",
                "id": rid(code, f"monitoring-{res_id}", nerve),
                "status": "final",
                "category": _category("procedure", "Procedure"),
                "code": {
                    "coding": [{"system": MONITORING_SYSTEM, "code": nerve}],
                    "text": f"Intraoperative {Nerve(nerve).label.lower()} nerve response",
                },
                "subject": _ref("Patient", code),
                "partOf": [_ref("Procedure", res_id)],
                "effectiveDateTime": shift_date(surgery_day[sid], shift),
                "component": components,
            }
        )
    return out, observations


def _keep_answer(inst: Instrument, link_id: str, answer: list[dict[str, Any]]) -> bool:
    try:
        item = inst.item(link_id)
    except KeyError:
        return False
    if item.type not in EXPORTED_ITEM_TYPES:
        return False  # free text and dates never leave
    if item.id in AGE_ITEMS:
        return all((a.get("valueInteger") or 0) < AGE_CAP for a in answer)
    return True


def _questionnaires(
    ids: list[int], codes: dict[int, StudyCode], rid: Ids
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    responses: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    loaded: dict[str, Instrument | None] = {}
    counter: dict[tuple[int, str], int] = defaultdict(int)
    for pid, instrument_id, _version, submitted, answers, result, _mode in current_responses(ids):
        inst = load_instrument(instrument_id, loaded)
        if inst is None:
            continue
        code, shift = codes[pid].code, codes[pid].date_shift_days
        counter[(pid, instrument_id)] += 1
        n = counter[(pid, instrument_id)]
        authored = shift_instant(submitted, shift)
        qr_id = rid(code, f"response-{instrument_id}", n)
        try:
            qr = to_fhir_response(
                inst, answers or {}, subject_ref=f"Patient/{code}", authored=authored
            )
        except (AnswerError, ValueError, TypeError):
            qr = None  # stored answers the current definition refuses: scores still go out
        if qr is not None:
            qr["id"] = qr_id
            items = [i for i in qr.get("item", []) if _keep_answer(inst, i["linkId"], i["answer"])]
            if items:
                qr["item"] = items
            else:
                qr.pop("item", None)
            responses.append(qr)
        read = Result.from_dict(result) if isinstance(result, Mapping) else None
        scores = read.scores if read is not None else {}
        for score in inst.scores:
            value = as_number(scores.get(score.id))
            if value is None:
                continue
            obs: dict[str, Any] = {
                "resourceType": "Observation",
                "id": rid(code, f"score-{instrument_id}-{score.id}", n),
                "status": "final",
                "category": _category("survey", "Survey"),
                "code": {
                    "coding": [
                        {
                            "system": SCORE_SYSTEM,
                            "code": f"{instrument_id}.{score.id}",
                            "display": f"{inst.title}: {score.label}",
                        }
                    ],
                    "text": f"{inst.title}: {score.label}",
                },
                "subject": _ref("Patient", code),
                "effectiveDateTime": authored,
                "valueQuantity": _quantity(float(value), "score", "{score}"),
            }
            if qr is not None:
                obs["derivedFrom"] = [_ref("QuestionnaireResponse", qr_id)]
            band = read.band_label if read is not None else None
            if score.id == inst.band_score and band:
                obs["interpretation"] = [{"text": band}]
            observations.append(obs)
    return responses, observations


def _nights(ids: list[int], codes: dict[int, StudyCode], rid: Ids) -> list[dict[str, Any]]:
    out = []
    rows = sorted(
        rows_of(Night, ids, ("patient_id", "night_of", *NIGHT_OBSERVATIONS)),
        key=lambda r: (codes[r[0]].code, r[1]),
    )
    counter: dict[int, int] = defaultdict(int)
    for pid, night_of, *values in rows:
        code, shift = codes[pid].code, codes[pid].date_shift_days
        counter[pid] += 1
        for (key, (text, unit)), value in zip(NIGHT_OBSERVATIONS.items(), values, strict=True):
            if as_number(value) is None:
                continue
            out.append(
                {
                    "resourceType": "Observation",
                    "id": rid(code, f"night-{key}", counter[pid]),
                    "status": "final",
                    "category": _category("activity", "Activity"),
                    "code": {
                        "coding": [{"system": NIGHT_SYSTEM, "code": key}],
                        "text": text,
                    },
                    "subject": _ref("Patient", code),
                    "effectiveDateTime": shift_date(night_of, shift),
                    "valueQuantity": _quantity(float(value), unit, unit),
                }
            )
    return out


README = """\
nervepath FHIR R4 bulk export (NDJSON, FHIR Bulk Data Access layout)

Data read at: {snapshot}
Patients: {patients}

Files: {files}, manifest.json. One resource per line.

De-identification:
- A patient is only Patient/<study code>: a random code not derived from anything about
  the person (45 CFR 164.514(c)). No name, telecom, address, birth date, clinic location,
  practitioner, database id, UUID, file name or device detail is exported. Gender only.
- Free text is never exported (notes, findings, complications, reasons, side effects,
  questionnaire items of type text); questionnaire date items and ages of 90 and over
  are left out of the QuestionnaireResponses.
- Resource ids are hashes with a random salt made for this export only.
- DATES ARE SHIFTED, not removed: every date and time of a patient is moved by the
  same whole number of days (between -182 and 182, never 0), random per patient and
  kept by the clinic. Intervals within a patient are exact; calendar dates, weekdays
  and seasons are not real. Shifted dates are still "elements of dates" under
  45 CFR 164.514(b)(2)(i)(C), so this file is de-identified by the per-patient shift
  the project's issue allows, not by strict Safe Harbor; use the CSV export where
  Safe Harbor is required.
- The manifest's output urls are file names inside this ZIP; "request" is omitted.
"""


def fhir_bulk_zip(selection: Selection, *, snapshot_at: dt.datetime) -> bytes:
    """The cohort's members as FHIR R4 NDJSON files with a Bulk Data manifest."""
    ids = [m.patient_id for m in selection.members]
    codes = StudyCode.for_patients(ids)
    rid = Ids()
    procedures, monitoring = _procedures(ids, codes, rid)
    responses, scores = _questionnaires(ids, codes, rid)
    resources: dict[str, list[dict[str, Any]]] = {
        "Patient": _patients(selection, codes),
        "Appointment": _appointments(ids, codes, rid),
        "Procedure": procedures,
        "Observation": scores + _nights(ids, codes, rid) + monitoring,
        "QuestionnaireResponse": responses,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        output = []
        for kind in RESOURCE_TYPES:
            name = f"{kind}.ndjson"
            lines = [
                json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in resources[kind]
            ]
            put(name, "".join(line + "\n" for line in lines))
            output.append({"type": kind, "url": name, "count": len(lines)})
        manifest = {
            "transactionTime": snapshot_at.astimezone(dt.UTC).isoformat(),
            "requiresAccessToken": False,
            "output": output,
            "error": [],
        }
        put("manifest.json", json.dumps(manifest, indent=2) + "\n")
        put(
            "README.txt",
            README.format(
                snapshot=snapshot_at.isoformat(),
                patients=len(ids),
                files=", ".join(f"{k}.ndjson" for k in RESOURCE_TYPES),
            ),
        )
    return out.getvalue()
