# SPDX-License-Identifier: AGPL-3.0-or-later
"""The analysis document: a small model (sections of paragraphs, tables and figures, with
the provenance of the numbers) and two writers, PDF (ReportLab) and Word (python-docx).

The model holds text and PNG bytes only; whatever statistics produced them, the writers
do not know. Tables and figures are numbered in document order ("Table 1", "Figure 1")
in both outputs. Text is plain: characters that ReportLab would read as markup (`<`, `>`,
`&`) are escaped, and characters XML cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["Document", "Figure", "Section", "Table", "to_docx", "to_pdf"]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""  # under the table: abbreviations, tests used, what "—" means


@dataclass
class Figure:
    title: str
    png: bytes
    caption: str


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
    # (what, value): cohort, data snapshot, code version, software; shown first.
    provenance: list[tuple[str, str]] = field(default_factory=list)


# Characters XML 1.0 cannot carry (python-docx raises on them, ReportLab drops lines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _numbered(doc: Document) -> tuple[dict[int, int], dict[int, int]]:
    """Table and figure numbers by object id, in reading order."""
    tables: dict[int, int] = {}
    figures: dict[int, int] = {}
    for section in doc.sections:
        for table in section.tables:
            tables[id(table)] = len(tables) + 1
        for figure in section.figures:
            figures[id(figure)] = len(figures) + 1
    return tables, figures


def _rows(table: Table) -> list[list[str]]:
    """Every row as long as the header (short rows padded, so the grid stays square)."""
    width = max([len(table.header), *(len(row) for row in table.rows)], default=0)
    return [[*map(_clean, row), *([""] * (width - len(row)))] for row in table.rows]


def _figure_caption(number: int, figure: Figure) -> str:
    title = _clean(figure.title).rstrip(".")
    caption = _clean(figure.caption)
    return f"Figure {number}. {title}." + (f" {caption}" if caption else "")


# -- PDF -----------------------------------------------------------------------------------

_FONT_LOCK = threading.Lock()
_FONTS: dict[str, str] = {}


def _fonts() -> dict[str, str]:
    """DejaVu Sans (shipped with matplotlib: the figures' typeface, and it has ≥, ±, µ…)
    embedded as a subset; the standard Helvetica if it cannot be found."""
    with _FONT_LOCK:
        if _FONTS:
            return _FONTS
        from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
        from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
        from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

        faces = {
            "regular": ("NervepathSans", "DejaVuSans.ttf"),
            "bold": ("NervepathSans-Bold", "DejaVuSans-Bold.ttf"),
            "italic": ("NervepathSans-Italic", "DejaVuSans-Oblique.ttf"),
            "bolditalic": ("NervepathSans-BoldItalic", "DejaVuSans-BoldOblique.ttf"),
        }
        try:
            import matplotlib

            folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            for name, file in faces.values():
                pdfmetrics.registerFont(TTFont(name, str(folder / file)))
            for (bold, italic), face in {
                (0, 0): "regular",
                (1, 0): "bold",
                (0, 1): "italic",
                (1, 1): "bolditalic",
            }.items():
                addMapping("NervepathSans", bold, italic, faces[face][0])
            _FONTS.update({face: name for face, (name, _) in faces.items()})
        except Exception:  # no matplotlib or no font file: the base-14 fonts always work
            _FONTS.update(
                regular="Helvetica",
                bold="Helvetica-Bold",
                italic="Helvetica-Oblique",
                bolditalic="Helvetica-BoldOblique",
            )
        return _FONTS


def _para_text(text: object) -> str:
    return escape(_clean(text)).replace("\n", "<br/>")


def _column_widths(header: list[str], rows: list[list[str]], total: float) -> list[float]:
    """Share the frame width by the longest text of each column (within limits), so a
    column of labels gets more room than a column of numbers."""
    columns = max(len(header), *(len(row) for row in rows)) if rows else len(header)
    weights = []
    for col in range(columns):
        texts = [header[col] if col < len(header) else ""] + [row[col] for row in rows]
        longest = max((max((len(w) for w in t.split()), default=0) for t in texts), default=0)
        typical = max(len(t) for t in texts) if texts else 0
        weights.append(min(max(typical, longest, 6), 45))
    scale = total / sum(weights)
    return [w * scale for w in weights]


def to_pdf(doc: Document, *, compress: bool = True) -> bytes:
    """The document as an A4 PDF: title, provenance box, sections; tables keep their
    header on every page they run over; page numbers in the footer. `compress=False`
    leaves the page streams readable (tests search them)."""
    from reportlab import platypus  # type: ignore[import-untyped]
    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]

    fonts = _fonts()
    ink = colors.HexColor("#222222")
    muted = colors.HexColor("#555555")
    body = ParagraphStyle(
        "body", fontName=fonts["regular"], fontSize=9.5, leading=13, textColor=ink, spaceAfter=5
    )
    styles = {
        "title": ParagraphStyle(
            "title", parent=body, fontName=fonts["bold"], fontSize=17, leading=21, spaceAfter=3
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=11, leading=14, textColor=muted, spaceAfter=10
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName=fonts["bold"],
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "table_title": ParagraphStyle(
            "table_title",
            parent=body,
            fontName=fonts["bold"],
            fontSize=9,
            leading=12,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "note": ParagraphStyle(
            "note",
            parent=body,
            fontName=fonts["italic"],
            fontSize=8,
            leading=10,
            textColor=muted,
            spaceBefore=2,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontName=fonts["italic"], fontSize=8.5, leading=11
        ),
        "key": ParagraphStyle("key", parent=body, fontName=fonts["bold"], fontSize=8.5, leading=11),
        "value": ParagraphStyle("value", parent=body, fontSize=8.5, leading=11, spaceAfter=0),
    }
    head_cell = ParagraphStyle("head_cell", parent=styles["cell"], fontName=fonts["bold"])
    numeric_cell = ParagraphStyle("numeric_cell", parent=styles["cell"], alignment=TA_CENTER)
    numeric_head = ParagraphStyle("numeric_head", parent=head_cell, alignment=TA_CENTER)

    class RuledTable(platypus.Table):
        """A table that closes each page it runs over with the bottom rule."""

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            parts: list[Any] = super().split(avail_width, avail_height)
            if len(parts) == 2:
                parts[0].setStyle([("LINEBELOW", (0, -1), (-1, -1), 1.0, ink)])
            return parts

    out = io.BytesIO()
    pdf = platypus.SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=_clean(doc.title),
        subject=_clean(doc.subtitle),
        creator="nervepath",
        pageCompression=1 if compress else 0,
        invariant=1,  # no creation date or random id: the same document, the same bytes
    )
    frame_width = pdf.width
    frame_height = pdf.height
    tables, figures = _numbered(doc)

    story: list[Any] = [
        platypus.Paragraph(_para_text(doc.title), styles["title"]),
    ]
    if doc.subtitle:
        story.append(platypus.Paragraph(_para_text(doc.subtitle), styles["subtitle"]))
    if doc.provenance:
        box = platypus.Table(
            [
                [
                    platypus.Paragraph(_para_text(k), styles["key"]),
                    platypus.Paragraph(_para_text(v), styles["value"]),
                ]
                for k, v in doc.provenance
            ],
            colWidths=[40 * mm, frame_width - 40 * mm],
        )
        box.setStyle(
            platypus.TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#9a9a9a")),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f4f4")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        story += [box, platypus.Spacer(1, 6 * mm)]

    for section in doc.sections:
        story.append(platypus.Paragraph(_para_text(section.heading), styles["heading"]))
        story += [platypus.Paragraph(_para_text(p), body) for p in section.paragraphs]
        for table in section.tables:
            story.append(
                platypus.Paragraph(
                    f"Table {tables[id(table)]}. {_para_text(table.title)}", styles["table_title"]
                )
            )
            header = [_clean(h) for h in table.header]
            rows = _rows(table)
            width = max(len(header), *(len(r) for r in rows)) if rows else len(header)
            header = header + [""] * (width - len(header))
            if width == 0:
                continue
            grid = []
            if header and any(header):
                grid.append(
                    [
                        platypus.Paragraph(_para_text(h), head_cell if c == 0 else numeric_head)
                        for c, h in enumerate(header)
                    ]
                )
            has_header = bool(grid)
            grid += [
                [
                    platypus.Paragraph(_para_text(cell), styles["cell"] if c == 0 else numeric_cell)
                    for c, cell in enumerate(row)
                ]
                for row in rows
            ]
            if not grid:
                continue
            pdf_table = RuledTable(
                grid,
                colWidths=_column_widths(header, rows, frame_width),
                repeatRows=1 if has_header else 0,
                hAlign="LEFT",
            )
            rules = [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                # Journal rules: a heavier line on top and at the end, a thin one under
                # the header; no vertical lines.
                ("LINEABOVE", (0, 0), (-1, 0), 1.0, ink),
                ("LINEBELOW", (0, -1), (-1, -1), 1.0, ink),
            ]
            if has_header:
                rules.append(("LINEBELOW", (0, 0), (-1, 0), 0.5, ink))
            pdf_table.setStyle(platypus.TableStyle(rules))
            story.append(pdf_table)
            if table.note:
                story.append(platypus.Paragraph(_para_text(table.note), styles["note"]))
            story.append(platypus.Spacer(1, 4 * mm))
        for figure in section.figures:
            number = figures[id(figure)]
            caption = platypus.Paragraph(
                _para_text(_figure_caption(number, figure)), styles["caption"]
            )
            if not figure.png:
                story.append(caption)
                continue
            w_px, h_px = ImageReader(io.BytesIO(figure.png)).getSize()
            draw_w = frame_width
            draw_h = draw_w * h_px / w_px
            limit = frame_height * 0.75  # leaves room for the caption on the same page
            if draw_h > limit:
                draw_w, draw_h = draw_w * limit / draw_h, limit
            image = platypus.Image(io.BytesIO(figure.png), width=draw_w, height=draw_h)
            image.hAlign = "CENTER"
            story.append(
                platypus.KeepTogether(
                    [platypus.Spacer(1, 2 * mm), image, platypus.Spacer(1, 2 * mm), caption]
                )
            )
            story.append(platypus.Spacer(1, 4 * mm))

    footer_title = _clean(doc.title)
    if len(footer_title) > 90:
        footer_title = footer_title[:89] + "…"

    def footer(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts["regular"], 7.5)
        canvas.setFillColor(muted)
        canvas.drawString(template.leftMargin, 11 * mm, footer_title)
        canvas.drawRightString(
            template.leftMargin + template.width, 11 * mm, f"Page {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


# -- Word ----------------------------------------------------------------------------------


def _set_table_rules(table: Any) -> None:
    """Journal rules on a Word table: top and bottom borders, none inside or at the
    sides (the line under the header is set on the header cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (
        ("top", "8"),
        ("left", None),
        ("bottom", "8"),
        ("right", None),
        ("insideH", None),
        ("insideV", None),
    ):
        element = OxmlElement(f"w:{edge}")
        if size:
            element.set(qn("w:val"), "single")
            element.set(qn("w:sz"), size)
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "222222")
        else:
            element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _rule_under(cell: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "4")
    bottom.set(qn("w:space"), "0")
    bottom.set(qn("w:color"), "222222")
    borders.append(bottom)
    tc_pr.append(borders)


def _repeat_as_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _cell_text(cell: Any, text: str, *, bold: bool = False, size: float = 9) -> None:
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def to_docx(doc: Document) -> bytes:
    """The document as Word (.docx): Title and Heading styles, the provenance table first,
    tables with a bold header row that Word repeats on each page, figures 6 inches wide
    with their captions."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Inches, Pt, RGBColor

    word = docx.Document()
    word.core_properties.title = _clean(doc.title)
    word.core_properties.subject = _clean(doc.subtitle)
    normal = word.styles["Normal"]
    normal.font.size = Pt(10)
    tables, figures = _numbered(doc)

    word.add_heading(_clean(doc.title), level=0)
    if doc.subtitle:
        word.add_paragraph(_clean(doc.subtitle), style="Subtitle")
    if doc.provenance:
        box = word.add_table(rows=0, cols=2)
        box.style = "Table Grid"
        for key, value in doc.provenance:
            cells = box.add_row().cells
            _cell_text(cells[0], _clean(key), bold=True)
            _cell_text(cells[1], _clean(value))
        for row in box.rows:
            row.cells[0].width = Inches(1.6)
            row.cells[1].width = Inches(4.9)
        word.add_paragraph()

    for section in doc.sections:
        word.add_heading(_clean(section.heading), level=1)
        for text in section.paragraphs:
            word.add_paragraph(_clean(text))
        for table in section.tables:
            title = word.add_paragraph(style="Caption")
            title.add_run(f"Table {tables[id(table)]}. {_clean(table.title)}").bold = True
            title.paragraph_format.keep_with_next = True
            header = [_clean(h) for h in table.header]
            rows = _rows(table)
            width = max([len(header), *(len(r) for r in rows)])
            if width == 0:
                continue
            has_header = any(header)
            grid = word.add_table(rows=0, cols=width)
            grid.alignment = WD_TABLE_ALIGNMENT.CENTER
            _set_table_rules(grid)
            if has_header:
                cells = grid.add_row().cells
                for c, text in enumerate(header + [""] * (width - len(header))):
                    _cell_text(cells[c], text, bold=True)
                    _rule_under(cells[c])
                _repeat_as_header(grid.rows[0])
            for row in rows:
                cells = grid.add_row().cells
                for c, text in enumerate(row):
                    _cell_text(cells[c], text)
            if table.note:
                note = word.add_paragraph()
                run = note.add_run(_clean(table.note))
                run.italic = True
                run.font.size = Pt(8.5)
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
            else:
                word.add_paragraph()
        for figure in section.figures:
            if figure.png:
                word.add_picture(io.BytesIO(figure.png), width=Inches(6))
                word.paragraphs[-1].paragraph_format.keep_with_next = True
            caption = word.add_paragraph(style="Caption")
            caption.add_run(_figure_caption(figures[id(figure)], figure)).italic = True

    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
