# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nerve tests and nerve surgery, in plain Python: the response to a diagnostic nerve
block (days of relief in the patient's diary) and the change in intraoperative nerve
monitoring readings before and after a release. No Django here."""

from nervepath.science.nerves.monitoring import (
    NERVES,
    MonitoringError,
    NerveChange,
    Reading,
    changes,
    parse_csv,
)
from nervepath.science.nerves.relief import (
    CandidateRule,
    ReliefSummary,
    Verdict,
    summarise,
)

__all__ = [
    "NERVES",
    "CandidateRule",
    "MonitoringError",
    "NerveChange",
    "Reading",
    "ReliefSummary",
    "Verdict",
    "changes",
    "parse_csv",
    "summarise",
]
