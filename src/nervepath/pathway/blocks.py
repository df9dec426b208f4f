# SPDX-License-Identifier: AGPL-3.0-or-later
"""Diagnostic nerve blocks, the patient's relief diary after each, and the candidacy
decision that follows.

Every write checks its input first and writes inside one transaction, so a refused
change raises ``PathwayError`` (with a sentence for the person who sent it) and stores
nothing. Each model keeps its history (django-simple-history); the writer is named on
the history row even outside a request.

The candidate rule itself (days of relief at or above a threshold, in a row) is pure
science: ``nervepath.science.nerves.relief``, which cites it as the clinic's practice.
This module feeds it the diary and the clinic's settings (``NERVEPATH_DIARY_DAYS``,
``NERVEPATH_RELIEF_THRESHOLD``, ``NERVEPATH_CANDIDATE_MIN_DAYS``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nervepath.accounts import language
from nervepath.accounts.models import Patient, Role, User
from nervepath.pathway.errors import PathwayError
from nervepath.pathway.models import (
    CandidacyReview,
    Decision,
    NerveBlock,
    ReliefEntry,
    authored,
    validate_injections,
)
from nervepath.scheduling.models import Appointment, Leg, Status, Treatment
from nervepath.science.nerves.relief import CandidateRule, ReliefSummary, Verdict, summarise

# After the diary's last day the patient may still fill the days they missed for this
# many days (a weekend away, a reminder read late); then the diary closes for good, so
# that a week-old memory does not pass for a daily record.
DIARY_GRACE_DAYS = 3

# How nervepath's verdict reads on a page.
VERDICT_WORDS = {
    Verdict.CANDIDATE: "Likely surgical candidate",
    Verdict.NOT_CANDIDATE: "Not a candidate",
    Verdict.UNDETERMINED: "Not decided yet: the missing diary days decide it",
}

NERVE_BLOCK_TYPE = Treatment.BLOCK  # the treatment of the visit a block is given at


def _conf(name: str) -> Any:
    return dict(settings.NERVEPATH)[name]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise PathwayError(message)


def _is_day(value: Any) -> bool:
    """A calendar day (a datetime is not one: it would compare by the instant)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_active_clinician(user: Any) -> bool:
    return isinstance(user, User) and clinician_users().filter(pk=user.pk).exists()


def clinician_users() -> Any:
    """Users who may give a block or decide on candidacy (active clinicians)."""
    return User.objects.filter(role=Role.CLINICIAN, is_active=True).order_by(
        "last_name", "first_name"
    )


def block_appointments(patient: Patient) -> Any:
    """The patient's nerve-block visits a block may be linked to (not cancelled)."""
    return (
        Appointment.objects.filter(patient=patient, appointment_type__treatment=NERVE_BLOCK_TYPE)
        .exclude(status=Status.CANCELLED)
        .select_related("location", "appointment_type")
        .order_by("-starts_at")
    )


# -- blocks ------------------------------------------------------------------------------


def _clean_injections(injections: Any) -> list[dict[str, Any]]:
    rows = []
    if isinstance(injections, list):
        for row in injections:
            if isinstance(row, dict) and isinstance(row.get("agent"), str):
                row = {**row, "agent": row["agent"].strip()}
            if isinstance(row, dict) and isinstance(row.get("volume_ml"), Decimal):
                row = {**row, "volume_ml": float(row["volume_ml"])}
            rows.append(row)
    else:
        rows = injections
    try:
        validate_injections(rows)
    except ValidationError as exc:
        raise PathwayError(" ".join(exc.messages)) from None
    for row in rows:
        _check(len(row["agent"]) <= 120, "Name each agent in at most 120 characters.")
        _check(math.isfinite(row["volume_ml"]), "Each volume is above 0 and at most 20 mL.")
    return rows


def record_block(
    patient: Patient,
    *,
    given_on: date,
    leg: str,
    injections: list[dict[str, Any]],
    given_by: User,
    notes: str = "",
    appointment: Appointment | None = None,
    by: User,
) -> NerveBlock:
    """Record a block given to ``patient``; its diary opens the same day."""
    today = timezone.localdate()
    _check(_is_day(given_on), "Give the day of the block.")
    _check(given_on <= today, "A block cannot be recorded for a day that has not come yet.")
    _check(leg in Leg.values, "Choose the leg that was blocked.")
    rows = _clean_injections(injections)
    _check(_is_active_clinician(given_by), "The block is given by one of the clinic's clinicians.")
    notes = (notes or "").strip()
    _check(len(notes) <= 4000, "Keep the notes under 4000 characters.")
    if appointment is not None:
        _check(
            appointment.patient_id == patient.pk,
            "That appointment is not one of this patient's.",
        )
        _check(appointment.status != Status.CANCELLED, "That appointment was cancelled.")
        visit_day = appointment.local_start.date()
        _check(
            visit_day == given_on,
            f"The linked visit is on {visit_day:%b %-d, %Y}; the block date must be the "
            "visit's day.",
        )
    with transaction.atomic():
        block = NerveBlock(
            patient=patient,
            appointment=appointment,
            given_on=given_on,
            leg=leg,
            injections=rows,
            given_by=given_by,
            notes=notes,
            diary_days=_conf("DIARY_DAYS"),
            created_by=by,
        )
        authored(block, by).save()
        transaction.on_commit(_schedule_reminders)
    return block


