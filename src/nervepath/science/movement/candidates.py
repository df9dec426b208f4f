# SPDX-License-Identifier: AGPL-3.0-or-later
"""Candidate leg movements: bilateral merging and duration rules."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.rules import WASM_2016, ScoringRules

__all__ = ["Candidates", "candidate_movements"]

_EPS = 1e-9


@dataclass
class Candidates:
    """Leg movements after bilateral merging, with their candidate status.

    Parameters
    ----------
    onset, offset : ndarray of float
        Seconds from the start of the recording.
    side : ndarray of str
        ``"left"``, ``"right"``, ``"both"`` or ``"leg"``.
    n_monolateral : ndarray of int
        Monolateral movements merged into each movement.
    is_candidate : ndarray of bool
        Candidate leg movement (CLM). A movement that is not a candidate (too long,
        or too many monolateral parts) still ends a periodic series.
    reason : ndarray of str
        Why a movement is not a candidate (empty for candidates).
    amplitude : ndarray of float
        Largest amplitude of the monolateral movements merged into each movement.
    """

    onset: np.ndarray = field(default_factory=lambda: np.empty(0))
    offset: np.ndarray = field(default_factory=lambda: np.empty(0))
    side: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="<U5"))
    n_monolateral: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    is_candidate: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    reason: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="<U32"))
    amplitude: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __len__(self) -> int:
        return int(self.onset.size)

    @property
    def duration(self) -> np.ndarray:
        """Durations in seconds."""
        return self.offset - self.onset


def _clusters(mov: LegMovements, rules: ScoringRules) -> np.ndarray:
    """Cluster id per movement (movements sorted by onset) under the bilateral rule."""
    n = len(mov)
    ids = np.zeros(n, dtype=np.int64)
    if n == 0:
        return ids
    current = 0
    run_end = mov.offset[0]
    run_onset = mov.onset[0]
    for i in range(1, n):
        if rules.bilateral_rule == "onset":
            joins = mov.onset[i] - run_onset < rules.bilateral_gap_s - _EPS
        else:
            joins = mov.onset[i] - run_end < rules.bilateral_gap_s - _EPS
        if joins:
            run_end = max(run_end, mov.offset[i])
        else:
            current += 1
            run_end = mov.offset[i]
            run_onset = mov.onset[i]
        ids[i] = current
    return ids


def candidate_movements(movements: LegMovements, rules: ScoringRules = WASM_2016) -> Candidates:
    """Merge the two legs' movements into bilateral ones and apply the candidate rules.

    Movements of different legs that overlap or are less than 0.5 s apart (offset to
    onset) form one bilateral movement (WASM 2016); with AASM 2012 rules, movements
    whose onsets are less than 5 s apart do. A cluster of one leg only is left as its
    separate monolateral movements. A monolateral movement is a candidate when it
    lasts 0.5-10 s, a bilateral one when it lasts 0.5-15 s and is made of no more
    than 4 monolateral movements.

    Parameters
    ----------
    movements : LegMovements
        Monolateral movements of one or both legs.
    rules : ScoringRules, optional
        WASM 2016 (default) or AASM 2012.

    Returns
    -------
    Candidates

    References
    ----------
    Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in
    polysomnograms. Sleep Med 2016;26:86-95. doi:10.1016/j.sleep.2016.10.010
    """
    order = np.argsort(movements.onset, kind="stable")
    mov = LegMovements(
        movements.onset[order],
        movements.offset[order],
        movements.side[order],
        movements.amplitude[order],
    )
    keep = mov.duration >= rules.min_duration_s - _EPS
    mov = LegMovements(mov.onset[keep], mov.offset[keep], mov.side[keep], mov.amplitude[keep])
    ids = _clusters(mov, rules)
    onsets, offsets, sides, counts, ok, reasons, amps = [], [], [], [], [], [], []
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for members in np.split(np.arange(ids.size), bounds) if ids.size else []:
        legs = set(mov.side[members].tolist())
        if len(legs) < 2:
            groups = [[m] for m in members]
        else:
            groups = [list(members)]
        for g in groups:
            on = float(mov.onset[g].min())
            off = float(mov.offset[g].max())
            bilateral = len(g) > 1
            dur = off - on
            reason = ""
            if bilateral:
                limit = rules.max_monolateral_in_bilateral
                if limit is not None and len(g) > limit:
                    reason = f"more than {limit} monolateral movements"
                elif dur > rules.max_bilateral_s + _EPS:
                    reason = f"bilateral longer than {rules.max_bilateral_s:g} s"
            elif dur > rules.max_monolateral_s + _EPS:
                reason = f"longer than {rules.max_monolateral_s:g} s"
            onsets.append(on)
            offsets.append(off)
            sides.append("both" if bilateral else str(mov.side[g[0]]))
            counts.append(len(g))
            ok.append(reason == "")
            reasons.append(reason)
            amps.append(float(mov.amplitude[g].max()))
    return Candidates(
        onset=np.asarray(onsets, dtype=np.float64),
        offset=np.asarray(offsets, dtype=np.float64),
        side=np.asarray(sides, dtype="<U5"),
        n_monolateral=np.asarray(counts, dtype=np.int64),
        is_candidate=np.asarray(ok, dtype=bool),
        reason=np.asarray(reasons, dtype="<U32"),
        amplitude=np.asarray(amps, dtype=np.float64),
    )
