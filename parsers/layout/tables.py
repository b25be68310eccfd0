"""Tables that lay a page out rather than hold data: a news report typed into a one-cell Word table,
an article beside a narrow column. Such a table is read as its paragraphs; a data table stays one
`table` block. Shared by the Word and HTML parsers, which give each table as rows of cells of
paragraph texts."""

from __future__ import annotations

from collections.abc import Sequence

MIN_PROSE_CHARS = 150
MIN_PROSE_PARAGRAPHS = 2
MAX_LAYOUT_ROWS = 3
PROSE_SHARE = 2 / 3

Cell = Sequence[str]


def is_layout_table(rows: Sequence[Sequence[Cell]]) -> bool:
    """One column, or a few rows whose text is mostly cells of several paragraphs of prose."""
    rows = [row for row in rows if any(row)]
    if not rows:
        return False
    if all(len(row) == 1 for row in rows):
        return True
    total = sum(len(text) for row in rows for cell in row for text in cell)
    prose = sum(len(text) for row in rows for cell in row if _is_prose(cell) for text in cell)
    return len(rows) <= MAX_LAYOUT_ROWS and prose >= PROSE_SHARE * total


def _is_prose(cell: Cell) -> bool:
    return sum(len(text) >= MIN_PROSE_CHARS for text in cell) >= MIN_PROSE_PARAGRAPHS
