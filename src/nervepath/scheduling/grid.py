# SPDX-License-Identifier: AGPL-3.0-or-later
"""The schedule grid: a day (or a week) laid out as rows of time and columns of
clinicians, days or rooms.

Each column knows its working hours (shaded outside them), its leave and closures
(drawn as blocks), and its appointments (blocks as tall as their duration). What is left
inside the working hours is free time, cut into bookable cells. Everything the grid shows
is read in a fixed number of queries whatever the number of appointments (see
``benchmarks/bench_grid.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Any, cast

from django.db import models
from django.db.models import Q

from nervepath.accounts.models import Patient
from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    Clinician,
    ExceptionKind,
    Location,
    OpeningHours,
    Resource,
    Status,
    WorkingHours,
)

ROW_MINUTES = 5
FREE_CELL_MINUTES = 15
DEFAULT_HOURS = (8 * 60, 17 * 60)

# What the grid shows of a visit (the rest of the row is not read).
GRID_FIELDS = (
    "id",
    "patient_id",
    "clinician_id",
    "location_id",
    "appointment_type_id",
    "resource_id",
    "starts_at",
    "ends_at",
    "status",
    "checkin",
)
Span = tuple[int, int]  # minutes since the local midnight, half-open


@dataclass
class Cell:
    """One block of the grid: ``kind`` is appointment, free, off (leave or closure),
    closed (outside working hours) or past (free but already gone)."""

    kind: str
    row: int
    rows: int
    start: datetime
    label: str = ""
    appointments: list[Appointment] = field(default_factory=list)
    column: int = 0
    owner: Column | None = None

    @property
    def minutes(self) -> int:
        return self.rows * ROW_MINUTES

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()


@dataclass
class Column:
    key: int | date
    title: str
    day: date
    clinician: Clinician | None = None
    resource: Resource | None = None
    working: list[Span] = field(default_factory=list)
    off: list[tuple[Span, str]] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    cells: dict[int, Cell] = field(default_factory=dict)


@dataclass
class Grid:
    location: Location
    columns: list[Column]
    first_minute: int
    rows: int
    # One row per time step: its local clock time and, per column, the cell starting
    # there (None where a taller cell above covers it).
    table: list[tuple[time, list[Cell | None]]]


def _minute(moment: datetime, location: Location, day: date) -> int:
    """Minutes from ``day``'s local midnight to ``moment`` (may be negative or past 1440)."""
    local = moment.astimezone(location.tz)
    delta = datetime.combine(local.date(), local.time()) - datetime.combine(day, time.min)
    return int(delta.total_seconds() // 60)


def _clip(span: Span) -> Span | None:
    start, end = max(span[0], 0), min(span[1], 24 * 60)
    return (start, end) if start < end else None


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _time_minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def build(
    location: Location,
    days: list[date],
    *,
    clinicians: list[Clinician] | None = None,
    rooms: bool = False,
    now: datetime,
) -> Grid:
    """The grid of ``days`` at ``location``: one column per clinician (one day), one per
    day (a week, for the one clinician given), or one per room (``rooms``)."""
    tz = location.tz
    start = datetime.combine(days[0], time.min, tzinfo=tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz)
    if clinicians is None:
        clinicians = list(
            Clinician.objects.filter(active=True, hours__location=location)
            .select_related("user")
            .distinct()
        )
    clinician_ids = [c.id for c in clinicians]
    appointments = _appointments(location, start, end, clinicians, rooms)
    exceptions = list(
        AvailabilityException.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .filter(Q(location=location) | Q(location__isnull=True))
        .filter(Q(clinician_id__in=clinician_ids) | Q(clinician__isnull=True))
    )
    columns: list[Column] = []
    if rooms:
        weekly = defaultdict(list)
        for oh in OpeningHours.objects.filter(location=location):
            weekly[oh.weekday].append((_time_minutes(oh.opens), _time_minutes(oh.closes)))
        day = days[0]
        for resource in Resource.objects.filter(location=location, active=True):
            columns.append(
                Column(
                    resource.id,
                    resource.name,
                    day,
                    resource=resource,
                    working=list(weekly.get(day.weekday(), [])),
                    appointments=[a for a in appointments if a.resource_id == resource.id],
                )
            )
        closures = [e for e in exceptions if e.clinician_id is None]
        for column in columns:
            _add_off(column, closures, location)
    else:
        hours: dict[int, list[tuple[int, Span]]] = defaultdict(list)
        for wh in WorkingHours.objects.filter(location=location, clinician_id__in=clinician_ids):
            hours[wh.clinician_id].append(
                (wh.weekday, (_time_minutes(wh.start), _time_minutes(wh.end)))
            )
        for clinician in clinicians:
            for day in days:
                column = Column(
                    day if len(days) > 1 else clinician.id,
                    f"{day:%a %b} {day.day}" if len(days) > 1 else str(clinician),
                    day,
                    clinician=clinician,
                    working=[span for wd, span in hours[clinician.id] if wd == day.weekday()],
                    appointments=[
                        a
                        for a in appointments
                        if a.clinician_id == clinician.id and a.local_start.date() == day
                    ],
                )
                mine = [e for e in exceptions if e.clinician_id in (None, clinician.id)]
                for ex in mine:
                    if ex.kind == ExceptionKind.EXTRA and ex.location_id == location.id:
                        span = _clip(
                            (
                                _minute(ex.starts_at, location, day),
                                _minute(ex.ends_at, location, day),
                            )
                        )
                        if span:
                            column.working.append(span)
                _add_off(column, mine, location)
                columns.append(column)
    for column in columns:
        column.working = _merge(column.working)
    if not rooms and len(days) == 1:
        # A day shows the clinicians who work it (or have visits on it), not everyone.
        working = [c for c in columns if c.working or c.appointments]
        columns = working or columns
    first, last = _bounds(columns, location)
    rows = (last - first) // ROW_MINUTES
    for index, column in enumerate(columns):
        _lay_out(column, index, first, rows, location, now)
        for cell in column.cells.values():
            cell.owner = column
    table = []
    for r in range(rows):
        minute = first + r * ROW_MINUTES
        table.append(
            (time(minute // 60 % 24, minute % 60), [column.cells.get(r) for column in columns])
        )
    return Grid(location, columns, first, rows, table)


def _appointments(
    location: Location, start: datetime, end: datetime, clinicians: list[Clinician], rooms: bool
) -> list[Appointment]:
    """The visits shown, with their patient, clinician, type, room and location attached
    from a few lookups (no join per row: instantiating every joined row dominated)."""
    found = (
        Appointment.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=Status.CANCELLED)
        .order_by("starts_at")
        .only(*GRID_FIELDS)
    )
    if rooms:
        found = found.filter(resource__isnull=False)
    else:
        found = found.filter(clinician_id__in=[c.id for c in clinicians])
    appointments = list(found)
    if not appointments:
        return []
    by_clinician = {c.id: c for c in clinicians}
    missing = {a.clinician_id for a in appointments} - set(by_clinician)
    if missing:
        by_clinician.update(
            (c.id, c) for c in Clinician.objects.filter(id__in=missing).select_related("user")
        )
    kinds = {k.id: k for k in AppointmentType.objects.all()}
    resources = {r.id: r for r in Resource.objects.filter(location=location)}
    patients = {
        p.id: p
        for p in Patient.objects.filter(id__in={a.patient_id for a in appointments})
        .select_related("user")
        .only("id", "user_id", "user__first_name", "user__last_name", "user__email")
    }

    def cache(name: str) -> models.ForeignKey[Any, Any]:
        return cast("models.ForeignKey[Any, Any]", Appointment._meta.get_field(name))

    for a in appointments:
        cache("patient").set_cached_value(a, patients[a.patient_id])
        cache("clinician").set_cached_value(a, by_clinician[a.clinician_id])
        cache("appointment_type").set_cached_value(a, kinds[a.appointment_type_id])
        cache("location").set_cached_value(a, location)
        cache("resource").set_cached_value(
            a, resources.get(a.resource_id) if a.resource_id else None
        )
    return appointments


def _add_off(column: Column, exceptions: list[AvailabilityException], location: Location) -> None:
    for ex in exceptions:
        if ex.kind != ExceptionKind.UNAVAILABLE:
            continue
        span = _clip(
            (_minute(ex.starts_at, location, column.day), _minute(ex.ends_at, location, column.day))
        )
        if span is None:
            continue
        what = "Closed" if ex.clinician_id is None else "Leave"
        column.off.append((span, f"{what}: {ex.reason}" if ex.reason else what))


def _bounds(columns: list[Column], location: Location) -> Span:
    """The rows shown: every column's hours and appointments, whole hours, else 8 to 5."""
    lows, highs = [], []
    for column in columns:
        for start, end in column.working:
            lows.append(start)
            highs.append(end)
        for a in column.appointments:
            lows.append(_minute(a.starts_at, location, column.day))
            highs.append(_minute(a.ends_at, location, column.day))
    if not lows:
        return DEFAULT_HOURS
    first = max(min(lows) // 60 * 60, 0)
    last = min(ceil(max(highs) / 60) * 60, 24 * 60)
    return (first, max(last, first + 60))


def _lay_out(
    column: Column, index: int, first: int, rows: int, location: Location, now: datetime
) -> None:
    tz = location.tz

    def at(row: int) -> datetime:
        minute = first + row * ROW_MINUTES
        return datetime.combine(column.day, time.min, tzinfo=tz) + timedelta(minutes=minute)

    taken: dict[int, Cell] = {}
    for a in column.appointments:
        lo = max((_minute(a.starts_at, location, column.day) - first) // ROW_MINUTES, 0)
        hi = min(ceil((_minute(a.ends_at, location, column.day) - first) / ROW_MINUTES), rows)
        hi = max(hi, lo + 1)
        if lo >= rows:
            continue
        if lo in taken:
            # A visit over one that did not take place (a no-show rebooked): one block.
            cell = taken[lo]
            cell.appointments.append(a)
            continue
        hi = next((r for r in range(lo, hi) if r in taken), hi)
        cell = Cell("appointment", lo, hi - lo, at(lo), appointments=[a], column=index)
        for r in range(lo, hi):
            taken[r] = cell
        column.cells[lo] = cell
    for (start, end), label in column.off:
        lo = max((start - first) // ROW_MINUTES, 0)
        hi = min(ceil((end - first) / ROW_MINUTES), rows)
        r = lo
        while r < hi:
            if r in taken:
                r += 1
                continue
            run_end = next((x for x in range(r, hi) if x in taken), hi)
            cell = Cell("off", r, run_end - r, at(r), label=label, column=index)
            column.cells[r] = cell
            for x in range(r, run_end):
                taken[x] = cell
            r = run_end

    def working(row: int) -> bool:
        minute = first + row * ROW_MINUTES
        return any(s <= minute < e for s, e in column.working)

    r = 0
    while r < rows:
        if r in taken:
            r += 1
            continue
        if working(r):
            # Free time: up to the next quarter hour, the next block or the end of hours.
            stop = r + 1
            while (
                stop < rows
                and stop not in taken
                and working(stop)
                and (first + stop * ROW_MINUTES) % FREE_CELL_MINUTES
            ):
                stop += 1
            kind = "free" if at(r) > now else "past"
            column.cells[r] = Cell(kind, r, stop - r, at(r), column=index)
        else:
            stop = r + 1
            while stop < rows and stop not in taken and not working(stop):
                stop += 1
            column.cells[r] = Cell("closed", r, stop - r, at(r), column=index)
        r = stop
