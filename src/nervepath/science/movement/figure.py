# SPDX-License-Identifier: AGPL-3.0-or-later
"""The night on one page (matplotlib, Agg backend)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nervepath.science.movement.report import NightReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["NO_DATA_SHADES", "plot_night", "save_figure"]


def plot_night(report: NightReport) -> Figure:
    """Draw the night: trace with movements and series, hourly rate, interval histogram.

    Stretches in which the device recorded nothing usable (idle sleep, non-wear, gaps,
    damaged blocks) are shaded grey in the top panel, with a legend entry per kind.

    Parameters
    ----------
    report : NightReport
        A report made by :func:`~nervepath.science.movement.pipeline.analyze_file`
        (it carries a downsampled trace of the signal).

    Returns
    -------
    matplotlib.figure.Figure
        An A4-landscape figure, not attached to any GUI (Agg canvas).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.69, 8.27))
    FigureCanvasAgg(fig)
    # Fixed margins rather than matplotlib's constrained layout, which measured every
    # label's extent again and took more than half of drawing the page (about 0.4 s a
    # night in the worker). The labels are short and of known size, so these fit.
    grid = fig.add_gridspec(3, 2, height_ratios=[2.1, 1, 1.3], **_MARGINS, hspace=0.27, wspace=0.12)
    ax_trace = fig.add_subplot(grid[0, :])
    ax_hour = fig.add_subplot(grid[1, :], sharex=ax_trace)
    ax_hist = fig.add_subplot(grid[2, 0])
    ax_text = fig.add_subplot(grid[2, 1])

    hours = np.asarray(report.trace_time_s) / 3600
    ax_trace.plot(hours, report.trace_value, lw=0.4, color="0.35")
    ax_trace.set_ylabel(report.trace_unit or "signal")
    ax_trace.set_title(f"{report.file}: {report.device}, {report.recording_start}", loc="left")
    window = _window_hours(report)
    if window is not None:  # none when the rest period was mostly device fill
        ax_trace.axvspan(*window, color="#dde8f5", zorder=0, label="sleep window")
    rows = report.movements
    if rows:
        onsets = np.array([r.onset_s for r in rows]) / 3600
        cand = np.array([r.candidate for r in rows])
        series = np.array([r.series for r in rows])
        values = np.asarray(report.trace_value)
        top = float(np.nanmax(values)) if values.size else 1.0
        top = top if np.isfinite(top) and top > 0 else 1.0
        ax_trace.plot(
            onsets[cand],
            np.full(cand.sum(), top * 1.08),
            "|",
            color="#1f77b4",
            ms=8,
            label="candidate movement",
        )
        ax_trace.plot(
            onsets[~cand],
            np.full((~cand).sum(), top * 1.15),
            "|",
            color="#d62728",
            ms=8,
            label="not a candidate (too long)",
        )
        ax_trace.set_ylim(top=top * 1.5)
        for sid in np.unique(series[series >= 0]):
            members = np.flatnonzero(series == sid)
            ax_trace.axvspan(
                onsets[members[0]],
                rows[members[-1]].offset_s / 3600,
                color="#ff7f0e",
                alpha=0.35,
                lw=0,
                label="PLM series" if sid == 0 else None,
            )
    _shade_no_data(ax_trace, report)
    ax_trace.legend(loc="upper left", fontsize=7, ncols=4)

    centres = np.arange(len(report.hourly_rate)) + 0.5
    ax_hour.bar(centres, report.hourly_rate, width=0.9, color="#9ecae1", label="candidates/h")
    ax_hour.bar(centres, report.hourly_plm_rate, width=0.5, color="#ff7f0e", label="PLM/h")
    ax_hour.set_ylabel("per hour")
    ax_hour.set_xlabel("hours from start of recording")
    ax_hour.legend(loc="upper right", fontsize=8)

    edges = np.asarray(report.interval_histogram_edges_s)
    counts = np.asarray(report.interval_histogram_counts)
    if edges.size:
        ax_hist.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="0.5")
        ax_hist.set_xscale("log")
        ax_hist.axvspan(10, 90, color="#ff7f0e", alpha=0.15, lw=0)
    ax_hist.set_xlabel("interval between movement onsets (s, log scale)")
    ax_hist.set_ylabel("count")

    ax_text.axis("off")
    lines = [
        part
        for line in report.summary().splitlines()
        if not line.startswith("Note")
        for part in textwrap.wrap(line, _TEXT_WIDTH, subsequent_indent=" " * 21) or [""]
    ]
    text = ax_text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=7)
    text.set_in_layout(False)
    return fig


#: The page's margins, as fractions of the A4-landscape figure.
_MARGINS = {"left": 0.055, "right": 0.985, "top": 0.96, "bottom": 0.055}

#: Characters per line of the summary box (7-pt monospace in the right half of A4).
_TEXT_WIDTH = 78

#: Stretches without usable data: legend label and shade of grey.
NO_DATA_SHADES = {
    "idle": ("idle sleep (device recorded nothing)", "0.70"),
    "nonwear": ("not worn", "0.60"),
    "gap": ("gap (no data)", "0.50"),
    "corrupt": ("damaged blocks", "0.40"),
    "unscorable": ("signal not scorable", "0.30"),
}


def _shade_no_data(ax: Axes, report: NightReport) -> None:
    """Grey bands over idle-sleep, non-wear, gap, damaged and unscorable stretches.

    One legend entry each; unscorable stretches are the EMG epochs of poor signal
    quality (:mod:`.quality`) left out of the indices.

    Each kind is one collection (``gid`` ``"no-data-<kind>"``), so that a week with
    thousands of short gaps is still one artist per kind.
    """
    rows = [*report.stretches, *({**u, "kind": "unscorable"} for u in report.unscorable)]
    for kind, (label, grey) in NO_DATA_SHADES.items():
        spans = [
            (s["start_s"] / 3600, max(s["end_s"] - s["start_s"], 0.0) / 3600)
            for s in rows
            if s["kind"] == kind
        ]
        if not spans:
            continue
        bars = ax.broken_barh(
            spans,
            (0, 1),
            transform=ax.get_xaxis_transform(),
            facecolors=grey,
            edgecolors=grey,
            linewidths=0.2,
            alpha=0.45,
            zorder=0.5,
            label=label,
        )
        bars.set_gid(f"no-data-{kind}")


def _window_hours(report: NightReport) -> tuple[float, float] | None:
    from datetime import datetime

    if not report.sleep_window_start or not report.sleep_window_end:
        return None
    start = datetime.fromisoformat(report.recording_start)
    a = datetime.fromisoformat(report.sleep_window_start)
    b = datetime.fromisoformat(report.sleep_window_end)
    return (a - start).total_seconds() / 3600, (b - start).total_seconds() / 3600


def save_figure(report: NightReport, path: str | Path) -> Path:
    """Write the night figure; the format follows the suffix (``.png`` or ``.svg``).

    Parameters
    ----------
    report : NightReport
        The night.
    path : str or Path
        Output file.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    fig = plot_night(report)
    fig.savefig(path, dpi=120)
    return path
