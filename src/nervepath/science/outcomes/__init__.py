# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outcomes research statistics: pure NumPy/SciPy/pandas/statsmodels, never Django.

Modules (imported on demand; this file imports nothing):

* ``data``: the input contract (Subject, Observation, Reading, Band, Measure, Timepoint,
  Dataset).
* ``measures``: default measures with bands and MCIDs, timepoints and their windows,
  responder definitions.
* ``assemble``: a Dataset into subjects x timepoints tables by the window rules.
* ``describe``: n, mean, SD, median, quartiles, range.
* ``paired``: before/after on complete pairs (paired t or Wilcoxon signed-rank).
* ``groups``: two groups (Welch t or Mann-Whitney U) and categories (chi-square/Fisher).
* ``responders``: responder flags and shares with Wilson intervals.
* ``repeated``: GEE over all follow-ups, mixed-model sensitivity analysis.
* ``survival``: Kaplan-Meier, log-rank, symptom return after a response.
* ``monitoring``: intraoperative amplitude change per nerve.
* ``table1``: the journal Table 1.
* ``analysis``: ``analyse(dataset)`` running all of it.
* ``format``: journal-style p-values and JSON-safe values.

Methods, choice rules and sources: docs/research-statistics.md.
"""
