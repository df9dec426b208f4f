# SPDX-License-Identifier: AGPL-3.0-or-later
"""A closure or a clinician's leave entered over booked visits, in one step.

``plan`` lists the booked visits the new time off would cover, each with the nearest
free time with the same clinician for the same visit type at the same location: inside
the clinician's hours, outside leave, closures and the new time off itself, with a free
room when the type needs one, between the location's notice and horizon, and clear of
the patient's own other visits. Nothing is saved. ``apply`` then saves the time off and
moves or cancels each visit as staff chose, in one transaction: patients are told
through the outbox by the usual moved/cancelled messages (their calendar file's
SEQUENCE goes up by one), and a visit booked into the time since the plan was shown, or
a proposed time taken meanwhile, undoes everything and is reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nervepath.accounts.models import User
from nervepath.scheduling import availability, services
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import (
    Appointment,
    AvailabilityException,
    Clinician,
    ExceptionKind,
    Status,
)

MOVE = "move"
CANCEL = "cancel"


@dataclass(frozen=True)
class TimeOff:
    """The time off staff entered, not yet saved."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    clinician: Clinician | None = None
    location_id: int | None = None
    reason: str = ""

    def covers(self, clinician_id: int, location_id: int) -> bool:
        if self.kind != ExceptionKind.UNAVAILABLE:
            return False
        if self.clinician is not None and self.clinician.id != clinician_id:
            return False
        return self.location_id is None or self.location_id == location_id

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.ends_at and self.starts_at < end

    def save(self) -> AvailabilityException:
        """Store it as the clinician's leave or the location's closure."""
        return AvailabilityException.objects.create(
            clinician=self.clinician,
            location_id=self.location_id,
            kind=self.kind,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            reason=self.reason,
        )


@dataclass
class Affected:
    appointment: Appointment
    proposal: datetime | None  # the nearest free start; None: nothing free in the horizon

    @property
    def local_proposal(self) -> datetime | None:
        if self.proposal is None:
            return None
        return self.proposal.astimezone(self.appointment.location.tz)


@dataclass(frozen=True)
class Outcome:
    exception: AvailabilityException
    moved: list[tuple[Appointment, datetime]]  # the visit (now moved) and its old start
    cancelled: list[Appointment]
    released: int  # held times (awaiting confirmation, waitlist offers) let go


class PlanChanged(BookingError):
    """The visits under the time off, or a proposed time, changed since the plan was
    shown: nothing was saved; show the fresh plan."""

    status = 409


def affected(off: TimeOff, now: datetime) -> list[Appointment]:
    """Booked visits not yet started whose time (buffers included, as the hours are
    checked) the time off covers."""
    if off.kind != ExceptionKind.UNAVAILABLE:
        return []
    qs = Appointment.objects.filter(status=Status.BOOKED, starts_at__gt=now).overlapping(
        off.starts_at, off.ends_at
    )
    if off.clinician is not None:
        qs = qs.filter(clinician_id=off.clinician.id)
    if off.location_id is not None:
        qs = qs.filter(location_id=off.location_id)
    return list(
        qs.select_related(
            "patient__user", "location", "clinician__user", "appointment_type"
        ).order_by("starts_at", "id")
    )


