"""A second reading of doubtful words by the AsterOCR line recogniser, and the choice between the two.

Tesseract's doubtful words on a Vietnamese page (not a valid syllable, or read with low confidence) are read
again, each with a word on either side for context, doubtful ones first and within a budget of image width
per page (the recogniser costs about as much per pixel as Tesseract). The recogniser's reading replaces
Tesseract's only when it is a known Vietnamese syllable, close in its letters, and Tesseract's is not
valid, or differs from it only in its marks and was read with low confidence while the recogniser is sure.
Only letters change: punctuation (curly quotes and dashes the recogniser cannot read), digits and the
word's case stay Tesseract's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image
from rapidfuzz.distance import Levenshtein

from reportflow.parsers.ocr.aster import HEIGHT, Reading, recogniser
from reportflow.parsers.vietnamese.syllables import (
    bare,
    case_pattern,
    is_valid_syllable,
    known_syllables,
    with_case,
    word_parts,
)
from reportflow.parsers.vietnamese.word_pairs import (
    better_in_context,
    both_better_in_context,
    doubtful_in_context,
    forms_word,
    neighbours,
)

DOUBTFUL_CONFIDENCE = 95.0
SURE = 0.9
MAX_EDITS = 1  # Levenshtein, marks aside (syllables.py's MAX_LETTERS_CHANGED counts same-length swaps)
# Image width (at the recogniser's 32-pixel height) read per page at most: about 1 s on one core.
PAGE_BUDGET_PIXELS = 16000
MARGIN_X, MARGIN_Y = 0.3, 0.15  # of the line's height, around the words read again
CONTEXT_WORDS = 1
MIN_HEIGHT = 4  # pixels

Box = tuple[float, float, float, float]
Word = tuple[str, Box, float]
Letters = Sequence[Sequence[str]]
Neighbours = tuple[str | None, str | None]
Baseline = TypeVar("Baseline")


@dataclass(frozen=True, slots=True)
class Opinion:
    """What the recogniser read over a word's box, and its least sure character's probability."""

    text: str
    probability: float


def reconsider(
    image: Image.Image,
    rows: list[tuple[Baseline, list[tuple[Word, list[list[str]]]]]],
    read: Callable[[Image.Image], Reading] | None = None,
) -> list[tuple[Baseline, list[tuple[Word, list[list[str]]]]]]:
    """The rows with doubtful words replaced where the recogniser's reading is the better one.

    Words doubtful only by their neighbours are read afterwards, in crops of their own and within what is left
    of the budget, so that the other words' crops (and readings) do not depend on them."""
    read = read or recogniser().read
    boxes = [[word[1] for word, _ in words] for _, words in rows]
    chosen, spent = _within_budget(_doubtful(rows), boxes, PAGE_BUDGET_PIXELS)
    _read_again(image, rows, boxes, chosen, read)
    in_context, _ = _within_budget(_doubtful_in_context(rows), boxes, PAGE_BUDGET_PIXELS - spent)
    _read_again(image, rows, boxes, in_context, read)
    return rows


def _read_again(
    image: Image.Image,
    rows: list[tuple[Baseline, list[tuple[Word, list[list[str]]]]]],
    boxes: list[list[Box]],
    chosen: dict[int, list[int]],
    read: Callable[[Image.Image], Reading],
) -> None:
    for r, span in _spans(chosen):
        opinions = _opinions(image, boxes[r], span, read)
        words = rows[r][1]
        for w in chosen.get(r, ()):
            if w in opinions:
                (text, box, confidence), letters = words[w]
                context = neighbours([word[0] for word, _ in words], w)
                words[w] = ((better(text, confidence, opinions[w], letters, context), box, confidence), letters)
        for w in chosen.get(r, ()):
            for first in (w - 1, w):
                _both_in_context(words, first, opinions)


