# SPDX-License-Identifier: AGPL-3.0-or-later
"""The night report object, its writers, the sleep window and the figure."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from nervepath.science.movement import (
    AccelRecording,
    analyze_recording,
    hdcza_sleep_window,
    plot_night,
)
from nervepath.science.movement.periodic import cluster_onsets, interval_histogram

from .simulate import simulate_emg_night


@pytest.fixture(scope="module")
def report():
    rec, _ = simulate_emg_night(5)
    return analyze_recording(rec, file="sim.edf")


def test_report_has_everything_the_clinic_asked_for(report):
    data = report.to_dict()
    for key in (
        "total_recording_h",
        "sleep_window_start",
        "sleep_window_end",
        "sleep_window_h",
        "n_leg_movements",
        "n_candidates",
        "n_plm_series",
        "plms_index",
        "plms_index_no_respiratory",
        "plmw_index",
        "plmw_index_no_respiratory",
        "periodicity_index",
        "interval_histogram_edges_s",
        "interval_histogram_counts",
        "moves_every_min",
        "hourly_rate",
        "per_leg_counts",
    ):
        assert key in data
    assert data["n_plm_series"] > 0
    assert 0 < data["periodicity_index"] <= 1
    assert set(data["per_leg_counts"]) == {"left", "right", "bilateral"}
    assert "trace_value" not in data


def test_json_is_strict_json_without_nan(report):
    text = report.to_json()
    assert "NaN" not in text
    assert json.loads(text)["file"] == "sim.edf"


def test_csv_has_one_row_per_movement(report):
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert len(rows) == len(report.movements)
    assert {"onset_s", "side", "series", "respiratory_related"} <= set(rows[0])


def test_summary_reads_as_a_table(report):
    text = report.summary()
    assert "PLMS index" in text and "/h" in text
    assert "Moves every" in text


def test_figure_draws_one_page_with_four_panels(report):
    fig = plot_night(report)
    assert len(fig.axes) == 4
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_moves_every_is_the_median_gap_between_movement_clusters():
    onsets = np.array([0, 20, 40, 60, 1200, 1220, 2400, 3600.0])
    clusters = cluster_onsets(onsets)
    assert clusters.tolist() == [0, 1200, 2400, 3600]
    assert np.median(np.diff(clusters)) / 60 == 20


def test_interval_histogram_is_log_spaced_and_counts_everything():
    edges, counts = interval_histogram(np.array([0.2, 5, 20, 20, 80, 5000, np.nan]))
    ratios = edges[1:] / edges[:-1]
    assert np.allclose(ratios, ratios[0])
    assert counts.sum() == 6


def test_hdcza_finds_the_quiet_night_in_a_day_and_night():
    fs = 10.0
    rng = np.random.default_rng(0)
    day1, night, day2 = 6 * 3600, 8 * 3600, 4 * 3600
    n = int((day1 + night + day2) * fs)
    t = np.arange(n) / fs
    angle = np.zeros(n)
    active = (t < day1) | (t >= day1 + night)
    # During the day the limb changes angle every few seconds.
    steps = rng.normal(0, 30, int(n / fs / 3) + 1)
    angle[active] = np.repeat(steps, int(3 * fs))[:n][active]
    angle[~active] = (
        10 + np.repeat(rng.normal(0, 0.05, int(night / 60) + 1), int(60 * fs))[: (~active).sum()]
    )
    rad = np.radians(angle)
    accel = np.stack([np.cos(rad), np.zeros(n), np.sin(rad)], axis=1)
    accel += rng.normal(0, 0.003, accel.shape)
    window = hdcza_sleep_window(t, accel, fs)
    assert window.method.startswith("HDCZA")
    assert abs(window.start - day1) < 15 * 60
    assert abs(window.end - (day1 + night)) < 15 * 60


def test_accelerometer_night_uses_hdcza_and_excludes_damage_from_hours():
    from nervepath.science.movement.recording import Stretch

    n = 3600 * 20
    rec = AccelRecording(
        time=np.arange(n) / 20.0,
        accel=np.tile([0.0, 0.0, 1.0], (n, 1)) + np.random.default_rng(1).normal(0, 0.003, (n, 3)),
        fs=20.0,
        start=1_700_000_000.0,
        device="test",
        stretches=[Stretch(600.0, 1200.0, "corrupt")],
    )
    report = analyze_recording(rec, min_scored_sleep_h=0.5)
    assert report.valid_recording_h == pytest.approx(1 - 600 / 3600)
    assert report.n_leg_movements == 0
    assert report.plms_index == 0
