# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patient's timeline: PLMS index and movements per hour by night, with the
clinical cut-off and treatment events, as an SVG (matplotlib, Agg: no display)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from nervepath.wearables.clinical import PLMS_CUTOFF_ADULT
from nervepath.wearables.events import TreatmentEvent


def timeline_svg(nights: Sequence, events: Sequence[TreatmentEvent]) -> bytes:
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.add_subplot()
    days = [n.night_of for n in nights]
    ax.plot(days, [n.plms_index for n in nights], "o-", color="#8b1e3f", label="PLMS index (/h)")
    ax.plot(
        days,
        [n.movements_per_hour for n in nights],
        "s--",
        color="#1f5f8b",
        label="Movements per hour",
    )
    ax.axhline(PLMS_CUTOFF_ADULT, color="#555555", linestyle=":", linewidth=1)
    ax.annotate(
        "PLMS index 15/h (ICSD-3 adult cut-off)",
        xy=(0.01, PLMS_CUTOFF_ADULT),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=8,
        color="#555555",
    )
    for event in events:
        day: Any = event.day  # matplotlib's date converter places it; its stubs want a float
        ax.axvline(day, color="#2e7d32", linewidth=1.2)
        ax.annotate(
            event.label,
            xy=(event.day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize=8,
            color="#2e7d32",
        )
    ax.set_ylabel("per hour")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()
