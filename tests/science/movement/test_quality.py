# SPDX-License-Identifier: AGPL-3.0-or-later
"""Signal quality per 30-s epoch: graded, left out of the indices, stated in the report."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement import EmgRecording, analyze_recording
from nervepath.science.movement.quality import MIN_SCORED_SLEEP_H

from .simulate import simulate_emg_night

FS = 256.0


def _night(seed: int = 11, hours: float = 1.5) -> EmgRecording:
    rec, _ = simulate_emg_night(seed, hours=hours, fs=FS)
    return rec


def _epochs(a: int, b: int) -> slice:
    return slice(int(a * 30 * FS), int(b * 30 * FS))


def test_a_clean_night_is_all_scorable():
    report = analyze_recording(_night())
    assert report.unscorable == []
    assert report.scored_h == pytest.approx(1.5)
    assert report.scored_sleep_h == pytest.approx(1.5)
    for leg in ("left", "right"):
        q = report.quality[leg]
        assert q["epochs"] == 180 and q["unscorable_epochs"] == 0
        assert 1.0 < q["noise_uv_median"] < 3.0  # the simulator's 1.5 µV +- 30 %
        assert q["hum_uv_median"] < 1.0


@pytest.mark.parametrize(
    ("damage", "grade"),
    [
        ("flat", "flat"),
        ("hum", "disconnected"),
        ("clip", "clipped"),
        ("noise", "noisy"),
    ],
)
def test_each_kind_of_bad_signal_is_graded_and_left_out(damage, grade):
    rec = _night()
    x = rec.channels["left"]
    bad = _epochs(20, 30)  # 10 epochs, 5 minutes
    t = np.arange(x.size) / FS
    rng = np.random.default_rng(3)
    if damage == "flat":
        x[bad] = 0.0
    elif damage == "hum":
        x[bad] += 400 * np.sin(2 * np.pi * 60 * t[bad])
    elif damage == "clip":
        x[bad] += rng.normal(0, 500, x[bad].size)
        np.clip(x, -250.0, 250.0, out=x)
    else:
        x[bad] += rng.normal(0, 25, x[bad].size)
    clean = analyze_recording(_night())
    report = analyze_recording(rec)
    assert report.quality["left"][f"{grade}_epochs"] == 10
    assert report.quality["right"]["unscorable_epochs"] == 0
    assert [(u["start_s"], u["end_s"]) for u in report.unscorable] == [(600.0, 900.0)]
    assert f"left {grade}" in report.unscorable[0]["reason"]
    assert report.scored_h == pytest.approx(1.5 - 300 / 3600)
    assert report.scored_sleep_h == pytest.approx(1.5 - 300 / 3600)
    # Nothing in the bad stretch counts; the rest of the night is scored as before.
    inside = [m for m in report.movements if 600 <= m.onset_s < 900]
    assert all(not m.candidate for m in inside)
    assert any("could not be scored" in n for n in report.notes)
    outside = [m.onset_s for m in report.movements if m.candidate]
    expected = [m.onset_s for m in clean.movements if m.candidate and not 600 <= m.onset_s < 900]
    assert len(outside) == pytest.approx(len(expected), abs=2)


def test_too_little_scored_sleep_gives_no_index_and_says_why():
    rec = _night(hours=1.5)
    rec.channels["right"][_epochs(60, 180)] = 0.0  # the last hour is a flat line
    report = analyze_recording(rec)
    assert report.scored_sleep_h == pytest.approx(0.5)
    assert report.scored_sleep_h < MIN_SCORED_SLEEP_H
    assert np.isnan(report.plms_index) and np.isnan(report.plmw_index)
    assert np.isnan(report.movements_per_hour)
    assert report.index_withheld.startswith("No index: 30 min of sleep could be scored")
    assert report.index_withheld in report.notes
    # The same night with a lower minimum is scored.
    lower = analyze_recording(rec, min_scored_sleep_h=0.25)
    assert lower.index_withheld == "" and not np.isnan(lower.plms_index)
