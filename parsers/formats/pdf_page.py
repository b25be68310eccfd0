"""One PDF page to positioned lines and tables in reading order.

Words come from pdfplumber; lines are split where a gap is too wide to be a
space (columns, tab stops), and a recursive XY-cut orders the pieces: columns
left to right where a gutter runs through a region, otherwise bands top to
bottom at the widest gaps first.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pdfplumber.utils.geometry import obj_to_edges

from reportflow.parsers.text import normalize_text
from reportflow.parsers.vietnamese.legacy_fonts import decode_font_text

SEGMENT_GAP_EM = 1.5
GUTTER_EM = 1.0
# A gap wider than this share of the font size is a space, whether or not the PDF has a space character.
WORD_GAP_EM = 0.15
SUPERSCRIPT_RATIO = 0.8
ROW_OVERLAP = 0.5
MIN_TEXT_CHARS = 30
IMAGE_COVER_FOR_OCR = 0.3
SCAN_COVER = 0.85
MAX_RULE_WIDTH = 2.0

_MARKER = re.compile(r"^(\d{1,3}|\*{1,3}|[a-z])$")


@dataclass(slots=True)
class Line:
    """A run of words on one baseline, or a table (`table_rows` set)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False
    italic: bool = False
    markers: list[str] = field(default_factory=list)
    leading_marker: str | None = None
    table_rows: list[list[str]] | None = None
    column: tuple[float, float] = (0.0, 0.0)
    confidence: float | None = None

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class PageLayout:
    number: int
    width: float
    height: float
    lines: list[Line]
    images: list[tuple[float, float, float, float]]
    needs_ocr: bool = False


def read_page(page: Any, number: int) -> PageLayout:
    """Lines and tables of one pdfplumber page, in reading order."""
    words = _upright(page.extract_words(extra_attrs=["size", "fontname"], x_tolerance_ratio=WORD_GAP_EM))
    images = [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in page.images]
    layout = PageLayout(number, float(page.width), float(page.height), [], images)
    if _needs_ocr(words, images, layout):
        layout.needs_ocr = True
        return layout
    tables = _tables(page) if (page.lines or page.rects) else []
    words = [w for w in words if not any(_inside(w, t.x0, t.top, t.x1, t.bottom) for t in tables)]
    layout.lines = xy_order([*build_lines(words), *tables])
    return layout


