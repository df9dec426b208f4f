# SPDX-License-Identifier: AGPL-3.0-or-later
"""Kaplan-Meier estimate, log-rank test, and the return of symptoms after a response.

Kaplan-Meier (Kaplan EL & Meier P, J Am Stat Assoc 1958;53:457-481): at each distinct
event time t, S(t) = Π (1 - d_i / n_i). Variance by Greenwood's formula
(Greenwood M, Rep Public Health Med Subj 1926;33), and the 95 % CI on the log(-log) scale
(Kalbfleisch JD & Prentice RL, The Statistical Analysis of Failure Time Data, 1980):

    se = √(Σ d_i / (n_i (n_i - d_i))) / |log S(t)|
    CI = [S(t)^exp(+z·se), S(t)^exp(-z·se)]

Left truncation (delayed entry) is supported: a subject entering at time e (e < duration) is
at risk at times t with e < t <= duration. The median is the first time with S(t) <= 0.5.

Log-rank test (Mantel N, Cancer Chemother Rep 1966;50:163-170; Peto R & Peto J, J R Stat
Soc A 1972;135:185-207): at each distinct event time, O - E for the first group and the
hypergeometric variance d (n1/n)(1 - n1/n)(n - d)/(n - 1); chi-square = (ΣO-E)²/ΣV on 1 df.

Recurrence ("symptom return"): from the subjects x timepoints IRLS table, a subject who
was a responder (IRLS >= 50 % below baseline) at some follow-up is at risk from the first
responding follow-up (its observed day); the event is the first LATER observed follow-up
where the subject is no longer a responder (time = that follow-up's observed day);
otherwise the subject is censored at the last observed follow-up day. Non-responders, and
subjects with no baseline or a baseline of 0, are excluded; responders with no later
follow-up are counted but add nothing to the estimate (no time at risk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from nervepath.science.outcomes.measures import BASELINE_KEY


@dataclass(frozen=True)
class Step:
    time: float
    at_risk: int
    events: int
    censored: int
    survival: float
    ci_low: float | None
    ci_high: float | None


@dataclass
class KaplanMeier:
    n: int
    events: int
    steps: list[Step]
    median: float | None  # None when S(t) never reaches 0.5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def survival_at(self, t: float) -> float:
        s = 1.0
        for step in self.steps:
            if step.time > t:
                break
            s = step.survival
        return s


def _arrays(
    durations: ArrayLike, events: ArrayLike, entry: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    s = np.full_like(t, -np.inf) if entry is None else np.asarray(entry, dtype=float)
    if not (t.shape == e.shape == s.shape) or t.ndim != 1:
        raise ValueError("durations, events and entry must be 1-D and of equal length")
    if np.any(s >= t):
        raise ValueError("an entry time lies on or after its duration")
    return t, e, s


def _at_risk(times: NDArray[np.float64], t: NDArray[np.float64], s: NDArray[np.float64]) -> Any:
    """Number with entry < time <= duration, for each of `times` (vectorised)."""
    ts, ss = np.sort(t), np.sort(s)
    return (len(t) - np.searchsorted(ts, times, side="left")) - (
        len(s) - np.searchsorted(ss, times, side="left")
    )


def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    entry: ArrayLike | None = None,
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan-Meier steps at every distinct time with an event or a censoring."""
    t, e, s = _arrays(durations, events, entry)
    if t.size == 0:
        return KaplanMeier(0, 0, [], None)
    times = np.unique(t)
    at_risk = _at_risk(times, t, s)
    idx = np.searchsorted(times, t)
    d = np.bincount(idx, weights=e.astype(float), minlength=times.size).astype(int)
    c = np.bincount(idx, weights=(~e).astype(float), minlength=times.size).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1 - d / np.maximum(at_risk, 1), 1.0)
        surv = np.cumprod(factor)
        gw_terms = np.where(
            (d > 0) & (at_risk > d), d / (at_risk * (at_risk - d)), np.where(d > 0, np.inf, 0)
        )
        gw = np.cumsum(gw_terms)
        log_s = np.log(surv)
        se = np.sqrt(gw) / np.abs(log_s)
        z = float(stats.norm.ppf(1 - alpha / 2))
        lo = surv ** np.exp(z * se)
        hi = surv ** np.exp(-z * se)
    steps = []
    for i, time in enumerate(times):
        defined = 0 < surv[i] < 1 and np.isfinite(se[i])
        steps.append(
            Step(
                time=float(time),
                at_risk=int(at_risk[i]),
                events=int(d[i]),
                censored=int(c[i]),
                survival=float(surv[i]),
                ci_low=float(lo[i]) if defined else None,
                ci_high=float(hi[i]) if defined else None,
            )
        )
    below = np.nonzero(surv <= 0.5)[0]
    median = float(times[below[0]]) if below.size else None
    return KaplanMeier(int(t.size), int(e.sum()), steps, median)


