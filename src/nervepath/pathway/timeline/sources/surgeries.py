# SPDX-License-Identifier: AGPL-3.0-or-later
"""The course's surgeries, each with the change its monitoring readings show."""

from __future__ import annotations

from datetime import date

from nervepath.accounts.models import Patient
from nervepath.pathway.models import Surgery
from nervepath.pathway.timeline.base import Event, Found
from nervepath.pathway.timeline.words import leg_name, nerve_name, num, page_url, person, short
from nervepath.science.nerves import monitoring


def events(patient: Patient, today: date) -> Found:
    surgeries = list(
        Surgery.objects.filter(patient=patient)
        .select_related("surgeon__user", "location")
        .prefetch_related("readings")
        .order_by("operated_on", "pk")
    )
    found = Found(records=surgeries)
    for surgery in surgeries:
        tunnels = ", ".join(short(t) for t in surgery.tunnel_labels) or "no tunnel recorded"
        parts = [tunnels, person(surgery.surgeon.user)]
        parts += monitoring_text(surgery)
        found.events.append(
            Event(
                day=surgery.operated_on,
                kind="surgery",
                title=f"Decompression, {leg_name(surgery.leg).lower()}",
                detail=" · ".join(parts),
                obj=surgery,
                url=page_url(surgery),
                status=surgery.status,
                status_label=surgery.get_status_display(),
                group=surgery.leg,
                key=f"surgery-{surgery.pk}",
            )
        )
    return found


def monitoring_text(surgery: Surgery) -> list[str]:
    """The change per nerve; the readings as recorded when no change can be computed."""
    readings = list(surgery.readings.all())
    if not readings:
        return []
    try:
        return [
            f"{nerve_name(c.nerve)}: {c.describe()}"
            for c in monitoring.changes(r.as_reading() for r in readings)
        ]
    except (monitoring.MonitoringError, TypeError, ValueError):
        shown = [
            f"{nerve_name(r.nerve)} {r.phase}: {num(r.amplitude_uv)} µV"
            for r in sorted(readings, key=lambda r: (str(r.nerve), str(r.phase)))
        ]
        return [*shown, "readings incomplete, no change computed"]
