# SPDX-License-Identifier: AGPL-3.0-or-later
"""The IRLSSG 2014 diagnosis read from its two halves: the patient's history (criteria
1-4 and the specifiers, ``rls_diagnosis``) and the clinician's judgement of criterion 5
(``rls_criterion5``).

Allen RP, Picchietti DL, Garcia-Borreguero D, et al. Sleep Med 2014;15:860-873: all five
essential criteria make the diagnosis. Criterion 5 (the features are not solely accounted
for by another condition) needs a clinician's history and examination, so a patient's
form alone never completes it. The course (chronic-persistent, intermittent) is a
specifier: it describes the diagnosis and never refuses it; with fewer than five lifetime
episodes the course is "not yet determined".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nervepath.science.instruments.model import Result

SOURCE = "Allen RP et al., Sleep Med 2014;15:860-873 (IRLSSG 2014 consensus criteria)."
COURSES = {
    "chronic_persistent": "chronic-persistent",
    "intermittent": "intermittent",
    "not_determined": "course not yet determined (fewer than five episodes so far)",
}


@dataclass(frozen=True)
class DiagnosisStatus:
    """``code``: not_met, awaits_clinician, met or excluded (criterion 5 not met)."""

    code: str
    text: str
    course: str | None
    source: str = SOURCE


def diagnosis_status(
    patient: Result | None,
    patient_answers: Mapping[str, object] | None = None,
    criterion5: Result | None = None,
) -> DiagnosisStatus | None:
    """Where the diagnosis stands, or None when the patient has not answered yet."""
    if patient is None:
        return None
    met = patient.scores.get("criteria_met")
    answers = patient_answers or {}
    course_value = answers.get("course")
    course = COURSES.get(course_value) if isinstance(course_value, str) else None
    if met is None or met < 4:
        shown = "?" if met is None else f"{met:g}"
        return DiagnosisStatus(
            "not_met",
            f"Criteria 1–4 not all met ({shown} of 4): the IRLSSG criteria for RLS are not met.",
            None,
        )
    suffix = f"; course: {course}" if course else ""
    if criterion5 is None:
        return DiagnosisStatus(
            "awaits_clinician",
            f"Criteria 1–4 met, criterion 5 awaits the clinician{suffix}.",
            course,
        )
    if criterion5.positive:
        return DiagnosisStatus(
            "met", f"All five essential criteria met (criterion 5 confirmed){suffix}.", course
        )
    return DiagnosisStatus(
        "excluded",
        "Criteria 1–4 met, but the clinician found another condition accounts for the "
        "symptoms (criterion 5 not met): the criteria for RLS are not met.",
        course,
    )
