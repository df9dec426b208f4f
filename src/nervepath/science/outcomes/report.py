# SPDX-License-Identifier: AGPL-3.0-or-later
"""The analysis document: a small model (sections of paragraphs, tables and figures, with
the provenance of the numbers), one builder (``layout``) that turns it into a flat list
of blocks, and two thin renderers of that list, PDF (ReportLab) and Word (python-docx).

The model holds text and PNG bytes only; whatever statistics produced them, the writers
do not know. ``layout`` decides everything both outputs share, once: the numbering
("Table 1", "Figure 1", in document order), each caption (printed once, above its
table), and each table's column widths, measured from its text with the PDF font, so no
word is broken; a table too wide for a portrait page goes on a landscape page.

Text is plain: characters that ReportLab would read as markup (`<`, `>`, `&`) are escaped,
and characters XML cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

__all__ = [
    "Document",
    "Figure",
    "FigureBlock",
    "Heading",
    "Section",
    "Table",
    "TableBlock",
    "Text",
    "layout",
    "to_docx",
    "to_pdf",
]


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


def _rows(table: Table) -> list[list[str]]:
    """Every row as long as the header (short rows padded, so the grid stays square)."""
    width = max([len(table.header), *(len(row) for row in table.rows)], default=0)
    return [[*map(_clean, row), *([""] * (width - len(row)))] for row in table.rows]


def _figure_caption(number: int, figure: Figure) -> str:
    title = _clean(figure.title).rstrip(".")
    caption = _clean(figure.caption)
    return f"Figure {number}. {title}." + (f" {caption}" if caption else "")


# -- fonts ---------------------------------------------------------------------------------

_FONT_LOCK = threading.Lock()
_FONTS: dict[str, str] = {}


def _flag(n: int) -> Literal[0, 1]:
    """A bold or italic flag as reportlab's font mapping takes it."""
    return 1 if n else 0


def _fonts() -> dict[str, str]:
    """DejaVu Sans (shipped with matplotlib: the figures' typeface, and it has ≥, ±, µ…)
    embedded as a subset; the standard Helvetica if it cannot be found."""
    with _FONT_LOCK:
        if _FONTS:
            return _FONTS
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

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
                addMapping("NervepathSans", _flag(bold), _flag(italic), faces[face][0])
            _FONTS.update({face: name for face, (name, _) in faces.items()})
        except Exception:  # no matplotlib or no font file: the base-14 fonts always work
            _FONTS.update(
                regular="Helvetica",
                bold="Helvetica-Bold",
                italic="Helvetica-Oblique",
                bolditalic="Helvetica-BoldOblique",
            )
        return _FONTS


# -- the one document structure -----------------------------------------------------------

# The page: A4, margins in points (mm * 72 / 25.4).
MM = 72 / 25.4
A4_SHORT, A4_LONG = 210 * MM, 297 * MM
SIDE_MARGIN = 20 * MM
PORTRAIT_WIDTH = A4_SHORT - 2 * SIDE_MARGIN
LANDSCAPE_WIDTH = A4_LONG - 2 * SIDE_MARGIN
CELL_PADDING = 3.0  # left and right, points
CELL_SIZES = (8.5, 7.5, 6.5)  # tried in turn until a table's words fit the page


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0: the title


@dataclass(frozen=True)
class Text:
    text: str
    style: str = "body"  # body, subtitle, note


@dataclass(frozen=True)
class Provenance:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TableBlock:
    caption: str  # "Table 1. …", printed once, above the table
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str
    widths: tuple[float, ...]  # points, from the text; sum ≤ the page's frame width
    font_size: float
    landscape: bool


@dataclass(frozen=True)
class FigureBlock:
    caption: str  # "Figure 1. …", printed once, under the figure
    png: bytes


Block = Heading | Text | Provenance | TableBlock | FigureBlock


def _text_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


_BREAKS = re.compile("[ \t]+")  # where a cell may wrap (not at a no-break space)
_LONE = re.compile(r"(?<=\S) (\S)(?=\s|$)")


def _glued(text: str) -> str:
    """A one-character word joined to the word before it by a no-break space, so that
    "Mann-Whitney U" never leaves a letter alone on a line (the PDF's typesetting only:
    the blocks keep the text as written, and Word wraps by itself)."""
    return _LONE.sub("\u00a0\\1", text)


def _measure(texts: list[str], font: str, size: float) -> tuple[float, float]:
    """(the widest whole line, the widest single word) of a column's texts, in points."""
    whole = word = 0.0
    for text in map(_glued, texts):
        for line in text.split("\n"):
            whole = max(whole, _text_width(line, font, size))
            for part in _BREAKS.split(line):
                word = max(word, _text_width(part, font, size))
    return whole, word


