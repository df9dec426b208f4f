# SPDX-License-Identifier: AGPL-3.0-or-later
"""Publication figures of an outcomes analysis, from plain numbers.

Every function takes lists and dicts (no `Dataset`, no statistics module) and returns a
`matplotlib.figure.Figure`; `render` turns it into SVG or PNG bytes. The journal style
(white background, no top or right spine, 8-10 pt type, the Okabe–Ito colour-blind-safe
palette, units on the axes, n on every figure) is set on each artist rather than through
`rcParams`, and nothing uses pyplot, so figures can be built in several threads of a web
server at once. Rendering takes a lock for the few SVG settings that only exist as
`rcParams` (the id salt and the text mode).

Non-finite values (NaN, ±inf) are dropped before drawing and n counts what is drawn; an
input with nothing left gives a figure that says "No data" instead of raising.
"""

from __future__ import annotations

import importlib
import io
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from nervepath.science.outcomes.format import count

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common forms of
# colour-vision deficiency and in greyscale print (vermillion vs blue especially).
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)
GREY = "#8c8c8c"
DARK = "#222222"

FONT_SIZE = 9.0
TITLE_SIZE = 10.0
TICK_SIZE = 8.5
NOTE_SIZE = 8.0

PNG_DPI = 200
SVG_HASH_SALT = "nervepath"
MANY_PAIRS = 300  # above this, subject lines are drawn fainter (all of them still)
JITTER_SEED = 20_261_126  # fixed: the same data give the same figure, byte for byte
NO_DATA = "No data"

SINGLE_COLUMN = (3.5, 3.2)  # inches; a journal column is about 85-90 mm
WIDE = (6.0, 3.6)
KM_SIZE = (6.0, 4.2)

_RENDER_LOCK = threading.Lock()


# -- helpers ---------------------------------------------------------------------------


def _finite(values: Iterable[Any]) -> list[float]:
    out = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out.append(number)
    return out


def _is_finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _new_figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)  # Agg, attached to this figure only: no global backend switch
    return fig


def _style(ax: Axes) -> Axes:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.8)
        ax.spines[side].set_color(DARK)
    ax.tick_params(labelsize=TICK_SIZE, width=0.8, length=3, colors=DARK)
    return ax


