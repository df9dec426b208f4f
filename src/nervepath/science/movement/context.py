# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sleep-study context: sleep stages, arousals and respiratory events from annotations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from nervepath.science.movement.recording import Annotation
from nervepath.science.movement.rules import WASM_2016, ScoringRules

__all__ = [
    "StudyEvents",
    "arousal_associated",
    "parse_annotations",
    "respiratory_related",
]

_STAGE_RE = re.compile(
    r"^(?:sleep[\s_]*stage[\s_]*|stage[\s_]*)?(w|wake|n1|n2|n3|n4|r|rem|1|2|3|4)$",
    re.IGNORECASE,
)
_RESP_RE = re.compile(r"apn(o)?ea|hypopn(o)?ea|rera|respiratory effort", re.IGNORECASE)
_AROUSAL_RE = re.compile(r"arousal", re.IGNORECASE)


@dataclass
class StudyEvents:
    """Scored events of a sleep study, as (start, end) second pairs.

    Parameters
    ----------
    stages : list of (float, float, str)
        Epochs with stage ``"W"``, ``"N1"``, ``"N2"``, ``"N3"`` or ``"R"``.
    arousals, respiratory : ndarray, shape (K, 2)
        Start and end in seconds.
    """

    stages: list[tuple[float, float, str]] = field(default_factory=list)
    arousals: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    respiratory: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))

    def sleep_intervals(self) -> np.ndarray:
        """(start, end) of every sleep epoch (N1, N2, N3, R), merged where contiguous."""
        spans = [(s, e) for s, e, st in self.stages if st != "W"]
        if not spans:
            return np.empty((0, 2))
        spans.sort()
        merged = [list(spans[0])]
        for s, e in spans[1:]:
            if s <= merged[-1][1] + 1e-6:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return np.asarray(merged, dtype=np.float64)


def _stage(label: str) -> str | None:
    m = _STAGE_RE.match(label.strip())
    if not m:
        return None
    key = m.group(1).lower()
    return {
        "w": "W",
        "wake": "W",
        "r": "R",
        "rem": "R",
        "1": "N1",
        "2": "N2",
        "3": "N3",
    }.get(key, "N3" if key in {"n4", "4"} else key.upper())


def parse_annotations(annotations: list[Annotation], *, epoch_s: float = 30.0) -> StudyEvents:
    """Sort EDF+ annotations into sleep stages, arousals and respiratory events.

    Parameters
    ----------
    annotations : list of Annotation
        As read from the file.
    epoch_s : float, optional
        Stage epoch length used when a stage annotation has no duration (30 s).

    Returns
    -------
    StudyEvents
    """
    stages, arousals, resp = [], [], []
    for a in annotations:
        stage = _stage(a.label)
        if stage is not None:
            dur = a.duration if a.duration > 0 else epoch_s
            stages.append((a.onset, a.onset + dur, stage))
        elif _RESP_RE.search(a.label):
            resp.append((a.onset, a.end))
        elif _AROUSAL_RE.search(a.label):
            arousals.append((a.onset, a.end))
    return StudyEvents(
        stages=sorted(stages),
        arousals=np.asarray(arousals, dtype=np.float64).reshape(-1, 2),
        respiratory=np.asarray(resp, dtype=np.float64).reshape(-1, 2),
    )


def respiratory_related(
    onset: np.ndarray,
    offset: np.ndarray,
    events: np.ndarray,
    rules: ScoringRules = WASM_2016,
) -> np.ndarray:
    """Flag movements associated with a respiratory event.

    WASM 2016: a candidate movement is respiratory-related when any part of it
    overlaps the window from 2 s before to 10.25 s after the end of an apnea,
    hypopnea or RERA. AASM 2012: when it falls within 0.5 s before or after the event.

    Parameters
    ----------
    onset, offset : ndarray, shape (M,)
        Movement onsets and offsets in seconds.
    events : ndarray, shape (K, 2)
        Respiratory event start and end in seconds.
    rules : ScoringRules, optional
        Window definition.

    Returns
    -------
    ndarray of bool, shape (M,)

    References
    ----------
    Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in
    polysomnograms. Sleep Med 2016;26:86-95. doi:10.1016/j.sleep.2016.10.010
    """
    if events.size == 0 or onset.size == 0:
        return np.zeros(onset.size, dtype=bool)
    if rules.respiratory_anchor == "end":
        lo = events[:, 1] - rules.respiratory_before_s
    else:
        lo = events[:, 0] - rules.respiratory_before_s
    hi = events[:, 1] + rules.respiratory_after_s
    return _overlaps(onset, offset, lo, hi, gap=0.0)


def arousal_associated(
    onset: np.ndarray, offset: np.ndarray, arousals: np.ndarray, *, gap_s: float = 0.5
) -> np.ndarray:
    """Flag movements associated with an arousal (overlap or < 0.5 s apart).

    Parameters
    ----------
    onset, offset : ndarray, shape (M,)
        Movement onsets and offsets in seconds.
    arousals : ndarray, shape (K, 2)
        Arousal start and end in seconds.
    gap_s : float, optional
        Largest gap between the end of one event and the start of the other (0.5 s,
        WASM 2016 and AASM 2012).

    Returns
    -------
    ndarray of bool, shape (M,)
    """
    if arousals.size == 0 or onset.size == 0:
        return np.zeros(onset.size, dtype=bool)
    return _overlaps(onset, offset, arousals[:, 0], arousals[:, 1], gap=gap_s)


def _overlaps(
    onset: np.ndarray, offset: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, gap: float
) -> np.ndarray:
    """Whether [onset, offset] comes within ``gap`` (strictly) of any [lo, hi]."""
    order = np.argsort(lo)
    lo, hi = lo[order], hi[order]
    run_hi = np.maximum.accumulate(hi)
    # Last window starting before the movement ends (+gap).
    if gap > 0:
        idx = np.searchsorted(lo, offset + gap, side="left") - 1
    else:
        idx = np.searchsorted(lo, offset, side="right") - 1
    valid = idx >= 0
    reach = np.where(valid, run_hi[np.maximum(idx, 0)], -np.inf)
    if gap > 0:
        return valid & (reach > onset - gap)
    return valid & (reach >= onset)
