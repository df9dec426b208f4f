# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinical cut-off shown with every PLMS index.

American Academy of Sleep Medicine, International Classification of Sleep Disorders,
3rd edition (ICSD-3, 2014), periodic limb movement disorder, criterion B: a PLMS index
greater than 15 per hour in adults (greater than 5 per hour in children). The index
alone does not make the diagnosis (criteria C and D: a sleep complaint not explained
otherwise); nervepath shows where a night stands, the clinician decides.
"""

PLMS_CUTOFF_ADULT = 15.0
CUTOFF_SOURCE = "ICSD-3 (AASM 2014): PLMS index > 15/h in adults"


def above_cutoff(plms_index: float | None) -> bool:
    return plms_index is not None and plms_index > PLMS_CUTOFF_ADULT
