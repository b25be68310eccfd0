"""Text normalisation shared by every parser, and a table's text built from its cells."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from reportflow.schemas import Block

# ZWJ and ZWNJ stay: they change how Arabic, Indic and emoji text reads.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\u180e"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACE_RUN = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, invisible characters dropped, every run of Unicode white space one space, stripped."""
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    return unicodedata.normalize("NFC", text).strip()


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """The contract's table text: cells joined by ` | `, rows by ` || `, normalised like any block's text
    (an empty cell leaves `| |`)."""
    return normalize_text(" || ".join(" | ".join(cells) for cells in rows))


def table_block(rows: Sequence[Sequence[str]], page_number: int | None = None) -> Block | None:
    """A table as a block of its rows of normalised cells, and its text joined from them for readers of the
    `text` column; None when no cell holds text."""
    cells = tuple(row for row in (tuple(normalize_text(cell) for cell in row) for row in rows) if any(row))
    if not cells:
        return None
    return Block(table_text(cells), kind="table", page_number=page_number, rows=cells)
