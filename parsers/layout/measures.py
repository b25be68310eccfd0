"""How lines are measured when they are joined into paragraphs: exactly on a text layer; on an OCR'd page by the
page's own statistics, as OCR's line boxes are ragged (left edges jitter by a few pixels, a justified line's right
edge by a little more, and a box's height varies with the tone marks and specks in it).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportflow.parsers.layout.lines import Line
from reportflow.parsers.vietnamese.patterns import is_receipt_stamp, starts_section

SHORT_LINE_EM = 1.5
FLUSH_EM = 0.5  # how far short of the margin an OCR'd justified line may end (its box jitters)
PARAGRAPH_GAP_EM = 0.35
DEFAULT_LINE_GAP_EM = 0.5
SIZE_STEP = 1.0  # points between two sizes of a text layer's type
OCR_SIZE_RATIO = 1.7  # an OCR'd box that takes in a stacked tone mark and a descender is this much taller
MIN_LINES_FOR_EDGE = 3
FLUSH_SHARE = 0.25
MAX_PITCH_EM = 3.0
SAME_BASELINE_EM = 0.5


@dataclass(frozen=True, slots=True)
class Measures:
    """A page's yardsticks. Without `ocr`, a line's own size and its column's edges, as a text layer has them."""

    ocr: bool = False
    size: float = 0.0
    pitch: float | None = None
    rights: dict[tuple[float, float], float] = field(default_factory=dict)

    def em(self, line: Line) -> float:
        return self.size if self.ocr else line.size

    def same_size(self, a: Line, b: Line) -> bool:
        if not self.ocr:
            return abs(a.size - b.size) <= SIZE_STEP
        return max(a.size, b.size) <= OCR_SIZE_RATIO * min(a.size, b.size)

    def is_short(self, line: Line) -> bool:
        """The line ends clearly short of its column's right margin (on an OCR'd page, the margin its lines share)."""
        if not self.ocr:
            return line.x1 < line.column[1] - SHORT_LINE_EM * line.size
        return line.x1 < self._right(line) - SHORT_LINE_EM * self.size

    def left_margin(self, paragraph: Sequence[Line], line: Line) -> float:
        """Where the paragraph's lines start; on an OCR'd page, those in the line's column only, as each scanned
        page sits a little differently on the glass."""
        return min(x.x0 for x in paragraph if not self.ocr or x.column == line.column)

    def is_flush(self, line: Line) -> bool:
        """The line runs to its column's right margin, as a justified paragraph's lines but its last do; on an
        OCR'd page, to within half an em of the margin its lines share."""
        if not self.ocr:
            return not self.is_short(line)
        return line.x1 >= self._right(line) - FLUSH_EM * self.size

    def _right(self, line: Line) -> float:
        return self.rights.get(line.column, line.column[1])

    def far_below(self, prev: Line, line: Line, typical_gap: float | None) -> bool:
        """More space than between a paragraph's lines (`typical_gap`, or the page's pitch) lies between the two;
        an OCR'd page measures it from baseline to baseline, as box heights vary."""
        em = self.em(line)
        if self.ocr and self.pitch is not None:
            larger_type = max(1.0, min(prev.size, line.size) / self.size)  # a title's lines lie further apart
            return line.bottom - prev.bottom > self.pitch * larger_type + PARAGRAPH_GAP_EM * em
        typical = DEFAULT_LINE_GAP_EM * em if typical_gap is None else typical_gap
        return line.top - prev.bottom > typical + PARAGRAPH_GAP_EM * em

    def side_by_side(self, prev: Line, line: Line) -> bool:
        """OCR'd lines that cannot be one above the other in a paragraph: on one baseline, or not overlapping
        across (two columns the reading order could not part)."""
        if not self.ocr:
            return False
        return line.bottom - prev.bottom < SAME_BASELINE_EM * self.size or line.x0 >= prev.x1 or line.x1 <= prev.x0

    def is_stamp(self, line: Line) -> bool:
        """A stamp OCR read on the page (received, gazetted) is no part of any paragraph."""
        return self.ocr and is_receipt_stamp(line.text)

    def opens_section(self, line: Line) -> bool:
        """On an OCR'd page, where indents and gaps are less sure, an article's or chapter's heading line (`Điều 3.`)
        starts a paragraph of its own."""
        return self.ocr and starts_section(line.text)


def ocr_measures(lines: Sequence[Line]) -> Measures:
    """An OCR'd page's usual size, its usual baseline-to-baseline spacing and each column's usual right edge."""
    text = [line for line in lines if line.table_rows is None]
    if not text:
        return Measures(ocr=True, size=10.0)
    size = statistics.median(line.size for line in text)
    return Measures(ocr=True, size=size, pitch=_usual_pitch(text, size), rights=_right_edges(text, size))


def _usual_pitch(lines: Sequence[Line], size: float) -> float | None:
    pitches = [
        b.bottom - a.bottom
        for a, b in itertools.pairwise(lines)
        if a.column == b.column and 0 < b.bottom - a.bottom < MAX_PITCH_EM * size
    ]
    return statistics.median(pitches) if len(pitches) >= MIN_LINES_FOR_EDGE else None


def _right_edges(lines: Sequence[Line], size: float) -> dict[tuple[float, float], float]:
    """Per column, its right margin (a heading joined to the motto beside it, a stamp or a speck sticking out
    of a justified column does not move it)."""
    ends: dict[tuple[float, float], list[float]] = defaultdict(list)
    for line in lines:
        ends[line.column].append(line.x1)
    return {column: _shared_edge(sorted(x1s, reverse=True), FLUSH_EM * size) for column, x1s in ends.items()}


def _shared_edge(ends: list[float], tolerance: float) -> float:
    """The furthest right that a good share of the lines end at (a justified column's margin); the rightmost end
    where no such edge exists (ragged lines, a list)."""
    least = max(MIN_LINES_FOR_EDGE, math.ceil(FLUSH_SHARE * len(ends)))
    for i, end in enumerate(ends[: len(ends) - least + 1]):
        if end - ends[i + least - 1] <= tolerance:
            return end
    return ends[0]
