"""Numbers written by hand into a printed form's blanks, read again by the line recogniser.

An administrative document leaves blanks for its number and date, filled in by hand when it is issued:
`Số: 575/UBND-KTTH`, `ngày 05 tháng 02 năm 2025`. Tesseract, trained on print, drops such digits
(`/UBND-KTTH`), reads them as other marks (`93` for 23, `ngayg5`) or leaves the blank empty. Where the
blank between two printed anchors (`Số:` and the symbol's `/`, `ngày` and `tháng`, `tháng` and `năm`) is
not a number Tesseract read with confidence, the stretch from one anchor to the other is read again by
the AsterOCR recogniser. Its number fills the blank only when the recogniser read both anchors around
it, is sure of every digit (or a third reader, the PP-OCR model, reads the same number and the two are
sure of it together), and the number fits the blank (a day 1-31, a month 1-12): otherwise Tesseract's
reading stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image, ImageOps

from reportflow.parsers.ocr.aster import Reading, recogniser
from reportflow.parsers.ocr.ppocr import line_reader
from reportflow.parsers.ocr.second_opinion import DOUBTFUL_CONFIDENCE, SURE, Box, Word, window
from reportflow.parsers.vietnamese.syllables import bare

MAX_WORDS_BETWEEN = 2  # what Tesseract made of a blank: a mark or two, or nothing
MAX_LEAD = 3  # characters of the word before that the crop's margin may take in
MAX_BLANKS_PER_PAGE = 12  # each is a crop for the recogniser: a page of citations costs no more
NUMBER_MARGIN_EM = 0.25  # white around the number's crop, of the line's height, for the third reader
MIN_EACH = 0.5  # each reader's own certainty, below which two readers agreeing prove nothing
SPELLED = {"so": "số", "ngay": "ngày", "thang": "tháng"}
Baseline = TypeVar("Baseline")
Choices = list[list[str]]  # per letter, as `tesseract._read_words` keeps them


@dataclass(frozen=True, slots=True)
class Blank:
    """A blank after the anchor START (its text may run on into the blank: `ngayg5`), before the word END
    begins with (anything before END's first letter is in the blank: `68/CT-UBND`)."""

    start: str
    end: str
    fits: Callable[[int], bool]

    def reading(self, folded: str) -> re.Match[str] | None:
        """The anchors and the number between them in the recogniser's reading (folded: `bare`, lower case),
        which starts with the anchor (a mark or two of the word before aside): never a later word that
        folds to the anchor (`sơ số 12/`)."""
        found = re.match(rf"\W*(?:\w\W+)?({self.start}\W*)(\d+)(?=\W*{re.escape(self.end)})", folded)
        return found if found is not None and found.start(1) <= MAX_LEAD else None


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
    rows: list[tuple[Baseline, list[tuple[Word, Choices]]]],
    read: Callable[[Image.Image], Reading] | None = None,
    confirm: Callable[[Image.Image], Reading] | None = None,
) -> list[tuple[Baseline, list[tuple[Word, Choices]]]]:
    """The rows with each doubtful blank filled by the recogniser's number, where it is sure of one, or where
    the third reader (`confirm`, by default the PP-OCR model where it is installed) reads the same number and
    the two are sure of it together."""
    read = read or recogniser().read
    confirm = confirm or _third_reading
    budget = MAX_BLANKS_PER_PAGE
    for r, (baseline, words) in enumerate(rows):
        blanks = _doubtful_blanks([w for w, _ in words])[:budget]
        budget -= len(blanks)
        for found in reversed(blanks):
            filled = _filled(image, [w for w, _ in words], found, read, confirm)
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
    anchor = re.match(rf"{blank.start}[^\w\s]*", bare(words[at][0]).lower())
    tail = words[at][0][anchor.end() :] if anchor else ""
    if anchor is None or (tail and not any(c.isdigit() for c in tail)):  # `ngayg5` is; `ngayngo`, `sông` are not
        return None
    for last in range(at + 1, min(len(words), at + MAX_WORDS_BETWEEN + 2)):
        folded = bare(words[last][0]).lower()
        where = folded.find(blank.end)
        if where >= 0 and not any(c.isalpha() for c in folded[:where]):
            return _Found(blank, at, last, len(tail), where)
    return None


def _doubtful(words: list[Word], found: _Found) -> bool:
    """Not a number, or a number in words of its own read with less than DOUBTFUL_CONFIDENCE (a number
    read into the anchor's or the symbol's word counts as read: that word's confidence is its print's
    too); never a blank holding a word of two letters or more (`ngày càng tháng`, `sơ số 12/`)."""
    text = _blank_text(words, found).strip(" :.")
    if re.search(r"[^\W\d_]{2}", text):
        return False
    own_words = words[found.first + 1 : found.last]
    return not text.isdigit() or any(confidence < DOUBTFUL_CONFIDENCE for _, _, confidence in own_words)


