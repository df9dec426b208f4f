# SPDX-License-Identifier: AGPL-3.0-or-later
"""A synthetic outcomes cohort with known effects, for tests and the benchmark.

IRLS falls by about half after surgery and partly returns in some patients; pain falls by
about 3 points; the nights measures have several nights per window; some follow-ups are
missing at random.
"""

from __future__ import annotations

import numpy as np

from nervepath.science.outcomes.data import Dataset, Observation, Reading, Subject
from nervepath.science.outcomes.measures import DEFAULT_MEASURES, DEFAULT_TIMEPOINTS

NERVES = ("common_peroneal", "superficial_peroneal", "tibial")


def cohort(
    n: int = 200,
    seed: int = 0,
    missing: float = 0.15,
    readings: int | None = None,
    nights: int = 2,
) -> Dataset:
    rng = np.random.default_rng(seed)
    codes = [f"S-{i:06d}" for i in range(n)]
    diabetes = rng.random(n)
    subjects = tuple(
        Subject(
            code=c,
            age=int(rng.integers(35, 95)),
            sex=str(rng.choice(["female", "male", "other", ""], p=[0.55, 0.4, 0.02, 0.03])),
            diabetes=None if d < 0.05 else bool(d < 0.4),
            legs=int(rng.integers(1, 3)),
            block_response=str(
                rng.choice(["candidate", "not_candidate", "not_reviewed", "no_block"])
            ),
        )
        for c, d in zip(codes, diabetes, strict=True)
    )
    days = np.array([-14, 14, 91, 182, 365])
    base_irls = rng.integers(12, 38, n).astype(float)
    base_pain = rng.integers(3, 11, n).astype(float)
    relapse = rng.random(n) < 0.3
    code_col: list[str] = []
    measure_col: list[str] = []
    day_col: list[int] = []
    value_col: list[float] = []

    def add(i: int, measure: str, day: int, value: float) -> None:
        code_col.append(codes[i])
        measure_col.append(measure)
        day_col.append(day)
        value_col.append(value)

    for i in range(n):
        for j, day in enumerate(days):
            if j > 0 and rng.random() < missing:
                continue
            d = int(day + rng.integers(-5, 6)) if j > 0 else int(rng.integers(-60, 1))
            frac = 1.0 if j == 0 else (0.4 if not (relapse[i] and j >= 3) else 0.85)
            irls = round(base_irls[i] * frac + rng.normal(0, 3))
            add(i, "irls_total", d, float(np.clip(irls, 0, 40)))
            pain = base_pain[i] - (0 if j == 0 else 3) + rng.normal(0, 1.5)
            add(i, "pain_max", d, float(np.clip(round(pain), 0, 10)))
            add(i, "sleep_nights", d, float(rng.integers(0, 8)))
            for night in range(nights):
                plm = rng.gamma(2, 12) * (1 if j == 0 else 0.7)
                add(i, "plms_index", d + night, float(plm))
                add(i, "movements_per_hour", d + night, float(plm * 1.5 + rng.normal(0, 2)))
    observations = tuple(
        Observation(c, m, d, v)
        for c, m, d, v in zip(code_col, measure_col, day_col, value_col, strict=True)
    )
    k = readings if readings is not None else n
    idx = rng.integers(0, n, k)
    before = rng.gamma(3, 20, k).round(1)
    before[rng.random(k) < 0.02] = 0.0
    after = (before * rng.lognormal(0.3, 0.4, k)).round(1)
    reading_rows = tuple(
        Reading(codes[i], str(rng.choice(["left", "right"])), NERVES[j % 3], float(b), float(a))
        for j, (i, b, a) in enumerate(zip(idx, before, after, strict=True))
    )
    return Dataset(
        subjects=subjects,
        observations=observations,
        readings=reading_rows,
        measures=DEFAULT_MEASURES,
        timepoints=DEFAULT_TIMEPOINTS,
        definition={"name": "synthetic", "seed": seed},
        snapshot_at="2025-01-01T00:00:00Z",
        code_version="test",
    )