@dataclass(frozen=True)
class LogRank:
    statistic: float | None
    p_value: float | None
    observed: tuple[int, int]
    expected: tuple[float, float]
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def logrank(
    durations: ArrayLike,
    events: ArrayLike,
    group: ArrayLike,
    entry: ArrayLike | None = None,
) -> LogRank:
    """Two-group log-rank test; ``group`` holds two distinct labels (the first sorted is
    group 1)."""
    t, e, s = _arrays(durations, events, entry)
    g = np.asarray(group)
    labels = np.unique(g)
    if labels.size != 2:
        return LogRank(None, None, (0, 0), (0.0, 0.0), "Exactly two groups are needed.")
    in1 = g == labels[0]
    times = np.unique(t[e])
    if times.size == 0:
        o = (0, 0)
        return LogRank(None, None, o, (0.0, 0.0), "No events: no test.")
    n = _at_risk(times, t, s).astype(float)
    n1 = _at_risk(times, t[in1], s[in1]).astype(float)
    idx = np.searchsorted(times, t[e])
    d = np.bincount(idx, minlength=times.size).astype(float)
    d1 = np.bincount(np.searchsorted(times, t[e & in1]), minlength=times.size).astype(float)
    e1 = d * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
    o1, ex1, var = float(d1.sum()), float(e1.sum()), float(v.sum())
    observed = (int(o1), int(d.sum() - o1))
    expected = (ex1, float(d.sum()) - ex1)
    if var <= 0:
        return LogRank(None, None, observed, expected, "No variance: no test.")
    chi2 = (o1 - ex1) ** 2 / var
    return LogRank(chi2, float(stats.chi2.sf(chi2, 1)), observed, expected)


@dataclass
class Recurrence:
    """Who is followed for symptom return, and their KM estimate."""

    codes: list[str]
    entry: list[float]
    duration: list[float]
    event: list[bool]
    responders: int  # responders at some follow-up (incl. those with no later follow-up)
    no_later_followup: int
    excluded_non_responders: int
    excluded_no_baseline: int
    km: KaplanMeier | None = None
    note: str = field(
        default="At risk from the first follow-up with IRLS >= 50 % below baseline; the event "
        "is the first later follow-up no longer >= 50 % below baseline. Non-responders and "
        "subjects without a baseline above 0 are excluded."
    )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recurrence(
    values: pd.DataFrame,
    days: pd.DataFrame,
    followups: Sequence[str],
    min_percent: float = 50.0,
) -> Recurrence:
    """Symptom return after a response, from subjects x timepoints tables of IRLS values
    and of the observed days (columns: the baseline key and the follow-up keys in order)."""
    base = values[BASELINE_KEY].to_numpy(dtype=float)
    fu = values[list(followups)].to_numpy(dtype=float)
    fd = days[list(followups)].to_numpy(dtype=float)
    has_base = np.isfinite(base) & (base > 0)
    observed = np.isfinite(fu)
    with np.errstate(divide="ignore", invalid="ignore"):
        resp = observed & ((base[:, None] - fu) / base[:, None] * 100 >= min_percent)
    resp &= has_base[:, None]
    ever = resp.any(axis=1)
    n_cols = fu.shape[1]
    first = np.where(ever, resp.argmax(axis=1), n_cols)
    col = np.arange(n_cols)[None, :]
    later = observed & (col > first[:, None])
    lost = later & ~resp
    has_event = lost.any(axis=1)
    event_col = lost.argmax(axis=1)
    has_later = later.any(axis=1)
    last_col = n_cols - 1 - later[:, ::-1].argmax(axis=1)
    rows = np.nonzero(ever & has_later)[0]
    codes = list(values.index)
    entry = fd[rows, first[rows]]
    end_col = np.where(has_event[rows], event_col[rows], last_col[rows])
    duration = fd[rows, end_col]
    event = has_event[rows]
    km = kaplan_meier(duration, event, entry=entry) if rows.size else None
    return Recurrence(
        codes=[str(codes[i]) for i in rows],
        entry=[float(x) for x in entry],
        duration=[float(x) for x in duration],
        event=[bool(x) for x in event],
        responders=int(ever.sum()),
        no_later_followup=int((ever & ~has_later).sum()),
        excluded_non_responders=int((has_base & observed.any(axis=1) & ~ever).sum()),
        excluded_no_baseline=int((~has_base).sum()),
        km=km,
    )
