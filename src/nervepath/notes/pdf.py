# SPDX-License-Identifier: AGPL-3.0-or-later
"""The clinic's PDFs from notes (ReportLab, BSD licence, as the night and analysis
reports): a one-page letter with the clinic's letterhead, and a signed consent form.

The letter's body is shrunk to fit one page (ReportLab's ``KeepInFrame`` in "shrink"
mode) rather than spilling onto a second; a consent form may run over several pages.
Text is escaped before ReportLab reads it as markup.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext
from reportlab import platypus
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from nervepath.science.outcomes.report import _fonts  # DejaVu Sans, shared with reports

MARGIN = 20 * mm
LETTERHEAD_HEIGHT = 28 * mm


@dataclass(frozen=True)
class Letterhead:
    clinic: str
    lines: list[str]  # address, phone


@dataclass
class LetterContent:
    letterhead: Letterhead
    date_line: str
    to_lines: list[str]
    regarding: str
    opening: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    table: list[tuple[str, str, str]] = field(default_factory=list)  # finding, left, right
    closing: str = ""
    signer: list[str] = field(default_factory=list)


def _para(text: str) -> str:
    return "<br/>".join(escape(line) for line in str(text).replace("\x00", "").split("\n"))


def _styles() -> dict[str, ParagraphStyle]:
    fonts = _fonts()
    body = ParagraphStyle("body", fontName=fonts["regular"], fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=fonts["bold"]),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName=fonts["bold"],
            fontSize=10.5,
            spaceBefore=6,
            spaceAfter=2,
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "title": ParagraphStyle(
            "title", parent=body, fontName=fonts["bold"], fontSize=14, leading=18
        ),
    }


def _draw_letterhead(head: Letterhead) -> Callable[[Canvas, Any], None]:
    fonts = _fonts()

    def draw(canvas: Canvas, doc: Any) -> None:
        width, height = LETTER
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#1d4e5f"))
        canvas.setFont(fonts["bold"], 16)
        canvas.drawString(MARGIN, height - MARGIN, head.clinic)
        canvas.setFont(fonts["regular"], 8.5)
        canvas.setFillColor(colors.HexColor("#333333"))
        y = height - MARGIN - 5 * mm
        for line in head.lines:
            canvas.drawString(MARGIN, y, line)
            y -= 3.8 * mm
        canvas.setStrokeColor(colors.HexColor("#1d4e5f"))
        canvas.setLineWidth(1.2)
        canvas.line(
            MARGIN,
            height - MARGIN - LETTERHEAD_HEIGHT + 6 * mm,
            width - MARGIN,
            height - MARGIN - LETTERHEAD_HEIGHT + 6 * mm,
        )
        canvas.restoreState()

    return draw


def _doc(buf: io.BytesIO, title: str, author: str) -> platypus.SimpleDocTemplate:
    return platypus.SimpleDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + LETTERHEAD_HEIGHT,
        bottomMargin=MARGIN,
        title=title,
        author=author,
    )


def _table(rows: list[tuple[str, str, str]], styles: dict[str, ParagraphStyle]) -> platypus.Table:
    small = styles["small"]
    data = [[platypus.Paragraph(f"<b>{h}</b>", small) for h in ("Finding", "Left", "Right")]]
    data += [[platypus.Paragraph(_para(c), small) for c in row] for row in rows]
    width = LETTER[0] - 2 * MARGIN
    table = platypus.Table(data, colWidths=[width * 0.56, width * 0.22, width * 0.22])
    table.setStyle(
        platypus.TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def letter_pdf(content: LetterContent) -> bytes:
    """The letter on one page, whatever its length."""
    styles = _styles()
    story: list[platypus.Flowable] = [
        platypus.Paragraph(_para(content.date_line), styles["body"]),
        platypus.Spacer(1, 4 * mm),
        platypus.Paragraph(_para("\n".join(content.to_lines)), styles["body"]),
        platypus.Spacer(1, 4 * mm),
        platypus.Paragraph(_para(content.regarding), styles["bold"]),
        platypus.Spacer(1, 3 * mm),
        platypus.Paragraph(_para(content.opening), styles["body"]),
    ]
    for heading, paragraphs in content.sections:
        story.append(platypus.Paragraph(_para(heading), styles["heading"]))
        story += [platypus.Paragraph(_para(p), styles["body"]) for p in paragraphs if p.strip()]
        if heading == "Findings" and content.table:
            story += [platypus.Spacer(1, 2 * mm), _table(content.table, styles)]
    story += [
        platypus.Spacer(1, 4 * mm),
        platypus.Paragraph(_para(content.closing), styles["body"]),
        platypus.Spacer(1, 6 * mm),
        platypus.Paragraph(_para("\n".join(content.signer)), styles["body"]),
    ]
    width = LETTER[0] - 2 * MARGIN
    height = LETTER[1] - 2 * MARGIN - LETTERHEAD_HEIGHT - 2 * mm
    buf = io.BytesIO()
    doc = _doc(buf, content.regarding, content.letterhead.clinic)
    draw = _draw_letterhead(content.letterhead)
    doc.build(
        [platypus.KeepInFrame(width, height, story, mode="shrink")],
        onFirstPage=draw,
        onLaterPages=draw,
    )
    return buf.getvalue()


@dataclass
class ConsentContent:
    letterhead: Letterhead
    title: str
    version: int
    language: str
    patient_line: str
    scope_lines: list[str]
    body: str
    withdrawal_of: str
    typed_name: str
    signature_png: bytes
    signed_line: str
    witness_line: str


def consent_pdf(content: ConsentContent) -> bytes:
    styles = _styles()
    story: list[platypus.Flowable] = [
        platypus.Paragraph(_para(content.title), styles["title"]),
        platypus.Paragraph(
            _para(
                gettext("Form version %(version)s, in %(language)s")
                % {"version": content.version, "language": content.language}
            ),
            styles["small"],
        ),
        platypus.Spacer(1, 4 * mm),
        platypus.Paragraph(_para(content.patient_line), styles["bold"]),
    ]
    story += [platypus.Paragraph(_para(line), styles["body"]) for line in content.scope_lines]
    if content.withdrawal_of:
        story += [
            platypus.Spacer(1, 3 * mm),
            platypus.Paragraph(_para(content.withdrawal_of), styles["bold"]),
        ]
    story.append(platypus.Spacer(1, 4 * mm))
    for paragraph in content.body.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            story += [
                platypus.Paragraph(_para(paragraph.strip()), styles["body"]),
                platypus.Spacer(1, 2 * mm),
            ]
    story += [
        platypus.Spacer(1, 4 * mm),
        platypus.Paragraph(
            _para(gettext("Signed (typed name): %(name)s") % {"name": content.typed_name}),
            styles["bold"],
        ),
    ]
    if content.signature_png:
        image = ImageReader(io.BytesIO(content.signature_png))
        w, h = image.getSize()
        scale = min(70 * mm / max(w, 1), 25 * mm / max(h, 1))
        story.append(
            platypus.Image(
                io.BytesIO(content.signature_png), width=w * scale, height=h * scale, hAlign="LEFT"
            )
        )
    else:
        story.append(
            platypus.Paragraph(
                gettext("No drawn signature (signed by typed name)."), styles["small"]
            )
        )
    story += [
        platypus.Paragraph(_para(content.signed_line), styles["body"]),
        platypus.Paragraph(_para(content.witness_line), styles["body"]),
    ]
    buf = io.BytesIO()
    doc = _doc(buf, content.title, content.letterhead.clinic)
    draw = _draw_letterhead(content.letterhead)
    doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buf.getvalue()
