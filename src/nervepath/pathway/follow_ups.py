# SPDX-License-Identifier: AGPL-3.0-or-later
"""Post-operative follow-ups as booking requests.

A done surgery has one follow-up per configured interval (settings FOLLOW_UPS). Each is
"to book" until an appointment of the follow-up type (settings FOLLOW_UP_TYPE) is linked
to it: booked by staff from the follow-ups list, or by anyone (the patient online, the
front desk from the calendar) on a day in its window (due ± FOLLOW_UP_WINDOW_DAYS),
which ``link_booking`` finds. The visit completed marks the follow-up done; cancelled
(or missed), or moved out of the window or to its surgery's day or before, returns it to
"to book". The outcome questionnaires open QUESTIONNAIRE_LEAD_DAYS before the due date,
once. What the booking system's changes write here names, in the history, whoever made
them (``surgery.visit_author``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nervepath.accounts.models import User
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import FollowUp, FollowUpStatus, SurgeryStatus, authored
from nervepath.pathway.surgery import day_text, follow_up_type, local_day, visit_author
from nervepath.scheduling import availability
from nervepath.scheduling.errors import BookingError, SlotTaken
from nervepath.scheduling.models import Appointment, Clinician, Source, Status


def bookable_window(follow_up: FollowUp, today: date) -> tuple[date, date]:
    """The follow-up's window, never before the day after its surgery nor before today."""
    start, end = follow_up.window
    start = max(start, follow_up.surgery.operated_on + timedelta(days=1), today)
    return start, end


def slots(follow_up: FollowUp, count: int = 8, *, now: datetime | None = None) -> list:
    """The first free slots of the follow-up type at the surgery's location in the
    follow-up's window (any clinician offering it)."""
    now = now or timezone.now()
    location = follow_up.surgery.location
    start, end = bookable_window(follow_up, now.astimezone(location.tz).date())
    if end < start:
        return []
    found = availability.free_slots(
        follow_up_type(),
        [location],
        start,
        (end - start).days + 1,
        window=availability.staff_window(now),
    )
    return found[:count]


def fits(follow_up: FollowUp, day: date) -> bool:
    """A visit on ``day`` is this follow-up's: after the surgery, within the window."""
    start, end = follow_up.window
    return follow_up.surgery.operated_on < day and start <= day <= end


def check_bookable(follow_up: FollowUp, day: date) -> None:
    surgery = follow_up.surgery
    if surgery.status != SurgeryStatus.DONE:
        raise PathwayError("The surgery is not marked done: its follow-ups are not open.")
    if follow_up.status != FollowUpStatus.TO_BOOK:
        raise PathwayError(
            f"The {follow_up.label} follow-up is {follow_up.get_status_display().lower()}, "
            "not waiting to be booked."
        )
    if day <= surgery.operated_on:
        # The issue: "a follow-up before the surgery is not [fine]".
        raise PathwayError(
            f"A follow-up cannot be before its surgery ({day_text(surgery.operated_on)}): "
            "choose a later day."
        )
    start, end = follow_up.window
    if not start <= day <= end:
        start = max(start, surgery.operated_on + timedelta(days=1))
        raise PathwayError(
            f"The {follow_up.label} follow-up is due on {day_text(follow_up.due_on)}: book it "
            f"between {day_text(start)} and {day_text(end)}, not on {day_text(day)}."
        )


def book_follow_up(
    follow_up: FollowUp,
    starts_at: datetime,
    clinician: Clinician,
    *,
    by: User,
    now: datetime | None = None,
) -> Appointment:
    """Book the follow-up visit through the booking system and link it."""
    kind = follow_up_type()
    location = follow_up.surgery.location
    day = local_day(starts_at, location.tz)
    check_bookable(follow_up, day)
    from nervepath.scheduling import services as booking

    req = booking.Request(kind, location, clinician, starts_at)
    try:
        with transaction.atomic():
            current = (
                FollowUp.objects.select_for_update().select_related("surgery").get(pk=follow_up.pk)
            )
            check_bookable(current, day)
            appointment = booking.book(req, current.patient, by=by, source=Source.STAFF, now=now)
            current.appointment = appointment
            current.status = FollowUpStatus.BOOKED
            authored(current, by).save()
    except SlotTaken as exc:
        times = ", ".join(
            f"{s.starts_at.astimezone(location.tz):%a %b %-d %-I:%M %p}" for s in exc.alternatives
        )
        raise PathwayError(f"{exc.message} {times}".strip()) from None
    except BookingError as exc:
        raise PathwayError(exc.message) from None
    return appointment


# -- what the booking system tells us (signals.py) ---------------------------------------


