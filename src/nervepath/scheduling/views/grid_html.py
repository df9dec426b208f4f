# SPDX-License-Identifier: AGPL-3.0-or-later
"""The grid's rows as HTML, written here rather than in the template: a full day is
about a thousand cells, and the template language spent most of the page's time on them
(``benchmarks/bench_grid.py``). Everything shown is escaped."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nervepath.scheduling.grid import Cell, Grid
from nervepath.scheduling.models import Appointment, CheckIn, Status


def _clock(moment: datetime) -> str:
    return f"{moment:%-I:%M}"


def _ampm(moment: datetime) -> str:
    return f"{moment:%-I:%M} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def _state(a: Appointment) -> str:
    if a.status == Status.BOOKED and a.checkin:
        return str(CheckIn(a.checkin).label)
    return str(Status(a.status).label).split(" (")[0]


def _appointment(a: Appointment, *, rooms: bool, detail: str) -> str:
    times = f"<b>{_clock(a.local_start)}–{_ampm(a.local_end)}</b>"
    kind = escape(a.appointment_type.name)
    if not getattr(a, "shown", False):
        return f'<span class="block {a.status}">{times} Booked · {kind}</span>'
    extra = ""
    if rooms:
        extra = f" · {escape(str(a.clinician))}"
    elif a.resource is not None:
        extra = f" · {escape(a.resource.name)}"
    checkin = f" {a.checkin}" if a.checkin else ""
    return (
        f'<a class="block {a.status}{checkin}" data-nav href="{detail.format(pk=a.pk)}">'
        f"{times} {escape(str(a.patient))} · {kind}{extra} "
        f'<span class="state">{escape(_state(a))}</span></a>'
    )


def _cell(cell: Cell, *, rooms: bool, book: str, detail: str) -> str:
    attrs = (
        f'rowspan="{cell.rows}" class="c {cell.kind} r{cell.rows}" data-col="{cell.column}" '
        f'data-row="{cell.row}" data-rows="{cell.rows}"'
    )
    if cell.kind == "appointment":
        inner = "".join(_appointment(a, rooms=rooms, detail=detail) for a in cell.appointments)
    elif cell.kind == "free" and cell.owner is not None and cell.owner.clinician is not None:
        clinician = cell.owner.clinician
        label = escape(
            f"Book {clinician} on {cell.start:%a %b} {cell.start.day} at {_ampm(cell.start)}"
        )
        href = f"{book}?clinician={clinician.id}&amp;start={quote(cell.start.isoformat())}"
        inner = (
            f'<a class="free-link" data-nav href="{href}" aria-label="{label}">'
            f"{_clock(cell.start)}</a>"
        )
    elif cell.kind == "off":
        inner = f'<span class="block off-label">{escape(cell.label)}</span>'
    elif cell.kind == "closed":
        inner = '<span class="sr-only">Not working</span>'
    elif cell.kind == "free":
        inner = '<span class="sr-only">Free</span>'
    else:
        inner = ""
    return f"<td {attrs}>{inner}</td>"


def table_body(grid: Grid, *, rooms: bool) -> SafeString:
    book = reverse("scheduling:desk_book", args=[grid.location.slug])
    # One reversal for every visit's link; the id is put in place of the 0.
    detail = reverse("scheduling:staff_appointment", args=[0])
    head, tail = detail.rsplit("0", 1)
    template = head + "{pk}" + tail
    rows = []
    for clock, cells in grid.table:
        label = f"{clock:%-I:%M} {'a.m.' if clock.hour < 12 else 'p.m.'}"
        hidden = ' class="sr-only"' if clock.minute else ""
        body = "".join(
            _cell(cell, rooms=rooms, book=book, detail=template) for cell in cells if cell
        )
        rows.append(
            f'<tr class="m{clock.minute}"><th scope="row" class="t"><span{hidden}>{label}'
            f"</span></th>{body}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
