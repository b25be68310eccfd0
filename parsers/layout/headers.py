"""Running headers and footers: margin lines that repeat, numbers aside, on a good share of the pages, and
bare page numbers; dropped before lines become paragraphs."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence

from reportflow.parsers.layout.lines import Line, PageLayout
from reportflow.parsers.vietnamese.syllables import bare

MARGIN_ZONE = 0.16
RUNNING_MIN_SHARE = 0.4
SMALL_PRINT_RATIO = 0.6
LOOSE_MIN_LETTERS = 4

_PAGE_NUMBER = re.compile(
    r"(?:trang|page|p\.)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|of|trên)\s*\d{1,4})?", re.IGNORECASE
)


def without_running_lines(pages: Sequence[PageLayout]) -> Iterator[list[Line]]:
    """Each page's lines without its running header, running footer and page number."""
    running = _running_keys(pages)
    for page in pages:
        dropped = {id(line) for zone, line in _margin_lines(page) if _is_running(zone, line, page, running)}
        yield [line for line in page.lines if id(line) not in dropped]


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


def _running_key(zone: str, line: Line, page: PageLayout) -> tuple[str, str, int]:
    """Numbers aside; the size keeps a first page's title apart from the same words as a running header.

    An OCR'd line is compared loosely, by its letters alone, diacritics aside: OCR reads the same header a
    little differently on each page (`CÔNG BÁO/Số 685`, `côNG Báo/Số 686`), and sizes vary more.
    """
    if page.read_by_ocr:
        letters = re.sub(r"[^a-z]", "", bare(line.text).casefold())
        if len(letters) >= LOOSE_MIN_LETTERS:
            return zone, letters, 0
    return zone, re.sub(r"\d+", "#", line.text.casefold()), round(line.size)


def _running_keys(pages: Sequence[PageLayout]) -> set[tuple[str, str, int]]:
    """Margin lines that repeat, numbers aside, on a good share of the pages (of both pages of a two-page scan)."""
    if len(pages) < 3 and not (len(pages) == 2 and all(page.read_by_ocr for page in pages)):
        return set()
    counts: Counter[tuple[str, str, int]] = Counter()
    for page in pages:
        counts.update({_running_key(zone, line, page) for zone, line in _margin_lines(page)})
    least = max(2, math.ceil(RUNNING_MIN_SHARE * len(pages)))
    return {key for key, count in counts.items() if count >= least}


def _is_running(zone: str, line: Line, page: PageLayout, running: set[tuple[str, str, int]]) -> bool:
    return _PAGE_NUMBER.fullmatch(line.text) is not None or _running_key(zone, line, page) in running
