# SPDX-License-Identifier: AGPL-3.0-or-later
"""Outcomes statistics: time of `analyse` on a large synthetic cohort.

Run on demand (never in CI)::

    PYTHONPATH=src:tests .venv/bin/python benchmarks/bench_outcomes.py [--subjects 3000]

The cohort (``tests/science/outcomes/synthetic.py``): 5 measures x 5 timepoints, one night
per visit for the nights measures, 15 % of follow-ups missing (about 66,000 observations
for 3000 subjects), 2000 monitoring readings. Reported: building the `Dataset` objects (a
stand-in for the cohort selection, which lives in the web app), `analyse`, and
`as_dict` + `json.dumps`; median of ``--repeat`` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from nervepath.science.outcomes.analysis import analyse
from science.outcomes.synthetic import cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=3000)
    parser.add_argument("--readings", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    analyse(cohort(50, nights=1))  # warm-up: imports
    build, run, dump = [], [], []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        ds = cohort(args.subjects, seed=i, readings=args.readings, nights=1)
        t1 = time.perf_counter()
        result = analyse(ds)
        t2 = time.perf_counter()
        json.dumps(result.as_dict(), allow_nan=False)
        t3 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
        dump.append(t3 - t2)
    print(
        f"subjects {args.subjects}, observations {len(ds.observations)}, readings "
        f"{len(ds.readings)}"
    )
    print(f"build dataset  {statistics.median(build):.3f} s")
    print(f"analyse        {statistics.median(run):.3f} s  (stages: {result.timings})")
    print(f"as_dict + json {statistics.median(dump):.3f} s")


if __name__ == "__main__":
    main()