def column_widths(
    header: list[str], rows: list[list[str]], width: float, size: float
) -> list[float] | None:
    """Column widths in points that fit ``width`` with no word broken, or None.

    Every column gets at least its widest word; the room left goes to the columns whose
    text would otherwise wrap, in proportion to how much more they need, so a column of
    labels gets more room than a column of p values and a header never stands one
    letter a line."""
    fonts = _fonts()
    columns = max([len(header), *(len(r) for r in rows)], default=0)
    natural: list[float] = []
    least: list[float] = []
    pad = 2 * CELL_PADDING + 0.5
    for col in range(columns):
        head = header[col] if col < len(header) else ""
        body = [row[col] for row in rows if col < len(row)]
        h_whole, h_word = _measure([head], fonts["bold"], size)
        b_whole, b_word = _measure(body, fonts["regular"], size)
        natural.append(max(h_whole, b_whole) + pad)
        least.append(max(h_word, b_word, size) + pad)
    if sum(least) > width:
        return None
    if sum(natural) <= width:
        spare = width - sum(natural)
        # Fill the frame (a journal table spans the text width), the extra shared evenly.
        return [n + spare / columns for n in natural] if columns else []
    room = width - sum(least)
    wanted = [n - m for n, m in zip(natural, least, strict=True)]
    return [m + room * w / sum(wanted) for m, w in zip(least, wanted, strict=True)]


def _table_block(number: int, table: Table) -> TableBlock:
    header = [_clean(h) for h in table.header]
    rows = _rows(table)
    columns = max([len(header), *(len(r) for r in rows)], default=0)
    header += [""] * (columns - len(header))
    # The first page shape and type size (largest first) at which every word fits.
    choices = [(False, PORTRAIT_WIDTH), (True, LANDSCAPE_WIDTH)]
    fitted = next(
        (
            (landscape, size, widths)
            for landscape, frame in choices
            for size in CELL_SIZES
            if (widths := column_widths(header, rows, frame, size)) is not None
        ),
        None,
    )
    if fitted is None:  # words too long for any page: the smallest type, landscape
        fitted = (True, CELL_SIZES[-1], [LANDSCAPE_WIDTH / max(columns, 1)] * columns)
    landscape, size, widths = fitted
    return TableBlock(
        caption=f"Table {number}. {_clean(table.title)}",
        header=tuple(header),
        rows=tuple(tuple(r) for r in rows),
        note=_clean(table.note),
        widths=tuple(widths),
        font_size=size,
        landscape=landscape,
    )


def layout(doc: Document) -> list[Block]:
    """The document as the flat list of blocks both renderers draw."""
    blocks: list[Block] = [Heading(_clean(doc.title), level=0)]
    if doc.subtitle:
        blocks.append(Text(_clean(doc.subtitle), "subtitle"))
    if doc.provenance:
        blocks.append(Provenance(tuple((_clean(k), _clean(v)) for k, v in doc.provenance)))
    tables = figures = 0
    for section in doc.sections:
        blocks.append(Heading(_clean(section.heading)))
        blocks += [Text(_clean(p)) for p in section.paragraphs if _clean(p).strip()]
        for table in section.tables:
            if not (table.header or table.rows):
                continue
            tables += 1
            blocks.append(_table_block(tables, table))
        for figure in section.figures:
            figures += 1
            blocks.append(FigureBlock(_figure_caption(figures, figure), figure.png))
    return blocks


# -- PDF -----------------------------------------------------------------------------------


def _para_text(text: object) -> str:
    return escape(_clean(text)).replace("\n", "<br/>")


