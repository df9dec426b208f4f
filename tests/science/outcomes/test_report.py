# SPDX-License-Identifier: AGPL-3.0-or-later
"""The analysis document in PDF and Word: cells, captions and provenance get through intact,
long tables run over pages with their header, markup characters stay text."""

from __future__ import annotations

import io
import re
import struct
import zlib

import docx
import pytest
from docx.oxml.ns import qn

from nervepath.science.outcomes import report
from nervepath.science.outcomes.report import Document, Figure, Section, Table

MARKUP = "<0.001 & >5"


def _png(width: int = 40, height: int = 20) -> bytes:
    """A tiny valid grey PNG, made by hand so this test needs no plotting."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PROVENANCE = [
    ("Cohort", "Tarsal tunnel decompressions 2024-2025"),
    ("Data snapshot", "2026-11-26T10:00Z"),
    ("Code version", "nervepath 0.x (git abc123)"),
    ("Software", "scipy 1.17, statsmodels 0.15"),
]


def _document(long_rows: int = 0) -> Document:
    summary = Table(
        "Outcomes at 12 months",
        ["Measure", "n", "Change (95 % CI)", "p"],
        [
            ["IRLS total", "40", "-9.1 (-11.2 to -7.0)", MARKUP],
            ["Pain (worst)", "38", "-3.0 (-3.8 to -2.2)", "0.002"],
        ],
        note="CI: confidence interval & paired t test",
    )
    sections = [
        Section(
            "Results",
            ["Forty patients had surgery; p values are two-sided (a < b & c > d)."],
            [summary],
            [
                Figure("IRLS before and after", _png(), "Grey lines: one subject each."),
                Figure("Responders", _png(30, 30), "Error bars: Wilson 95 % CI."),
            ],
        )
    ]
    if long_rows:
        rows = [[f"S{i:04d}", str(20 + i % 10), str(10 + i % 7)] for i in range(long_rows)]
        sections.append(
            Section("Appendix", [], [Table("Every subject", ["Code", "Before", "After"], rows)])
        )
    return Document("IRLS after nerve decompression", "Cohort A", sections, PROVENANCE)


# -- reading an uncompressed ReportLab PDF --------------------------------------------------

_STRING = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(raw: bytes) -> bytes:
    return re.sub(
        rb"\\(\d{1,3}|.)",
        lambda m: _ESCAPES.get(m[1], bytes([int(m[1], 8)]) if m[1].isdigit() else m[1]),
        raw,
    )


def _pdf_lines(pdf: bytes) -> list[str]:
    """The text of each BT…ET block (a line of a paragraph or a cell), in page order.
    ReportLab keeps ASCII as ASCII in its font subsets, which is all these tests read."""
    lines = []
    for block in re.findall(rb"BT(.*?)ET", pdf, flags=re.S):
        text = b"".join(_unescape(s) for s in _STRING.findall(block))
        if text:
            lines.append(text.decode("latin-1"))
    return lines


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _pages(pdf: bytes) -> list[list[str]]:
    """The lines of each page content stream that has text (one per page here)."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S)
    return [lines for lines in map(_pdf_lines, streams) if lines]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return report.to_pdf(_document(), compress=False)


def test_pdf_is_a_pdf_and_reproducible(pdf):
    assert pdf.startswith(b"%PDF-")
    assert report.to_pdf(_document(), compress=False) == pdf
    assert report.to_pdf(_document()).startswith(b"%PDF-")
    assert len(report.to_pdf(_document())) < len(pdf)  # compressed by default


def test_pdf_contains_title_provenance_and_table_cells(pdf):
    lines = _pdf_lines(pdf)
    text = "\n".join(lines)
    assert "IRLS after nerve decompression" in lines
    for key, value in PROVENANCE:
        assert key in lines and value in lines
    for cell in ["Measure", "Change (95 % CI)", "IRLS total", "-9.1 (-11.2 to -7.0)", "0.002"]:
        assert cell in lines
    assert "Table 1. Outcomes at 12 months" in lines
    assert "CI: confidence interval & paired t test" in text


def test_pdf_keeps_markup_characters_as_text(pdf):
    lines = _pdf_lines(pdf)
    assert MARKUP in lines
    assert any("(a < b & c > d)" in line for line in lines)


def test_pdf_figures_are_images_with_italic_numbered_captions(pdf):
    assert pdf.count(b"/Subtype /Image") == 2
    lines = _pdf_lines(pdf)
    assert "Figure 1. IRLS before and after. Grey lines: one subject each." in lines
    assert "Figure 2. Responders. Error bars: Wilson 95 % CI." in lines
    font = re.search(rb"/(F\d+(?:\+\d+)?) [\d.]+ Tf[^B]*?\(Figure 1\.", pdf)
    assert font is not None
    ref = re.search(re.escape(b"/" + font[1]) + rb" (\d+) 0 R", pdf)
    assert ref is not None
    font_object = re.search(rb"\n" + ref[1] + rb" 0 obj\n(.*?)endobj", pdf, flags=re.S)
    assert font_object is not None and b"Oblique" in font_object[1]


