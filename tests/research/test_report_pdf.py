# SPDX-License-Identifier: AGPL-3.0-or-later
"""The research PDF read back as a reader sees it (pypdfium2's text boxes, page by page):
no table word is broken over lines, no cell stands one letter a line, each caption is
printed once; a table too wide for a portrait page gets a landscape one; the PDF and the
Word document come from the same blocks."""

from __future__ import annotations

import io
import re

import docx
import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from nervepath.accounts.models import Role, User
from nervepath.research import cohorts, dataset, report
from nervepath.research.models import AnalysisRun, Cohort
from nervepath.research.synthetic import make_history
from nervepath.science.outcomes import report as doc
from nervepath.science.outcomes.analysis import analyse


def _lines(pdf: bytes) -> tuple[list[list[str]], list[tuple[float, float]]]:
    """Each page's text lines, and each page's size. PDFium gives text rectangles (a
    change of font starts a new one, each as tall as its glyphs); rectangles whose
    middles are within 3 pt of each other are on one line, and touching ones (under
    2 pt apart) are one piece of it, so two table cells, at least 6 pt apart, stay two."""
    document = pdfium.PdfDocument(pdf)
    pages, sizes = [], []
    for page in document:
        text = page.get_textpage()
        pieces = []
        for i in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(i)
            pieces.append(
                ((bottom + top) / 2, left, right, text.get_text_bounded(left, bottom, right, top))
            )
        rows: list[list[tuple[float, float, float, str]]] = []
        for piece in sorted(pieces, key=lambda p: -p[0]):
            if rows and abs(rows[-1][0][0] - piece[0]) < 3:
                rows[-1].append(piece)
            else:
                rows.append([piece])
        lines: list[str] = []
        for row in rows:
            right_edge = None
            for _middle, left, right, chunk in sorted(row, key=lambda p: p[1]):
                if right_edge is not None and 0 <= left - right_edge < 2:
                    lines[-1] += chunk
                else:
                    lines.append(chunk)
                right_edge = right
        pages.append([line.strip() for line in lines])
        sizes.append(page.get_size())
    return pages, sizes


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def run(clinic) -> AnalysisRun:
    make_history(90, seed=5, today=timezone.localdate(), surgical_share=0.5, prefix="pdf")
    who = User.objects.create_user(
        "r@example.org", "x" * 16, role=Role.RESEARCHER, first_name="R", last_name="S"
    )
    filters = cohorts.clean_filters({"procedure": "decompression"})
    cohort = Cohort.objects.create(name="Operated", filters=filters, created_by=who)
    selection = cohorts.select(filters)
    now = timezone.now()
    data = dataset.build(cohort.name, selection, now)
    return AnalysisRun.objects.create(
        cohort=cohort,
        definition=data.definition,
        snapshot_at=now,
        code_version=data.code_version,
        patients=selection.patients,
        legs=selection.legs,
        result=analyse(data).as_dict(),
        created_by=who,
    )


def test_the_pdf_tables_break_no_word_and_print_each_caption_once(run):
    pdf, content_type = report.document(run, "pdf")
    assert content_type == "application/pdf"
    blocks = doc.layout(report.as_document(run))
    tables = [b for b in blocks if isinstance(b, doc.TableBlock)]
    assert len(tables) >= 4
    assert "Timepoint" in tables[1].header  # Table 2, the one that broke before
    pages, _sizes = _lines(pdf)
    lines = [line for page in pages for line in page]
    whole = _flat(" ".join(lines))

    # No word of any table cell is split over lines: each is whole on one line.
    broken = {
        word
        for table in tables
        for text in (*table.header, *(cell for row in table.rows for cell in row))
        for word in text.split()
        if not any(word in line for line in lines)
    }
    assert not broken, sorted(broken)[:20]
    # No line is a lone letter unless a whole cell is that letter (the "n" and "p" columns).
    lone = {
        text
        for table in tables
        for text in (*table.header, *(cell for row in table.rows for cell in row))
        if len(text) == 1
    }
    single = [line for line in lines if len(line) == 1 and line.isalpha() and line not in lone]
    assert not single, single[:20]
    # p values stay whole: "<0.001" and "0.04" never split.
    for table in tables:
        if "p" in table.header:
            column = table.header.index("p")
            for row in table.rows:
                if row[column] not in ("", "—"):
                    assert any(row[column] in line for line in lines), row[column]

    # Each caption once (and no heading repeats it).
    for table in tables:
        assert whole.count(_flat(table.caption)) == 1, table.caption
        title = table.caption.split(". ", 1)[1]
        assert whole.count(_flat(title)) == 1, title
    assert whole.count("Table 1.") == 1 and whole.count("Table 2.") == 1


def test_the_word_document_has_the_same_blocks(run):
    data, _ = report.document(run, "docx")
    word = docx.Document(io.BytesIO(data))
    blocks = doc.layout(report.as_document(run))
    tables = [b for b in blocks if isinstance(b, doc.TableBlock)]
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert [c for c in captions if c.startswith("Table ")] == [t.caption for t in tables]
    assert [[c.text for c in word_table.rows[0].cells] for word_table in word.tables[1:]] == [
        list(t.header) for t in tables
    ]
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == [b.text for b in blocks if isinstance(b, doc.Heading) and b.level == 1]


def test_a_wide_table_gets_a_landscape_page_with_its_words_whole():
    # Seven columns of long words: too wide for a portrait page, not for a landscape one.
    words = ["Characteristically", "Incomprehensibility", "Electroencephalography"]
    header = [f"{words[i % 2]} {i}" for i in range(7)]
    rows = [[words[(i + r) % 3] for i in range(7)] for r in range(3)]
    wide = doc.Table("Wide", header, rows)
    narrow = doc.Table("Narrow", ["Timepoint", "p"], [["12 months", "<0.001"]])
    document = doc.Document("T", "", [doc.Section("S", [], [narrow, wide, narrow])])
    narrow_block, wide_block, _ = [b for b in doc.layout(document) if isinstance(b, doc.TableBlock)]
    assert not narrow_block.landscape and wide_block.landscape
    assert sum(wide_block.widths) <= doc.LANDSCAPE_WIDTH + 0.01
    assert sum(narrow_block.widths) <= doc.PORTRAIT_WIDTH + 0.01
    pages, sizes = _lines(doc.to_pdf(document))
    shapes = ["landscape" if w > h else "portrait" for w, h in sizes]
    assert shapes[0] == "portrait" and "landscape" in shapes and shapes[-1] == "portrait"
    wide_page = shapes.index("landscape")
    assert any("Table 2. Wide" in line for line in pages[wide_page])
    for word in words:
        assert any(word in line for line in pages[wide_page]), word
    word_file = docx.Document(io.BytesIO(doc.to_docx(document)))
    assert [s.page_width > s.page_height for s in word_file.sections] == [False, True, False]
