# SPDX-License-Identifier: AGPL-3.0-or-later
"""A recording of several days is reported night by night, cut noon to noon."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from nervepath.science.movement import analyze_nights, analyze_recording, analyze_recording_nights
from nervepath.science.movement.nights import night_periods
from nervepath.science.movement.recording import AccelRecording
from nervepath.science.movement.simulate import simulate_accel_night, write_accel_csv


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_periods_cut_at_noon_and_leave_out_short_ends():
    # 22:00 to 09:00: one period, the recording whole.
    assert night_periods(_at("2026-03-01T22:00"), 11 * 3600) == [(0.0, 11 * 3600)]
    # 10:00 Monday to 10:00 Thursday: 2 h before the first noon (left out), then
    # three nights, the last ending at 10:00.
    periods = night_periods(_at("2026-03-02T10:00"), 72 * 3600)
    assert periods == [(2 * 3600, 26 * 3600), (26 * 3600, 50 * 3600), (50 * 3600, 72 * 3600)]
    # Crossing noon with only short pieces: whole.
    assert night_periods(_at("2026-03-02T11:00"), 2 * 3600) == [(0.0, 2 * 3600)]


def _three_nights(seed: int = 3) -> list[AccelRecording]:
    """A device set to record 22:00-01:00: three nights, with gaps between them."""
    parts = []
    for k, share in enumerate((0.75, 0.4, 0.1)):
        rec, _ = simulate_accel_night(
            seed + k, hours=3.0, fs=10.0, start=_at(f"2026-03-0{k + 1}T22:00"), series_share=share
        )
        parts.append(rec)
    return parts


def test_three_day_file_gives_three_nights_each_as_if_alone(tmp_path):
    parts = _three_nights()
    path = write_accel_csv(parts, tmp_path / "week.csv")
    reports = analyze_nights(path)
    assert [r.recording_start[:10] for r in reports] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    for report, part in zip(reports, parts, strict=True):
        alone = analyze_recording(part)
        assert report.total_recording_h == pytest.approx(3.0, abs=0.01)
        assert report.sleep_window_start[:10] == report.recording_start[:10]
        # Detection over the whole file (CSV values rounded to 0.1 mg), shared out by
        # night: the movements of the night analysed on its own, within a few at edges.
        assert abs(report.n_leg_movements - alone.n_leg_movements) <= 3
        assert report.plms_index == pytest.approx(alone.plms_index, rel=0.05)
        assert any("Night " in n and "cut at noon" in n for n in report.notes)
    # Restless first night, calm last one.
    assert reports[0].plms_index > reports[2].plms_index


def test_one_night_is_reported_as_before(tmp_path):
    rec = _three_nights()[0]
    whole = analyze_recording(rec)
    [night] = analyze_recording_nights(rec)
    assert night.to_dict() == whole.to_dict()


def test_stream_and_memory_split_agree(tmp_path):
    """The streamed reader's split (large .cwa files) gives the in-memory split's nights."""
    from nervepath.science.movement.readers import read_cwa
    from nervepath.science.movement.stream import analyze_cwa_stream_nights
    from science.movement.cwa_writer import write_cwa_night

    template = _template()
    path = tmp_path / "two.cwa"
    import datetime as dt

    write_cwa_night(template, path, hours=10.0, start=dt.datetime(2024, 3, 1, 6, 0, 0))
    streamed = analyze_cwa_stream_nights(path, chunk_blocks=500)
    in_memory = analyze_recording_nights(read_cwa(path), file=path.name)
    assert len(streamed) == len(in_memory) == 2
    for s, m in zip(streamed, in_memory, strict=True):
        assert s.recording_start == m.recording_start
        assert s.n_leg_movements == m.n_leg_movements
        assert np.isclose(s.total_recording_h, m.total_recording_h, atol=0.01)


def _template():
    from pathlib import Path

    here = Path(__file__).resolve()
    for root in (here.parents[4] / "shared", Path("/work/shared")):
        if (root / "data/wearables/ax3_testfile.cwa").is_file():
            return root / "data/wearables/ax3_testfile.cwa"
    raise FileNotFoundError("ax3_testfile.cwa")
