# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo has questionnaires: the types' sets, trends, red flags and an intake to fill."""

from __future__ import annotations

import io

from django.core.management import call_command

from nervepath.accounts.models import Patient
from nervepath.assessment import summary
from nervepath.assessment.models import Request, Response, TypeQuestionnaires
from nervepath.science import instruments

# On SQLite only: the whole demo (``full_demo``) takes some 20 s to build on PostgreSQL.
# There the production-stack test seeds the demo's clinic (tests/deploy/test_stack.py)
# and the questionnaire tests run again (test_portal.py, test_clinician.py).


def test_the_demo_seeds_questionnaires_whose_scores_match_the_engine(full_demo):
    count = Response.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # repeatable
    assert Response.objects.count() == count > 20
    sets = {t.appointment_type.slug: t.instrument_ids for t in TypeQuestionnaires.objects.all()}
    assert sets["follow-up"] == ["irls", "pain_nrs", "clinic_sleep"]
    assert len(sets["new-patient"]) == 6
    demo = Patient.objects.get(user__email="patient@demo.nervepath.org")
    # Without the licensed IRLS wording the IRLS is the clinician's: five to fill.
    pending = Request.objects.filter(patient=demo, state="pending")
    assert sorted(pending.values_list("instrument_id", flat=True)) == [
        "clinic_sleep",
        "mnsi",
        "pain_nrs",
        "rls_diagnosis",
        "symptom_history",
    ]
    for response in Response.objects.all():
        result = instruments.score(instruments.load(response.instrument_id), response.answers)
        assert response.result["total"] == result.total
        assert response.result["band"] == result.band
    # The demo's named patients; the research history's made-up ones are checked in
    # tests/research.
    named = Patient.objects.exclude(user__email__endswith="@example.invalid")
    trends = [p for p in named if len(summary.points(p, "irls").get("irls", [])) >= 2]
    assert len(trends) >= 3
    flagged = [p for p in trends if any(f.severity == "urgent" for f, _ in summary.build(p).flags)]
    assert len(flagged) == 1