def _upright(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rotated words (margin stamps such as arXiv's) are left out unless they are most of the page."""
    upright = [w for w in words if w["upright"]]
    return upright if len(upright) * 2 >= len(words) else words


def _needs_ocr(words: Sequence[dict[str, Any]], images: Sequence[tuple[float, ...]], layout: PageLayout) -> bool:
    """A page that is a scan: one image over (nearly) all of it, or images and next to no text.

    A text layer over a full-page scan is an earlier OCR's (or a signature stamp's), and is read again.
    """
    page_area = layout.width * layout.height or 1.0
    covered = max((_clipped_area(box, layout) for box in images), default=0.0) / page_area
    if covered >= SCAN_COVER:
        return True
    text_chars = sum(len(w["text"]) for w in words)
    return text_chars < MIN_TEXT_CHARS and covered >= IMAGE_COVER_FOR_OCR


def _clipped_area(box: tuple[float, ...], layout: PageLayout) -> float:
    x0, top, x1, bottom = box
    width = min(x1, layout.width) - max(x0, 0.0)
    height = min(bottom, layout.height) - max(top, 0.0)
    return max(0.0, width) * max(0.0, height)


def _ruling_edges(page: Any) -> dict[str, list[dict[str, Any]]]:
    """Edges of drawn lines and thin or stroked rectangles; shaded backgrounds are no cell borders."""
    edges: dict[str, list[dict[str, Any]]] = {"v": [], "h": []}
    rules = [r for r in page.rects if r["stroke"] or min(r["width"], r["height"]) <= MAX_RULE_WIDTH]
    for obj in [*page.lines, *rules]:
        for edge in obj_to_edges(obj):
            edges[edge["orientation"]].append(edge)
    return edges


def _tables(page: Any) -> list[Line]:
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


def build_lines(words: Sequence[dict[str, Any]]) -> list[Line]:
    """Words grouped by baseline, then split into segments at gaps wider than a space."""
    rows: list[list[dict[str, Any]]] = []
    top = bottom = 0.0
    for word in sorted(words, key=lambda w: (w["bottom"], w["x0"])):
        overlap = min(bottom, word["bottom"]) - max(top, word["top"])
        if rows and overlap >= ROW_OVERLAP * min(bottom - top, word["bottom"] - word["top"]):
            rows[-1].append(word)
            top, bottom = min(top, word["top"]), max(bottom, word["bottom"])
        else:
            rows.append([word])
            top, bottom = word["top"], word["bottom"]
    return [segment for row in rows for segment in _segments(sorted(row, key=lambda w: w["x0"]))]


def _segments(row: list[dict[str, Any]]) -> list[Line]:
    size = _dominant_size(row)
    pieces: list[list[dict[str, Any]]] = [[row[0]]]
    for word in row[1:]:
        if word["x0"] - pieces[-1][-1]["x1"] > SEGMENT_GAP_EM * size:
            pieces.append([word])
        else:
            pieces[-1].append(word)
    return [line for piece in pieces if (line := _line(piece)) is not None]


def _dominant_size(words: Sequence[dict[str, Any]]) -> float:
    sizes = [round(w["size"], 1) for w in words for _ in w["text"]]
    return float(statistics.mode(sizes)) if sizes else 0.0


def _line(words: list[dict[str, Any]]) -> Line | None:
    size = _dominant_size(words)
    body: list[dict[str, Any]] = []
    spaced: list[bool] = []
    markers: list[str] = []
    leading = None
    for i, word in enumerate(words):
        if word["size"] < SUPERSCRIPT_RATIO * size and _MARKER.match(word["text"]):
            if i == 0:
                leading = word["text"]
            else:
                markers.append(word["text"])
            continue
        spaced.append(i > 0 and word["x0"] - words[i - 1]["x1"] > WORD_GAP_EM * size)
        body.append(word)
    if not body:
        return None
    fonts = [w["fontname"].lower() for w in body]
    texts = [decode_font_text(w["text"], w["fontname"]) for w in body]  # TCVN3 / VNI fonts to Unicode
    return Line(
        text=normalize_text("".join(f" {t}" if gap else t for t, gap in zip(texts, spaced, strict=True))),
        x0=body[0]["x0"],
        x1=body[-1]["x1"],
        top=min(w["top"] for w in body),
        bottom=max(w["bottom"] for w in body),
        size=size,
        bold=all("bold" in f or "black" in f or "heavy" in f for f in fonts),
        italic=all("italic" in f or "oblique" in f for f in fonts),
        markers=markers,
        leading_marker=leading,
    )


def xy_order(items: list[Line], column: tuple[float, float] | None = None) -> list[Line]:
    """Reading order by recursive XY-cut: gutters first, then the widest horizontal gaps.

    Each line learns the left and right edge of the column it was read in.
    """
    if not items:
        return items
    column = column or (min(i.x0 for i in items), max(i.x1 for i in items))
    columns = _split(items, lambda i: (i.x0, i.x1), _gutter(items)) if len(items) > 1 else [items]
    if len(columns) > 1:
        return [line for part in columns for line in xy_order(part, (min(i.x0 for i in part), max(i.x1 for i in part)))]
    bands = _split(items, lambda i: (i.top, i.bottom), None) if len(items) > 1 else [items]
    if len(bands) > 1:
        return [line for band in bands for line in xy_order(band, column)]
    for item in items:
        item.column = column
    return sorted(items, key=lambda i: (i.top, i.x0))


def _gutter(items: list[Line]) -> float:
    sizes = [i.size for i in items if i.size]
    return GUTTER_EM * (statistics.median(sizes) if sizes else 10.0)


def _split(items: list[Line], span: Any, min_gap: float | None) -> list[list[Line]]:
    """Groups separated by empty gaps along one axis; without `min_gap`, only at the widest gaps."""
    ordered = sorted(items, key=lambda i: span(i)[0])
    groups, gaps, end = [[ordered[0]]], [], span(ordered[0])[1]
    for item in ordered[1:]:
        start, stop = span(item)
        if start > end:
            gaps.append(start - end)
            groups.append([item])
        else:
            groups[-1].append(item)
        end = max(end, stop)
    if len(groups) == 1:
        return groups
    threshold = min_gap if min_gap is not None else 0.8 * max(gaps)
    merged = [groups[0]]
    for gap, group in zip(gaps, groups[1:], strict=True):
        if gap >= threshold:
            merged.append(group)
        else:
            merged[-1].extend(group)
    return merged
