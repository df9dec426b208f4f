# SPDX-License-Identifier: AGPL-3.0-or-later
"""psgscoring 0.37 on one EDF+ sleep study, as a whole process (the peer of
``nervepath analyze``). Run with a Python that has psgscoring (and its mne), kept
apart from nervepath's environment::

    python3 -m venv /path/bench-venv && /path/bench-venv/bin/pip install psgscoring==0.37
    /path/bench-venv/bin/python benchmarks/psgscoring_night.py night.edf

Reads the EDF with mne (psgscoring's own reader), the hypnogram and respiratory events
from the EDF+ annotations, and runs psgscoring's ``analyze_plm`` (AASM rules, its
default respiratory exclusion); prints the PLM count and the PLMS index as JSON.
"""

from __future__ import annotations

import json
import sys

import mne
import numpy as np
from psgscoring.plm import analyze_plm

STAGES = {"W": "W", "N1": "N1", "N2": "N2", "N3": "N3", "R": "R"}


def main(path: str) -> None:
    raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
    fs = float(raw.info["sfreq"])
    picks = {name: i for i, name in enumerate(raw.ch_names)}
    left = raw.get_data(picks=[picks["Leg L"]], units="uV")[0]
    right = raw.get_data(picks=[picks["Leg R"]], units="uV")[0]
    n_epochs = int(np.ceil(left.size / fs / 30))
    hypno = ["W"] * n_epochs
    resp = []
    for onset, duration, label in zip(
        raw.annotations.onset, raw.annotations.duration, raw.annotations.description, strict=True
    ):
        if label in STAGES:
            hypno[min(n_epochs - 1, int(onset // 30))] = STAGES[label]
        elif "apnea" in label.lower() or "hypopnea" in label.lower():
            resp.append({"onset_s": float(onset), "duration_s": float(duration)})
    result = analyze_plm(
        left, right, fs, hypno=hypno, resp_events=resp, leg_unit="uV", event_list_cap=None
    )
    summary = result.get("summary", {})
    print(json.dumps({k: v for k, v in summary.items() if isinstance(v, int | float)}))


if __name__ == "__main__":
    main(sys.argv[1])
