"""Pages of positioned lines to blocks: running headers and footers dropped, footnotes set apart,
lines joined into paragraphs across line, column and page breaks.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from reportflow.parsers.formats.pdf_page import Line, PageLayout
from reportflow.parsers.formats.word_xml import table_text
from reportflow.schemas import Block

MARGIN_ZONE = 0.16
RUNNING_MIN_SHARE = 0.4
FOOTNOTE_SIZE_RATIO = 0.85
HEADING_SIZE_RATIO = 1.15
SMALL_PRINT_RATIO = 0.6
SMALL_PRINT_MIN_CHARS = 4  # letters of a word set vertically are no lines of small print
INDENT_EM = 0.8
CENTER_MARGIN_EM = 1.5
SHORT_LINE_EM = 1.5
PARAGRAPH_GAP_EM = 0.35
DEFAULT_LINE_GAP_EM = 0.5

_PAGE_NUMBER = re.compile(
    r"(?:trang|page|p\.)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|of|trên)\s*\d{1,4})?", re.IGNORECASE
)
_HYPHENATED = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{2}-$")
_LOWER_START = re.compile(r"^[a-zß-öø-ÿ]")
_CODE_HYPHEN = re.compile(r"(?:^|\s|/)[A-ZĐ0-9]+-$")
_CODE_START = re.compile(r"^[A-ZĐ0-9]")
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
    running = _running_keys(pages)
    flow: list[tuple[int, Line]] = []
    notes: list[tuple[int, str | None, list[Line]]] = []
    for page in pages:
        dropped = {id(line) for zone, line in _margin_lines(page) if _is_running(zone, line, running)}
        lines = [line for line in page.lines if id(line) not in dropped]
        body, page_notes = _split_footnotes(lines)
        flow.extend((page.number, line) for line in body)
        notes.extend((page.number, marker, note) for marker, note in page_notes)
    yield from _assemble(flow, _merge_continued(notes), pages, _body_size(flow))


def _body_size(flow: list[tuple[int, Line]]) -> float:
    weights: Counter[float] = Counter()
    for _, line in flow:
        if line.table_rows is None:
            weights[round(line.size)] += len(line.text)
    return float(weights.most_common(1)[0][0]) if weights else 10.0


def _margin_lines(page: PageLayout) -> Iterator[tuple[str, Line]]:
    """The first and last three lines of a page in its margin zones; small print (an e-signature's
    stamp over a gazette's running header) counted apart, so it does not push the header out."""
    lines = [line for line in page.lines if line.table_rows is None]
    usual = statistics.median(line.size for line in lines) if lines else 0.0
    for small in (False, True):
        ordered = sorted((x for x in lines if (x.size < SMALL_PRINT_RATIO * usual) == small), key=lambda x: x.top)
        for line in ordered[:3]:
            if line.bottom <= page.height * MARGIN_ZONE:
                yield "top", line
        for line in ordered[-3:]:
            if line.top >= page.height * (1 - MARGIN_ZONE):
                yield "bottom", line


def _running_key(zone: str, line: Line) -> tuple[str, str, int]:
    """Numbers aside; the size keeps a first page's title apart from the same words as a running header."""
    return zone, re.sub(r"\d+", "#", line.text.casefold()), round(line.size)


def _running_keys(pages: Sequence[PageLayout]) -> set[tuple[str, str, int]]:
    """Margin lines that repeat, numbers aside, on a good share of the pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[tuple[str, str, int]] = Counter()
    for page in pages:
        counts.update({_running_key(zone, line) for zone, line in _margin_lines(page)})
    least = max(2, math.ceil(RUNNING_MIN_SHARE * len(pages)))
    return {key for key, count in counts.items() if count >= least}


def _is_running(zone: str, line: Line, running: set[tuple[str, str, int]]) -> bool:
    return _PAGE_NUMBER.fullmatch(line.text) is not None or _running_key(zone, line) in running


def _split_footnotes(lines: list[Line]) -> tuple[list[Line], list[tuple[str | None, list[Line]]]]:
    """Footnotes: a run of smaller lines that ends the page and starts at least one note with a marker."""
    start = _footnote_start(lines)
    if start is None:
        return lines, []
    notes: list[tuple[str | None, list[Line]]] = []
    for line in lines[start:]:
        if line.leading_marker or not notes:
            notes.append((line.leading_marker, [line]))
        else:
            notes[-1][1].append(line)
    return lines[:start], notes


def _footnote_start(lines: list[Line]) -> int | None:
    start = len(lines)
    while start > 1 and _fits_zone(lines[start - 1], lines[-1]):
        start -= 1
    zone = lines[start:]
    if not zone or not any(line.leading_marker for line in zone):
        return None
    above = lines[start - 1]
    return start if above.table_rows is None and zone[0].size <= FOOTNOTE_SIZE_RATIO * above.size else None


def _fits_zone(line: Line, last: Line) -> bool:
    return line.table_rows is None and last.table_rows is None and abs(line.size - last.size) <= 0.5


def _merge_continued(notes: list[tuple[int, str | None, list[Line]]]) -> list[tuple[int, str | None, str]]:
    """A note without a marker at the top of a page's notes continues the previous page's last note."""
    merged: list[tuple[int, str | None, str]] = []
    for page, marker, lines in notes:
        text = _join_lines(lines)
        if marker is None and merged:
            last_page, last_marker, last_text = merged[-1]
            merged[-1] = (last_page, last_marker, f"{last_text} {text}")
        else:
            merged.append((page, marker, text))
    return merged


def _assemble(
    flow: list[tuple[int, Line]], notes: list[tuple[int, str | None, str]], pages: Sequence[PageLayout], size: float
) -> Iterator[Block]:
    images = {page.number: page.images for page in pages}
    gaps = _typical_gaps(flow)
    justified = _is_justified(flow)
    pending = list(notes)
    current: _Paragraph | None = None
    for number, line in flow:
        if current and (
            _continues(current, line, number, gaps, justified) or _small_print_goes_on(current, line, size)
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


def _is_justified(flow: list[tuple[int, Line]]) -> bool:
    lines = [line for _, line in flow if line.table_rows is None]
    full = sum(line.x1 >= line.column[1] - SHORT_LINE_EM * line.size for line in lines)
    return full >= 0.5 * len(lines) if lines else False


def _continues(paragraph: _Paragraph, line: Line, page: int, gaps: dict[int, float], justified: bool) -> bool:
    prev = paragraph.lines[-1]
    if prev.table_rows is not None or line.table_rows is not None:
        return False
    if abs(prev.size - line.size) > 1.0 or _LIST_ITEM.match(line.text):
        return False
    same_flow = page == paragraph.last_page and line.top > prev.top
    if not same_flow or line.column != prev.column:
        return _continues_after_break(prev, line)
    typical = gaps.get(page, DEFAULT_LINE_GAP_EM * line.size)
    if line.top - prev.bottom > typical + PARAGRAPH_GAP_EM * line.size:
        return False
    if _is_centered(line) and (_is_centered(prev) or not _is_short(prev)):
        return True
    if line.x0 > min(x.x0 for x in paragraph.lines) + INDENT_EM * line.size and not _hangs(paragraph, line):
        return False
    return not (justified and _is_short(prev))


def _small_print_goes_on(paragraph: _Paragraph, line: Line, body_size: float) -> bool:
    """Small print set flush under small print of the same size (an e-signature's stamp) is one block,
    short lines or not."""
    prev = paragraph.lines[-1]
    return (
        prev.table_rows is None
        and line.table_rows is None
        and line.size < SMALL_PRINT_RATIO * body_size
        and abs(line.size - prev.size) < 0.5
        and abs(line.x0 - prev.x0) < 1.0
        and min(len(line.text), len(prev.text)) >= SMALL_PRINT_MIN_CHARS
        and 0 <= line.top - prev.bottom < 0.5 * line.size
    )


def _hangs(paragraph: _Paragraph, line: Line) -> bool:
    """A list item's wrapped lines are indented under its text, past the bullet or number."""
    first = paragraph.lines[0]
    return _LIST_ITEM.match(first.text) is not None and all(x.x0 >= first.x0 for x in paragraph.lines)


def _continues_after_break(prev: Line, line: Line) -> bool:
    """Across a page or column break: the previous line ran to the margin without ending a sentence,
    and the next one is not indented; a next line in lower case continues whatever came before."""
    if line.x0 > line.column[0] + INDENT_EM * line.size:
        return False
    if _LOWER_START.match(line.text):
        return True
    return not _is_short(prev) and not _SENTENCE_END.search(prev.text)


def _is_short(line: Line) -> bool:
    return line.x1 < line.column[1] - SHORT_LINE_EM * line.size


def _is_centered(line: Line) -> bool:
    left, right = line.column
    margins = line.x0 - left, right - line.x1
    return min(margins) > CENTER_MARGIN_EM * line.size and abs(margins[0] - margins[1]) < 0.08 * (right - left)


def _close(
    paragraph: _Paragraph,
    images: dict[int, list[tuple[float, float, float, float]]],
    body_size: float,
    pending: list[tuple[int, str | None, str]],
) -> Iterator[Block]:
    first = paragraph.lines[0]
    if first.table_rows is not None:
        yield Block(table_text(first.table_rows), kind="table", page_number=paragraph.page)
    else:
        yield Block(
            _join_lines(paragraph.lines),
            kind="heading" if first.size >= HEADING_SIZE_RATIO * body_size and first.bold else "body",
            page_number=paragraph.page,
            align=_alignment(paragraph.lines),
            bold=first.bold,
            italic=first.italic,
            after_picture=_below_picture(first, images.get(paragraph.page, [])),
            ocr_confidence=_confidence(paragraph.lines),
        )
    yield from _release_notes(paragraph, pending)


def _release_notes(paragraph: _Paragraph, pending: list[tuple[int, str | None, str]]) -> Iterator[Block]:
    """Notes this paragraph cites, then notes of earlier pages that nothing cited."""
    for note in list(pending):
        page, marker, text = note
        cited = marker is not None and marker in paragraph.markers and paragraph.page <= page <= paragraph.last_page
        if cited or page < paragraph.page:
            pending.remove(note)
            yield Block(text, kind="footnote", page_number=page)


def _confidence(lines: list[Line]) -> float | None:
    """Mean OCR confidence of a block's lines, weighted by their length; None for a text layer."""
    scored = [(line.confidence, len(line.text)) for line in lines if line.confidence is not None]
    total = sum(weight for _, weight in scored)
    return sum(c * w for c, w in scored) / total if total else None


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


def _join_lines(lines: list[Line]) -> str:
    """Lines of one paragraph joined by spaces.

    A Latin word hyphenated at a line end is made whole; a code broken after its hyphen
    (`QĐ-` / `UBND`) is joined without a space.
    """
    text = lines[0].text
    for line in lines[1:]:
        if _HYPHENATED.search(text) and _LOWER_START.match(line.text):
            text = text[:-1] + line.text
        elif _CODE_HYPHEN.search(text) and _CODE_START.match(line.text):
            text += line.text
        else:
            text = f"{text} {line.text}"
    return text
