# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's medications: starts, changes (a record replacing another) and stops, one
row of the lane per chain of changes, and a bar per record."""

from __future__ import annotations

from datetime import date

from nervepath.accounts.models import Patient
from nervepath.pathway.models import Medication
from nervepath.pathway.timeline.base import Bar, Event, Found
from nervepath.pathway.timeline.words import on_day, page_url


def med_text(med: Medication) -> str:
    """E.g. "Gabapentin 300 mg at bedtime"."""
    text = f"{med.name} {med.dose.normalize():f} {med.unit}"
    return f"{text} {med.frequency}" if med.frequency else text


def _root(med: Medication, by_id: dict[int, Medication]) -> Medication:
    """The first record of the chain of changes ``med`` belongs to."""
    seen = {med.pk}
    while med.replaces_id is not None and med.replaces_id in by_id:
        med = by_id[med.replaces_id]
        if med.pk in seen:
            break
        seen.add(med.pk)
    return med


def events(patient: Patient, today: date) -> Found:
    """``records``: the medications, oldest first; ``rows``: each chain's medicine."""
    medications = list(Medication.objects.filter(patient=patient).order_by("started_on", "pk"))
    by_id = {m.pk: m for m in medications}
    replaced = {m.replaces_id for m in medications if m.replaces_id is not None}
    found = Found(records=medications)
    chains: list[int] = []
    labelled: set[int] = set()
    for med in medications:
        chain = _root(med, by_id)
        if chain.pk not in chains:
            chains.append(chain.pk)
            found.rows.append(chain.name)
        row = chains.index(chain.pk)
        previous = by_id.get(med.replaces_id) if med.replaces_id is not None else None
        found.events.append(_started(med, previous, chain, row))
        if med.stopped_on is not None and med.pk not in replaced:
            found.events.append(_stopped(med, med.stopped_on, chain, row))
        label = "" if row in labelled else med.name  # the medicine's name once per row
        labelled.add(row)
        found.bars.append(_bar(med, row, label, today))
    return found


def _started(med: Medication, previous: Medication | None, chain: Medication, row: int) -> Event:
    """The start of a medicine, or a change (``med`` replacing ``previous``)."""
    if med.replaces_id is None:
        title, kind_word = f"Started {med_text(med)}", "start"
        detail = f"side effects: {med.side_effects}" if med.side_effects else "new medication"
    else:
        kind_word = "change"
        if previous is not None:
            title = (
                f"Changed {med.name}: {previous.dose.normalize():f} {previous.unit} → "
                f"{med.dose.normalize():f} {med.unit}"
            )
            detail = f"was {med_text(previous)}; now {med_text(med)}"
            if previous.stop_reason:
                detail += f" · why: {previous.stop_reason}"
        else:
            title, detail = f"Changed to {med_text(med)}", "replaces an earlier record"
        if med.side_effects:
            detail += f" · side effects: {med.side_effects}"
    return Event(
        day=med.started_on,
        kind="medication",
        title=title,
        detail=detail,
        obj=med,
        url=page_url(med),
        status=kind_word,
        status_label="Current" if med.current else "Ended",
        group=str(chain.pk),
        key=f"medication-{med.pk}-{kind_word}",
        row=row,
    )


def _stopped(med: Medication, stopped_on: date, chain: Medication, row: int) -> Event:
    return Event(
        day=stopped_on,
        kind="medication",
        title=f"Stopped {med_text(med)}",
        detail=f"why: {med.stop_reason}" if med.stop_reason else "stopped",
        obj=med,
        url=page_url(med),
        status="stop",
        status_label="Stopped",
        group=str(chain.pk),
        key=f"medication-{med.pk}-stop",
        row=row,
    )


def _bar(med: Medication, row: int, label: str, today: date) -> Bar:
    return Bar(
        kind="medication",
        start=med.started_on,
        end=med.stopped_on or max(today, med.started_on),
        row=row,
        title=(
            f"{med_text(med)}: {on_day(med.started_on, today)} – "
            + (on_day(med.stopped_on, today) if med.stopped_on else "today")
        ),
        label=label,
        open_ended=med.stopped_on is None,
    )
