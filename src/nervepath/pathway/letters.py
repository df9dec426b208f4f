# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a letter to the referring doctor says about surgery (registered with the notes
app, which sits below the pathway): for each decompression done on or before the note's
visit, the leg, the tunnels released and the nerve-monitoring change."""

from __future__ import annotations

from nervepath.notes.models import VisitNote
from nervepath.pathway.models import SurgeryStatus
from nervepath.pathway.surgery import monitoring_table


def surgery_section(note: VisitNote) -> list[tuple[str, list[str]]]:
    surgeries = note.patient.surgeries.filter(
        status=SurgeryStatus.DONE, operated_on__lte=note.visit_date
    ).order_by("operated_on", "id")
    lines = []
    for surgery in surgeries:
        line = f"{surgery}: released {'; '.join(surgery.tunnel_labels).lower()}."
        changes = [f"{row.label}: {row.change}" for row in monitoring_table(surgery) if row.change]
        if changes:
            line += " Nerve monitoring: " + "; ".join(changes) + "."
        lines.append(line)
    return [("Surgery", lines)] if lines else []
