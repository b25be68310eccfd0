"""The PDF parser on PDFs drawn in code: paragraphs, page breaks, columns, tables, footnotes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reportlab.pdfgen.canvas import Canvas

from reportflow.parsers import parse_document
from reportflow.parsers.formats.pdf import parse_pdf
from reportflow.schemas import CorruptFileError
from tests.helpers import pdf_builder as pdf
from tests.helpers.pdf_builder import LEFT

FIRST = [
    "The committee met on the fifth of May to review the progress of the regional",
    "programme, the budget of the coming year and the staffing of the new offices",
    "that opened in the spring in three provinces of the northern region of the",
]
SECOND = [
    "country, where the demand for public services had grown faster than planned.",
]
NEXT = ["    A second paragraph starts with an indent and ends on this short line."]


def _texts(data: bytes) -> list[tuple[str, str, int | None]]:
    return [(b.kind, b.text, b.page_number) for b in parse_pdf(data).blocks]


def test_paragraph_across_page_break_is_whole_and_running_lines_are_dropped() -> None:
    def page_one(c: Canvas) -> None:
        pdf.running(c, 1, 3)
        pdf.text(c, LEFT, 100, "Regional Programme Review", 16, "Helvetica-Bold")
        pdf.lines(c, LEFT, 700, FIRST)

    def page_two(c: Canvas) -> None:
        pdf.running(c, 2, 3)
        top = pdf.lines(c, LEFT, 100, SECOND)
        pdf.lines(c, LEFT, top + 10, NEXT)

    def page_three(c: Canvas) -> None:
        pdf.running(c, 3, 3)
        pdf.lines(c, LEFT, 100, ["The meeting closed at noon."])

    blocks = _texts(pdf.build(page_one, page_two, page_three))
    assert blocks == [
        ("heading", "Regional Programme Review", 1),
        ("body", " ".join(FIRST + SECOND), 1),
        ("body", NEXT[0].strip(), 2),
        ("body", "The meeting closed at noon.", 3),
    ]


def test_two_columns_are_read_one_after_the_other() -> None:
    left = ["alpha one alpha one alpha", "alpha two alpha two alpha", "alpha three alpha three."]
    right = ["Beta one beta one beta one", "beta two beta two beta two", "beta three beta three."]

    def page(c: Canvas) -> None:
        pdf.lines(c, LEFT, 100, left)
        pdf.lines(c, 320, 100, right)

    assert [text for _, text, _ in _texts(pdf.build(page))] == [" ".join(left), " ".join(right)]


def test_hyphenated_latin_word_and_broken_code_are_joined() -> None:
    rows = ["the inter-", "national cooperation under Decision 12/QD-", "UBND was reviewed."]
    assert _texts(pdf.build(lambda c: pdf.lines(c, LEFT, 100, rows)))[0][1] == (
        "the international cooperation under Decision 12/QD-UBND was reviewed."
    )


def test_ruled_table_is_one_block_and_its_words_are_not_body_text() -> None:
    def page(c: Canvas) -> None:
        pdf.text(c, LEFT, 80, "Results by province:")
        pdf.grid(c, LEFT, 110, [["Province", "Cases"], ["Lam Dong", "124"], ["Dak Nong", "98"]])
        pdf.text(c, LEFT, 200, "All figures are provisional.")

    data = pdf.build(page)
    assert _texts(data) == [
        ("body", "Results by province:", 1),
        ("table", "Province | Cases || Lam Dong | 124 || Dak Nong | 98", 1),
        ("body", "All figures are provisional.", 1),
    ]
    table = parse_pdf(data).blocks[1]
    assert table.rows == (("Province", "Cases"), ("Lam Dong", "124"), ("Dak Nong", "98"))


def test_footnote_marker_is_not_glued_and_note_follows_its_paragraph() -> None:
    def page(c: Canvas) -> None:
        right = pdf.text(c, LEFT, 100, "Reforms were carried out in all provinces")
        right = pdf.text(c, right + 0.5, 97, "1", 7)
        pdf.text(c, right + 0.5, 100, ". Work goes on.")
        pdf.text(c, LEFT, 130, "The next paragraph has no note.")
        pdf.text(c, LEFT, 760, "1", 6)
        pdf.text(c, LEFT + 5, 762, "Thirty-two provinces reported by December.", 8)

    assert _texts(pdf.build(page)) == [
        ("body", "Reforms were carried out in all provinces. Work goes on.", 1),
        ("footnote", "Thirty-two provinces reported by December.", 1),
        ("body", "The next paragraph has no note.", 1),
    ]


@pytest.mark.needs_tesseract
def test_a_page_with_little_text_and_a_big_image_goes_to_ocr(tmp_path: object) -> None:
    from PIL import Image

    image = Image.new("L", (600, 800), 200)
    path = f"{tmp_path}/scan.png"
    image.save(path)

    def scanned(c: Canvas) -> None:
        c.drawImage(path, 0, 0, width=pdf.WIDTH, height=pdf.HEIGHT)
        pdf.text(c, LEFT, 40, "Signed", 8)

    def typed(c: Canvas) -> None:
        pdf.lines(c, LEFT, 100, FIRST)

    document = parse_pdf(pdf.build(scanned, typed))
    assert (document.ocr_pages, document.page_count, document.extraction) == ((1,), 2, "mixed")
    assert [(b.page_number, b.text, b.ocr_confidence is not None) for b in document.blocks] == [
        (1, "Signed", True),
        (2, " ".join(FIRST), False),
    ]


def _numbered_page(number: int) -> Callable[[Canvas], None]:
    """A page of its own text, placed lower on each page so that it is no running header."""
    rows = [f"Page {number}: the committee met on the fifth of May to review the progress of", f"programme {number}."]
    return lambda c: pdf.lines(c, LEFT, 100 + 40 * number, rows)


@pytest.mark.parametrize("kept", [0.25, 0.5, 0.75, 0.95])
def test_truncated_pdf_is_read_or_rejected_as_corrupt(kept: float) -> None:
    """Cut short, a PDF is refused as corrupt, or gives some of its text and nothing that is not in it."""
    data = pdf.build(*[_numbered_page(n) for n in range(1, 6)])
    whole = " ".join(b.text for b in parse_document(data).blocks)
    try:
        truncated = parse_document(data[: int(len(data) * kept)])
    except CorruptFileError as e:
        assert str(e).endswith(".")
        return
    assert truncated.blocks
    assert all(b.text in whole for b in truncated.blocks), [b.text for b in truncated.blocks]


@pytest.mark.parametrize("garbage", [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"])
def test_broken_pdf_is_corrupt(garbage: bytes) -> None:
    with pytest.raises(CorruptFileError):
        parse_document(garbage)


def test_a_bold_title_on_two_lines_of_a_justified_page_is_one_title() -> None:
    def page(c: Canvas) -> None:
        pdf.text(c, LEFT, 60, "Review of the regional programme in the first", 16, "Helvetica-Bold")
        pdf.text(c, LEFT, 80, "half of the year 2017", 16, "Helvetica-Bold")
        pdf.lines(c, LEFT, 110, [FIRST[0]] * 4 + ["and closed the meeting."])

    doc = parse_document(pdf.build(page))
    assert doc.title == "Review of the regional programme in the first half of the year 2017"
    assert [b.kind for b in doc.blocks] == ["title", "body"]
