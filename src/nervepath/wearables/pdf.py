# SPDX-License-Identifier: AGPL-3.0-or-later
"""One-page PDF night reports (ReportLab, BSD licence), in two versions.

The clinician's: who, which night, the key numbers with the clinical cut-off, why an
index is withheld, and the engine's figure. The patient's: the plain-language account
of the patient's night page (``plain.plain_night``), no index, no figure, no alarm.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from nervepath.wearables.clinical import CUTOFF_SOURCE, above_cutoff
from nervepath.wearables.engine import png_size
from nervepath.wearables.models import Night


def _fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def _patient_pdf(*, patient_name: str, night: Night, clinic: str) -> bytes:
    from nervepath.wearables.plain import plain_night

    buf = io.BytesIO()
    width, height = A4
    pdf = Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Your night of %(day)s") % {"day": night.night_of.isoformat()})
    pdf.setAuthor(clinic)
    text = plain_night(night.night_report)
    left, line_w = 20 * mm, width - 40 * mm
    y = height - 22 * mm
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(left, y, clinic)
    y -= 9 * mm
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(left, y, _("Your night of %(day)s") % {"day": f"{night.night_of:%B %-d, %Y}"})
    y -= 6 * mm
    pdf.setFont("Helvetica", 10)
    pdf.drawString(left, y, patient_name)
    y -= 10 * mm

    def block(heading: str, sentences: list[str]) -> None:
        nonlocal y
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(left, y, heading)
        y -= 6.5 * mm
        pdf.setFont("Helvetica", 11)
        for sentence in sentences:
            for line in simpleSplit(sentence, "Helvetica", 11, line_w):
                pdf.drawString(left, y, line)
                y -= 5.2 * mm
            y -= 2.5 * mm
        y -= 3 * mm

    block(_("What was measured"), [text.measured])
    block(text.heading, text.result + text.meaning)
    block(_("What happens next"), [text.next_step])
    pdf.setFont("Helvetica", 7)
    pdf.drawString(left, 10 * mm, f"nervepath {night.engine_version}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def night_pdf(
    *,
    patient_name: str,
    record_number: int,
    night: Night,
    figure_png: bytes,
    clinic: str,
    for_patient: bool = False,
) -> bytes:
    """The night's PDF: the clinician's report, or with ``for_patient`` the patient's."""
    if for_patient:
        return _patient_pdf(patient_name=patient_name, night=night, clinic=clinic)
    buf = io.BytesIO()
    width, height = A4
    pdf = Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Night report {night.night_of}")
    pdf.setAuthor(clinic)
    y = height - 20 * mm
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(18 * mm, y, f"{clinic}: night report")
    pdf.setFont("Helvetica", 10)
    y -= 8 * mm
    pdf.drawString(18 * mm, y, f"Patient: {patient_name} (record {record_number})")
    y -= 5 * mm
    report = night.night_report
    pdf.drawString(
        18 * mm,
        y,
        f"Night of {night.night_of:%B %-d, %Y} · {report.device} · rules {report.rules}",
    )
    y -= 9 * mm
    window = "—"
    if night.sleep_window_start and night.sleep_window_end:
        start, end = report.sleep_window_start, report.sleep_window_end
        window = f"{start[11:16]} – {end[11:16]}"
    scored = "—"
    if report.scored_sleep_h == report.scored_sleep_h:  # not NaN (older reports)
        scored = f"{report.scored_sleep_h:.1f} h of sleep, {report.scored_h:.1f} h of recording"
        if report.unscorable:
            scored += f" ({len(report.unscorable)} poor-signal stretch(es) left out)"
    index = _fmt(night.plms_index, " /h")
    reasons = {
        "too_little_sleep": "too little sleep could be scored",
        "no_sleep_window": "no sleep window (rest period mostly device fill)",
        "not_leg": f"worn at the {report.body_location}, not the leg",
    }
    if night.plms_index is None and report.index_withheld:
        why = "; ".join(reasons[r] for r in report.index_withheld_reasons if r in reasons)
        index = f"— ({why or 'too little sleep could be scored'})"
    worn = "not known (scored as ankle)"
    if report.body_location:
        worn = f"{report.body_side} {report.body_location}".strip()
        worn += f" ({report.body_location_source})"
    rows = [
        ("Worn at", worn),
        ("PLMS index", index
         + ("  (above the cut-off)" if above_cutoff(night.plms_index) else "")),
        ("Movements per hour", _fmt(night.movements_per_hour, " /h")),
        *(
            [(f"{report.body_location.capitalize()} movements per hour",
              f"{report.site_movements_per_hour:.1f} /h (not leg movements)")]
            if report.site_movements_per_hour == report.site_movements_per_hour
            else []
        ),
        ("Moves every", _fmt(night.moves_every_min, " min", 0)),
        ("Sleep window (device clock)", window),
        ("Sleep time", _fmt(night.total_sleep_h, " h")),
        ("Scored time", scored),
        ("Leg movements / PLM in sleep",
         f"{report.n_leg_movements} / {report.n_plms}"),
    ]  # fmt: skip
    for label, value in rows:
        pdf.setFont("Helvetica", 10)
        pdf.drawString(18 * mm, y, label)
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(80 * mm, y, value)
        y -= 5.5 * mm
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(18 * mm, y, f"Cut-off: {CUTOFF_SOURCE}. Supports decisions; not a diagnosis.")
    y -= 4 * mm
    if figure_png:
        w_px, h_px = png_size(figure_png)
        box_w = width - 36 * mm
        box_h = y - 15 * mm
        scale = min(box_w / w_px, box_h / h_px)
        draw_w, draw_h = w_px * scale, h_px * scale
        pdf.drawImage(ImageReader(io.BytesIO(figure_png)), 18 * mm, y - draw_h, draw_w, draw_h)
    pdf.setFont("Helvetica", 7)
    pdf.drawString(18 * mm, 10 * mm, f"nervepath engine {night.engine_version}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
