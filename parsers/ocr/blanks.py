"""Numbers written by hand into a printed form's blanks, read again by the line recogniser.

An administrative document leaves blanks for its number and date, filled in by hand when it is issued:
`Số: 575/UBND-KTTH`, `ngày 05 tháng 02 năm 2025`. Tesseract, trained on print, drops such digits
(`/UBND-KTTH`), reads them as other marks (`93` for 23, `ngayg5`) or leaves the blank empty. Where the
blank between two printed anchors (`Số:` and the symbol's `/`, `ngày` and `tháng`, `tháng` and `năm`) is
not a number Tesseract read with confidence, the stretch from one anchor to the other is read again by
the AsterOCR recogniser. Its number fills the blank only when the recogniser read both anchors around
it, is sure of every digit, and the number fits the blank (a day 1-31, a month 1-12): otherwise
Tesseract's reading stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image

from reportflow.parsers.ocr.aster import Reading, recogniser
from reportflow.parsers.ocr.second_opinion import DOUBTFUL_CONFIDENCE, SURE, Box, Word, window
from reportflow.parsers.vietnamese.syllables import bare

MAX_WORDS_BETWEEN = 2  # what Tesseract made of a blank: a mark or two, or nothing
Baseline = TypeVar("Baseline")
Letters = list[list[str]]


@dataclass(frozen=True, slots=True)
class Blank:
    """A blank after the anchor START (its text may run on into the blank: `ngayg5`), before the word END
    begins with (anything before END's first letter is in the blank: `68/CT-UBND`)."""

    start: str
    end: str
    fits: Callable[[int], bool]

    def reading(self, folded: str) -> re.Match[str] | None:
        """The anchors and the number between them in the recogniser's reading (folded: `bare`, lower case)."""
        return re.search(rf"(?<![a-z])({self.start}\W*)(\d+)(?=\W*{re.escape(self.end)})", folded)


BLANKS = (
    Blank("so", "/", lambda n: n > 0),
    Blank("ngay", "thang", lambda n: 1 <= n <= 31),
    Blank("thang", "nam", lambda n: 1 <= n <= 12),
)


@dataclass(frozen=True, slots=True)
class _Found:
    blank: Blank
    first: int  # the anchor's position in the row
    last: int  # the end word's position
    tail: int  # characters of the anchor word that are in the blank
    head: int  # characters of the end word that are in the blank


def fill_blanks(
    image: Image.Image,
    rows: list[tuple[Baseline, list[tuple[Word, Letters]]]],
    read: Callable[[Image.Image], Reading] | None = None,
) -> list[tuple[Baseline, list[tuple[Word, Letters]]]]:
    """The rows with each doubtful blank filled by the recogniser's number, where it is sure of one."""
    read = read or recogniser().read
    for r, (baseline, words) in enumerate(rows):
        for found in reversed(_doubtful_blanks([w for w, _ in words])):
            filled = _filled(image, [w for w, _ in words], found, read)
            if filled is not None:
                words = [*words[: found.first], *((w, [[c] for c in w[0]]) for w in filled), *words[found.last + 1 :]]
        rows[r] = (baseline, words)
    return rows


def _doubtful_blanks(words: list[Word]) -> list[_Found]:
    """Blanks of the row whose content is not a number read with confidence, left to right, none overlapping."""
    found: list[_Found] = []
    for at in range(len(words)):
        if found and at < found[-1].last:
            continue
        for blank in BLANKS:
            match = _in_row(words, at, blank)
            if match is not None and _doubtful(words, match):
                found.append(match)
                break
    return found


def _in_row(words: list[Word], at: int, blank: Blank) -> _Found | None:
    anchor = re.match(rf"{blank.start}[:.]*", bare(words[at][0]).lower())
    tail = words[at][0][anchor.end() :] if anchor else ""
    if anchor is None or (tail.isalpha() and tail):  # `ngayg5` is the anchor and a blank, `ngayngo` no anchor
        return None
    for last in range(at + 1, min(len(words), at + MAX_WORDS_BETWEEN + 2)):
        folded = bare(words[last][0]).lower()
        where = folded.find(blank.end)
        if where >= 0 and not any(c.isalpha() for c in folded[:where]):
            return _Found(blank, at, last, len(tail), where)
    return None


def _doubtful(words: list[Word], found: _Found) -> bool:
    """Not a number, or a number read with less than DOUBTFUL_CONFIDENCE in any of its words; never a
    word of three letters or more (`ngày càng tháng`: words, not a blank)."""
    text = _blank_text(words, found).strip(" :.")
    if re.search(r"[^\W\d_]{3}", text):
        return False
    involved = words[found.first + 1 : found.last]
    involved += [words[found.first]] if found.tail else []
    involved += [words[found.last]] if found.head else []
    return not text.isdigit() or any(confidence < DOUBTFUL_CONFIDENCE for _, _, confidence in involved)


def _blank_text(words: list[Word], found: _Found) -> str:
    tail = words[found.first][0][len(words[found.first][0]) - found.tail :] if found.tail else ""
    between = [text for text, _, _ in words[found.first + 1 : found.last]]
    return " ".join([tail, *between, words[found.last][0][: found.head]]).strip()


def _filled(
    image: Image.Image, words: list[Word], found: _Found, read: Callable[[Image.Image], Reading]
) -> list[Word] | None:
    """The words anchor .. end with the blank's words replaced by the recogniser's number; None when the
    recogniser does not read a fitting number between the anchors, sure of every digit."""
    boxes = [box for _, box, _ in words]
    x0, top, x1, bottom = window(boxes, found.first, found.last)
    left, upper = max(0, round(x0)), max(0, round(top))
    reading = read(image.crop((left, upper, min(image.width, round(x1)), min(image.height, round(bottom)))))
    match = found.blank.reading(bare(reading.text).lower())
    if match is None or not found.blank.fits(int(match[2])):
        return None
    digits = range(match.start(2), match.end(2))
    sure = min(reading.probabilities[i] for i in digits)
    if sure < SURE:
        return None
    half = (boxes[found.first][3] - boxes[found.first][1]) * 0.3
    number_box = (
        left + reading.positions[digits[0]] - half,
        min(b[1] for b in boxes[found.first : found.last + 1]),
        left + reading.positions[digits[-1]] + half,
        max(b[3] for b in boxes[found.first : found.last + 1]),
    )
    anchor = _anchor(words[found.first], found, reading.text[match.start(1) : match.end(1)].strip(), number_box)
    text, box, confidence = words[found.last]
    if found.head:  # the number was read into the symbol's word (`1667/QĐ-UBND`): it stays one word
        return [anchor, (match[2] + text[found.head :], (number_box[0], *box[1:]), min(confidence, 100.0 * sure))]
    return [anchor, (match[2], number_box, 100.0 * sure), words[found.last]]


def _anchor(word: Word, found: _Found, read_anchor: str, number_box: Box) -> Word:
    """The anchor without the blank it ran on into, spelled as the recogniser read it then."""
    _, box, confidence = word
    if not found.tail:
        return word
    return read_anchor, (box[0], box[1], min(box[2], number_box[0]), box[3]), confidence