def _blank_text(words: list[Word], found: _Found) -> str:
    tail = words[found.first][0][len(words[found.first][0]) - found.tail :] if found.tail else ""
    between = [text for text, _, _ in words[found.first + 1 : found.last]]
    return " ".join([tail, *between, words[found.last][0][: found.head]]).strip()


def _filled(
    image: Image.Image,
    words: list[Word],
    found: _Found,
    read: Callable[[Image.Image], Reading],
    confirm: Callable[[Image.Image], Reading],
) -> list[Word] | None:
    """The words anchor .. end with the blank's words replaced by the recogniser's number; None when the
    recogniser does not read a fitting number between the anchors, sure of every digit (alone or with the
    third reader)."""
    boxes = [box for _, box, _ in words]
    x0, top, x1, bottom = window(boxes, found.first, found.last)
    left, upper = max(0, round(x0)), max(0, round(top))
    reading = read(image.crop((left, upper, min(image.width, round(x1)), min(image.height, round(bottom)))))
    match = found.blank.reading(bare(reading.text).lower())
    if match is None or not found.blank.fits(int(match[2])) or match[2] == _blank_text(words, found):
        return None  # no number that fits, or the number Tesseract read: its words stay as they were
    digits = range(match.start(2), match.end(2))
    chances = [reading.probabilities[i] for i in digits]
    sure = min(chances)
    half = (boxes[found.first][3] - boxes[found.first][1]) * 0.3
    number_box = (
        left + reading.positions[digits[0]] - half,
        min(b[1] for b in boxes[found.first : found.last + 1]),
        left + reading.positions[digits[-1]] + half,
        max(b[3] for b in boxes[found.first : found.last + 1]),
    )
    if sure < SURE:
        sure = _joint_certainty(image, number_box, match[2], chances, confirm)
    if sure < SURE:
        return None
    anchor = _anchor(words[found.first], found, number_box)
    text, box, confidence = words[found.last]
    if found.head:  # the number was read into the symbol's word (`1667/QĐ-UBND`): it stays one word
        return [anchor, (match[2] + text[found.head :], (number_box[0], *box[1:]), min(confidence, 100.0 * sure))]
    return [anchor, (match[2], number_box, 100.0 * sure), words[found.last]]


def _joint_certainty(
    image: Image.Image, box: Box, number: str, chances: list[float], confirm: Callable[[Image.Image], Reading]
) -> float:
    """How sure the two readers are of the number together, when the third one, reading the number's own crop
    (with a white margin), reads it too: for each digit read with at least MIN_EACH by both, taken as
    independent, one less the chance that both misread it, (1 - p) * (1 - q) (`08` with its `0` at 0.76 and
    0.87: 0.97); 0 when it reads anything else."""
    x0, top, x1, bottom = (round(v) for v in box)
    crop = image.crop((max(0, x0), max(0, top), min(image.width, x1), min(image.height, bottom)))
    reading = confirm(ImageOps.expand(crop.convert("L"), round(NUMBER_MARGIN_EM * (bottom - top)), fill=255))
    kept = [(c, q) for c, q in zip(reading.text, reading.probabilities, strict=True) if c.isalnum()]
    if "".join(c for c, _ in kept) != number:
        return 0.0
    pairs = list(zip(chances, (q for _, q in kept), strict=True))
    return min(1 - (1 - p) * (1 - q) if min(p, q) >= MIN_EACH else 0.0 for p, q in pairs)


def _third_reading(crop: Image.Image) -> Reading:
    """The PP-OCR reader's reading, loaded on first use; nothing read where it is not installed."""
    third = line_reader()
    return third.read(crop) if third is not None else Reading("", (), ())


def _anchor(word: Word, found: _Found, number_box: Box) -> Word:
    """The anchor without the blank it ran on into (`ngayg5` -> `ngày`), spelled as printed in Tesseract's case."""
    text, box, confidence = word
    if not found.tail:
        return word
    prefix = text[: len(text) - found.tail]
    letters = len(found.blank.start)
    spelled = SPELLED[found.blank.start]
    cased = spelled.upper() if prefix[:letters].isupper() else spelled.capitalize() if prefix[0].isupper() else spelled
    return cased + prefix[letters:], (box[0], box[1], min(box[2], number_box[0]), box[3]), confidence