def _both_in_context(words: list[tuple[Word, list[list[str]]]], first: int, opinions: dict[int, Opinion]) -> None:
    """Words first and first + 1, both read again, take the recogniser's marks together where neither makes a
    word as Tesseract read it and together they make one (`don vi.` -> `đơn vị.`)."""
    texts = [word[0] for word, _ in words]
    if first < 0 or first + 1 not in opinions or first not in opinions:
        return
    before, next_to = neighbours(texts, first)
    if next_to is None:
        return
    after = neighbours(texts, first + 1)[1]
    pair = [word_parts(texts[i]) for i in (first, first + 1)]
    readings = [_marks_read(texts[i], opinions[i], words[i][1]) for i in (first, first + 1)]
    cores = [parts[1] for parts in pair if parts is not None]
    new = [reading for reading in readings if reading is not None]
    if len(cores) == len(new) == 2 and both_better_in_context(before, (cores[0], cores[1]), after, (new[0], new[1])):
        for i, reading in zip((first, first + 1), new, strict=True):
            (text, box, confidence), letters = words[i]
            words[i] = ((_with_letters(text, reading), box, confidence), letters)


def _with_letters(tesseract: str, reading: str) -> str:
    """Tesseract's word with its letters replaced by the reading's (its punctuation and case kept)."""
    parts = word_parts(tesseract)
    if parts is None:
        return tesseract
    lead, core, tail = parts
    case = case_pattern(core)
    return lead + with_case(reading, case) + tail if case else tesseract


def _marks_read(tesseract: str, opinion: Opinion, letters: Letters) -> str | None:
    """The recogniser's sure reading of a valid word where it changes only marks Tesseract offered."""
    mine, theirs = word_parts(tesseract), word_parts(opinion.text.strip())
    if mine is None or theirs is None or opinion.probability < SURE or case_pattern(mine[1]) is None:
        return None
    core, candidate = mine[1], theirs[1].lower()
    valid = is_valid_syllable(core) and candidate in known_syllables()
    return candidate if valid and _offered(core, candidate, letters[len(mine[0]) :]) else None


def better(
    tesseract: str, confidence: float, opinion: Opinion, letters: Letters = (), context: Neighbours = (None, None)
) -> str:
    """Tesseract's word, or the recogniser's letters in it (Tesseract's punctuation and case kept).

    `letters` are Tesseract's readings of each character of its word, best first; `context` the words before
    and after it that it may form a two-syllable word with (word_pairs.neighbours).
    """
    mine, theirs = word_parts(tesseract), word_parts(opinion.text.strip())
    if mine is None or theirs is None or opinion.probability < SURE:
        return tesseract
    lead, core, tail = mine
    case, candidate = case_pattern(core), theirs[1].lower()
    if case is None or candidate == core.lower() or candidate not in known_syllables():
        return tesseract
    if is_valid_syllable(core):
        agrees = _offered(core, candidate, letters[len(lead) :]) and _fits_better(core, confidence, candidate, context)
    else:
        agrees = Levenshtein.distance(bare(core.lower()), bare(candidate)) <= MAX_EDITS
    return lead + with_case(candidate, case) + tail if agrees else tesseract


def _fits_better(core: str, confidence: float, candidate: str, context: Neighbours) -> bool:
    """A valid word changed in its marks: where the recogniser's reading makes a two-syllable word with a
    neighbour and Tesseract's makes none, or where Tesseract was unsure, unless only its reading makes one."""
    before, after = context
    if better_in_context(before, core, after, [candidate]) == candidate:
        return True
    keeps_word = forms_word(before, core, after) and not forms_word(before, candidate, after)
    return confidence < DOUBTFUL_CONFIDENCE and not keeps_word


def _offered(core: str, candidate: str, letters: Letters) -> bool:
    """Only marks differ, and each letter changed was among Tesseract's readings of it where it had several
    (`binh` read with `i ỉ í ị` for its i: not `bình`)."""
    if bare(core.lower()) != bare(candidate):
        return False
    if len(letters) < len(core):
        return True
    return all(
        a == b or len(choices) < 2 or b in {c.lower() for c in choices}
        for a, b, choices in zip(core.lower(), candidate, letters, strict=False)
    )


def _doubtful(rows: Sequence[tuple[object, Sequence[tuple[Word, object]]]]) -> list[tuple[int, int]]:
    """(row, word) of the words worth a second reading, the invalid ones first, then the least confident."""
    found = []
    for r, (_, words) in enumerate(rows):
        for w, ((text, _, confidence), _) in enumerate(words):
            parts = word_parts(text)
            if parts is None or case_pattern(parts[1]) is None:
                continue
            invalid = not is_valid_syllable(parts[1])
            if invalid or confidence < DOUBTFUL_CONFIDENCE:
                found.append((not invalid, confidence, r, w))
    return [(r, w) for *_, r, w in sorted(found)]


