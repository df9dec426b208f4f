# SPDX-License-Identifier: AGPL-3.0-or-later
"""Free-slot search.

For each clinician offering a type at a location, the day's working intervals are
built in the location's wall-clock time and turned into UTC instants (DST-safe),
extra hours are added, leave and closures removed, then every interval the
clinician is already booked anywhere is cut out. Slots are laid on a fixed grid
inside what is left. All bookings in the range are fetched in two queries (the
clinicians' and the resources'), so the cost grows with the number of days and
clinicians, not with the number of existing appointments.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import NotSupportedError
from django.db.models import F, FloatField, Func, Q, QuerySet
from django.utils import timezone

from nervepath.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    Clinician,
    ExceptionKind,
    Location,
    Resource,
    WorkingHours,
)

Interval = tuple[float, float]  # UTC epoch seconds, half-open [start, end)


class Slot(NamedTuple):
    starts_at: datetime
    ends_at: datetime
    clinician_id: int
    location_id: int


@dataclass(frozen=True)
class SearchWindow:
    """Bounds a search: what the online rules allow, or anything in the future for staff."""

    earliest: datetime
    latest: datetime


def online_window(location: Location, now: datetime | None = None) -> SearchWindow:
    now = now or timezone.now()
    return SearchWindow(
        earliest=now + timedelta(hours=location.min_notice_hours),
        latest=now + timedelta(days=location.max_horizon_days),
    )


def staff_window(now: datetime | None = None) -> SearchWindow:
    now = now or timezone.now()
    return SearchWindow(earliest=now, latest=now + timedelta(days=3650))


def _epoch(value: datetime) -> float:
    return value.timestamp()


def _from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class _EpochSeconds(Func):
    """A datetime column as UTC epoch seconds, computed by the database: the same number as
    ``_epoch`` gives for the value. Turning thousands of bookings into Python datetimes
    (parsed from text by the database driver or Django) cost more than the rest of the
    search put together."""

    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        raise NotSupportedError(f"epoch seconds are not implemented for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]': whole seconds from
        # strftime('%s'), plus the fraction (an empty string casts to 0.0). The percent
        # sign is doubled twice: once for this template, once for the cursor wrapper.
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
            " + CAST(substr(%(expressions)s, 20) AS REAL))"
        )
        sql, params = super().as_sql(compiler, connection, template=template, **extra)
        return sql, (*params, *params)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        return super().as_sql(compiler, connection, template=template, **extra)


def _spans(queryset: QuerySet[Any], key: str) -> list[tuple[int, float, float]]:
    """``(key, blocked_from, blocked_until)`` of each appointment, as epoch seconds, ordered
    by ``blocked_from``."""
    return list(
        queryset.order_by("blocked_from")
        .annotate(_from=_EpochSeconds(F("blocked_from")), _until=_EpochSeconds(F("blocked_until")))
        .values_list(key, "_from", "_until")
    )


def _local_instant(day: date, clock: time, location: Location) -> float:
    return datetime.combine(day, clock, tzinfo=location.tz).timestamp()


def _subtract(free: list[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """Remove sorted ``busy`` intervals from sorted, non-overlapping ``free`` intervals."""
    if not busy:
        return free
    out: list[Interval] = []
    starts = [b[0] for b in busy]
    for f_start, f_end in free:
        cursor = f_start
        # Busy intervals are sorted by start; ends can come out of order only for
        # different resources, which callers never mix here.
        i = max(bisect_left(starts, f_start) - 1, 0)
        while i < len(busy) and busy[i][0] < f_end:
            b_start, b_end = busy[i]
            if b_end > cursor:
                if b_start > cursor:
                    out.append((cursor, min(b_start, f_end)))
                cursor = max(cursor, b_end)
                if cursor >= f_end:
                    break
            i += 1
        if cursor < f_end:
            out.append((cursor, f_end))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _is_free(busy: Sequence[Interval], starts: Sequence[float], start: float, end: float) -> bool:
    """True when no interval of one resource's sorted, disjoint ``busy`` meets [start, end)."""
    i = bisect_left(starts, end)
    return i == 0 or busy[i - 1][1] <= start


