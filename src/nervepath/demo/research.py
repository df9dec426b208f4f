# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's research data: a few years of made-up operated patients, three saved cohorts
and one analysis already run, so the research pages have something to show.

The demo's named patients stay as they are; the history is written by
`synthetic.make_history` under its own e-mail prefix, and the analysis goes through the
same code as the "Run the analysis" button.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import Role, User
from nervepath.research import cohorts, dataset
from nervepath.research.models import AnalysisRun, Cohort
from nervepath.research.synthetic import make_history
from nervepath.science.outcomes.analysis import analyse

HISTORY_PATIENTS = 400
COHORTS = [
    (
        "All decompressions",
        "Every patient with a decompression done: IRLS, pain, sleep and nights before and "
        "after, by diabetes.",
        {"procedure": "decompression"},
    ),
    (
        "Diabetic decompressions, 12 months reached",
        "Diabetic patients who completed the 12-month follow-up.",
        {"procedure": "decompression", "diabetes": "yes", "follow_up_reached": "12 months"},
    ),
    (
        "Nerve blocks",
        "Everyone who had a diagnostic nerve block, whatever happened next.",
        {"procedure": "block"},
    ),
]


@transaction.atomic
def seed() -> str:
    researcher = User.objects.filter(role=Role.RESEARCHER).order_by("pk").first()
    if researcher is None or Cohort.objects.exists():
        return "Research: skipped (no researcher, or cohorts already there)."
    counts = make_history(
        HISTORY_PATIENTS,
        seed=11,
        today=timezone.localdate(),
        surgical_share=0.4,
        prefix="history",
    )
    saved = []
    for name, description, filters in COHORTS:
        saved.append(
            Cohort.objects.create(
                name=name,
                description=description,
                filters=cohorts.clean_filters(filters),
                created_by=researcher,
            )
        )
    first = saved[0]
    selection = cohorts.select(first.filters)
    snapshot_at = timezone.now()
    data = dataset.build(first.name, selection, snapshot_at)
    AnalysisRun.objects.create(
        cohort=first,
        definition=data.definition,
        snapshot_at=snapshot_at,
        code_version=data.code_version,
        patients=selection.patients,
        legs=selection.legs,
        result=analyse(data).as_dict(),
        created_by=researcher,
    )
    return (
        f"Research: {counts.get('patients', 0)} patients of made-up history, "
        f"{len(saved)} cohorts, one analysis of {selection.patients} operated patients."
    )
