# SPDX-License-Identifier: AGPL-3.0-or-later
"""Detection accuracy on simulated nights with known movements, across seeds."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement import (
    AASM_2012,
    LegMovements,
    analyze_recording,
    candidate_movements,
    detect_accel_movements,
    detect_emg_movements,
    plm_series,
)

from .simulate import match, simulate_accel_night, simulate_emg_night

SEEDS = [0, 1, 2]


def true_plm_count(truth: LegMovements, rules=None) -> int:
    cands = candidate_movements(truth) if rules is None else candidate_movements(truth, rules)
    args = (
        (cands.onset, cands.is_candidate)
        if rules is None
        else (cands.onset, cands.is_candidate, rules)
    )
    return int((plm_series(*args) >= 0).sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_emg_detection_finds_the_simulated_movements(seed):
    rec, truth = simulate_emg_night(seed)
    found = LegMovements.concat(
        [detect_emg_movements(x, rec.fs, side=side) for side, x in rec.channels.items()]
    )
    sensitivity, precision, onset_error = match(truth.movements, found)
    assert sensitivity >= 0.95
    assert precision >= 0.95
    assert onset_error < 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_emg_plms_index_is_within_10_percent_of_the_truth(seed):
    rec, truth = simulate_emg_night(seed)
    report = analyze_recording(rec)
    expected = true_plm_count(truth.movements) / (rec.duration / 3600)
    assert expected > 20  # the simulator makes a PLM night
    assert report.plms_index == pytest.approx(expected, rel=0.10)
    assert report.per_leg_counts["bilateral"] > 0


def test_emg_detection_holds_at_1000_hz():
    rec, truth = simulate_emg_night(7, hours=0.25, fs=1000.0)
    found = LegMovements.concat(
        [detect_emg_movements(x, rec.fs, side=side) for side, x in rec.channels.items()]
    )
    sensitivity, precision, _ = match(truth.movements, found)
    assert sensitivity >= 0.95 and precision >= 0.95


def test_aasm_rules_give_at_least_as_many_plm_as_wasm():
    rec, truth = simulate_emg_night(3)
    wasm = analyze_recording(rec)
    aasm = analyze_recording(rec, rules=AASM_2012)
    assert aasm.rules == "AASM 2012"
    assert aasm.n_plm == pytest.approx(true_plm_count(truth.movements, AASM_2012), rel=0.1)
    assert wasm.n_plm > 0


def test_ecg_alone_is_not_a_leg_movement():
    rec, _ = simulate_emg_night(4, hours=0.1)
    rng = np.random.default_rng(4)
    n = rec.channels["left"].size
    t = np.arange(n) / rec.fs
    quiet = rng.normal(0, 1.5, n) + 25 * np.sin(2 * np.pi * 0.05 * t)
    # add strong QRS spikes every 0.9 s
    for b in np.arange(0.5, t[-1] - 0.1, 0.9):
        i = int(b * rec.fs)
        quiet[i : i + 10] += np.array([0, 8, 20, 30, 10, -25, -15, -5, 0, 0])
    assert len(detect_emg_movements(quiet, rec.fs)) == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_accelerometer_bouts_match_the_simulated_movements(seed):
    rec, truth = simulate_accel_night(seed)
    found = detect_accel_movements(rec)
    sensitivity, precision, onset_error = match(truth.movements, found)
    assert sensitivity >= 0.9
    assert precision >= 0.9
    assert onset_error < 0.3


@pytest.mark.parametrize("seed", SEEDS)
def test_accelerometer_plm_count_is_within_15_percent(seed):
    rec, truth = simulate_accel_night(seed)
    report = analyze_recording(rec)
    assert report.n_plm == pytest.approx(true_plm_count(truth.movements), rel=0.15)


def test_turns_in_bed_are_long_movements_not_candidates():
    for seed in range(6):
        rec, truth = simulate_accel_night(seed)
        if len(truth.turns):
            break
    report = analyze_recording(rec)
    for start, end in truth.turns:
        overlapping = [m for m in report.movements if m.onset_s < end and m.offset_s > start]
        assert overlapping
        assert not any(m.candidate for m in overlapping if m.duration_s > 10)
        assert any(m.duration_s > 10 for m in overlapping)