def _schedule_reminders() -> None:
    from nervepath.pathway.tasks import enqueue_reminder_run

    enqueue_reminder_run()


# -- the diary ---------------------------------------------------------------------------


def diary_closes_on(block: NerveBlock) -> date:
    """The last day the diary takes entries (its last day plus the grace period)."""
    return block.diary_last_day + timedelta(days=DIARY_GRACE_DAYS)


def diary_is_open(block: NerveBlock, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return block.given_on <= today <= diary_closes_on(block)


def fillable_days(block: NerveBlock, today: date | None = None) -> list[date]:
    """The days the patient may fill now: from the block to today, within the diary."""
    today = today or timezone.localdate()
    if not diary_is_open(block, today):
        return []
    last = min(today, block.diary_last_day)
    return [block.given_on + timedelta(days=i) for i in range((last - block.given_on).days + 1)]


def missing_days(
    block: NerveBlock, today: date | None = None, *, entries: Iterable[ReliefEntry] | None = None
) -> list[date]:
    """Diary days up to today (or the diary's end) with no entry. ``entries``: the
    block's diary rows when already loaded (prefetched), which saves the query."""
    today = today or timezone.localdate()
    last = min(today, block.diary_last_day)
    filled = (
        {e.day for e in entries}
        if entries is not None
        else set(block.diary.values_list("day", flat=True))
    )
    span = (last - block.given_on).days + 1
    days = [block.given_on + timedelta(days=i) for i in range(max(span, 0))]
    return [d for d in days if d not in filled]


def _whole(value: Any, low: int, high: int, message: str) -> int:
    if isinstance(value, bool):
        raise PathwayError(message)
    if isinstance(value, float | Decimal):
        _check(math.isfinite(value) and value == int(value), message)
        value = int(value)
    _check(isinstance(value, int) and low <= value <= high, message)
    return int(value)


def _hours(value: Any) -> Decimal:
    message = _("Hours of sleep are between 0 and 24.")
    if isinstance(value, bool) or value is None:
        raise PathwayError(message)
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PathwayError(message) from None
    _check(hours.is_finite() and 0 <= hours <= 24, message)
    return hours.quantize(Decimal("0.1"))


def save_entry(
    block: NerveBlock,
    patient: Patient,
    *,
    day: date,
    relief_pct: int,
    sleep_hours: float | Decimal,
    sleep_quality: int | None = None,
    note: str = "",
    by: User,
) -> ReliefEntry:
    """Fill (or correct) one day of ``patient``'s diary for ``block``. One row per day:
    a second save for the same day edits it, and its history keeps the earlier value."""
    today = timezone.localdate()
    _check(block.patient_id == patient.pk, _("This diary belongs to another patient's block."))
    _check(_is_day(day), _("Choose the day you are describing."))
    _check(day <= today, _("You can only fill in a day that has already begun, not a future one."))
    _check(
        day >= block.given_on,
        _("The diary starts on the day of the block, %(day)s.")
        % {"day": language.day(block.given_on, "date")},
    )
    _check(
        day <= block.diary_last_day,
        _("The diary's last day is %(day)s.") % {"day": language.day(block.diary_last_day, "date")},
    )
    closes = diary_closes_on(block)
    _check(
        today <= closes,
        _("This diary closed on %(day)s; it can no longer be changed.")
        % {"day": language.day(closes, "date")},
    )
    relief = _whole(relief_pct, 0, 100, _("Relief is a whole percentage from 0 to 100."))
    hours = _hours(sleep_hours)
    quality = None
    if sleep_quality is not None:
        quality = _whole(sleep_quality, 0, 10, _("Sleep quality is a whole number from 0 to 10."))
    note = (note or "").strip()
    _check(len(note) <= 500, _("Keep the note under 500 characters."))
    with transaction.atomic():
        # Lock the block so two saves of the same day cannot both create a row.
        NerveBlock.objects.select_for_update().filter(pk=block.pk).first()
        entry = ReliefEntry.objects.filter(block=block, day=day).first()
        if entry is None:
            entry = ReliefEntry(block=block, patient=patient, day=day)
        elif (entry.relief_pct, entry.sleep_hours, entry.sleep_quality, entry.note) == (
            relief,
            hours,
            quality,
            note,
        ):
            return entry  # nothing changed: no history row
        entry.relief_pct = relief
        entry.sleep_hours = hours
        entry.sleep_quality = quality
        entry.note = note
        entry.entered_by = by
        authored(entry, by).save()
    return entry


# -- the verdict -------------------------------------------------------------------------


def rule_for(block: NerveBlock) -> CandidateRule:
    """The clinic's candidate rule (settings) applied to this block's diary. A diary
    shorter than the days the rule asks for needs relief on every one of its days."""
    return CandidateRule(
        threshold=float(_conf("RELIEF_THRESHOLD")),
        min_days=min(int(_conf("CANDIDATE_MIN_DAYS")), block.diary_days),
        length=block.diary_days,
    )


def summary(block: NerveBlock, entries: Iterable[ReliefEntry] | None = None) -> ReliefSummary:
    """Days of meaningful relief and nervepath's verdict from the block's diary.
    ``entries``: the block's diary rows when already loaded (prefetched), which saves the
    query; by default they are read afresh."""
    pairs = (
        [(e.day, e.relief_pct) for e in entries]
        if entries is not None
        else block.diary.values_list("day", "relief_pct")
    )
    relief_by_number: dict[int, float | None] = {}
    for day, relief in pairs:
        number = block.day_number(day)
        if 1 <= number <= block.diary_days:
            relief_by_number[number] = float(relief)
    return summarise(relief_by_number, rule_for(block))


def verdict_words(value: str) -> str:
    """A verdict or decision value in words."""
    try:
        return VERDICT_WORDS[Verdict(value)]
    except ValueError:
        return value


def review(block: NerveBlock, *, decision: str, reason: str, by: User) -> CandidacyReview:
    """The clinician confirms nervepath's verdict or overrides it. A reason is required
    to override, and whenever the diary does not decide yet. Deciding again updates the
    review; its history keeps the earlier decision."""
    _check(decision in Decision.values, "Choose whether the patient is a likely candidate.")
    _check(_is_active_clinician(by), "Only a clinician decides on candidacy.")
    reason = (reason or "").strip()
    _check(len(reason) <= 2000, "Keep the reason under 2000 characters.")
    with transaction.atomic():
        NerveBlock.objects.select_for_update().filter(pk=block.pk).first()
        computed = summary(block)
        verdict = computed.verdict
        if not reason:
            _check(
                verdict != Verdict.UNDETERMINED,
                "Give a reason: the diary does not decide yet (days are missing), so the "
                "decision is yours alone.",
            )
            _check(
                decision == verdict,
                f"Give a reason for overriding nervepath's verdict "
                f"({VERDICT_WORDS[verdict].lower()}).",
            )
        current = CandidacyReview.objects.filter(block=block).first()
        row = current or CandidacyReview(block=block, patient_id=block.patient_id)
        row.computed = verdict.value
        row.relief_days = computed.meaningful_days
        row.decision = decision
        row.reason = reason
        row.decided_by = by
        authored(row, by).save()
    return row


@dataclass(frozen=True)
class LegCandidacy:
    """A leg's standing from its latest block: the clinician's decision when there is
    one, nervepath's computed verdict otherwise."""

    leg: str
    block: NerveBlock
    verdict: str  # a Decision value, or Verdict.UNDETERMINED
    reviewed: bool
    review: CandidacyReview | None
    summary: ReliefSummary

    @property
    def leg_label(self) -> str:
        return Leg(self.leg).label

    @property
    def words(self) -> str:
        return VERDICT_WORDS[Verdict(self.verdict)]

    @property
    def candidate(self) -> bool:
        return self.verdict == Verdict.CANDIDATE


def patient_blocks(patient: Patient) -> list[NerveBlock]:
    """The patient's blocks, latest first, with their diary rows, review and reviewer
    loaded (three queries, however many blocks): pass ``block.diary.all()`` to
    ``summary`` and ``missing_days``."""
    return list(
        NerveBlock.objects.filter(patient=patient)
        .select_related("given_by", "review__decided_by")
        .prefetch_related("diary")
        .order_by("-given_on", "-id")
    )


def candidacy_by_leg(
    patient: Patient, summaries: Iterable[tuple[NerveBlock, ReliefSummary]] | None = None
) -> dict[str, LegCandidacy]:
    """{leg: LegCandidacy} for each leg the patient had a block on (latest block).
    ``summaries``: the patient's blocks with their summaries when already computed (a
    page that lists every block), so that no block is read or summarised twice."""
    if summaries is None:
        summaries = [(b, summary(b, b.diary.all())) for b in patient_blocks(patient)]
    found: dict[str, LegCandidacy] = {}
    latest_first = sorted(summaries, key=lambda p: (p[0].given_on, p[0].pk), reverse=True)
    for block, computed in latest_first:
        if block.leg in found:
            continue
        current = getattr(block, "review", None)
        found[block.leg] = LegCandidacy(
            leg=block.leg,
            block=block,
            verdict=current.decision if current else computed.verdict.value,
            reviewed=current is not None,
            review=current,
            summary=computed,
        )
    return {leg: found[leg] for leg in Leg.values if leg in found}
