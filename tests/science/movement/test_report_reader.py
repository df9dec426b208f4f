# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stored night report reads back as a typed NightReport: today's shape, the shape
stored before it carried a schema version, and never a version from the future."""

from __future__ import annotations

import math

import pytest

from nervepath.science.movement import analyze_recording
from nervepath.science.movement.report import (
    NIGHT_REPORT_SCHEMA_VERSION,
    MovementRow,
    NightReport,
)

from .simulate import simulate_emg_night

#: A report as stored before ``schema_version`` existed (``to_dict``: NaN written as null),
#: shortened to one movement.
VERSION_1 = {
    "file": "night.cwa",
    "device": "Axivity AX3",
    "signal": "accelerometer",
    "rules": "WASM 2016",
    "recording_start": "2026-03-01T21:00:00",
    "total_recording_h": 9.5,
    "valid_recording_h": 9.25,
    "sleep_window_start": "2026-03-01T23:10:00",
    "sleep_window_end": "2026-03-02T06:40:00",
    "sleep_window_h": 7.5,
    "sleep_window_method": "HDCZA",
    "sleep_h": 7.25,
    "wake_h": 2.0,
    "n_leg_movements": 240,
    "n_candidates": 200,
    "n_plm_series": 12,
    "n_plm": 150,
    "n_plms": 140,
    "n_plmw": 10,
    "n_respiratory_related": 0,
    "n_arousal_associated": 0,
    "plms_index": 19.31,
    "plms_index_no_respiratory": 19.31,
    "plmw_index": 5.0,
    "plmw_index_no_respiratory": 5.0,
    "lm_index_sleep": 30.0,
    "periodicity_index": 0.6,
    "median_interval_s": 24.0,
    "moves_every_min": None,
    "movements_per_hour": 32.0,
    "per_leg_counts": {"left": 100, "right": 120, "bilateral": 20},
    "hourly_rate": [30.0, None, 28.0],
    "hourly_plm_rate": [20.0, 0.0, 18.0],
    "interval_histogram_edges_s": [5.0, 10.0, 90.0],
    "interval_histogram_counts": [3, 4],
    "stretches": [{"kind": "nonwear", "start": 0.0, "end": 60.0}],
    "notes": ["Device clock read as local time."],
    "movements": [
        {
            "onset_s": 8400.0,
            "offset_s": 8402.5,
            "duration_s": 2.5,
            "side": "left",
            "n_monolateral": 1,
            "candidate": True,
            "not_candidate_reason": "",
            "series": 0,
            "interval_s": None,
            "in_sleep": True,
            "respiratory_related": False,
            "arousal_associated": False,
            "amplitude": 0.12,
        }
    ],
    "trace_unit": "g",
}


def test_a_report_stored_without_a_schema_version_reads_as_version_1() -> None:
    report = NightReport.from_dict(VERSION_1)
    assert report.device == "Axivity AX3" and report.n_plms == 140
    assert report.plms_index == 19.31 and math.isnan(report.moves_every_min)
    assert report.per_leg_counts == {"left": 100, "right": 120, "bilateral": 20}
    assert math.isnan(report.hourly_rate[1]) and report.interval_histogram_counts == [3, 4]
    assert report.notes == ["Device clock read as local time."]
    assert len(report.movements) == 1 and isinstance(report.movements[0], MovementRow)
    assert report.movements[0].side == "left" and math.isnan(report.movements[0].interval_s)
    assert report.trace_time_s == [] and report.trace_value == []
    # Written back, it is today's shape: the same keys and values, now with the stamp.
    # Fields added since (version 3: signal quality; version 4: body location and
    # why an index is withheld) read as empty.
    added = {
        "scored_sleep_h": None,
        "scored_h": None,
        "quality": {},
        "unscorable": [],
        "index_withheld": "",
        "index_withheld_reasons": [],
        "body_location": "",
        "body_side": "",
        "body_location_source": "",
        "site_movements_per_hour": None,
    }
    assert report.to_dict() == {
        **VERSION_1,
        **added,
        "schema_version": NIGHT_REPORT_SCHEMA_VERSION,
    }


def test_absent_keys_of_an_old_report_read_as_empty() -> None:
    report = NightReport.from_dict({"device": "synthetic", "n_plms": 3, "plms_index": 1.5})
    assert report.device == "synthetic" and report.n_plms == 3 and report.plms_index == 1.5
    assert report.n_leg_movements == 0 and report.sleep_window_start == ""
    assert math.isnan(report.sleep_h) and report.notes == [] and report.movements == []


def test_an_analysed_night_round_trips_through_its_stored_form() -> None:
    recording, _ = simulate_emg_night(5)
    report = analyze_recording(recording, file="sim.edf")
    stored = report.to_dict()
    assert stored["schema_version"] == NIGHT_REPORT_SCHEMA_VERSION == 4
    again = NightReport.from_dict(stored)
    assert again.to_dict() == stored
    assert (
        again.movements == [MovementRow.from_dict(row) for row in stored["movements"]]
        and len(again.movements) == len(report.movements) > 0
    )
    assert (again.n_plm, again.file, again.per_leg_counts) == (
        report.n_plm,
        report.file,
        report.per_leg_counts,
    )


@pytest.mark.parametrize("version", [NIGHT_REPORT_SCHEMA_VERSION + 1, 0, "2", None])
def test_a_future_or_unreadable_schema_version_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="schema_version"):
        NightReport.from_dict({**VERSION_1, "schema_version": version})


def test_a_report_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValueError, match="mapping"):
        NightReport.from_dict("not a report")  # type: ignore[arg-type]  # the wrong type on purpose