def _doubtful_in_context(rows: Sequence[tuple[object, Sequence[tuple[Word, object]]]]) -> list[tuple[int, int]]:
    """(row, word) of the confident valid words whose marks make no word with a neighbour while other marks
    would (`đơn vi`), in reading order."""
    found = []
    for r, (_, words) in enumerate(rows):
        texts = [text for (text, _, _), _ in words]
        for w, ((text, _, confidence), _) in enumerate(words):
            parts = word_parts(text)
            if confidence < DOUBTFUL_CONFIDENCE or parts is None or not is_valid_syllable(parts[1]):
                continue
            before, after = neighbours(texts, w)
            if case_pattern(parts[1]) is not None and doubtful_in_context(before, parts[1], after):
                found.append((r, w))
    return found


def _within_budget(
    doubts: list[tuple[int, int]], boxes: list[list[Box]], budget: float
) -> tuple[dict[int, list[int]], float]:
    """The doubtful words read again, by row, while their windows' scaled widths fit the budget; and the width
    spent."""
    chosen: dict[int, list[int]] = {}
    spent = 0.0
    for r, w in doubts:
        x0, top, x1, bottom = window(boxes[r], w - CONTEXT_WORDS, w + CONTEXT_WORDS)
        if x1 - x0 <= bottom - top or bottom - top < MIN_HEIGHT:
            continue  # a word of a column turned sideways (its box is upright), or a sliver
        cost = (x1 - x0) * HEIGHT / (bottom - top)
        if spent + cost > budget:
            continue
        spent += cost
        chosen.setdefault(r, []).append(w)
    return chosen, spent


def _spans(chosen: dict[int, list[int]]) -> list[tuple[int, tuple[int, int]]]:
    """Per row, runs of words (first, last) read in one crop: each chosen word with its neighbours."""
    spans = []
    for r, words in sorted(chosen.items()):
        runs: list[list[int]] = []
        for w in sorted(words):
            first, last = w - CONTEXT_WORDS, w + CONTEXT_WORDS
            if runs and first <= runs[-1][1] + 1:
                runs[-1][1] = max(runs[-1][1], last)
            else:
                runs.append([first, last])
        spans += [(r, (first, last)) for first, last in runs]
    return spans


def window(boxes: list[Box], first: int, last: int) -> Box:
    """The box around words first..last of a row (clipped to the row), with margins."""
    inside = boxes[max(0, first) : last + 1]
    top, bottom = min(b[1] for b in inside), max(b[3] for b in inside)
    height = bottom - top
    x0, x1 = inside[0][0] - MARGIN_X * height, inside[-1][2] + MARGIN_X * height
    return x0, top - MARGIN_Y * height, x1, bottom + MARGIN_Y * height


def _opinions(
    image: Image.Image, boxes: list[Box], span: tuple[int, int], read: Callable[[Image.Image], Reading]
) -> dict[int, Opinion]:
    """The recogniser's reading of each word of the span: its characters whose x falls in the word's stretch
    of the line (the gaps between words split in the middle)."""
    first, last = max(0, span[0]), min(len(boxes) - 1, span[1])
    x0, top, x1, bottom = window(boxes, first, last)
    left, upper = max(0, round(x0)), max(0, round(top))
    crop = image.crop((left, upper, min(image.width, round(x1)), min(image.height, round(bottom))))
    reading = read(crop)
    texts: dict[int, list[tuple[str, float]]] = {w: [] for w in range(first, last + 1)}
    cuts = [(boxes[w][2] + boxes[w + 1][0]) / 2 - left for w in range(first, last)]
    for char, x, probability in zip(reading.text, reading.positions, reading.probabilities, strict=True):
        w = first + sum(x > cut for cut in cuts)
        texts[w].append((char, probability))
    return {
        w: Opinion("".join(c for c, _ in chars), min((p for _, p in chars), default=0.0))
        for w, chars in texts.items()
        if chars
    }
