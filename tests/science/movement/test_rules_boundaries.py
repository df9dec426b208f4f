# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every scoring rule at its edges."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.science.movement.candidates import candidate_movements
from nervepath.science.movement.context import arousal_associated, respiratory_related
from nervepath.science.movement.events import LegMovements, hysteresis_events
from nervepath.science.movement.periodic import periodicity_index, plm_series
from nervepath.science.movement.rules import AASM_2012, WASM_2016, get_rules


def movements(*rows: tuple[float, float, str]) -> LegMovements:
    onset = np.array([r[0] for r in rows], dtype=float)
    offset = np.array([r[1] for r in rows], dtype=float)
    side = np.array([r[2] for r in rows], dtype="<U5")
    return LegMovements(onset, offset, side, np.ones(len(rows)))


def periodic_onsets(intervals: list[float], start: float = 100.0) -> np.ndarray:
    return start + np.concatenate(([0.0], np.cumsum(intervals)))


# --- minimum duration 0.5 s -------------------------------------------------------------


def envelope_with_burst(duration_s: float, fs: float = 1000.0) -> np.ndarray:
    x = np.zeros(int(10 * fs))
    start = int(3 * fs)
    x[start : start + round(duration_s * fs)] = 20.0
    return x


def test_burst_of_0_49_s_is_not_a_leg_movement():
    onset, _, _ = hysteresis_events(
        envelope_with_burst(0.49),
        1000.0,
        onset_level=8,
        offset_level=2,
        offset_min_s=0.5,
        min_duration_s=0.5,
    )
    assert onset.size == 0


def test_burst_of_0_5_s_is_a_leg_movement():
    onset, offset, _ = hysteresis_events(
        envelope_with_burst(0.5),
        1000.0,
        onset_level=8,
        offset_level=2,
        offset_min_s=0.5,
        min_duration_s=0.5,
    )
    assert onset.tolist() == [3.0]
    assert offset[0] - onset[0] == pytest.approx(0.5)


def test_movement_of_0_49_s_is_dropped_by_candidate_rules():
    c = candidate_movements(movements((10, 10.49, "left"), (30, 30.5, "left")))
    assert c.onset.tolist() == [30.0]


# --- onset 8 µV and offset 2 µV / 0.5 s ------------------------------------------------


def test_onset_needs_8_uv_above_baseline():
    x = np.zeros(5000)
    x[1000:2000] = 7.99
    x[3000:4000] = 8.0
    onset, _, _ = hysteresis_events(
        x, 1000.0, onset_level=8, offset_level=2, offset_min_s=0.5, min_duration_s=0.5
    )
    assert onset.tolist() == [3.0]


def test_quiet_of_0_49_s_does_not_end_a_movement_but_0_5_s_does():
    fs = 1000.0
    x = np.zeros(20000)
    x[1000:2000] = 20
    x[2490:3500] = 20  # quiet 0.49 s -> same movement
    x[4000:5000] = 20  # quiet 0.5 s -> new movement
    onset, offset, _ = hysteresis_events(
        x, fs, onset_level=8, offset_level=2, offset_min_s=0.5, min_duration_s=0.5
    )
    assert onset.tolist() == [1.0, 4.0]
    assert offset.tolist() == [3.5, 5.0]


def test_level_between_2_and_8_uv_prolongs_a_movement():
    x = np.zeros(10000)
    x[1000:1600] = 20
    x[1600:4000] = 5
    onset, offset, _ = hysteresis_events(
        x, 1000.0, onset_level=8, offset_level=2, offset_min_s=0.5, min_duration_s=0.5
    )
    assert (onset.tolist(), offset.tolist()) == ([1.0], [4.0])


# --- maximum durations 10 s / 15 s -------------------------------------------------------


@pytest.mark.parametrize(("duration", "ok"), [(10.0, True), (10.01, False)])
def test_monolateral_candidate_lasts_at_most_10_s(duration, ok):
    c = candidate_movements(movements((5, 5 + duration, "left")))
    assert c.is_candidate.tolist() == [ok]


@pytest.mark.parametrize(("end", "ok"), [(15.0, True), (15.01, False)])
def test_bilateral_candidate_lasts_at_most_15_s(end, ok):
    c = candidate_movements(movements((0, 8, "left"), (7, end, "right")))
    assert c.side.tolist() == ["both"]
    assert c.is_candidate.tolist() == [ok]


def test_aasm_bilateral_limit_is_10_s():
    c = candidate_movements(movements((0, 4, "left"), (3, 10.5, "right")), AASM_2012)
    assert c.is_candidate.tolist() == [False]


# --- bilateral merge < 0.5 s and at most 4 monolateral -----------------------------------