def test_pdf_long_table_runs_over_pages_with_the_header_repeated():
    pdf = report.to_pdf(_document(long_rows=200), compress=False)
    pages = _page_count(pdf)
    assert pages > 2
    lines = _pdf_lines(pdf)
    assert all(f"S{i:04d}" in lines for i in range(200))
    # The header row of the long table is drawn again on every page it runs over.
    spanned = [page for page in _pages(pdf) if any(re.fullmatch(r"S\d{4}", x) for x in page)]
    assert len(spanned) >= 3
    assert all(page.count("Code") == 1 and page.count("Before") == 1 for page in spanned)
    assert sum(page.count("S0000") for page in spanned) == 1
    # Each page part is closed by its own bottom rule: top, under the header, bottom.
    streams = [st for st in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S)]
    table_streams = [st for st in streams if re.search(rb"\(S\d{4}\) Tj", st)]
    assert len(table_streams) == len(spanned)
    for stream in table_streams:
        rules = re.findall(rb"[\d.]+ ([\d.]+) m [\d.]+ [\d.]+ l S", stream)
        assert len(set(rules)) == 3
    assert "Page 1" in lines and f"Page {pages}" in lines


def test_pdf_table_rules_are_horizontal_only():
    one = Document(
        "T", "", [Section("S", [], [Table("Rules", ["A", "B"], [["1", "2"], ["3", "4"]])])]
    )
    pdf = report.to_pdf(one, compress=False)
    # ReportLab draws table rules as "x0 y0 m x1 y1 l S" segments.
    segments = re.findall(rb"([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S", pdf)
    assert segments
    assert all(y0 == y1 for _, y0, _, y1 in segments)
    assert len({y0 for _, y0, _, _ in segments}) == 3  # top, under the header, bottom


def test_pdf_copes_with_empty_document_and_odd_rows():
    empty = report.to_pdf(Document("Nothing yet", "", [], []), compress=False)
    assert "Nothing yet" in _pdf_lines(empty)
    ragged = Document(
        "R",
        "",
        [Section("S", [], [Table("Ragged", ["A", "B", "C"], [["1"], ["x\x00y", "2", "3"]])])],
    )
    lines = _pdf_lines(report.to_pdf(ragged, compress=False))
    assert "xy" in lines


# -- Word ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word() -> docx.document.Document:
    return docx.Document(io.BytesIO(report.to_docx(_document(long_rows=200))))


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_docx_starts_with_title_and_provenance_table(word):
    assert word.paragraphs[0].style.name == "Title"
    assert word.paragraphs[0].text == "IRLS after nerve decompression"
    assert word.core_properties.title == "IRLS after nerve decompression"
    assert _cells(word.tables[0]) == [list(pair) for pair in PROVENANCE]
    assert word.tables[0].rows[0].cells[0].paragraphs[0].runs[0].bold


def test_docx_tables_hold_the_cells_with_a_bold_repeating_header(word):
    summary, appendix = word.tables[1], word.tables[2]
    assert _cells(summary)[0] == ["Measure", "n", "Change (95 % CI)", "p"]
    assert _cells(summary)[1] == ["IRLS total", "40", "-9.1 (-11.2 to -7.0)", MARKUP]
    assert _cells(summary)[2] == ["Pain (worst)", "38", "-3.0 (-3.8 to -2.2)", "0.002"]
    assert len(appendix.rows) == 201
    for table in (summary, appendix):
        header = table.rows[0]
        assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
        flag = header._tr.trPr.find(qn("w:tblHeader"))
        assert flag is not None and flag.get(qn("w:val")) == "true"
        assert (
            table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
        )
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders.find(qn("w:insideV")).get(qn("w:val")) == "nil"
        assert borders.find(qn("w:top")).get(qn("w:val")) == "single"


def test_docx_headings_captions_and_pictures(word):
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Results", "Appendix"]
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert captions == [
        "Table 1. Outcomes at 12 months",
        "Figure 1. IRLS before and after. Grey lines: one subject each.",
        "Figure 2. Responders. Error bars: Wilson 95 % CI.",
        "Table 2. Every subject",
    ]
    shapes = word.inline_shapes
    assert len(shapes) == 2
    assert all(shape.width == docx.shared.Inches(6) for shape in shapes)
    assert shapes[1].height == shapes[1].width  # square PNG keeps its aspect
    text = "\n".join(p.text for p in word.paragraphs)
    assert "(a < b & c > d)" in text
    assert "CI: confidence interval & paired t test" in text


def test_docx_copes_with_empty_document():
    empty = docx.Document(io.BytesIO(report.to_docx(Document("Nothing yet", "", [], []))))
    assert empty.paragraphs[0].text == "Nothing yet" and not empty.tables
