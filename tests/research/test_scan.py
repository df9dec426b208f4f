# SPDX-License-Identifier: AGPL-3.0-or-later
"""The scan test: both exports of the full demo clinic, searched for every identifier of
every demo patient (names, emails, phones, birth dates, real calendar dates, places,
clinicians, file names, ids)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest

from nervepath.accounts.models import Patient, Role, User
from nervepath.pathway.models import NerveBlock, Surgery
from nervepath.research import cohorts
from nervepath.research.deidentify import deidentified_zip
from nervepath.research.fhir_export import fhir_bulk_zip
from nervepath.scheduling.models import Appointment, Location
from nervepath.wearables.models import Recording

from .conftest import SNAPSHOT, unzip
from .test_exports import ID_COLUMN, UUID

# A whole-system check: `make test` runs it once, in its hard-moment pass (Makefile).
pytestmark = pytest.mark.once

RANDOM_TOKEN = re.compile(r"\bS-[0-9A-Z]{8}\b|\br[0-9a-f]{24}\b")


def _date_forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{day:%b} {day.day}, {day.year}",
        f"{day:%B} {day.day}, {day.year}",
    ]


def _words(*values: str) -> set[str]:
    return {v.strip() for v in values if v and v.strip()}


def test_no_identifier_of_any_demo_patient_is_in_either_export(full_demo):
    patients = list(Patient.objects.select_related("user"))
    assert len(patients) >= 7

    names: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    births: set[str] = set()
    for p in patients:
        names |= _words(p.user.first_name, p.user.last_name)
        emails.add(p.user.email)
        if p.phone:
            phones.add(p.phone)
        if p.date_of_birth:
            births.update(_date_forms(p.date_of_birth))
    staff = User.objects.exclude(role=Role.PATIENT)
    for u in staff:
        names |= _words(u.first_name, u.last_name)
        emails.add(u.email)
    places: set[str] = set()
    for loc in Location.objects.all():
        places |= _words(loc.name, loc.city, loc.address, loc.postal_code)
        phones.add(loc.phone)
    files_names = set(Recording.objects.values_list("original_name", flat=True))
    assert files_names
    real_days = {
        d.isoformat()
        for d in [
            *Surgery.objects.values_list("operated_on", flat=True),
            *NerveBlock.objects.values_list("given_on", flat=True),
            *(a.local_start.date() for a in Appointment.objects.select_related("location")),
        ]
    }

    exports: dict[str, dict[str, str]] = {}
    members = set()
    for procedure in cohorts.PROCEDURES:
        selection = cohorts.select({"procedure": procedure})
        assert selection.members, procedure
        members |= set(selection.patient_ids)
        exports[f"csv-{procedure}"] = unzip(
            deidentified_zip(
                selection,
                definition_lines=cohorts.describe(selection.filters),
                snapshot_at=SNAPSHOT,
                code_version="scan",
            )
        )
        exports[f"fhir-{procedure}"] = unzip(fhir_bulk_zip(selection, snapshot_at=SNAPSHOT))
    assert len(members) >= 5

    # Scanned by tokens: every word, e-mail, digit run, phone-like and date-like string of
    # each file is read once and looked up, so thousands of people scan in seconds.
    single = {w.lower() for w in names | places if re.fullmatch(r"[A-Za-z'-]+", w)}
    several = {w.lower() for w in names | places} - single
    phone_digits = {re.sub(r"\D", "", phone) for phone in phones}
    lowered_files = {f.lower() for f in files_names}
    date_like = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}")
    for export, files in exports.items():
        for name, text in files.items():
            where = f"{export}/{name}"
            lower = text.lower()
            # Random study codes and resource ids can spell a short name by chance
            # ("S-2SAM8..." holds "sam"): they are not words of the export.
            prose = RANDOM_TOKEN.sub(" ", text).lower()
            words = set(re.findall(r"[a-z][a-z'-]*", prose))
            words |= {w.strip("'-") for w in words}
            assert not words & single, (where, words & single)
            numbers = set(re.findall(r"\d+", text))
            # A phrase ("Ashgrove 11", "Fort Collins") can occur only if all its parts do.
            maybe = [
                w
                for w in several
                if set(re.findall(r"[a-z][a-z'-]*", w)) <= words
                and set(re.findall(r"\d+", w)) <= numbers
            ]
            assert not [w for w in maybe if re.search(rf"\b{re.escape(w)}\b", lower)], where
            found = set(re.findall(r"[\w.+-]+@[\w.-]+", lower))
            assert not found & emails, (where, found & emails)
            assert "nervepath.org" not in lower, where
            assert not numbers & phone_digits, where
            assert not [p for p in phones if p in text], where
            dates = set(date_like.findall(text))
            assert not dates & births, (where, dates & births)
            assert not [f for f in lowered_files if f in lower], where
            assert not UUID.search(text), where
            if export.startswith("csv"):
                assert not dates & real_days, (where, dates & real_days)
            if name.endswith(".csv"):
                header = next(csv.reader(io.StringIO(text)))
                assert not [h for h in header if ID_COLUMN.search(h)], where
            if name.endswith(".ndjson"):
                for line in text.splitlines():
                    resource = json.loads(line)
                    assert not re.fullmatch(r"\d+", resource["id"]), where
        ages = [r["age_years"] for r in csv.DictReader(io.StringIO(files.get("subjects.csv", "")))]
        for age in ages:
            assert age in ("", "90+") or int(age) < 90, (export, age)
