# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course as a swimlane SVG: one lane per kind of event, months along the bottom, a
line for today, and a "later" column for what is due beyond the horizon. Every mark
carries a ``<title>``; all text is escaped (ElementTree writes it)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from nervepath.pathway.models import TherapyCourse
from nervepath.pathway.timeline.base import KIND_LABELS, KIND_SINGULAR, KINDS, Bar, Course, Event
from nervepath.pathway.timeline.words import num, on_day, plural
from nervepath.wearables.clinical import PLMS_CUTOFF_ADULT

COLOURS = {
    "visit": "#1f6f8b",
    "questionnaire": "#6a4c93",
    "night": "#2a7f62",
    "block": "#b86e00",
    "surgery": "#b3261e",
    "follow_up": "#3d5a80",
    "therapy": "#00838f",
    "medication": "#7b5e3b",
}
MUTED = "#8a96a3"
INK = "#1d2733"

WIDTH = 960
HORIZON_DAYS = 92  # drawn to scale this far ahead of today
LATER_W = 72  # the column for events due after the horizon
LEFT = 118  # lane labels
RIGHT = 16
TOP = 22  # room for "today"
AXIS = 30  # month labels below the lanes
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


# -- drawing primitives


def _el(parent: ET.Element, tag: str, title: str | None = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if title:
        ET.SubElement(element, "title").text = title
    return element


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: Any) -> ET.Element:
    attrs.setdefault("font_size", 11)
    attrs.setdefault("fill", INK)
    element = _el(parent, "text", x=f"{x:.1f}", y=f"{y:.1f}", **attrs)
    element.text = text
    return element


def _lane_heights(course: Course) -> dict[str, int]:
    return {
        "visit": 30,
        "questionnaire": 64,
        "night": 56,
        "block": 34,
        "surgery": 46,
        "follow_up": 30,
        "therapy": 34,
        "medication": max(30, 18 * max(1, len(course.medication_rows)) + 10),
    }


def _months(start: date, end: date) -> list[date]:
    found = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            found.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def _event_title(event: Event, today: date) -> str:
    text = f"{on_day(event.day, today)} — {event.title}"
    if event.status_label and event.kind in ("visit", "surgery", "follow_up"):
        text += f" ({event.status_label.lower()})"
    return f"{text}: {event.detail}" if event.detail else text


# -- the frame: where days and values fall


@dataclass
class _Frame:
    """The figure's geometry for one course."""

    course: Course
    start: date  # the first day drawn
    end: date  # the last day drawn to scale
    horizon: date  # later than this goes in the "later" column
    later: list[Event]  # the events due after the horizon
    heights: dict[str, int]  # of each lane
    peak: float  # the top of the nights lane's scale
    lane_top: dict[str, int] = field(default_factory=dict)
    later_x: dict[str, float] = field(default_factory=dict)  # by event key

    @classmethod
    def of(cls, course: Course) -> _Frame:
        today = course.today
        first, last = course.span
        # Months ahead are drawn to scale up to the horizon; what is due later (the 6-
        # and 12-month follow-ups) sits in a "later" column so it does not squeeze the past.
        horizon = today + timedelta(days=HORIZON_DAYS)
        frame = cls(
            course=course,
            start=(first - timedelta(days=7)).replace(day=1),
            end=min(last, horizon) + timedelta(days=10),
            horizon=horizon,
            later=[e for e in course.events if e.day > horizon],
            heights=_lane_heights(course),
            peak=max([60.0, *(e.value or 0 for e in course.of_kind("night"))]),
        )
        y = TOP
        for kind in KINDS:
            frame.lane_top[kind] = y
            y += frame.heights[kind]
        for kind in KINDS:
            mine = [e for e in frame.later if e.kind == kind]
            for n, event in enumerate(mine):
                frame.later_x[event.key] = frame.plot_right + 14 + (n * 14) % max(LATER_W - 24, 14)
        return frame

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT - (LATER_W if self.later else 0)

    @property
    def bottom(self) -> int:
        return TOP + sum(self.heights.values())

    @property
    def height(self) -> int:
        return self.bottom + AXIS

    def x(self, day: date) -> float:
        span_days = max((self.end - self.start).days, 1)
        return LEFT + (self.plot_right - LEFT) * (min(day, self.end) - self.start).days / span_days

    def event_x(self, event: Event) -> float:
        return self.later_x.get(event.key, self.x(event.day))

    def q_y(self, total: float) -> float:
        """Where an IRLS total (0-40) falls in the questionnaire lane."""
        q_top, q_h = self.lane_top["questionnaire"], self.heights["questionnaire"]
        return q_top + q_h - 8 - (q_h - 16) * max(0.0, min(total, 40.0)) / 40.0

    def n_y(self, value: float) -> float:
        """Where a PLMS index falls in the nights lane."""
        n_top, n_h, peak = self.lane_top["night"], self.heights["night"], self.peak
        return n_top + n_h - 6 - (n_h - 12) * max(0.0, min(value, peak)) / peak


