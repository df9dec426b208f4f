# SPDX-License-Identifier: AGPL-3.0-or-later
"""The night figure: stretches without data are shaded, the summary box fits the page."""

from __future__ import annotations

import dataclasses

import pytest

from nervepath.science.movement import analyze_recording, plot_night
from nervepath.science.movement.figure import NO_DATA_SHADES

from .simulate import simulate_emg_night


@pytest.fixture(scope="module")
def report():
    rec, _ = simulate_emg_night(5, hours=2.0)
    return analyze_recording(rec, file="sim.edf")


def _stretch(start_h: float, end_h: float, kind: str) -> dict:
    start, end = start_h * 3600, end_h * 3600
    return {"start_s": start, "end_s": end, "kind": kind, "duration_s": end - start}


def _no_data_bars(fig):
    return {
        c.get_gid(): c for c in fig.axes[0].collections if str(c.get_gid()).startswith("no-data-")
    }


def test_stretches_without_data_are_shaded_grey_with_a_legend_entry(report):
    stretches = [
        _stretch(0.10, 0.20, "idle"),
        _stretch(0.30, 0.35, "idle"),
        _stretch(0.50, 0.90, "nonwear"),
        _stretch(1.00, 1.05, "gap"),
        _stretch(1.20, 1.25, "corrupt"),
    ]
    unscorable = [{"start_s": 1.4 * 3600, "end_s": 1.5 * 3600, "reason": "left flat"}]
    fig = plot_night(dataclasses.replace(report, stretches=stretches, unscorable=unscorable))
    bars = _no_data_bars(fig)
    assert set(bars) == {
        "no-data-idle",
        "no-data-nonwear",
        "no-data-gap",
        "no-data-corrupt",
        "no-data-unscorable",
    }
    x0, x1 = bars["no-data-unscorable"].get_paths()[0].vertices[:, 0][[0, 2]]
    assert sorted((x0, x1)) == pytest.approx([1.4, 1.5])
    # One band per stretch, spanning the stretch in hours and the panel's full height.
    idle = bars["no-data-idle"].get_paths()
    assert len(idle) == 2
    x0, y0 = idle[1].vertices.min(axis=0)
    x1, y1 = idle[1].vertices.max(axis=0)
    assert (x0, x1, y0, y1) == pytest.approx((0.30, 0.35, 0.0, 1.0))
    for kind in ("idle", "nonwear", "gap", "corrupt", "unscorable"):
        r, g, b, _ = bars[f"no-data-{kind}"].get_facecolor()[0]
        assert r == g == b  # grey
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for label, _ in NO_DATA_SHADES.values():
        assert label in legend


def test_no_shading_when_the_device_recorded_throughout(report):
    fig = plot_night(dataclasses.replace(report, stretches=[], unscorable=[]))
    assert _no_data_bars(fig) == {}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any(label in legend for label, _ in NO_DATA_SHADES.values())


def test_summary_box_fits_inside_the_page(report):
    long_method = dataclasses.replace(
        report,
        sleep_window_method="HDCZA (van Hees 2018)",
        sleep_window_start="2019-05-06T11:38:38",
        sleep_window_end="2019-05-06T14:17:03",
    )
    fig = plot_night(long_method)
    fig.canvas.draw()
    page = fig.bbox
    text = fig.axes[3].texts[0]
    box = text.get_window_extent()
    assert "HDCZA" in text.get_text() and "van Hees 2018" in text.get_text()
    assert page.x0 <= box.x0 and box.x1 <= page.x1
    assert page.y0 <= box.y0 and box.y1 <= page.y1
