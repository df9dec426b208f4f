# SPDX-License-Identifier: AGPL-3.0-or-later
"""The EMG detector on sleep studies with what real tibialis recordings carry.

Varying 2-6 µV resting noise, drift and baseline steps, mains hum, ECG, artefact bursts
under 0.5 s up to 100 µV, twitches, movements 4-40 times the local noise with ramped
onsets, arousals, apneas and rule edge cases (:func:`simulate_hard_emg_night`). The
truth is scored by the same rules from the movements put in, so only the detector is
measured.
"""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement import AASM_2012, analyze_recording, detect_emg_movements
from nervepath.science.movement.emg import remove_mains
from nervepath.science.movement.pipeline import score_movements

from .simulate import plms_match, simulate_hard_emg_night

SEEDS = [101, 102, 103, 104, 105]


@pytest.mark.parametrize("seed", SEEDS)
def test_plms_hold_on_hard_nights(seed):
    rec, truth = simulate_hard_emg_night(seed, hours=2.0)
    found = analyze_recording(rec)
    expected = score_movements(rec, truth.movements)
    assert expected.n_plms > 40  # a PLM night, with series to lose
    sensitivity, precision = plms_match(expected, found)
    assert sensitivity >= 0.95
    assert precision >= 0.95
    assert found.plms_index == pytest.approx(expected.plms_index, rel=0.05)


def test_hard_night_with_every_artefact_off_is_exact():
    rec, truth = simulate_hard_emg_night(
        106, hours=1.5, noise=(2.0, 2.0), drift=False, hum=False, ecg=False, bursts=False
    )
    found = analyze_recording(rec)
    expected = score_movements(rec, truth.movements)
    assert found.n_plms == expected.n_plms
    assert found.n_candidates == expected.n_candidates
    assert found.plms_index == pytest.approx(expected.plms_index)


def test_aasm_mode_on_a_hard_night_matches_its_truth():
    rec, truth = simulate_hard_emg_night(107, hours=2.0)
    found = analyze_recording(rec, rules=AASM_2012)
    expected = score_movements(rec, truth.movements, rules=AASM_2012)
    assert expected.n_respiratory_related > 0
    assert abs(found.n_plms - expected.n_plms) <= max(2, 0.05 * expected.n_plms)


def test_short_bursts_and_twitches_alone_are_not_movements():
    fs = 256.0
    rng = np.random.default_rng(5)
    n = int(600 * fs)
    x = rng.normal(0, 4.0, n)
    for at in np.arange(5.0, 595.0, 3.0):
        length = rng.uniform(0.05, 0.4)
        k = int(length * fs)
        i0 = int(at * fs)
        x[i0 : i0 + k] += rng.normal(0, rng.uniform(20, 100), k) * np.hanning(k)
    assert len(detect_emg_movements(x, fs, side="left")) == 0


def test_a_movement_in_heavy_noise_ends_where_it_ends():
    fs = 256.0
    rng = np.random.default_rng(6)
    x = rng.normal(0, 6.0, int(120 * fs))
    i0, i1 = int(50 * fs), int(52 * fs)
    x[i0:i1] += rng.normal(0, 60, i1 - i0)
    lm = detect_emg_movements(x, fs, side="left")
    assert len(lm) == 1
    assert lm.onset[0] == pytest.approx(50.0, abs=0.1)
    assert lm.offset[0] == pytest.approx(52.0, abs=0.2)


def test_mains_hum_is_removed_and_a_burst_does_not_leak_into_its_block():
    fs = 256.0
    t = np.arange(int(30 * fs)) / fs
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 2.0, t.size)
    x = noise + 15 * np.sin(2 * np.pi * 60 * t + 0.3)
    i0 = int(10.1 * fs)
    x[i0 : i0 + int(0.3 * fs)] += rng.normal(0, 100, int(0.3 * fs))
    clean = remove_mains(x, fs)
    quiet = slice(int(10.5 * fs), int(11 * fs))  # same 1-s block as the burst
    assert np.std(clean[quiet] - noise[quiet]) < 1.0
    rest = slice(int(20 * fs), int(29 * fs))
    assert np.std(clean[rest] - noise[rest]) < 0.5