def free_slots(
    appointment_type: AppointmentType,
    locations: Sequence[Location],
    start_day: date,
    days: int,
    *,
    window: SearchWindow | None = None,
    clinician_ids: Sequence[int] | None = None,
    ignore_appointment_id: int | None = None,
    step_minutes: int | None = None,
    include_bookings: bool = True,
) -> list[Slot]:
    """Every free start for ``appointment_type`` at ``locations`` over ``days`` local days.

    ``window`` bounds the instants (online rules or staff); ``ignore_appointment_id`` lets a
    rescheduled appointment see its own time as free; ``include_bookings=False`` gives the
    starts that fit the hours alone (to tell "outside hours" from "taken"). Slots are
    ordered by time, then clinician.
    """
    step = 60 * (step_minutes or settings.NERVEPATH["SLOT_STEP_MINUTES"])
    before = appointment_type.buffer_before_minutes * 60
    length = appointment_type.duration_minutes * 60
    after = appointment_type.buffer_after_minutes * 60
    location_ids = [loc.id for loc in locations]
    offered_at = set(
        appointment_type.locations.filter(id__in=location_ids).values_list("id", flat=True)
    )
    locations = [loc for loc in locations if loc.id in offered_at]
    if not locations or days <= 0:
        return []

    clinicians = Clinician.objects.filter(active=True, appointment_types=appointment_type)
    if clinician_ids is not None:
        clinicians = clinicians.filter(id__in=clinician_ids)
    clinician_set = set(clinicians.values_list("id", flat=True))
    if not clinician_set:
        return []

    hours: dict[tuple[int, int], list[tuple[int, time, time]]] = defaultdict(list)
    for wh in WorkingHours.objects.filter(
        clinician_id__in=clinician_set, location_id__in=[loc.id for loc in locations]
    ).values_list("clinician_id", "location_id", "weekday", "start", "end"):
        hours[(wh[0], wh[1])].append((wh[2], wh[3], wh[4]))

    # The whole search range in UTC, padded a day each side for time-zone offsets.
    range_start = datetime.combine(start_day - timedelta(days=1), time.min, tzinfo=UTC)
    range_end = datetime.combine(start_day + timedelta(days=days + 1), time.min, tzinfo=UTC)

    extra: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    off_clinician: dict[int, list[Interval]] = defaultdict(list)
    off_clinician_at: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    closed: dict[int, list[Interval]] = defaultdict(list)
    for ex in AvailabilityException.objects.filter(
        Q(clinician_id__in=clinician_set) | Q(clinician__isnull=True),
        starts_at__lt=range_end,
        ends_at__gt=range_start,
    ).values_list("clinician_id", "location_id", "kind", "starts_at", "ends_at"):
        clin, loc, kind, ex_start, ex_end = ex
        span = (_epoch(ex_start), _epoch(ex_end))
        if kind == ExceptionKind.EXTRA:
            extra[(clin, loc)].append(span)
        elif clin is None:
            closed[loc].append(span)
        elif loc is None:
            off_clinician[clin].append(span)
        else:
            off_clinician_at[(clin, loc)].append(span)

    busy: dict[int, list[Interval]] = defaultdict(list)
    taken = Appointment.objects.active().filter(
        clinician_id__in=clinician_set,
        blocked_from__lt=range_end,
        blocked_until__gt=range_start,
    )
    if ignore_appointment_id is not None:
        taken = taken.exclude(id=ignore_appointment_id)
    if not include_bookings:
        taken = taken.none()
    for clin, b_from, b_until in _spans(taken, "clinician_id"):
        busy[clin].append((b_from, b_until))

    resources: dict[int, list[tuple[list[Interval], list[float]]]] = {}
    if appointment_type.resource_kind:
        rooms = list(
            Resource.objects.filter(
                location_id__in=[loc.id for loc in locations],
                kind=appointment_type.resource_kind,
                active=True,
            ).values_list("id", "location_id")
        )
        room_busy: dict[int, list[Interval]] = {room_id: [] for room_id, _ in rooms}
        room_taken = Appointment.objects.active().filter(
            resource_id__in=list(room_busy),
            blocked_from__lt=range_end,
            blocked_until__gt=range_start,
        )
        if ignore_appointment_id is not None:
            room_taken = room_taken.exclude(id=ignore_appointment_id)
        if not include_bookings:
            room_taken = room_taken.none()
        for room_id, b_from, b_until in _spans(room_taken, "resource_id"):
            room_busy[room_id].append((b_from, b_until))
        for room_id, loc_id in rooms:
            spans = room_busy[room_id]
            resources.setdefault(loc_id, []).append((spans, [s[0] for s in spans]))

    window = window or staff_window()
    earliest, latest = _epoch(window.earliest), _epoch(window.latest)
    out: list[tuple[float, int, int]] = []
    for location in locations:
        if appointment_type.resource_kind and not resources.get(location.id):
            continue
        rooms_here = resources.get(location.id, [])
        for clin in clinician_set:
            weekly = hours.get((clin, location.id), [])
            extras = extra.get((clin, location.id), [])
            if not weekly and not extras:
                continue
            free: list[Interval] = []
            for offset in range(days):
                day = start_day + timedelta(days=offset)
                wd = day.weekday()
                for weekday, h_start, h_end in weekly:
                    if weekday == wd:
                        free.append(
                            (
                                _local_instant(day, h_start, location),
                                _local_instant(day, h_end, location),
                            )
                        )
            day_lo = _local_instant(start_day, time.min, location)
            day_hi = _local_instant(start_day + timedelta(days=days), time.min, location)
            free.extend(
                (max(s, day_lo), min(e, day_hi)) for s, e in extras if e > day_lo and s < day_hi
            )
            free = _merge(free)
            removed = sorted(
                off_clinician.get(clin, [])
                + off_clinician_at.get((clin, location.id), [])
                + closed.get(location.id, [])
            )
            free = _subtract(free, _merge(removed))
            free = _subtract(free, busy.get(clin, []))
            for f_start, f_end in free:
                # First grid point whose blocked span starts inside the free interval.
                t = -(-(f_start + before) // step) * step
                t = max(t, -(-earliest // step) * step)
                while t + length + after <= f_end and t <= latest:
                    if rooms_here:
                        lo, hi = t - before, t + length + after
                        if not any(_is_free(spans, starts, lo, hi) for spans, starts in rooms_here):
                            t += step
                            continue
                    out.append((t, clin, location.id))
                    t += step
    out.sort()
    return [Slot(_from_epoch(t), _from_epoch(t + length), clin, loc_id) for t, clin, loc_id in out]


def pick_resource(
    appointment_type: AppointmentType,
    location: Location,
    blocked_from: datetime,
    blocked_until: datetime,
    *,
    ignore_appointment_id: int | None = None,
) -> Resource | None:
    """The first active resource of the type's kind at ``location`` free for the span."""
    taken = Appointment.objects.active().overlapping(blocked_from, blocked_until)
    if ignore_appointment_id is not None:
        taken = taken.exclude(id=ignore_appointment_id)
    return (
        Resource.objects.filter(location=location, kind=appointment_type.resource_kind, active=True)
        .exclude(id__in=taken.filter(resource__isnull=False).values("resource_id"))
        .order_by("id")
        .first()
    )


def nearest_slots(
    appointment_type: AppointmentType,
    location: Location,
    around: datetime,
    *,
    window: SearchWindow,
    count: int = 5,
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """The ``count`` free slots closest in time to ``around`` (a week either side, then wider)."""
    local_day = around.astimezone(location.tz).date()
    for reach in (7, 30, 90):
        start = max(
            local_day - timedelta(days=reach), window.earliest.astimezone(location.tz).date()
        )
        slots = free_slots(
            appointment_type,
            [location],
            start,
            (local_day - start).days + reach + 1,
            window=window,
            ignore_appointment_id=ignore_appointment_id,
        )
        if slots:
            slots.sort(key=lambda s: (abs((s.starts_at - around).total_seconds()), s.starts_at))
            return sorted(slots[:count], key=lambda s: s.starts_at)
    return []