def test_legs_0_49_s_apart_merge_into_one_bilateral_movement():
    c = candidate_movements(movements((0, 2, "left"), (2.49, 4, "right")))
    assert len(c) == 1
    assert (c.onset[0], c.offset[0], c.n_monolateral[0]) == (0.0, 4.0, 2)


def test_legs_0_5_s_apart_stay_two_movements():
    c = candidate_movements(movements((0, 2, "left"), (2.5, 4, "right")))
    assert c.side.tolist() == ["left", "right"]


def test_overlapping_legs_merge():
    c = candidate_movements(movements((0, 3, "left"), (1, 2, "right")))
    assert c.side.tolist() == ["both"]


def test_same_leg_close_movements_are_not_merged():
    c = candidate_movements(movements((0, 1, "left"), (1.2, 2, "left")))
    assert len(c) == 2


def test_four_monolateral_movements_make_a_bilateral_candidate():
    rows = [(0, 1, "left"), (0.8, 2, "right"), (1.9, 3, "left"), (2.9, 4, "right")]
    c = candidate_movements(movements(*rows))
    assert (len(c), c.n_monolateral[0], c.is_candidate[0]) == (1, 4, True)


def test_five_monolateral_movements_are_not_a_candidate():
    rows = [
        (0, 1, "left"),
        (0.8, 2, "right"),
        (1.9, 3, "left"),
        (2.9, 4, "right"),
        (3.9, 5, "left"),
    ]
    c = candidate_movements(movements(*rows))
    assert (len(c), c.is_candidate[0]) == (1, False)
    assert "more than 4" in c.reason[0]


def test_aasm_merges_legs_with_onsets_under_5_s_apart():
    c = candidate_movements(movements((0, 1, "left"), (4.9, 6, "right")), AASM_2012)
    assert len(c) == 1
    c = candidate_movements(movements((0, 1, "left"), (5.0, 6, "right")), AASM_2012)
    assert len(c) == 2


# --- periodic series: 3 vs 4 movements, 10 / 90 s intervals -----------------------------


def test_three_periodic_movements_are_not_a_series():
    onset = periodic_onsets([20, 20])
    assert (plm_series(onset, np.ones(3, bool)) == -1).all()


def test_four_periodic_movements_are_a_series():
    onset = periodic_onsets([20, 20, 20])
    assert plm_series(onset, np.ones(4, bool)).tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(("interval", "in_series"), [(9.9, False), (10.0, True)])
def test_shortest_periodic_interval_is_10_s(interval, in_series):
    onset = periodic_onsets([interval] * 3)
    assert (plm_series(onset, np.ones(4, bool)) >= 0).all() == in_series


@pytest.mark.parametrize(("interval", "in_series"), [(90.0, True), (90.1, False)])
def test_longest_periodic_interval_is_90_s(interval, in_series):
    onset = periodic_onsets([interval] * 3)
    assert (plm_series(onset, np.ones(4, bool)) >= 0).all() == in_series


def test_short_interval_breaks_a_wasm_series():
    # 4 periodic, then one 5 s later, then 3 more periodic: the last run has 4.
    onset = periodic_onsets([20, 20, 20, 5, 20, 20, 20])
    series = plm_series(onset, np.ones(8, bool), WASM_2016)
    assert series.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_short_interval_is_skipped_in_an_aasm_series():
    onset = periodic_onsets([20, 20, 3, 17, 20])
    series = plm_series(onset, np.ones(6, bool), AASM_2012)
    assert series.tolist() == [0, 0, 0, -1, 0, 0]


def test_aasm_accepts_5_s_intervals():
    onset = periodic_onsets([5, 5, 5])
    assert (plm_series(onset, np.ones(4, bool), AASM_2012) == 0).all()
    assert (plm_series(onset, np.ones(4, bool), WASM_2016) == -1).all()


def test_a_movement_that_is_not_a_candidate_breaks_the_series():
    onset = periodic_onsets([20] * 6)
    ok = np.ones(7, bool)
    ok[3] = False
    assert plm_series(onset, ok).tolist() == [-1] * 7
    ok[3] = True
    ok[4] = False
    assert plm_series(onset, ok).tolist() == [0, 0, 0, 0, -1, -1, -1]


# --- respiratory window -2 s / +10.25 s around the event end -----------------------------


EVENT = np.array([[100.0, 120.0]])  # respiratory event ending at 120 s


@pytest.mark.parametrize(
    ("onset", "offset", "related"),
    [
        (116.0, 117.99, False),  # ends just before 118 s (end - 2 s)
        (116.0, 118.0, True),  # touches end - 2 s
        (130.25, 131.0, True),  # starts at end + 10.25 s
        (130.26, 131.0, False),  # starts just after
    ],
)
def test_wasm_respiratory_window_edges(onset, offset, related):
    flags = respiratory_related(np.array([onset]), np.array([offset]), EVENT, WASM_2016)
    assert flags.tolist() == [related]