def _axis_label(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _title(ax: Axes, text: str) -> None:
    ax.set_title(text, fontsize=TITLE_SIZE, color=DARK, loc="left")


def _ylabel(ax: Axes, text: str) -> None:
    ax.set_ylabel(text, fontsize=FONT_SIZE, color=DARK)


def _xlabel(ax: Axes, text: str) -> None:
    ax.set_xlabel(text, fontsize=FONT_SIZE, color=DARK)


def _note(fig: Figure, text: str) -> None:
    """A one-line key under the plot (what the lines and bars are); a figure-level label,
    so the constrained layout makes room for it below the tick labels."""
    fig.supxlabel(text, x=0.02, ha="left", fontsize=NOTE_SIZE - 0.5, color="#555555")


def no_data_figure(title: str = "", size: tuple[float, float] = SINGLE_COLUMN) -> Figure:
    """The figure for an input with nothing to draw: the title (if any) and "No data"."""
    fig = _new_figure(size)
    ax = fig.add_subplot()
    ax.set_axis_off()
    if title:
        _title(ax, title)
    ax.text(
        0.5,
        0.5,
        NO_DATA,
        ha="center",
        va="center",
        fontsize=TITLE_SIZE + 2,
        color=GREY,
        transform=ax.transAxes,
        gid="no-data",
    )
    return fig


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-based confidence interval; a single value has no interval (its
    bounds are the mean)."""
    arr = np.asarray(values, dtype=float)
    mean = float(arr.mean())
    if arr.size < 2:
        return mean, mean, mean
    # scipy has no type stubs here; imported by name it is simply Any to mypy.
    stats = importlib.import_module("scipy.stats")

    half = float(stats.t.ppf(0.5 + level / 2, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size))
    return mean, mean - half, mean + half


def _counted_ticks(
    ax: Axes,
    positions: Sequence[float],
    labels: Sequence[str],
    ns: Sequence[int],
    min_cell: int = 0,
) -> None:
    ax.set_xticks(list(positions))
    ax.set_xticklabels(
        [f"{label}\nn = {count(n, min_cell)}" for label, n in zip(labels, ns, strict=True)]
    )


def _boxes(
    ax: Axes,
    data: Sequence[list[float]],
    positions: Sequence[float],
    color: str,
    *,
    fliers: bool = True,
) -> None:
    if not data:
        return
    ax.boxplot(
        list(data),
        positions=list(positions),
        widths=0.5,
        patch_artist=True,
        manage_ticks=False,
        showfliers=fliers,
        boxprops={"facecolor": "white", "edgecolor": DARK, "linewidth": 0.9},
        medianprops={"color": color, "linewidth": 1.8},
        whiskerprops={"color": DARK, "linewidth": 0.9},
        capprops={"color": DARK, "linewidth": 0.9},
        flierprops={
            "marker": "o",
            "markersize": 2.5,
            "markerfacecolor": "none",
            "markeredgecolor": GREY,
            "markeredgewidth": 0.6,
        },
    )


# -- figures ---------------------------------------------------------------------------


def paired_lines(
    pairs: Sequence[tuple[str, float, float]],
    label: str,
    unit: str,
    before_label: str = "Baseline",
    after_label: str = "12 months",
    *,
    min_cell: int = 0,
) -> Figure:
    """One thin grey line per subject from its value before to its value after, and the
    mean ± 95 % CI (t) in bold colour at each end, joined by a bold line."""
    title = f"{label}: {before_label.lower()} to {after_label}"
    kept = [(code, float(b), float(a)) for code, b, a in pairs if _is_finite(b) and _is_finite(a)]
    if not kept:
        return no_data_figure(title, SINGLE_COLUMN)
    n = len(kept)
    fig = _new_figure(SINGLE_COLUMN)
    ax = _style(fig.add_subplot())
    many = n > MANY_PAIRS
    segments = np.array([[(0.0, b), (1.0, a)] for _, b, a in kept])
    lines = LineCollection(
        list(segments),
        colors=GREY,
        linewidths=0.35 if many else 0.6,
        alpha=0.12 if many else 0.55,
        zorder=1,
        gid="subject-lines",
    )
    ax.add_collection(lines)
    befores = [b for _, b, _ in kept]
    afters = [a for _, _, a in kept]
    means = []
    for x, values, color in (
        (-0.06, befores, OKABE_ITO["blue"]),
        (1.06, afters, OKABE_ITO["vermillion"]),
    ):
        mean, low, high = mean_ci(values)
        means.append(mean)
        ax.errorbar(
            [x],
            [mean],
            yerr=[[mean - low], [high - mean]],
            fmt="o",
            color=color,
            markersize=5,
            elinewidth=2.2,
            capsize=4,
            capthick=2.2,
            zorder=3,
            gid=f"mean-ci-{'before' if x < 0.5 else 'after'}",
        )
    ax.plot([-0.06, 1.06], means, color=DARK, linewidth=2.0, zorder=2, gid="mean-line")
    ax.set_xlim(-0.35, 1.35)
    ax.set_xticks([0, 1])
    ax.set_xticklabels([before_label, after_label])
    lo = min(min(befores), min(afters))
    hi = max(max(befores), max(afters))
    pad = (hi - lo) * 0.06 or 1.0
    ax.set_ylim(lo - pad, hi + pad)
    _ylabel(ax, _axis_label(label, unit))
    _title(ax, f"{title} (n = {count(n, min_cell)})")
    _note(fig, "Grey: one subject each; bold: mean ± 95 % CI")
    return fig


def boxes_by_timepoint(
    series: Sequence[tuple[str, Sequence[float]]], label: str, unit: str, *, min_cell: int = 0
) -> Figure:
    """A box per follow-up (median, IQR, whiskers at 1.5 × IQR), with n under each; a
    follow-up without values keeps its place and reads "n = 0"."""
    cleaned = [(name, _finite(values)) for name, values in series]
    title = f"{label} by follow-up"
    if not any(values for _, values in cleaned):
        return no_data_figure(title, WIDE)
    fig = _new_figure(WIDE)
    ax = _style(fig.add_subplot())
    positions = list(range(1, len(cleaned) + 1))
    filled = [(pos, values) for pos, (_, values) in zip(positions, cleaned, strict=True) if values]
    _boxes(ax, [v for _, v in filled], [p for p, _ in filled], OKABE_ITO["blue"])
    _counted_ticks(
        ax, positions, [name for name, _ in cleaned], [len(v) for _, v in cleaned], min_cell
    )
    ax.set_xlim(0.4, len(cleaned) + 0.6)
    _ylabel(ax, _axis_label(label, unit))
    n_subjects = max(len(v) for _, v in cleaned)
    _title(ax, f"{title} (n = {count(n_subjects, min_cell)} at the largest follow-up)")
    return fig


def responder_bars(
    rows: Sequence[tuple[str, float, float, float, int]], title: str, *, min_cell: int = 0
) -> Figure:
    """Share of responders per row as bars (percent, 0-100) with their Wilson 95 % CI."""
    kept = [
        (name, float(share), float(low), float(high), int(n))
        for name, share, low, high, n in rows
        if _is_finite(share) and _is_finite(low) and _is_finite(high)
    ]
    if not kept:
        return no_data_figure(title, WIDE)
    fig = _new_figure(WIDE)
    ax = _style(fig.add_subplot())
    xs = list(range(len(kept)))
    heights = [share * 100 for _, share, _, _, _ in kept]
    below = [max(0.0, (share - low) * 100) for _, share, low, _, _ in kept]
    above = [max(0.0, (high - share) * 100) for _, share, _, high, _ in kept]
    colors = [PALETTE[i % len(PALETTE)] for i in xs]
    bars = ax.bar(xs, heights, width=0.6, color=colors, edgecolor=DARK, linewidth=0.6, gid="bars")
    ax.errorbar(
        xs,
        heights,
        yerr=[below, above],
        fmt="none",
        ecolor=DARK,
        elinewidth=1.0,
        capsize=4,
        gid="wilson-ci",
    )
    for bar, height, up in zip(bars, heights, above, strict=True):
        ax.annotate(
            f"{height:.0f} %",
            xy=(bar.get_x() + bar.get_width() / 2, min(100.0, height + up)),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=NOTE_SIZE,
            color=DARK,
        )
    _counted_ticks(ax, xs, [name for name, *_ in kept], [n for *_, n in kept], min_cell)
    ax.set_ylim(0, 108)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    _ylabel(ax, "Responders (%)")
    _title(ax, title)  # n is under each bar: rows may share subjects
    _note(fig, "Error bars: Wilson 95 % CI")
    return fig


def km_curve(
    curves: Mapping[str, Mapping[str, Any]],
    title: str,
    xlabel: str = "Days since surgery",
    *,
    ylabel: str = "Proportion without event",
    p_text: str = "",
    min_cell: int = 0,
) -> Figure:
    """Kaplan–Meier step curves with their shaded CI and "+" at censored times.

    Each curve: times, survival, low, high (same length), censored_times,
    censored_survival; optionally at_risk = [(time, number at risk), ...], which adds a
    number-at-risk table under the plot. `p_text` (e.g. "log-rank p = 0.04") is written
    in the lower left corner.
    """
    drawn = {name: curve for name, curve in curves.items() if len(curve.get("times", ())) > 0}
    if not drawn:
        return no_data_figure(title, KM_SIZE)
    fig = _new_figure(KM_SIZE)
    with_risk = any(curve.get("at_risk") for curve in drawn.values())
    if with_risk:
        grid = fig.add_gridspec(2, 1, height_ratios=[4.2, 0.35 + 0.3 * len(drawn)])
        ax = _style(fig.add_subplot(grid[0]))
        risk_ax = fig.add_subplot(grid[1], sharex=ax)
    else:
        ax = _style(fig.add_subplot())
    total = 0
    for i, (name, curve) in enumerate(drawn.items()):
        color = PALETTE[i % len(PALETTE)]
        times = [float(t) for t in curve["times"]]
        surv = [float(s) for s in curve["survival"]]
        label = name
        if "n" in curve:
            total += int(curve["n"])
            label = f"{name} (n = {count(curve['n'], min_cell)})"
        ax.step(times, surv, where="post", color=color, linewidth=1.6, label=label, gid=f"km-{i}")
        low, high = curve.get("low"), curve.get("high")
        if low is not None and high is not None and len(low) == len(times):
            ax.fill_between(
                times,
                [float(v) for v in low],
                [float(v) for v in high],
                step="post",
                color=color,
                alpha=0.18,
                linewidth=0,
                gid=f"km-ci-{i}",
            )
        censored = list(curve.get("censored_times", ()))
        if censored:
            ax.plot(
                [float(t) for t in censored],
                [float(s) for s in curve.get("censored_survival", ())],
                linestyle="none",
                marker="+",
                markersize=6,
                markeredgewidth=1.0,
                color=color,
                gid=f"km-censored-{i}",
            )
    ax.set_ylim(0, 1.04)
    ax.set_xlim(left=0)
    _ylabel(ax, ylabel)
    _title(ax, f"{title} (n = {count(total, min_cell)})" if total else title)
    ax.legend(loc="best", fontsize=NOTE_SIZE, frameon=False)
    if p_text:
        ax.text(
            0.02, 0.04, p_text, transform=ax.transAxes, fontsize=FONT_SIZE, color=DARK, gid="p-text"
        )
    if with_risk:
        _at_risk_table(risk_ax, drawn, min_cell)
        ax.tick_params(labelbottom=False)
        _xlabel(risk_ax, xlabel)
    else:
        _xlabel(ax, xlabel)
    return fig


def _at_risk_table(ax: Axes, curves: Mapping[str, Mapping[str, Any]], min_cell: int = 0) -> None:
    ax.set_facecolor("white")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.tick_params(labelsize=TICK_SIZE, width=0.8, length=3)
    # The curve names are the y tick labels, padded clear of the counts at time 0.
    ax.tick_params(axis="y", length=0, pad=16, labelsize=NOTE_SIZE)
    rows = len(curves)
    ax.set_ylim(-0.5, rows - 0.5)
    ax.set_yticks(list(range(rows)))
    ax.set_yticklabels(list(reversed(list(curves))))
    for k, tick in enumerate(ax.get_yticklabels()):  # tick k is curve rows - 1 - k
        tick.set_color(PALETTE[(rows - 1 - k) % len(PALETTE)])
    for i, curve in enumerate(curves.values()):
        y = rows - 1 - i
        color = PALETTE[i % len(PALETTE)]
        for time, at_risk in curve.get("at_risk", ()):
            ax.text(
                float(time),
                y,
                count(at_risk, min_cell),
                ha="center",
                va="center",
                fontsize=NOTE_SIZE,
                color=color,
            )
    ax.set_title("Number at risk", fontsize=NOTE_SIZE, color=DARK, loc="left")


def change_distribution(
    groups: Mapping[str, Sequence[float]],
    label: str,
    unit: str = "%",
    *,
    title: str = "",
    min_cell: int = 0,
) -> Figure:
    """A box per group with every value as a jittered point over it and a line at 0 (no
    change): e.g. monitoring amplitude change per nerve, with and without diabetes."""
    title = title or f"{label} by group"
    cleaned = [(name, _finite(values)) for name, values in groups.items()]
    if not any(values for _, values in cleaned):
        return no_data_figure(title, WIDE)
    fig = _new_figure(WIDE)
    ax = _style(fig.add_subplot())
    rng = np.random.default_rng(JITTER_SEED)
    ax.axhline(0, color=GREY, linewidth=0.9, linestyle="--", zorder=0, gid="zero-line")
    positions = list(range(1, len(cleaned) + 1))
    for i, (pos, (_, values)) in enumerate(zip(positions, cleaned, strict=True)):
        if not values:
            continue
        color = PALETTE[i % len(PALETTE)]
        _boxes(ax, [values], [pos], color, fliers=False)  # the points show them
        xs = pos + rng.uniform(-0.13, 0.13, size=len(values))
        ax.scatter(
            xs,
            values,
            s=9,
            color=color,
            alpha=0.7,
            linewidths=0,
            zorder=3,
            gid=f"points-{i}",
        )
    _counted_ticks(
        ax, positions, [name for name, _ in cleaned], [len(v) for _, v in cleaned], min_cell
    )
    ax.set_xlim(0.4, len(cleaned) + 0.6)
    _ylabel(ax, _axis_label(label, unit))
    _title(ax, f"{title} (n = {count(sum(len(v) for _, v in cleaned), min_cell)})")
    return fig


# -- output ----------------------------------------------------------------------------


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as "svg" (text kept as text, no date, stable ids) or "png" (200 dpi)."""
    fmt = fmt.lower()
    out = io.BytesIO()
    if fmt == "png":
        fig.savefig(out, format="png", dpi=PNG_DPI, facecolor="white", metadata={"Software": None})
    elif fmt == "svg":
        # These two exist only as rcParams; the lock keeps two renders from overlapping
        # while they are set (what they change matters only to an SVG being written).
        with _RENDER_LOCK, rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none"}):
            # Settle the constrained layout at the figure's own dpi first: after a PNG
            # render at 200 dpi it would otherwise start from there, and the clip-path ids
            # (hashes of the clip boxes) would differ from one SVG render to the next.
            fig.draw_without_rendering()
            fig.savefig(out, format="svg", facecolor="white", metadata={"Date": None})
    else:
        raise ValueError(f"unsupported figure format {fmt!r}: use 'svg' or 'png'")
    return out.getvalue()