def link_booking(appointment_id: int) -> FollowUp | None:
    """A booked visit of the follow-up type, however it was booked, takes the follow-up
    to book whose window holds its day (the one due nearest), if it has none yet."""
    slug = settings.NERVEPATH["FOLLOW_UP_TYPE"]
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_related("location")
            .filter(pk=appointment_id, status=Status.BOOKED, appointment_type__slug=slug)
            .first()
        )
        if appointment is None or FollowUp.objects.filter(appointment=appointment).exists():
            return None
        day = appointment.local_start.date()
        slack = timedelta(days=settings.NERVEPATH["FOLLOW_UP_WINDOW_DAYS"])
        candidates = (
            FollowUp.objects.select_for_update()
            .filter(
                patient_id=appointment.patient_id,
                status=FollowUpStatus.TO_BOOK,
                surgery__status=SurgeryStatus.DONE,
                surgery__operated_on__lt=day,
                due_on__gte=day - slack,
                due_on__lte=day + slack,
            )
            .order_by("due_on", "id")
        )
        chosen = min(candidates, key=lambda f: abs((f.due_on - day).days), default=None)
        if chosen is None:
            return None
        chosen.appointment = appointment
        chosen.status = FollowUpStatus.BOOKED
        authored(chosen, visit_author(appointment)).save()
    return chosen


def visit_changed(appointment: Appointment) -> None:
    """The linked visit completed → the follow-up is done; cancelled or missed → it is
    to book again (and free to take another visit); still booked but moved out of the
    follow-up's window, or to its surgery's day or before → to book again as well (the
    visit stays booked, and ``link_booking`` may give it to the follow-up whose window
    now holds it)."""
    follow_up = (
        FollowUp.objects.select_related("surgery").filter(appointment_id=appointment.pk).first()
    )
    if follow_up is None:
        return
    if appointment.status == Status.COMPLETED and follow_up.status != FollowUpStatus.DONE:
        follow_up.status = FollowUpStatus.DONE
    elif appointment.status in (Status.CANCELLED, Status.NO_SHOW) or (
        appointment.status == Status.BOOKED
        and follow_up.status == FollowUpStatus.BOOKED
        and not fits(follow_up, appointment.local_start.date())
    ):
        follow_up.appointment = None
        if follow_up.status != FollowUpStatus.CANCELLED:
            follow_up.status = FollowUpStatus.TO_BOOK
    else:
        return
    authored(follow_up, visit_author(appointment)).save()


# -- outcome questionnaires --------------------------------------------------------------


def questionnaire_day(follow_up: FollowUp) -> date:
    return follow_up.due_on - timedelta(days=settings.NERVEPATH["QUESTIONNAIRE_LEAD_DAYS"])


def send_questionnaires(today: date | None = None) -> int:
    """Open the outcome questionnaires (settings OUTCOME_INSTRUMENTS) of every follow-up
    due within QUESTIONNAIRE_LEAD_DAYS, once each; returns how many were opened.

    Every follow-up is its own time point of the outcome series, so a questionnaire
    answered recently (e.g. at the previous visit) does not stand in for it; one still
    open is not opened twice (assessment.services.create_requests)."""
    from nervepath.assessment.models import Reason
    from nervepath.assessment.services import create_requests, notify

    today = today or timezone.localdate()
    lead = timedelta(days=settings.NERVEPATH["QUESTIONNAIRE_LEAD_DAYS"])
    instruments = list(settings.NERVEPATH["OUTCOME_INSTRUMENTS"])
    total = 0
    due = FollowUp.objects.filter(
        status__in=[FollowUpStatus.TO_BOOK, FollowUpStatus.BOOKED],
        surgery__status=SurgeryStatus.DONE,
        questionnaires_sent_on__isnull=True,
        due_on__lte=today + lead,
        due_on__gte=today - timedelta(days=settings.NERVEPATH["FOLLOW_UP_WINDOW_DAYS"]),
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            follow_up = (
                FollowUp.objects.select_for_update()
                .select_related("patient__user")
                .filter(pk=pk, questionnaires_sent_on__isnull=True)
                .first()
            )
            if follow_up is None:
                continue
            made = create_requests(
                follow_up.patient,
                instruments,
                reason=Reason.FOLLOW_UP,
                appointment=follow_up.appointment,
                due=follow_up.due_on,
                skip_recent=False,
            )
            notify(follow_up.patient, len(made))
            follow_up.questionnaires_sent_on = today
            follow_up.save(update_fields=["questionnaires_sent_on"])
            total += len(made)
    return total


def next_questionnaire_day(today: date | None = None) -> date | None:
    """The next day after ``today`` on which a follow-up's questionnaires fall due."""
    today = today or timezone.localdate()
    lead = timedelta(days=settings.NERVEPATH["QUESTIONNAIRE_LEAD_DAYS"])
    due = (
        FollowUp.objects.filter(
            status__in=[FollowUpStatus.TO_BOOK, FollowUpStatus.BOOKED],
            surgery__status=SurgeryStatus.DONE,
            questionnaires_sent_on__isnull=True,
            due_on__gt=today + lead,
        )
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    return None if due is None else due - lead