# -- the figure


def course_svg(course: Course) -> str:
    """The course as an SVG swimlane: one lane per kind of event, months along the
    bottom, a line for today. Every mark carries a ``<title>``; all text is escaped."""
    frame = _Frame.of(course)
    label = _label(course, frame)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {frame.height}",
            "width": str(WIDTH),
            "height": str(frame.height),
            "role": "img",
            "aria-label": label,
            "class": "course-figure",
            "font-family": FONT,
        },
    )
    ET.SubElement(svg, "title").text = f"Course of care of {course.patient}"
    ET.SubElement(svg, "desc").text = label
    _lanes(svg, frame)
    _month_ticks(svg, frame)
    for bar in course.bars:  # bars first, marks on top
        _bar(svg, frame, bar)
    _irls_line(svg, frame)
    _plms_cut_off(svg, frame)
    for event in course.events:
        _mark(svg, frame, event)
    _today(svg, frame)
    return ET.tostring(svg, encoding="unicode")


def _label(course: Course, frame: _Frame) -> str:
    """What the figure shows, in words (its aria-label and ``<desc>``)."""
    start, end = frame.start, frame.end
    counts = course.counts
    described = (
        ", ".join(plural(counts[k], KIND_SINGULAR[k].lower()) for k in KINDS if counts[k])
        or "nothing recorded yet"
    )
    label = (
        f"Course of care of {course.patient}, {start:%b %Y} to {end:%b %Y}: {described}. "
        f"Today is {course.today:%b %-d, %Y}."
    )
    if frame.later:
        label += (
            f" {plural(len(frame.later), 'event')} after {frame.horizon:%b %-d, %Y} "
            "shown in the column marked later."
        )
    return label


def _lanes(svg: ET.Element, frame: _Frame) -> None:
    """The lanes with their labels, the axis line and the "later" column."""
    counts, bottom, plot_right = frame.course.counts, frame.bottom, frame.plot_right
    for n, kind in enumerate(KINDS):
        y, h = frame.lane_top[kind], frame.heights[kind]
        _el(svg, "rect", x=0, y=y, width=WIDTH, height=h, fill="#f4f7f9" if n % 2 else "#ffffff")
        _text(svg, 8, y + h / 2 + 4, KIND_LABELS[kind], font_weight="600", font_size=12)
        if not counts[kind] and not any(b.kind == kind for b in frame.course.bars):
            _text(svg, LEFT + 6, y + h / 2 + 4, "none recorded", fill=MUTED, font_size=10)
    _el(svg, "line", x1=LEFT, y1=TOP, x2=LEFT, y2=bottom, stroke="#c9d2da")
    if not frame.later:
        return
    _el(
        svg,
        "rect",
        f"Due after {frame.horizon:%b %-d, %Y}",
        x=plot_right,
        y=TOP,
        width=WIDTH - plot_right,
        height=bottom - TOP,
        fill="#eef1f4",
        fill_opacity=0.7,
    )
    _el(
        svg,
        "line",
        x1=plot_right,
        y1=TOP,
        x2=plot_right,
        y2=bottom,
        stroke="#9aa6b2",
        stroke_dasharray="3 3",
    )
    _text(svg, plot_right + 6, bottom + 16, "later", fill="#5a6877", font_size=11)


def _month_ticks(svg: ET.Element, frame: _Frame) -> None:
    months = _months(frame.start, frame.end)
    step = max(1, math.ceil(len(months) / 14))
    bottom = frame.bottom
    for n, month in enumerate(months):
        mx = frame.x(month)
        _el(svg, "line", x1=f"{mx:.1f}", y1=TOP, x2=f"{mx:.1f}", y2=bottom, stroke="#e3e8ed")
        # A label needs about 50 px: none that would run into the "later" column's own
        # label or off the figure.
        if n % step == 0 and mx + 50 <= (frame.plot_right if frame.later else WIDTH):
            text = f"{month:%b %Y}" if n == 0 or month.month == 1 else f"{month:%b}"
            _text(svg, mx + 2, bottom + 16, text, fill="#5a6877", font_size=11)


