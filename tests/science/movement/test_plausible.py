# SPDX-License-Identifier: AGPL-3.0-or-later
"""Plausible before it is a number (issue 16 §2).

No index below the minimum scorable sleep, none from a wrist or waist, none from a
"sleep window" that is mostly device idle fill, and movements near a noon cut counted
in the night they belong to, as analysing that night alone counts them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from nervepath.science.movement import analyze_file, analyze_recording, analyze_recording_nights
from nervepath.science.movement.location import (
    BodyLocation,
    location_from_file,
    parse_site,
    resolve_location,
)
from nervepath.science.movement.nights import night_periods, slice_accel
from nervepath.science.movement.quality import MIN_SCORED_SLEEP_H
from nervepath.science.movement.recording import Stretch
from nervepath.science.movement.report import NightReport
from nervepath.science.movement.simulate import simulate_accel_night

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "wearables"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/wearables")

INDICES = (
    "plms_index",
    "plms_index_no_respiratory",
    "plmw_index",
    "plmw_index_no_respiratory",
    "lm_index_sleep",
    "movements_per_hour",
    "moves_every_min",
    "periodicity_index",
)


def _no_index(report: NightReport) -> None:
    for name in INDICES:
        assert math.isnan(getattr(report, name)), name
    assert report.index_withheld
    stored = NightReport.from_dict(report.to_dict())
    assert stored.index_withheld_reasons == report.index_withheld_reasons
    for name in INDICES:
        assert report.to_dict()[name] is None


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "site", "side"),
    [
        ("right+wrist", "wrist", "right"),
        ("right wrist", "wrist", "right"),
        ("RW", "wrist", "right"),
        ("LA", "ankle", "left"),
        ("Waist", "waist", ""),
        ("Right Ankle", "ankle", "right"),
        ("left leg", "ankle", "left"),
        ("hip", "waist", ""),
        ("chest", "other", ""),
        ("", "", ""),
        ("   ", "", ""),
    ],
)
def test_parse_site(text, site, side):
    assert parse_site(text) == (site, side)


@pytest.mark.parametrize(
    ("name", "site", "side"),
    [
        ("ax3_testfile.cwa", "wrist", "right"),  # _p=right+wrist
        ("ax6_testfile.cwa", "", ""),  # metadata without _p
        ("genea_testfile.bin", "wrist", "right"),  # Body-Location:RW
        ("GENEActiv_testfile.bin", "", ""),  # Device Location Code: (empty)
        ("small.gt3x", "wrist", ""),  # Limb: Wrist
        ("ISM_Enabled.gt3x", "wrist", "right"),  # Limb: Wrist, Side: Right
        ("ggir_actigraph_testfile.gt3x", "waist", ""),  # Limb: Waist
        ("neo.gt3x", "", ""),  # no Limb line
    ],
)
def test_location_from_real_headers(name, site, side):
    where = location_from_file(DATA / name)
    assert (where.site, where.side) == (site, side)
    assert where.source == ("file header" if site else "")


def test_damaged_header_records_nothing(tmp_path):
    bad = tmp_path / "x.gt3x"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    assert location_from_file(bad) == BodyLocation()


def test_header_wins_over_upload_and_upload_fills_the_gap():
    header = BodyLocation("wrist", "right", "file header", "right wrist")
    used, note = resolve_location(header, "ankle")
    assert used is header and "file header is used" in note
    used, note = resolve_location(BodyLocation(), "ankle")
    assert (used.site, used.source, note) == ("ankle", "given at upload", "")
    used, note = resolve_location(BodyLocation(), "")
    assert used.site == "" and used.is_leg and "not recorded" in note


def test_three_minute_daytime_file_gives_no_index():
    """The case of the issue: a 3-minute daytime test file showed 163.6/h."""
    report = analyze_file(DATA / "ax3_testfile.cwa", body_location="ankle")
    _no_index(report)
    assert "too_little_sleep" in report.index_withheld_reasons
    assert report.scored_sleep_h < MIN_SCORED_SLEEP_H


@pytest.mark.parametrize("name", ["ax3_testfile.cwa", "small.gt3x", "ggir_actigraph_testfile.gt3x"])
def test_wrist_and_waist_headers_give_no_plm_index(name):
    report = analyze_file(DATA / name, body_location="ankle")
    _no_index(report)
    assert "not_leg" in report.index_withheld_reasons
    assert report.body_location in ("wrist", "waist")
    assert report.body_location_source == "file header"
    assert any("file header is used" in n for n in report.notes)


def test_wrist_given_at_upload_gives_only_wrist_movements():
    rec, _ = simulate_accel_night(5, hours=3.0, fs=20.0, start=_at("2026-03-01T23:00"))
    ankle = analyze_recording(rec, body_location="ankle")
    assert math.isfinite(ankle.plms_index) and not ankle.index_withheld_reasons
    assert math.isnan(ankle.site_movements_per_hour)
    wrist = analyze_recording(rec, body_location="wrist")
    _no_index(wrist)
    assert wrist.index_withheld_reasons == ["not_leg"]
    assert wrist.body_location_source == "given at upload"
    # The one number a wrist night gives, named by its place.
    assert wrist.site_movements_per_hour == pytest.approx(
        ankle.n_candidates / ankle.valid_recording_h, rel=1e-9
    )


def test_small_gt3x_daytime_idle_fill_is_no_sleep_window():
    """small.gt3x had a "sleep window" of 11:38-14:17 that was 84 % idle fill."""
    report = analyze_file(DATA / "small.gt3x")
    _no_index(report)
    assert "no_sleep_window" in report.index_withheld_reasons
    assert report.sleep_window_start == report.sleep_window_end == ""
    assert report.sleep_h == 0
    assert "84%" in report.index_withheld


def test_idle_fill_alone_rejects_the_window_at_the_ankle(tmp_path):
    rec, _ = simulate_accel_night(6, hours=3.0, fs=20.0, start=_at("2026-03-01T23:00"))
    before = analyze_recording(rec, body_location="ankle")
    assert before.sleep_window_h > 1
    # Mark most of that window as idle fill, as an ActiGraph in idle-sleep mode would.
    start = (
        datetime.fromisoformat(before.sleep_window_start).replace(tzinfo=UTC).timestamp()
        - rec.start
    )
    rec.stretches = [Stretch(start, start + before.sleep_window_h * 3600 * 0.7, "idle")]
    after = analyze_recording(rec, body_location="ankle")
    _no_index(after)
    assert after.index_withheld_reasons == ["no_sleep_window"]
    # A night without a sleep window still draws (no window band).
    from nervepath.science.movement import save_figure

    assert save_figure(after, tmp_path / "no-window.png").stat().st_size > 10_000
    # A little fill (under half the window) leaves the window alone.
    rec.stretches = [Stretch(start, start + before.sleep_window_h * 3600 * 0.3, "idle")]
    kept = analyze_recording(rec, body_location="ankle")
    assert kept.sleep_window_start == before.sleep_window_start
    assert math.isfinite(kept.plms_index)


def _straddling_recording():
    """30 h from 20:00 whose noon cut falls 1 s after the onset of a long movement."""
    rec, truth = simulate_accel_night(11, hours=30.0, fs=10.0, start=0.0, series_share=0.8)
    onset, offset = truth.movements.onset, truth.movements.offset
    middle = (onset > 8 * 3600) & (onset < 22 * 3600) & (offset - onset > 3.0)
    k = int(np.flatnonzero(middle)[0])
    cut = float(onset[k]) + 1.0
    rec.start = _at("2026-03-02T12:00") - cut
    return rec, float(onset[k]), float(offset[k]), cut


def test_movements_at_a_noon_cut_match_each_night_alone():
    rec, onset, offset, cut = _straddling_recording()
    periods = night_periods(rec.start, rec.duration)
    assert len(periods) == 2 and periods[0][1] == pytest.approx(cut, abs=1e-6)
    nights = analyze_recording_nights(rec, body_location="ankle")
    assert len(nights) == 2
    for night, (a, b) in zip(nights, periods, strict=True):
        alone = analyze_recording(slice_accel(rec, a, b)[0], body_location="ankle")
        for name in (
            "n_leg_movements",
            "n_candidates",
            "n_plm",
            "n_plms",
            "n_plmw",
            "plms_index",
            "moves_every_min",
        ):
            got, want = getattr(night, name), getattr(alone, name)
            assert got == want or (math.isnan(got) and math.isnan(want)), name
        assert [m.onset_s for m in night.movements] == [m.onset_s for m in alone.movements]
    first, second = nights
    # The movement that began a second before noon is the first night's ...
    last = first.movements[-1]
    assert last.onset_s == pytest.approx(onset, abs=0.5)
    # ... and is not counted again at the start of the second night.
    assert second.movements[0].onset_s > offset - cut
    # No movement is lost or counted twice across the cut, against the whole file.
    whole = analyze_recording(rec, body_location="ankle")
    near = [m.onset_s for m in whole.movements if abs(m.onset_s - cut) < 600]
    split = [m.onset_s for m in first.movements if m.onset_s > cut - 600] + [
        m.onset_s + cut for m in second.movements if m.onset_s < 600
    ]
    assert len(split) == len(near)
    assert np.allclose(split, near, atol=0.5)