def _pdf_styles(fonts: dict[str, str]) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink, muted = colors.HexColor("#222222"), colors.HexColor("#555555")
    body = ParagraphStyle(
        "body", fontName=fonts["regular"], fontSize=9.5, leading=13, textColor=ink, spaceAfter=5
    )
    return {
        "ink": ink,
        "muted": muted,
        "body": body,
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
        "caption_table": ParagraphStyle(
            "caption_table",
            parent=body,
            fontName=fonts["bold"],
            fontSize=9,
            leading=12,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
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


def _pdf_table(block: TableBlock, fonts: dict[str, str], styles: dict[str, Any]) -> list[Any]:
    from reportlab import platypus
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    ink = styles["ink"]
    size = block.font_size
    cell = ParagraphStyle(
        "cell", parent=styles["body"], fontSize=size, leading=size * 1.24, spaceAfter=0
    )
    head = ParagraphStyle("head_cell", parent=cell, fontName=fonts["bold"])
    numeric = ParagraphStyle("numeric_cell", parent=cell, alignment=TA_CENTER)
    numeric_head = ParagraphStyle("numeric_head", parent=head, alignment=TA_CENTER)

    class RuledTable(platypus.Table):
        """A table that closes each page it runs over with the bottom rule."""

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            parts: list[Any] = super().split(avail_width, avail_height)
            if len(parts) == 2:
                parts[0].setStyle([("LINEBELOW", (0, -1), (-1, -1), 1.0, ink)])
            return parts

    has_header = any(block.header)
    grid = []
    if has_header:
        grid.append(
            [
                platypus.Paragraph(_para_text(_glued(h)), head if c == 0 else numeric_head)
                for c, h in enumerate(block.header)
            ]
        )
    grid += [
        [
            platypus.Paragraph(_para_text(_glued(text)), cell if c == 0 else numeric)
            for c, text in enumerate(row)
        ]
        for row in block.rows
    ]
    table = RuledTable(
        grid, colWidths=list(block.widths), repeatRows=1 if has_header else 0, hAlign="LEFT"
    )
    rules = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        # Journal rules: a heavier line on top and at the end, a thin one under the
        # header; no vertical lines.
        ("LINEABOVE", (0, 0), (-1, 0), 1.0, ink),
        ("LINEBELOW", (0, -1), (-1, -1), 1.0, ink),
    ]
    if has_header:
        rules.append(("LINEBELOW", (0, 0), (-1, 0), 0.5, ink))
    # reportlab's stubs want each style command's exact tuple shape; the list mixes them.
    table.setStyle(platypus.TableStyle(rules))  # type: ignore[arg-type]
    flow = [platypus.Paragraph(_para_text(block.caption), styles["caption_table"]), table]
    if block.note:
        flow.append(platypus.Paragraph(_para_text(block.note), styles["note"]))
    return flow


def _pdf_figure(block: FigureBlock, styles: dict[str, Any], frame: tuple[float, float]) -> Any:
    from reportlab import platypus
    from reportlab.lib.utils import ImageReader

    caption = platypus.Paragraph(_para_text(block.caption), styles["caption"])
    if not block.png:
        return caption
    w_px, h_px = ImageReader(io.BytesIO(block.png)).getSize()
    draw_w = frame[0]
    draw_h = draw_w * h_px / w_px
    limit = frame[1] * 0.75  # leaves room for the caption on the same page
    if draw_h > limit:
        draw_w, draw_h = draw_w * limit / draw_h, limit
    image = platypus.Image(io.BytesIO(block.png), width=draw_w, height=draw_h)
    image.hAlign = "CENTER"
    return platypus.KeepTogether(
        [platypus.Spacer(1, 2 * MM), image, platypus.Spacer(1, 2 * MM), caption]
    )


def _pdf_provenance(block: Provenance, styles: dict[str, Any]) -> Any:
    from reportlab import platypus
    from reportlab.lib import colors

    box = platypus.Table(
        [
            [
                platypus.Paragraph(_para_text(k), styles["key"]),
                platypus.Paragraph(_para_text(v), styles["value"]),
            ]
            for k, v in block.pairs
        ],
        colWidths=[40 * MM, PORTRAIT_WIDTH - 40 * MM],
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
    return box


def _pdf_story(blocks: list[Block], fonts: dict[str, str], styles: dict[str, Any]) -> list[Any]:
    from reportlab import platypus

    story: list[Any] = []
    landscape = False
    portrait_frame = (PORTRAIT_WIDTH, A4_LONG - 38 * MM)
    for block in blocks:
        if isinstance(block, TableBlock) and block.landscape != landscape:
            # A wide table turns the page; the next narrow block turns it back.
            landscape = block.landscape
            story += [platypus.NextPageTemplate("landscape" if landscape else "portrait")]
            story += [platypus.PageBreak()]
        elif not isinstance(block, TableBlock) and landscape and not isinstance(block, Text):
            landscape = False
            story += [platypus.NextPageTemplate("portrait"), platypus.PageBreak()]
        if isinstance(block, Heading):
            style = styles["title"] if block.level == 0 else styles["heading"]
            story.append(platypus.Paragraph(_para_text(block.text), style))
        elif isinstance(block, Text):
            story.append(platypus.Paragraph(_para_text(block.text), styles[block.style]))
        elif isinstance(block, Provenance):
            story += [_pdf_provenance(block, styles), platypus.Spacer(1, 6 * MM)]
        elif isinstance(block, TableBlock):
            story += [*_pdf_table(block, fonts, styles), platypus.Spacer(1, 4 * MM)]
        else:
            story += [_pdf_figure(block, styles, portrait_frame), platypus.Spacer(1, 4 * MM)]
    return story


def to_pdf(doc: Document, *, compress: bool = True) -> bytes:
    """The document as an A4 PDF: title, provenance box, sections; tables keep their
    header on every page they run over; page numbers in the footer. `compress=False`
    leaves the page streams readable (tests search them)."""
    from reportlab import platypus

    fonts = _fonts()
    styles = _pdf_styles(fonts)
    footer_title = _clean(doc.title)
    if len(footer_title) > 90:
        footer_title = footer_title[:89] + "…"

    def footer(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts["regular"], 7.5)
        canvas.setFillColor(styles["muted"])
        canvas.drawString(SIDE_MARGIN, 11 * MM, footer_title)
        width = canvas._pagesize[0]
        canvas.drawRightString(width - SIDE_MARGIN, 11 * MM, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    def page(name: str, width: float, height: float) -> Any:
        frame = platypus.Frame(
            SIDE_MARGIN,
            20 * MM,
            width - 2 * SIDE_MARGIN,
            height - 38 * MM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id=name,
        )
        return platypus.PageTemplate(name, [frame], onPage=footer, pagesize=(width, height))

    out = io.BytesIO()
    pdf = platypus.BaseDocTemplate(
        out,
        pagesize=(A4_SHORT, A4_LONG),
        pageTemplates=[
            page("portrait", A4_SHORT, A4_LONG),
            page("landscape", A4_LONG, A4_SHORT),
        ],
        title=_clean(doc.title),
        subject=_clean(doc.subtitle),
        creator="nervepath",
        pageCompression=1 if compress else 0,
        invariant=1,  # no creation date or random id: the same document, the same bytes
    )
    pdf.build(_pdf_story(layout(doc), fonts, styles))
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


def _docx_orientation(word: Any, landscape: bool) -> None:
    """Start a new Word section (a new page) in the given orientation."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Pt

    section = word.add_section(WD_SECTION.NEW_PAGE)
    short, long = Pt(A4_SHORT), Pt(A4_LONG)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.left_margin = section.right_margin = Pt(SIDE_MARGIN)


def _docx_table(word: Any, block: TableBlock) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt, RGBColor

    title = word.add_paragraph(style="Caption")
    title.add_run(block.caption).bold = True
    title.paragraph_format.keep_with_next = True
    columns = len(block.widths)
    if columns == 0:
        return
    grid = word.add_table(rows=0, cols=columns)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _set_table_rules(grid)
    if any(block.header):
        cells = grid.add_row().cells
        for c, text in enumerate(block.header):
            _cell_text(cells[c], text, bold=True, size=block.font_size)
            _rule_under(cells[c])
        _repeat_as_header(grid.rows[0])
    for row in block.rows:
        cells = grid.add_row().cells
        for c, text in enumerate(row):
            _cell_text(cells[c], text, size=block.font_size)
    for c, width in enumerate(block.widths):
        grid.columns[c].width = Pt(width)
        for cell in grid.columns[c].cells:
            cell.width = Pt(width)
    if block.note:
        note = word.add_paragraph()
        run = note.add_run(block.note)
        run.italic = True
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    else:
        word.add_paragraph()


def to_docx(doc: Document) -> bytes:
    """The document as Word (.docx): Title and Heading styles, the provenance table first,
    tables with a bold header row that Word repeats on each page (their columns as wide
    as in the PDF, wide ones in a landscape section), figures 6 inches wide with their
    captions."""
    import docx
    from docx.shared import Inches, Pt

    word = docx.Document()
    word.core_properties.title = _clean(doc.title)
    word.core_properties.subject = _clean(doc.subtitle)
    word.styles["Normal"].font.size = Pt(10)
    first = word.sections[0]
    first.page_width, first.page_height = Pt(A4_SHORT), Pt(A4_LONG)
    first.left_margin = first.right_margin = Pt(SIDE_MARGIN)
    landscape = False
    for block in layout(doc):
        turn = block.landscape if isinstance(block, TableBlock) else False
        if turn != landscape and not (isinstance(block, Text) and landscape):
            landscape = turn
            _docx_orientation(word, landscape)
        if isinstance(block, Heading):
            word.add_heading(block.text, level=block.level)
        elif isinstance(block, Text):
            word.add_paragraph(block.text, style="Subtitle" if block.style == "subtitle" else None)
        elif isinstance(block, Provenance):
            box = word.add_table(rows=0, cols=2)
            box.style = "Table Grid"
            for key, value in block.pairs:
                cells = box.add_row().cells
                _cell_text(cells[0], key, bold=True)
                _cell_text(cells[1], value)
            for row in box.rows:
                row.cells[0].width = Inches(1.6)
                row.cells[1].width = Inches(4.9)
            word.add_paragraph()
        elif isinstance(block, TableBlock):
            _docx_table(word, block)
        else:
            if block.png:
                word.add_picture(io.BytesIO(block.png), width=Inches(6))
                word.paragraphs[-1].paragraph_format.keep_with_next = True
            caption = word.add_paragraph(style="Caption")
            caption.add_run(block.caption).italic = True
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
