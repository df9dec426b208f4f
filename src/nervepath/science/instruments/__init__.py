# SPDX-License-Identifier: AGPL-3.0-or-later
"""Questionnaire instruments as data: definition files in `definitions/`, scored by code.

Adding an instrument means adding a YAML file (format: docs/instruments.md), not code.
Scores, bands, cut-offs and red flags cite their sources in the files. Red flags inform
the clinician; they do not diagnose.
"""

from __future__ import annotations

from nervepath.science.instruments.fhir import to_fhir_questionnaire, to_fhir_response
from nervepath.science.instruments.loader import available, load, load_file
from nervepath.science.instruments.model import (
    RESULT_SCHEMA_VERSION,
    AnswerError,
    DefinitionError,
    Flag,
    Instrument,
    Item,
    Option,
    Result,
    Source,
)
from nervepath.science.instruments.scoring import red_flags, score, unanswered, validate

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "AnswerError",
    "DefinitionError",
    "Flag",
    "Instrument",
    "Item",
    "Option",
    "Result",
    "Source",
    "available",
    "load",
    "load_file",
    "red_flags",
    "score",
    "to_fhir_questionnaire",
    "to_fhir_response",
    "unanswered",
    "validate",
]