def test_wasm_window_is_about_the_event_end_not_its_start():
    flags = respiratory_related(np.array([95.0]), np.array([97.0]), EVENT, WASM_2016)
    assert flags.tolist() == [False]


@pytest.mark.parametrize(
    ("onset", "offset", "related"),
    [
        (98.0, 99.49, False),
        (98.0, 99.5, True),
        (120.5, 121.0, True),
        (120.51, 121.0, False),
    ],
)
def test_aasm_respiratory_window_is_half_a_second_around_the_event(onset, offset, related):
    flags = respiratory_related(np.array([onset]), np.array([offset]), EVENT, AASM_2012)
    assert flags.tolist() == [related]


# --- arousal association: overlap or < 0.5 s --------------------------------------------


@pytest.mark.parametrize(
    ("onset", "offset", "associated"),
    [
        (10.0, 12.0, True),  # overlaps
        (17.0, 19.51, True),  # ends 0.49 s before the arousal
        (17.0, 19.5, False),  # ends 0.5 s before
        (25.49, 27.0, True),  # starts 0.49 s after the arousal ends
        (25.5, 27.0, False),
    ],
)
def test_arousal_association_edges(onset, offset, associated):
    arousals = np.array([[11.0, 15.0], [20.0, 25.0]])
    flags = arousal_associated(np.array([onset]), np.array([offset]), arousals)
    assert flags.tolist() == [associated]


# --- periodicity index -------------------------------------------------------------------


def test_periodicity_index_is_one_for_a_regular_series():
    assert periodicity_index(periodic_onsets([20] * 10)) == 1.0


def test_periodicity_index_needs_three_consecutive_periodic_intervals():
    assert periodicity_index(periodic_onsets([20, 20, 200, 20, 20, 200])) == 0.0
    assert periodicity_index(periodic_onsets([20, 20, 20, 200])) == 0.75


def test_rules_are_selectable_by_name():
    assert get_rules("AASM 2012") is AASM_2012
    assert get_rules("wasm2016") is WASM_2016
    with pytest.raises(ValueError, match="Unknown scoring rules"):
        get_rules("aasm2007")


def test_moving_mean_equals_the_naive_mean_of_the_available_samples():
    from nervepath.science.movement.events import moving_mean

    rng = np.random.default_rng(0)
    for size in (1, 3, 10, 101):
        for n in (2, 3, 10, 200):
            x = rng.normal(size=size)
            half = n // 2
            naive = [x[max(0, i - half) : max(0, i - half + n)].mean() for i in range(size)]
            np.testing.assert_allclose(moving_mean(x, n), naive)


# --- AASM 2012: respiratory-related movements are removed before series are built -----


def _series_night():
    from nervepath.science.movement import EmgRecording, LegMovements
    from nervepath.science.movement.recording import Annotation

    # Candidates every 20 s from 5 s; the one at 65 s starts 0.2 s after an apnea
    # ends, inside both the AASM (+0.5 s) and the WASM (-2/+10.25 s) windows.
    onsets = np.array([0.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    mov = LegMovements(onsets + 5, onsets + 6, np.full(6, "left", dtype="<U5"), np.ones(6))
    rec = EmgRecording(
        channels={"left": np.zeros(256 * 130)},
        fs=256.0,
        start=0.0,
        device="test",
        annotations=[Annotation(50.0, 14.8, "Obstructive apnea")],
    )
    return rec, mov


def test_aasm_removes_a_respiratory_movement_before_building_series():
    from nervepath.science.movement.pipeline import score_movements

    rec, mov = _series_night()
    report = score_movements(rec, mov, rules=AASM_2012, min_scored_sleep_h=0)
    related = [m for m in report.movements if m.respiratory_related]
    assert [m.onset_s for m in related] == [65.0]
    assert related[0].series == -1
    # The other five still form one series around the removed movement.
    assert report.n_plm == 5
    assert report.n_plm_series == 1


def test_wasm_keeps_a_respiratory_movement_in_its_series():
    from nervepath.science.movement.pipeline import score_movements

    rec, mov = _series_night()
    report = score_movements(rec, mov, rules=WASM_2016, min_scored_sleep_h=0)
    related = [m for m in report.movements if m.respiratory_related]
    assert [m.onset_s for m in related] == [65.0]
    assert related[0].series == 0
    assert report.n_plm == 6
    assert report.plms_index_no_respiratory < report.plms_index
