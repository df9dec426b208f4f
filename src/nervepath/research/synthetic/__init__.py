# SPDX-License-Identifier: AGPL-3.0-or-later
"""A synthetic clinic history for outcomes research: the demo seed and the benchmark.

``make_history(n, seed=..., today=...)`` invents ``n`` patients with a plausible path
through the clinic and writes them through the real models with ``bulk_create``:

- every patient: a user (role patient, unusable password, ``<prefix>.<n>@example.invalid``),
  a ``Patient`` (age at the index procedure 25-95, a few over 89; sex about 60/38/1/1 %
  female/male/other/not recorded) and the intake questionnaires (``symptom_history`` with
  diabetes in about 30 %, ``rls_diagnosis``, ``mnsi``);
- the surgical share: a diagnostic nerve block 30-60 days before surgery with its 14-day
  relief diary and the clinician's ``CandidacyReview`` (the computed verdict is the real
  one, ``science.nerves.relief``), decompression of one or both legs (the second three to
  four weeks later) with intraoperative monitoring per nerve released, the configured
  follow-ups (``pathway.surgery.follow_up_plan``) and the outcome questionnaires (``irls``,
  ``pain_nrs``, ``clinic_sleep``) at baseline and around each follow-up that was attended;
  about 85 % respond (less often and less in diabetics), about 10 % relapse at 6-12 months;
- the others: questionnaires only, a block that did not make them candidates, or a
  therapy course with its sessions;
- nights (``wearables.Night``, one synthetic ``Recording`` with a done ``Analysis`` per
  patient with nights) before and after surgery for a subset of the surgical patients.

Every questionnaire result is the engine's own score of the generated answers
(``science.instruments``; stored as ``assessment.services.record_response`` stores it).

The package keeps the plan apart from the database:

- ``planner``: the generation, a pure function of its arguments (one
  ``random.Random(seed)``, no database, no Django): the same seed gives the same history;
- ``configured``: :func:`plan` and :func:`iter_plan` for this clinic (the follow-up
  schedule, block-diary rule and time zone from the settings);
- ``writer``: :func:`make_history` turns the plan into rows; it adds only new rows, in one
  transaction, and refuses a prefix whose addresses already exist.

Known shortcuts, acceptable for synthetic data:

- ``bulk_create`` writes no django-simple-history rows, so the synthetic records have no
  change history. ``bulk_create_with_history`` was measured at 1.8 times the time (2,000
  patients: 6.7 s against 11.9 s on SQLite) and would date every history row today.
- Speed: 20,000 patients (about 200,000 responses, 50,000 nights) take about 80 s on
  SQLite, about 200 MB of memory (patients are planned and written 1,000 at a time).
- Rows carry the dates they would have had (``created_at``, ``submitted_at``, ...): the
  ``auto_now``/``auto_now_add`` fields of the models written are switched off while the
  rows are inserted (``writer._dated``), in this process, for the length of the call. A
  submitted ``Response`` can be neither updated nor deleted, so this is the only way to
  date one in the past.
- Recordings point at no stored file (``storage_name`` ``synthetic/...``): their nights
  have no figure or CSV, and re-analysing such a recording fails.
"""

from nervepath.research.synthetic.configured import candidate_rule, iter_plan, plan
from nervepath.research.synthetic.planner import (
    INTAKE,
    MODALITIES,
    NERVES,
    OUTCOMES,
    PlannedBlock,
    PlannedCourse,
    PlannedFollowUp,
    PlannedNight,
    PlannedPatient,
    PlannedReading,
    PlannedReliefDay,
    PlannedResponse,
    PlannedSession,
    PlannedSurgery,
    check_prefix,
)
from nervepath.research.synthetic.writer import COUNTED, make_history

__all__ = [
    "COUNTED",
    "INTAKE",
    "MODALITIES",
    "NERVES",
    "OUTCOMES",
    "PlannedBlock",
    "PlannedCourse",
    "PlannedFollowUp",
    "PlannedNight",
    "PlannedPatient",
    "PlannedReading",
    "PlannedReliefDay",
    "PlannedResponse",
    "PlannedSession",
    "PlannedSurgery",
    "candidate_rule",
    "check_prefix",
    "iter_plan",
    "make_history",
    "plan",
]
