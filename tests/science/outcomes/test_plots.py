# SPDX-License-Identifier: AGPL-3.0-or-later
"""Publication figures: what is drawn matches the input, renders are valid and stable."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nervepath.science.outcomes import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _pairs(n: int, seed: int = 3) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(seed)
    before = rng.normal(25, 6, n)
    return [(f"S{i:04d}", float(b), float(b - rng.normal(8, 5))) for i, b in enumerate(before)]


def _svg_root(fig: Figure) -> ET.Element:
    return ET.fromstring(plots.render(fig, "svg"))


def _by_id(root: ET.Element, gid: str) -> ET.Element:
    found = [el for el in root.iter() if el.get("id") == gid]
    assert len(found) == 1, f"{gid}: {len(found)} elements"
    return found[0]


def _texts(fig: Figure) -> list[str]:
    # Every artist with text (labels, legends, annotations), whatever its class.
    has_text = fig.findobj(lambda a: hasattr(a, "get_text"))
    return [cast(Any, t).get_text() for t in has_text]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


KM_INPUT = {
    "Diabetes": {
        "times": [0, 30, 90, 200, 365],
        "survival": [1.0, 0.95, 0.85, 0.8, 0.7],
        "low": [1.0, 0.85, 0.7, 0.62, 0.5],
        "high": [1.0, 0.99, 0.93, 0.9, 0.84],
        "censored_times": [120, 300],
        "censored_survival": [0.85, 0.8],
        "n": 20,
        "at_risk": [(0, 20), (180, 14), (365, 9)],
    },
    "No diabetes": {
        "times": [0, 60, 150, 365],
        "survival": [1.0, 0.97, 0.93, 0.9],
        "low": [1.0, 0.9, 0.84, 0.8],
        "high": [1.0, 1.0, 0.98, 0.96],
        "censored_times": [200],
        "censored_survival": [0.93],
        "n": 30,
        "at_risk": [(0, 30), (180, 25), (365, 20)],
    },
}


# -- paired lines ------------------------------------------------------------------------


def test_paired_lines_draws_one_svg_path_per_subject():
    fig = plots.paired_lines(_pairs(37), "IRLS total", "points")
    group = _by_id(_svg_root(fig), "subject-lines")
    paths = [el for el in group.iter() if el.tag.endswith("}path")]
    assert len(paths) == 37


def test_paired_lines_segments_join_before_and_after_of_each_subject():
    pairs = _pairs(12)
    fig = plots.paired_lines(pairs, "IRLS total", "points")
    (lines,) = [c for c in fig.axes[0].collections if c.get_gid() == "subject-lines"]
    assert isinstance(lines, LineCollection)
    segments = lines.get_segments()
    assert [(s[0][1], s[1][1]) for s in segments] == [(b, a) for _, b, a in pairs]
    assert all(s[0][0] == 0 and s[1][0] == 1 for s in segments)


def test_paired_lines_labels_unit_and_n():
    fig = plots.paired_lines(_pairs(12), "Pain (worst)", "NRS 0-10", after_label="6 months")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Pain (worst) (NRS 0-10)"
    assert "n = 12" in ax.get_title(loc="left")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Baseline", "6 months"]
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()


def test_paired_lines_mean_and_95ci_at_each_end():
    pairs = [("a", 10.0, 4.0), ("b", 12.0, 6.0), ("c", 14.0, 5.0), ("d", 16.0, 9.0)]
    fig = plots.paired_lines(pairs, "IRLS total", "points")
    mean, low, high = plots.mean_ci([10.0, 12.0, 14.0, 16.0])
    assert mean == pytest.approx(13.0)
    # sd 2.582, se 1.291, t(0.975, 3) = 3.182
    assert high - mean == pytest.approx(3.182446 * 1.290994, rel=1e-5)
    assert low == pytest.approx(2 * mean - high)
    mean_line = next(line for line in fig.axes[0].lines if line.get_gid() == "mean-line")
    assert list(np.asarray(mean_line.get_ydata())) == pytest.approx([13.0, 6.0])


def test_paired_lines_over_300_subjects_draws_all_faintly():
    few = plots.paired_lines(_pairs(300), "IRLS total", "points")
    many = plots.paired_lines(_pairs(1200), "IRLS total", "points")

    def subject_lines(fig: Figure) -> LineCollection:
        found = next(c for c in fig.axes[0].collections if c.get_gid() == "subject-lines")
        assert isinstance(found, LineCollection)
        return found

    assert len(subject_lines(many).get_segments()) == 1200
    assert subject_lines(many).get_alpha() < subject_lines(few).get_alpha()


def test_paired_lines_drops_non_finite_pairs_from_drawing_and_n():
    pairs = [*_pairs(5), ("nan", float("nan"), 3.0), ("inf", 3.0, float("inf"))]
    fig = plots.paired_lines(pairs, "IRLS total", "points")
    (lines,) = [c for c in fig.axes[0].collections if c.get_gid() == "subject-lines"]
    assert isinstance(lines, LineCollection)
    assert len(lines.get_segments()) == 5
    assert "n = 5" in fig.axes[0].get_title(loc="left")


# -- empty input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: plots.paired_lines([], "IRLS total", "points"),
        lambda: plots.paired_lines([("a", float("nan"), 1.0)], "IRLS total", "points"),
        lambda: plots.boxes_by_timepoint([], "IRLS total", "points"),
        lambda: plots.boxes_by_timepoint([("Baseline", []), ("3 months", [])], "IRLS", "pt"),
        lambda: plots.responder_bars([], "Responders"),
        lambda: plots.km_curve({}, "Time to recurrence"),
        lambda: plots.km_curve({"All": {"times": [], "survival": []}}, "Recurrence"),
        lambda: plots.change_distribution({}, "Amplitude change", "%"),
        lambda: plots.change_distribution({"Tibial": []}, "Amplitude change", "%"),
    ],
)
def test_empty_input_gives_a_no_data_figure_that_renders(build):
    fig = build()
    assert "No data" in _texts(fig)
    assert _png_size(plots.render(fig, "png"))
    root = _svg_root(fig)
    assert "No data" in "".join(root.itertext())


# -- boxes by timepoint --------------------------------------------------------------------


def test_boxes_by_timepoint_one_box_per_filled_timepoint_and_n_under_each():
    rng = np.random.default_rng(5)
    series = [
        ("Baseline", list(rng.normal(25, 5, 40))),
        ("3 months", []),
        ("12 months", list(rng.normal(15, 5, 31))),
    ]
    fig = plots.boxes_by_timepoint(series, "IRLS total", "points")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["Baseline\nn = 40", "3 months\nn = 0", "12 months\nn = 31"]
    boxes = [p for p in ax.patches if p.get_gid() is None]
    assert len(boxes) == 2  # none for the empty follow-up
    medians = [line for line in ax.lines if line.get_color() == plots.OKABE_ITO["blue"]]
    assert sorted(np.mean(np.asarray(line.get_xdata())) for line in medians) == [1.0, 3.0]
    assert ax.get_ylabel() == "IRLS total (points)"


# -- responder bars ------------------------------------------------------------------------


def test_responder_bars_percent_heights_and_wilson_errors():
    rows = [("IRLS ≥ 50 %", 0.55, 0.41, 0.68, 40), ("Pain ≥ 2 points", 0.7, 0.55, 0.82, 38)]
    fig = plots.responder_bars(rows, "Responders at 12 months")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [b.get_height() for b in bars] == pytest.approx([55.0, 70.0])
    assert ax.get_ylim() == (0, 108) and ax.get_yticks()[-1] == 100
    (err,) = [c for c in ax.collections if c.get_gid() == "wilson-ci"]
    assert isinstance(err, LineCollection)
    ends = sorted((seg[0][1], seg[1][1]) for seg in err.get_segments())
    assert ends == [pytest.approx((41.0, 68.0)), pytest.approx((55.0, 82.0))]
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "Pain ≥ 2 points\nn = 38"
    assert ax.get_ylabel() == "Responders (%)"


# -- Kaplan–Meier --------------------------------------------------------------------------


def test_km_curve_steps_are_the_input_coordinates_drawn_post():
    fig = plots.km_curve(KM_INPUT, "Time to recurrence", p_text="log-rank p = 0.04")
    ax = fig.axes[0]
    for i, curve in enumerate(KM_INPUT.values()):
        line = next(line for line in ax.lines if line.get_gid() == f"km-{i}")
        assert list(np.asarray(line.get_xdata())) == curve["times"]
        assert list(np.asarray(line.get_ydata())) == curve["survival"]
        assert line.get_drawstyle() == "steps-post"
        censored = next(line for line in ax.lines if line.get_gid() == f"km-censored-{i}")
        assert censored.get_marker() == "+"
        assert list(np.asarray(censored.get_xdata())) == curve["censored_times"]
        assert list(np.asarray(censored.get_ydata())) == curve["censored_survival"]
        band = next(c for c in ax.collections if c.get_gid() == f"km-ci-{i}")
        assert isinstance(band, PolyCollection)
    assert "log-rank p = 0.04" in _texts(fig)
    assert ax.get_xlabel() == "" and fig.axes[1].get_xlabel() == "Days since surgery"


def test_km_curve_number_at_risk_table_from_input():
    fig = plots.km_curve(KM_INPUT, "Time to recurrence")
    risk = fig.axes[1]
    counts = sorted(t.get_text() for t in risk.texts)
    assert counts == sorted(["20", "14", "9", "30", "25", "20"])
    assert [t.get_text() for t in risk.get_yticklabels()] == ["No diabetes", "Diabetes"]


def test_km_curve_without_at_risk_has_one_axes():
    curves = {k: {kk: vv for kk, vv in v.items() if kk != "at_risk"} for k, v in KM_INPUT.items()}
    fig = plots.km_curve(curves, "Recurrence", xlabel="Days since block")
    assert len(fig.axes) == 1 and fig.axes[0].get_xlabel() == "Days since block"


# -- change distribution -------------------------------------------------------------------


def test_change_distribution_points_zero_line_and_deterministic_jitter():
    groups = {"Tibial, diabetes": [60.0, -5.0, 120.0], "Tibial, no diabetes": [30.0, 45.0]}
    first = plots.change_distribution(groups, "Amplitude change", "%")
    again = plots.change_distribution(groups, "Amplitude change", "%")
    ax = first.axes[0]
    points = [c for c in ax.collections if str(c.get_gid()).startswith("points-")]
    assert [len(np.asarray(c.get_offsets())) for c in points] == [3, 2]
    assert list(np.asarray(points[0].get_offsets())[:, 1]) == [60.0, -5.0, 120.0]
    xs = np.asarray(points[0].get_offsets())[:, 0]
    assert np.all(np.abs(xs - 1) <= 0.13) and len(set(xs)) == 3
    again_points = [c for c in again.axes[0].collections if c.get_gid() == "points-0"]
    assert np.array_equal(again_points[0].get_offsets(), points[0].get_offsets())
    zero = next(line for line in ax.lines if line.get_gid() == "zero-line")
    assert list(np.asarray(zero.get_ydata())) == [0, 0]
    assert ax.get_ylabel() == "Amplitude change (%)"


# -- rendering ------------------------------------------------------------------------------


def test_png_is_200_dpi_of_the_figure_size():
    fig = plots.paired_lines(_pairs(10), "IRLS total", "points")
    width, height = fig.get_size_inches()
    assert _png_size(plots.render(fig, "png")) == (round(width * 200), round(height * 200))


def test_svg_is_stable_across_renders_and_fresh_figures():
    fig = plots.km_curve(KM_INPUT, "Time to recurrence")
    first = plots.render(fig, "svg")
    plots.render(fig, "png")  # a render at another dpi in between
    assert plots.render(fig, "svg") == first
    assert plots.render(plots.km_curve(KM_INPUT, "Time to recurrence"), "svg") == first
    assert b"<dc:date>" not in first


def test_render_in_threads_gives_the_same_bytes():
    def build_and_render(_: int) -> bytes:
        return plots.render(plots.paired_lines(_pairs(50), "IRLS total", "points"), "svg")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = set(pool.map(build_and_render, range(8)))
    assert len(results) == 1


def test_render_rejects_other_formats():
    with pytest.raises(ValueError, match="svg"):
        plots.render(plots.no_data_figure(), "pdf")
