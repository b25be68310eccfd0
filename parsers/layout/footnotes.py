"""Footnotes of a paged document: a run of smaller lines that ends a page, set apart from the body and
placed after the paragraph that cites them."""

from __future__ import annotations

from collections.abc import Iterator

from reportflow.parsers.layout.lines import Line, join_lines
from reportflow.schemas import Block

FOOTNOTE_SIZE_RATIO = 0.85

Note = tuple[int, str | None, str]  # page, marker, text


def split_footnotes(lines: list[Line]) -> tuple[list[Line], list[tuple[str | None, list[Line]]]]:
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


def merge_continued(notes: list[tuple[int, str | None, list[Line]]]) -> list[Note]:
    """A note without a marker at the top of a page's notes continues the previous page's last note."""
    merged: list[Note] = []
    for page, marker, lines in notes:
        text = join_lines(lines)
        if marker is None and merged:
            last_page, last_marker, last_text = merged[-1]
            merged[-1] = (last_page, last_marker, f"{last_text} {text}")
        else:
            merged.append((page, marker, text))
    return merged


def release_notes(markers: list[str], pages: tuple[int, int], pending: list[Note]) -> Iterator[Block]:
    """Notes a paragraph on these pages (first, last) cites, then notes of earlier pages that nothing cited."""
    first, last = pages
    for note in list(pending):
        page, marker, text = note
        cited = marker is not None and marker in markers and first <= page <= last
        if cited or page < first:
            pending.remove(note)
            yield Block(text, kind="footnote", page_number=page)
