# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the clinician's summary shows: red flags, and per questionnaire the latest score
against the baseline, built from the submitted responses (the latest of each correction
chain). A corrected response keeps the date it was first answered, so a trend does not
move a measurement to the day someone fixed a typo."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nervepath.accounts.models import Patient
from nervepath.assessment.models import Response
from nervepath.assessment.services import instrument
from nervepath.science import instruments
from nervepath.science.instruments import Flag, Instrument
from nervepath.science.instruments.rls import DiagnosisStatus, diagnosis_status

# The order a clinician reads an intake in: diagnosis, severity, neuropathy, pain, sleep,
# history; instruments added later follow in alphabetical order.
ORDER = [
    "rls_diagnosis",
    "rls_criterion5",
    "irls",
    "jhrlss",
    "mnsi",
    "mnsi_exam",
    "mpi_augmentation",
    "pain_nrs",
    "clinic_sleep",
    "symptom_history",
]


def ordered(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (ORDER.index(i) if i in ORDER else len(ORDER), i))


@dataclass
class Point:
    response: Response
    measured_at: datetime

    @property
    def total(self) -> float | int | None:
        scored = self.response.scored
        return None if scored is None else scored.total

    @property
    def band_label(self) -> str | None:
        scored = self.response.scored
        return None if scored is None else scored.band_label


@dataclass
class Row:
    inst: Instrument
    points: list[Point] = field(default_factory=list)

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def baseline(self) -> Point:
        return self.points[0]

    @property
    def scored(self) -> bool:
        return self.inst.main_score is not None

    @property
    def max_score(self) -> float | None:
        if self.inst.main_score is None:
            return None
        return self.inst.score_def(self.inst.main_score).range[1]

    @property
    def change(self) -> float | int | None:
        if len(self.points) < 2 or self.latest.total is None or self.baseline.total is None:
            return None
        return round(self.latest.total - self.baseline.total, 2)

    @property
    def plottable(self) -> bool:
        return self.scored and any(p.total is not None for p in self.points)


@dataclass
class Summary:
    rows: list[Row]
    flags: list[tuple[Flag, Response]]
    #: IRLSSG 2014: criteria 1-4 from the patient, criterion 5 from the clinician.
    diagnosis: DiagnosisStatus | None = None
    #: The MNSI history (patient) and examination (clinician), side by side.
    mnsi_history: Response | None = None
    mnsi_exam: Response | None = None


def _first_answered(response: Response) -> datetime:
    first = response
    while first.corrects is not None:
        first = first.corrects
    assert first.submitted_at is not None
    return first.submitted_at


def points(patient: Patient, instrument_id: str | None = None) -> dict[str, list[Point]]:
    qs = Response.objects.current().filter(patient=patient).select_related("corrects")
    if instrument_id is not None:
        qs = qs.filter(instrument_id=instrument_id)
    out: dict[str, list[Point]] = {}
    for response in qs:
        out.setdefault(response.instrument_id, []).append(
            Point(response, _first_answered(response))
        )
    for series in out.values():
        series.sort(key=lambda p: (p.measured_at, p.response.pk))
    return out


def build(patient: Patient) -> Summary:
    series = points(patient)
    rows = [Row(instrument(i), series[i]) for i in ordered(list(series))]
    latest = {row.inst.id: row.latest.response for row in rows}
    flags = instruments.red_flags({i: r.answers for i, r in latest.items()})
    rls = latest.get("rls_diagnosis")
    c5 = latest.get("rls_criterion5")
    return Summary(
        rows=rows,
        flags=[(f, latest[f.instrument_id]) for f in flags],
        diagnosis=diagnosis_status(
            rls.scored if rls else None,
            rls.answers if rls else None,
            c5.scored if c5 else None,
        ),
        mnsi_history=latest.get("mnsi"),
        mnsi_exam=latest.get("mnsi_exam"),
    )


def trend_svg(inst: Instrument, series: list[Point]) -> bytes:
    """A small line plot of the main score over time, the bands as shaded steps."""
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    assert inst.main_score is not None
    low, high = inst.score_def(inst.main_score).range
    shown = [p for p in series if p.total is not None]
    fig = Figure(figsize=(3.6, 1.5), dpi=100)
    ax = fig.add_subplot()
    shades = ["#eef5ee", "#f7f3e3", "#f8ebdc", "#f6e0dc", "#f1d6d6"]
    if inst.band_score == inst.main_score:
        for n, band in enumerate(inst.bands):
            ax.axhspan(band.min, band.max, color=shades[min(n, len(shades) - 1)], lw=0)
    xs: list[Any] = [p.measured_at for p in shown]  # datetimes: matplotlib converts them
    ys: list[Any] = [p.total for p in shown]
    ax.plot(xs, ys, marker="o", color="#1f6f8b", lw=1.6, ms=4)
    ax.set_ylim(low, high)
    ax.set_ylabel(inst.score_def(inst.main_score).label, fontsize=7)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(DateFormatter("%b %-d"))
    if len(xs) == 1:
        ax.set_xticks(xs)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(pad=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def answer_rows(inst: Instrument, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Every question asked, with the answer as the patient saw it."""
    rows = []
    for item in inst.visible_items(answers):
        value = answers.get(item.id)
        if value is None:
            shown = "—"
        elif isinstance(value, list):
            labels = [_label(item, v) for v in value]
            shown = "; ".join(labels) if labels else "none of these"
        else:
            shown = _label(item, value)
        rows.append({"id": item.id, "label": item.label, "answer": shown, "value": value})
    return rows


def _label(item: instruments.Item, value: Any) -> str:
    option = item.option(value)
    if option is not None:
        # Numbered options show their points, which is what the clinician adds up.
        return f"{option.label} [{value}]" if isinstance(value, int) else option.label
    unit = f" {item.unit}" if item.unit else ""
    return f"{value}{unit}"
