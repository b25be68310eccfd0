"""One PDF page's text layer through pdfplumber: its words and pictures, and its lines and ruled tables in
reading order; pdfplumber's and pdfminer's failures on a page turned into the contract's errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pdfplumber.page import Page
from pdfplumber.utils.geometry import obj_to_edges

from reportflow.parsers.layout.lines import WORD_GAP_EM, Line, PageLayout, build_lines
from reportflow.parsers.layout.reading_order import xy_order
from reportflow.parsers.text import normalize_text
from reportflow.schemas import CorruptFileError

MAX_RULE_WIDTH = 2.0


@dataclass(slots=True)
class PdfTextLayer:
    """A page's words and pictures, read before the choice between its text layer and OCR."""

    page: Page
    number: int
    width: float
    height: float
    words: list[dict[str, Any]]
    images: list[tuple[float, float, float, float]]

    def text_chars(self) -> int:
        return sum(len(w["text"]) for w in self.words)

    def layout(self) -> PageLayout:
        """Lines and tables of the page, in reading order."""
        with _reading(self.number):
            tables = _tables(self.page) if (self.page.lines or self.page.rects) else []
            words = [w for w in self.words if not any(_inside(w, t.x0, t.top, t.x1, t.bottom) for t in tables)]
            lines = xy_order([*build_lines(words), *tables])
        return PageLayout(self.number, self.width, self.height, lines, self.images)


def text_layer(page: Page, number: int) -> PdfTextLayer:
    """The words (upright ones) and picture boxes of one pdfplumber page."""
    with _reading(number):
        words = page.extract_words(extra_attrs=["size", "fontname"], x_tolerance_ratio=WORD_GAP_EM)
        images = [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in page.images]
        return PdfTextLayer(page, number, float(page.width), float(page.height), _upright(words), images)


@contextmanager
def _reading(number: int) -> Iterator[None]:
    try:
        yield
    except Exception as e:
        if _out_of_memory(e):
            raise MemoryError(f"Page {number} of the PDF needs more memory than allowed.") from e
        raise CorruptFileError(f"Page {number} of the PDF could not be read: {type(e).__name__}: {e}.") from e


def _out_of_memory(error: Exception) -> bool:
    """pdfplumber wraps whatever pdfminer raised, a MemoryError from the worker's memory cap included."""
    return isinstance(error, MemoryError) or any(isinstance(arg, MemoryError) for arg in error.args)


def _upright(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rotated words (margin stamps such as arXiv's) are left out unless they are most of the page."""
    upright = [w for w in words if w["upright"]]
    return upright if len(upright) * 2 >= len(words) else words


def _ruling_edges(page: Page) -> dict[str, list[dict[str, Any]]]:
    """Edges of drawn lines and thin or stroked rectangles; shaded backgrounds are no cell borders."""
    edges: dict[str, list[dict[str, Any]]] = {"v": [], "h": []}
    rules = [r for r in page.rects if r["stroke"] or min(r["width"], r["height"]) <= MAX_RULE_WIDTH]
    for obj in [*page.lines, *rules]:
        for edge in obj_to_edges(obj):
            edges[edge["orientation"]].append(edge)
    return edges


def _tables(page: Page) -> list[Line]:
    edges = _ruling_edges(page)
    if len(edges["v"]) < 2 or len(edges["h"]) < 2:
        return []
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": edges["v"],
        "explicit_horizontal_lines": edges["h"],
    }
    found = []
    for table in page.find_tables(settings):
        rows = [[normalize_text(cell or "") for cell in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        if rows:
            x0, top, x1, bottom = table.bbox
            found.append(Line("", x0, x1, top, bottom, 0.0, table_rows=rows))
    return found


def _inside(word: dict[str, Any], x0: float, top: float, x1: float, bottom: float) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return bool(x0 <= cx <= x1 and top <= cy <= bottom)
