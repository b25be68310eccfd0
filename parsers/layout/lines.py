"""Positioned words to lines: words grouped by baseline and split where a gap is too wide to be a space
(columns, tab stops); the lines of a page, and lines of one paragraph joined into its text.

Words are dicts as pdfplumber gives them (`text`, `x0`, `x1`, `top`, `bottom`, `size`, `fontname`).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportflow.parsers.text import normalize_text
from reportflow.parsers.vietnamese.legacy_fonts import decode_font_text

SEGMENT_GAP_EM = 1.5
# A gap wider than this share of the font size is a space, whether or not the PDF has a space character.
WORD_GAP_EM = 0.15
SUPERSCRIPT_RATIO = 0.8
ROW_OVERLAP = 0.5

_MARKER = re.compile(r"^(\d{1,3}|\*{1,3}|[a-z])$")
_HYPHENATED = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{2}-$")
LOWER_START = re.compile(r"^[a-zß-öø-ÿ]")
_CODE_HYPHEN = re.compile(r"(?:^|\s|/)[A-ZĐ0-9]+-$")
_CODE_START = re.compile(r"^[A-ZĐ0-9]")


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


@dataclass(slots=True)
class PageLayout:
    """A page's lines in reading order, its pictures' boxes, and whether OCR read it."""

    number: int
    width: float
    height: float
    lines: list[Line]
    images: list[tuple[float, float, float, float]]
    read_by_ocr: bool = False


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


def join_lines(lines: Sequence[Line]) -> str:
    """Lines of one paragraph joined by spaces.

    A Latin word hyphenated at a line end is made whole; a code broken after its hyphen
    (`QĐ-` / `UBND`) is joined without a space.
    """
    text = lines[0].text
    for line in lines[1:]:
        if _HYPHENATED.search(text) and LOWER_START.match(line.text):
            text = text[:-1] + line.text
        elif _CODE_HYPHEN.search(text) and _CODE_START.match(line.text):
            text += line.text
        else:
            text = f"{text} {line.text}"
    return text


def mean_confidence(scored: Iterable[tuple[float | None, str]]) -> float | None:
    """OCR's mean confidence over texts (of lines or blocks), weighted by their length; None when no text
    has one (a text layer)."""
    weighted = [(confidence, len(text)) for confidence, text in scored if confidence is not None]
    total = sum(weight for _, weight in weighted)
    return sum(c * w for c, w in weighted) / total if total else None
