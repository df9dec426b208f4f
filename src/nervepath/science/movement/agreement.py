# SPDX-License-Identifier: AGPL-3.0-or-later
"""Agreement between nervepath's leg movements and a scorer's, from an EDF+ study.

A clinic checks the detector on its own scored sleep studies: the scorer's leg-movement
annotations are read from the EDF+ file, the same file is analysed, and the two are
compared movement by movement (overlap in time, same leg where the scorer names one)
and as indices scored by the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nervepath.science.movement.events import LegMovements
from nervepath.science.movement.recording import Annotation, EmgRecording
from nervepath.science.movement.report import NightReport

__all__ = ["LM_LABEL", "Agreement", "compare_with_scorer", "scorer_movements"]

#: Annotation labels read as a scored leg movement: "Limb movement (left)", "Leg
#: Movement", "LM", "PLM", "Periodic limb movement - right", "LM-L"...
LM_LABEL = re.compile(r"(limb|leg)[\s_-]*mov|^\s*p?lms?\b|\bp?lm[\s_-]*[lr]\b", re.IGNORECASE)
_LEFT = re.compile(r"\bleft\b|\(l\)|[\s_-]l\s*$|\blm[\s_-]*l\b", re.IGNORECASE)
_RIGHT = re.compile(r"\bright\b|\(r\)|[\s_-]r\s*$|\blm[\s_-]*r\b", re.IGNORECASE)


def scorer_movements(annotations: list[Annotation]) -> LegMovements:
    """The scorer's leg movements among the annotations.

    The leg is taken from the label ("left"/"right", "(L)", "LM-R"...), else ``"leg"``
    (either). Annotations without a duration are taken as 0.5 s, the shortest leg
    movement of WASM 2016.
    """
    rows = []
    for a in annotations:
        if not LM_LABEL.search(a.label):
            continue
        side = "left" if _LEFT.search(a.label) else "right" if _RIGHT.search(a.label) else "leg"
        rows.append((a.onset, a.onset + (a.duration if a.duration > 0 else 0.5), side))
    rows.sort()
    return LegMovements(
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype="<U5"),
        np.ones(len(rows)),
    )


@dataclass
class Agreement:
    """How nervepath's movements agree with a scorer's.

    Counts are of monolateral movements (per leg); ``sensitivity`` is the share of
    the scorer's movements nervepath found, ``precision`` the share of nervepath's the
    scorer scored. Onset and offset differences are nervepath minus scorer, seconds,
    over matched pairs. ``kappa`` is Cohen's kappa of "a movement starts in this 30-s
    epoch". The two reports score both sets of movements by the same rules.
    """

    n_scorer: int
    n_nervepath: int
    matched_scorer: int
    matched_nervepath: int
    sensitivity: float
    precision: float
    f1: float
    onset_diff_median_s: float
    offset_diff_median_s: float
    kappa: float
    scorer_report: NightReport
    nervepath_report: NightReport

    def lines(self) -> list[str]:
        """A readable table."""

        def num(x: float, digits: int = 2) -> str:
            return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"

        s, n = self.scorer_report, self.nervepath_report
        return [
            f"{'':28}{'scorer':>10}{'nervepath':>12}",
            f"{'leg movements':28}{self.n_scorer:>10}{self.n_nervepath:>12}",
            f"{'candidate movements':28}{s.n_candidates:>10}{n.n_candidates:>12}",
            f"{'PLM in sleep':28}{s.n_plms:>10}{n.n_plms:>12}",
            f"{'PLMS index (/h)':28}{num(s.plms_index, 1):>10}{num(n.plms_index, 1):>12}",
            "",
            f"matched: {self.matched_scorer} of the scorer's, "
            f"{self.matched_nervepath} of nervepath's",
            f"sensitivity {num(self.sensitivity)}  precision {num(self.precision)}  "
            f"F1 {num(self.f1)}  epoch kappa {num(self.kappa)}",
            f"onset difference median {num(self.onset_diff_median_s)} s, "
            f"offset difference median {num(self.offset_diff_median_s)} s "
            "(nervepath minus scorer)",
        ]


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    n = a.size
    if n == 0:
        return float("nan")
    po = float((a == b).mean())
    pa, pb = a.mean(), b.mean()
    pe = float(pa * pb + (1 - pa) * (1 - pb))
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def compare_with_scorer(
    recording: EmgRecording,
    found: LegMovements,
    scored: LegMovements,
    *,
    nervepath_report: NightReport,
    scorer_report: NightReport,
    epoch_s: float = 30.0,
) -> Agreement:
    """Match movements by overlap (same leg unless the scorer's leg is ``"leg"``)."""
    hit_s = np.zeros(len(scored), dtype=bool)
    hit_f = np.zeros(len(found), dtype=bool)
    d_on, d_off = [], []
    for i in range(len(scored)):
        same = (found.side == scored.side[i]) | (scored.side[i] == "leg")
        overlap = same & (found.onset < scored.offset[i]) & (found.offset > scored.onset[i])
        if overlap.any():
            hit_s[i] = True
            j = np.flatnonzero(overlap)
            hit_f[j] = True
            k = j[np.argmin(np.abs(found.onset[j] - scored.onset[i]))]
            d_on.append(found.onset[k] - scored.onset[i])
            d_off.append(found.offset[k] - scored.offset[i])
    sens = float(hit_s.mean()) if len(scored) else float("nan")
    prec = float(hit_f.mean()) if len(found) else float("nan")
    f1 = 2 * sens * prec / (sens + prec) if sens + prec > 0 else float("nan")
    n_ep = max(1, int(np.ceil(recording.duration / epoch_s)))
    ep_s = np.zeros(n_ep, dtype=bool)
    ep_f = np.zeros(n_ep, dtype=bool)
    ep_s[np.minimum((scored.onset // epoch_s).astype(int), n_ep - 1)] = True
    ep_f[np.minimum((found.onset // epoch_s).astype(int), n_ep - 1)] = True
    return Agreement(
        n_scorer=len(scored),
        n_nervepath=len(found),
        matched_scorer=int(hit_s.sum()),
        matched_nervepath=int(hit_f.sum()),
        sensitivity=sens,
        precision=prec,
        f1=f1,
        onset_diff_median_s=float(np.median(d_on)) if d_on else float("nan"),
        offset_diff_median_s=float(np.median(d_off)) if d_off else float("nan"),
        kappa=_kappa(ep_s, ep_f),
        scorer_report=scorer_report,
        nervepath_report=nervepath_report,
    )