def plan(off: TimeOff, now: datetime) -> list[Affected]:
    """Each visit the time off covers with its proposed new time (see the module text).
    Two visits are never proposed overlapping times with one clinician, one patient or
    (for visits that need one) one kind of room at one location."""
    visits = affected(off, now)
    if not visits:
        return []
    ids = [a.id for a in visits]
    # Every free start for each visit over its location's window, its own time seen as
    # free (the other visits under the time off keep theirs until they are moved, in
    # this order, so a proposal never meets a visit still to be moved).
    free: dict[int, list[availability.Slot]] = {}
    for a in visits:
        window = availability.online_window(a.location, now)
        start_day = window.earliest.astimezone(a.location.tz).date()
        end_day = window.latest.astimezone(a.location.tz).date()
        free[a.id] = availability.free_slots(
            a.appointment_type,
            [a.location],
            start_day,
            (end_day - start_day).days + 1,
            window=window,
            clinician_ids=[a.clinician_id],
            ignore_appointment_id=a.id,
        )
    patients = {a.patient_id for a in visits}
    theirs: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for pid, s, e in (
        Appointment.objects.active(now)
        .filter(patient_id__in=patients, ends_at__gt=now)
        .exclude(id__in=ids)
        .values_list("patient_id", "starts_at", "ends_at")
    ):
        theirs[pid].append((s, e))
    # What earlier proposals of this plan take.
    clinician_busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    room_busy: dict[tuple[int, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    out = []
    for a in visits:
        kind = a.appointment_type
        slots = sorted(free[a.id], key=_nearest_to(a.starts_at))
        chosen = None
        for slot in slots:
            start, end = slot.starts_at, slot.ends_at
            block_from, block_until = start - kind.buffer_before, end + kind.buffer_after
            if off.covers(a.clinician_id, a.location_id) and off.overlaps(block_from, block_until):
                continue
            if _meets(theirs[a.patient_id], start, end):
                continue
            if _meets(clinician_busy[a.clinician_id], block_from, block_until):
                continue
            room_key = (a.location_id, kind.resource_kind)
            if kind.resource_kind and _meets(room_busy[room_key], block_from, block_until):
                continue
            if kind.surgery_leg and not _second_leg_ok(a, start):
                continue
            chosen = start
            theirs[a.patient_id].append((start, end))
            clinician_busy[a.clinician_id].append((block_from, block_until))
            if kind.resource_kind:
                room_busy[room_key].append((block_from, block_until))
            break
        out.append(Affected(a, chosen))
    return out


def _nearest_to(wanted: datetime) -> Callable[[availability.Slot], tuple[float, datetime]]:
    """Sort key: the closest start first, the earlier of two as close."""

    def key(slot: availability.Slot) -> tuple[float, datetime]:
        return (abs((slot.starts_at - wanted).total_seconds()), slot.starts_at)

    return key


def _meets(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in spans)


def _second_leg_ok(appointment: Appointment, start: datetime) -> bool:
    req = services.Request(
        appointment.appointment_type, appointment.location, appointment.clinician, start
    )
    try:
        services._check_second_leg(req, appointment.patient, appointment.id)
    except BookingError:
        return False
    return True


def _lock_clinicians(off: TimeOff, visits: list[Appointment]) -> None:
    """Row locks on every clinician whose bookings the time off could meet, taken in id
    order before any booking's own locks (``services.lock_slot`` takes the same rows
    first): a booking into the time waits for this transaction, then sees the time off."""
    if off.clinician is not None:
        ids = {off.clinician.id}
    else:
        ids = set(
            Clinician.objects.filter(
                Q(hours__location_id=off.location_id) | Q(exceptions__location_id=off.location_id)
            ).values_list("id", flat=True)
        )
    ids |= {a.clinician_id for a in visits}
    list(Clinician.objects.select_for_update().filter(id__in=sorted(ids)).order_by("id"))


def apply(
    off: TimeOff,
    choices: dict[int, tuple[str, datetime | None]],
    *,
    by: User,
    now: datetime | None = None,
) -> Outcome:
    """Save ``off`` and, for each visit it covers, do what staff chose: ``choices`` maps
    each visit's id (exactly the visits the plan showed) to ``(MOVE, new start)`` or
    ``(CANCEL, None)``. All of it or none: raises :class:`PlanChanged` when the covered
    visits are not the ones staff decided about, or a new time is no longer free, and
    :class:`BookingError` for any other refusal."""
    now = now or timezone.now()
    for visit_id, (action, start) in choices.items():
        if action not in (MOVE, CANCEL) or (action == MOVE and start is None):
            raise BookingError(f"Choose to move or to cancel visit {visit_id}.")
    with transaction.atomic():
        _lock_clinicians(off, affected(off, now))
        visits = affected(off, now)
        if {a.id for a in visits} != set(choices):
            new = [a for a in visits if a.id not in choices]
            raise PlanChanged(
                (
                    f"{len(new)} visit(s) were booked into this time since you looked: "
                    if new
                    else "The visits in this time changed since you looked: "
                )
                + "nothing was saved. Check the list again and confirm."
            )
        exception = off.save()
        released = _release_holds(off, now)
        moved, cancelled = [], []
        for a in visits:
            action, start = choices[a.id]
            if action == CANCEL:
                cancelled.append(services.cancel(a, by=by, now=now))
                continue
            assert start is not None
            window = availability.online_window(a.location, now)
            when = start.astimezone(a.location.tz)
            if not window.earliest <= start <= window.latest:
                raise PlanChanged(
                    f"The time proposed for {a.patient}'s visit ({when:%a %b %-d, %-I:%M %p}) "
                    "is no longer within the clinic's booking window: nothing was saved. "
                    "Check the list again and confirm."
                )
            old = a.starts_at
            try:
                moved.append((services.reschedule(a, start, by=by, now=now), old))
            except SlotTaken:
                raise PlanChanged(
                    f"The time proposed for {a.patient}'s visit ({when:%a %b %-d, %-I:%M %p}) "
                    "was taken meanwhile: nothing was saved. The list below has fresh "
                    "proposals."
                ) from None
            except BookingError as exc:
                raise PlanChanged(
                    f"{a.patient}'s visit could not move to {when:%a %b %-d, %-I:%M %p} "
                    f"({exc.message}): nothing was saved. The list below has fresh proposals."
                ) from None
    return Outcome(exception, moved, cancelled, released)


def _release_holds(off: TimeOff, now: datetime) -> int:
    """Held times inside the time off (a booking awaiting the patient's confirmation, a
    waitlist offer) end now: they would otherwise become visits in a closed time."""
    held = Appointment.objects.filter(status=Status.HELD).overlapping(off.starts_at, off.ends_at)
    if off.clinician is not None:
        held = held.filter(clinician_id=off.clinician.id)
    if off.location_id is not None:
        held = held.filter(location_id=off.location_id)
    count = 0
    for h in held.select_for_update():
        services.end_hold(h, now)
        count += 1
    return count
