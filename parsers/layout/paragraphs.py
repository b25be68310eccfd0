"""Pages of positioned lines to blocks: running headers and footers dropped, footnotes set apart,
lines joined into paragraphs across line, column and page breaks; tables as blocks of their rows.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from reportflow.parsers.layout.footnotes import Note, merge_continued, release_notes, split_footnotes
from reportflow.parsers.layout.headers import SMALL_PRINT_RATIO, without_running_lines
from reportflow.parsers.layout.lines import LOWER_START, Line, PageLayout, join_lines, mean_confidence
from reportflow.parsers.layout.measures import Measures, ocr_measures
from reportflow.parsers.text import table_block
from reportflow.schemas import Block, NoTextError, ParsedDocument

HEADING_SIZE_RATIO = 1.15
SMALL_PRINT_MIN_CHARS = 4  # letters of a word set vertically are no lines of small print
SMALL_PRINT_FLUSH_POINTS, SMALL_PRINT_GAP_EM = 1.0, 0.5
INDENT_EM = 0.8
CENTER_MARGIN_EM = 1.5
DISPLAY_GAP_EM = 0.6
SAME_SIZE_POINTS = 0.5

_LIST_ITEM = re.compile(r"^(?:[•●○■□▪◦®*+–—-]|\d{1,2}[.)]|[a-zđ][.)])\s")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)]*$")


@dataclass(slots=True)
class _Paragraph:
    lines: list[Line]
    page: int
    last_page: int
    markers: list[str] = field(default_factory=list)


def page_blocks(pages: Sequence[PageLayout]) -> Iterator[Block]:
    """Blocks of a whole document in reading order."""
    flow: list[tuple[int, Line]] = []
    notes: list[tuple[int, str | None, list[Line]]] = []
    measures: dict[int, Measures] = {}
    for page, lines in zip(pages, without_running_lines(pages), strict=True):
        body, page_notes = split_footnotes(lines)
        flow.extend((page.number, line) for line in body)
        notes.extend((page.number, marker, note) for marker, note in page_notes)
        measures[page.number] = ocr_measures(body) if page.read_by_ocr else Measures()
    yield from _assemble(flow, merge_continued(notes), pages, _body_size(flow), measures)


def paged_document(pages: Sequence[PageLayout], source_format: str, no_text: str) -> ParsedDocument:
    """A paged document (PDF, scan) from its pages: its blocks, the pages OCR read, and its `extraction`;
    NoTextError with this message when no page gives a block."""
    blocks = tuple(page_blocks(pages))
    if not blocks:
        raise NoTextError(no_text)
    ocr_pages = tuple(page.number for page in pages if page.read_by_ocr)
    return ParsedDocument(
        source_format=source_format,
        extraction=_extraction(pages),
        blocks=blocks,
        page_count=len(pages),
        has_style_cues=not ocr_pages,
        ocr_pages=ocr_pages,
    )


def _extraction(pages: Sequence[PageLayout]) -> str:
    """`text_layer`, `ocr`, or `mixed` when some pages were read from their text layer and some by OCR."""
    ocr = any(page.read_by_ocr for page in pages)
    text_layer = any(page.lines and not page.read_by_ocr for page in pages)
    if ocr and text_layer:
        return "mixed"
    return "ocr" if ocr else "text_layer"


def _body_size(flow: list[tuple[int, Line]]) -> float:
    weights: Counter[float] = Counter()
    for _, line in flow:
        if line.table_rows is None:
            weights[round(line.size)] += len(line.text)
    return float(weights.most_common(1)[0][0]) if weights else 10.0


def _assemble(
    flow: list[tuple[int, Line]],
    notes: list[Note],
    pages: Sequence[PageLayout],
    size: float,
    measures: dict[int, Measures],
) -> Iterator[Block]:
    images = {page.number: page.images for page in pages}
    gaps = _typical_gaps(flow)
    justified = _is_justified(flow, measures)
    pending = list(notes)
    current: _Paragraph | None = None
    for number, line in flow:
        if current and (
            _continues(current, line, number, gaps, justified, measures)
            or _small_print_goes_on(current, line, size)
            or _display_goes_on(current, line, number, size)
        ):
            current.lines.append(line)
            current.markers.extend(line.markers)
            current.last_page = number
            continue
        if current:
            yield from _close(current, images, size, pending)
        current = _Paragraph([line], number, number, list(line.markers))
    if current:
        yield from _close(current, images, size, pending)
    for _, _, text in pending:
        yield Block(text, kind="footnote")


def _typical_gaps(flow: list[tuple[int, Line]]) -> dict[int, float]:
    """Per page, the gap between lines inside a paragraph: the lower quartile, as short notes are mostly gaps.

    With fewer than three samples there is no telling, and the page gets no entry.
    """
    by_page: dict[int, list[float]] = {}
    for (page_a, a), (page_b, b) in itertools.pairwise(flow):
        gap = b.top - a.bottom
        if page_a == page_b and gap > -1 and abs(a.size - b.size) < 0.5:
            by_page.setdefault(page_a, []).append(gap)
    return {page: sorted(gaps)[len(gaps) // 4] for page, gaps in by_page.items() if len(gaps) >= 3}


def _is_justified(flow: list[tuple[int, Line]], measures: dict[int, Measures]) -> bool:
    lines = [(page, line) for page, line in flow if line.table_rows is None]
    full = sum(measures[page].is_flush(line) for page, line in lines)
    return full >= 0.5 * len(lines) if lines else False


def _continues(
    paragraph: _Paragraph, line: Line, page: int, gaps: dict[int, float], justified: bool, measures: dict[int, Measures]
) -> bool:
    prev, measure = paragraph.lines[-1], measures[page]
    if prev.table_rows is not None or line.table_rows is not None or measure.is_stamp(prev) or measure.is_stamp(line):
        return False
    if not measure.same_size(prev, line) or _LIST_ITEM.match(line.text) or measure.opens_section(line):
        return False
    same_flow = page == paragraph.last_page and line.top > prev.top
    if not same_flow or line.column != prev.column:
        return _continues_after_break(prev, line, measures[paragraph.last_page], measure)
    em = measure.em(line)
    if measure.far_below(prev, line, gaps.get(page)) or measure.side_by_side(prev, line):
        return False
    if _is_centered(line) and (_is_centered(prev) or not measure.is_short(prev)):
        return True
    if len(paragraph.lines) == 1 and measure.opens_section(prev) and measure.is_short(prev):
        return False  # a heading on a line of its own: `Điều 3. Giải thích từ ngữ`
    if line.x0 > measure.left_margin(paragraph.lines, line) + INDENT_EM * em and not _hangs(paragraph, line):
        return False
    return not (justified and measure.is_short(prev))


def _small_print_goes_on(paragraph: _Paragraph, line: Line, body_size: float) -> bool:
    """Small print set flush under small print of the same size (an e-signature's stamp) is one block,
    short lines or not."""
    prev = paragraph.lines[-1]
    return (
        _set_under(prev, line, SMALL_PRINT_FLUSH_POINTS, SMALL_PRINT_GAP_EM)
        and line.size < SMALL_PRINT_RATIO * body_size
        and min(len(line.text), len(prev.text)) >= SMALL_PRINT_MIN_CHARS
    )


def _display_goes_on(paragraph: _Paragraph, line: Line, page: int, body_size: float) -> bool:
    """A title or heading set large and bold over two lines is one, though its first line ends short of the
    margin of a justified page (a title is never justified)."""
    prev = paragraph.lines[-1]
    return (
        page == paragraph.last_page
        and line.column == prev.column
        and _set_under(prev, line, SAME_SIZE_POINTS, DISPLAY_GAP_EM)  # flush left: right-aligned names are apart
        and prev.bold
        and line.bold
        and prev.size >= HEADING_SIZE_RATIO * body_size
        and not _SENTENCE_END.search(prev.text)
    )


def _set_under(prev: Line, line: Line, left_within: float, gap_em: float) -> bool:
    """`line` right under `prev` (less than `gap_em` of its size between them), the same size, its left edge
    within `left_within` points of prev's; neither of them a table's row."""
    return (
        prev.table_rows is None
        and line.table_rows is None
        and abs(line.x0 - prev.x0) < left_within
        and abs(line.size - prev.size) < SAME_SIZE_POINTS
        and 0 <= line.top - prev.bottom < gap_em * line.size
    )


def _hangs(paragraph: _Paragraph, line: Line) -> bool:
    """A list item's wrapped lines are indented under its text, past the bullet or number."""
    first = paragraph.lines[0]
    return _LIST_ITEM.match(first.text) is not None and all(x.x0 >= first.x0 for x in paragraph.lines)


def _continues_after_break(prev: Line, line: Line, before: Measures, measure: Measures) -> bool:
    """Across a page or column break: the previous line ran to the margin without ending a sentence,
    and the next one is not indented; a next line in lower case continues whatever came before."""
    if line.x0 > line.column[0] + INDENT_EM * measure.em(line):
        return False
    if LOWER_START.match(line.text):
        return True
    return not before.is_short(prev) and not _SENTENCE_END.search(prev.text)


def _is_centered(line: Line) -> bool:
    left, right = line.column
    margins = line.x0 - left, right - line.x1
    return min(margins) > CENTER_MARGIN_EM * line.size and abs(margins[0] - margins[1]) < 0.08 * (right - left)


def _close(
    paragraph: _Paragraph,
    images: dict[int, list[tuple[float, float, float, float]]],
    body_size: float,
    pending: list[Note],
) -> Iterator[Block]:
    first = paragraph.lines[0]
    if first.table_rows is not None:
        table = table_block(first.table_rows, page_number=paragraph.page)
        if table is not None:
            yield table
    else:
        yield Block(
            join_lines(paragraph.lines),
            kind="heading" if first.size >= HEADING_SIZE_RATIO * body_size and first.bold else "body",
            page_number=paragraph.page,
            align=_alignment(paragraph.lines),
            bold=first.bold,
            italic=first.italic,
            after_picture=_below_picture(first, images.get(paragraph.page, [])),
            ocr_confidence=mean_confidence((line.confidence, line.text) for line in paragraph.lines),
        )
    yield from release_notes(paragraph.markers, (paragraph.page, paragraph.last_page), pending)


def _alignment(lines: list[Line]) -> str | None:
    if all(_is_centered(line) for line in lines):
        return "center"
    left, right = lines[0].column
    if all(line.x1 >= right - line.size and line.x0 > left + 0.3 * (right - left) for line in lines):
        return "right"
    return None


def _below_picture(line: Line, images: list[tuple[float, float, float, float]]) -> bool:
    return any(
        0 <= line.top - bottom <= 1.5 * line.size and x0 < line.x1 and line.x0 < x1 for x0, _, x1, bottom in images
    )