def _bar(svg: ET.Element, frame: _Frame, bar: Bar) -> None:
    top = frame.lane_top[bar.kind]
    x1, x2 = frame.x(bar.start), frame.x(bar.end)
    width = max(x2 - x1, 2.0)
    if bar.kind == "block":
        _el(
            svg,
            "rect",
            bar.title,
            x=f"{x1:.1f}",
            y=top + 20,
            width=f"{width:.1f}",
            height=8,
            rx=2,
            fill="#f3cf8f",
            class_="bar bar-block",
        )
        if bar.label:
            _text(svg, x1 + width + 3, top + 28, bar.label, font_size=10, fill="#7a4b00")
    elif bar.kind == "therapy":
        _el(
            svg,
            "rect",
            bar.title,
            x=f"{x1:.1f}",
            y=top + 12,
            width=f"{width:.1f}",
            height=10,
            rx=3,
            fill="#cdeef0",
            class_="bar bar-therapy",
        )
    elif bar.kind == "medication":
        row_y = top + 8 + 18 * bar.row
        _el(
            svg,
            "rect",
            bar.title,
            x=f"{x1:.1f}",
            y=row_y + 6,
            width=f"{width:.1f}",
            height=7,
            rx=2,
            fill="#d9c7ad" if not bar.open_ended else "#c29a66",
            class_="bar bar-medication",
        )
        if bar.label:
            _text(svg, x1 + 2, row_y + 3, bar.label, font_size=10, fill="#5b4428")


def _irls_line(svg: ET.Element, frame: _Frame) -> None:
    """The IRLS totals joined by a line, the first and last labelled."""
    questionnaires = frame.course.of_kind("questionnaire")
    irls = [e for e in questionnaires if e.group == "irls" and e.value is not None]
    if len(irls) > 1:
        _el(
            svg,
            "polyline",
            points=" ".join(f"{frame.event_x(e):.1f},{frame.q_y(e.value or 0):.1f}" for e in irls),
            fill="none",
            stroke=COLOURS["questionnaire"],
            stroke_width=1.5,
        )
    for e in irls[:1] + irls[-1:] if len(irls) > 1 else irls:
        _text(svg, frame.event_x(e) + 5, frame.q_y(e.value or 0) - 4, num(e.value), font_size=10)


def _plms_cut_off(svg: ET.Element, frame: _Frame) -> None:
    """The clinical cut-off of the PLMS index, dashed across the nights lane."""
    if not frame.course.counts["night"]:
        return
    cut = frame.n_y(PLMS_CUTOFF_ADULT)
    _el(
        svg,
        "line",
        f"PLMS index cut-off {PLMS_CUTOFF_ADULT:g}/h",
        x1=LEFT,
        y1=f"{cut:.1f}",
        x2=frame.plot_right,
        y2=f"{cut:.1f}",
        stroke="#9fb8ad",
        stroke_dasharray="4 3",
    )
    _text(svg, frame.plot_right - 30, cut - 3, f"{PLMS_CUTOFF_ADULT:g}/h", font_size=9, fill=MUTED)


def _today(svg: ET.Element, frame: _Frame) -> None:
    today = frame.course.today
    tx = frame.x(today)
    _el(
        svg,
        "line",
        f"Today, {today:%b %-d, %Y}",
        x1=f"{tx:.1f}",
        y1=TOP - 4,
        x2=f"{tx:.1f}",
        y2=frame.bottom,
        stroke="#b3261e",
        stroke_width=1.5,
        stroke_dasharray="5 3",
        class_="today",
    )
    # The label sits right of the line, or left of it near the figure's right edge.
    near_edge = tx + 40 > WIDTH
    _text(
        svg,
        tx - 3 if near_edge else tx + 3,
        TOP - 8,
        "today",
        fill="#b3261e",
        font_size=11,
        font_weight="600",
        text_anchor="end" if near_edge else "start",
    )


# -- one mark per event


@dataclass(frozen=True)
class _Mark:
    """Where and how one event's mark is drawn."""

    svg: ET.Element
    frame: _Frame
    event: Event
    x: float
    top: int  # of the event's lane
    height: int  # of the event's lane
    title: str
    fill: str  # white when planned, muted when cancelled or missed
    stroke: str

    @property
    def colour(self) -> str:
        return COLOURS[self.event.kind]

    @property
    def common(self) -> dict[str, str]:
        return {"class_": f"mark mark-{self.event.kind}", "data_kind": self.event.kind}

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


def _mark(svg: ET.Element, frame: _Frame, event: Event) -> None:
    today = frame.course.today
    colour = COLOURS[event.kind]
    faded = event.status in ("cancelled", "no_show", "missed")
    planned = event.status in ("planned", "booked", "held", "to_book") or event.day > today
    mark = _Mark(
        svg=svg,
        frame=frame,
        event=event,
        x=frame.event_x(event),
        top=frame.lane_top[event.kind],
        height=frame.heights[event.kind],
        title=_event_title(event, today),
        fill="#ffffff" if planned else (MUTED if faded else colour),
        stroke=MUTED if faded else colour,
    )
    _MARKS[event.kind](mark)


def _visit_mark(m: _Mark) -> None:
    _el(
        m.svg,
        "circle",
        m.title,
        cx=f"{m.x:.1f}",
        cy=m.middle,
        r=5,
        fill=m.fill,
        stroke=m.stroke,
        stroke_width=1.5,
        **m.common,
    )


def _questionnaire_mark(m: _Mark) -> None:
    """An IRLS total on its scale; any other questionnaire as a square (red if flagged)."""
    if m.event.group == "irls" and m.event.value is not None:
        _el(
            m.svg,
            "circle",
            m.title,
            cx=f"{m.x:.1f}",
            cy=f"{m.frame.q_y(m.event.value):.1f}",
            r=3.5,
            fill=m.colour,
            **m.common,
        )
        return
    _el(
        m.svg,
        "rect",
        m.title,
        x=f"{m.x - 2.5:.1f}",
        y=m.top + m.height - 9,
        width=5,
        height=5,
        fill=COLOURS["surgery"] if m.event.status == "flagged" else "#a48fc4",
        **m.common,
    )


def _night_mark(m: _Mark) -> None:
    """A dot at the night's PLMS index (darker above the cut-off), hollow without one."""
    if m.event.value is None:
        _el(
            m.svg,
            "circle",
            m.title,
            cx=f"{m.x:.1f}",
            cy=m.top + m.height - 6,
            r=3,
            fill="#ffffff",
            stroke=m.colour,
            **m.common,
        )
        return
    above = m.event.value > PLMS_CUTOFF_ADULT
    _el(
        m.svg,
        "circle",
        m.title,
        cx=f"{m.x:.1f}",
        cy=f"{m.frame.n_y(m.event.value):.1f}",
        r=3,
        fill=m.colour if above else "#7fbfa6",
        **m.common,
    )


def _block_mark(m: _Mark) -> None:
    points = f"{m.x:.1f},{m.top + 6} {m.x - 6:.1f},{m.top + 18} {m.x + 6:.1f},{m.top + 18}"
    _el(m.svg, "polygon", m.title, points=points, fill=m.colour, **m.common)


def _surgery_mark(m: _Mark) -> None:
    """A diamond in the leg's row, with R or L beside it."""
    mx, row_y = m.x, m.top + (14 if m.event.group == "right" else 33)
    points = f"{mx:.1f},{row_y - 7} {mx + 7:.1f},{row_y} {mx:.1f},{row_y + 7} {mx - 7:.1f},{row_y}"
    _el(
        m.svg,
        "polygon",
        m.title,
        points=points,
        fill=m.fill,
        stroke=m.stroke,
        stroke_width=1.5,
        **m.common,
    )
    letter = {"right": "R", "left": "L"}.get(m.event.group, "?")
    _text(m.svg, mx + 9, row_y + 4, letter, font_size=10, font_weight="600", fill=m.stroke)


def _follow_up_mark(m: _Mark) -> None:
    _el(
        m.svg,
        "rect",
        m.title,
        x=f"{m.x - 4:.1f}",
        y=m.middle - 4,
        width=8,
        height=8,
        rx=1,
        fill=m.fill,
        stroke=m.stroke,
        stroke_width=1.5,
        **m.common,
    )


def _therapy_mark(m: _Mark) -> None:
    """A course's start or end as a flag on its bar; a session as a tick (dashed when
    planned, red when missed)."""
    if isinstance(m.event.obj, TherapyCourse):
        _el(
            m.svg,
            "line",
            m.title,
            x1=f"{m.x:.1f}",
            y1=m.top + 4,
            x2=f"{m.x:.1f}",
            y2=m.top + 30,
            stroke=m.colour,
            stroke_width=2,
            **m.common,
        )
        return
    status = m.event.status
    _el(
        m.svg,
        "line",
        m.title,
        x1=f"{m.x:.1f}",
        y1=m.top + 9,
        x2=f"{m.x:.1f}",
        y2=m.top + 25,
        stroke={"done": m.colour, "missed": "#b3261e"}.get(status, MUTED),
        stroke_width=1.5 if status != "planned" else 1,
        stroke_dasharray="2 2" if status == "planned" else "none",
        **m.common,
    )


def _medication_mark(m: _Mark) -> None:
    _el(
        m.svg,
        "circle",
        m.title,
        cx=f"{m.x:.1f}",
        cy=m.top + 8 + 18 * m.event.row + 9.5,
        r=3.5,
        fill=m.colour if m.event.status != "stop" else "#ffffff",
        stroke=m.colour,
        **m.common,
    )


_MARKS: dict[str, Callable[[_Mark], None]] = {
    "visit": _visit_mark,
    "questionnaire": _questionnaire_mark,
    "night": _night_mark,
    "block": _block_mark,
    "surgery": _surgery_mark,
    "follow_up": _follow_up_mark,
    "therapy": _therapy_mark,
    "medication": _medication_mark,
}
