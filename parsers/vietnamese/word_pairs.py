"""Two-syllable Vietnamese words, to choose between readings of a syllable that differ only in their marks.

OCR can read a syllable as another valid one (`đơn vi.` for `đơn vị.`): no spelling check sees it, its
neighbours do. A reading is taken instead of OCR's only when OCR's forms no word with the syllable before or
after it and the reading does (`đơn vị` is a word, `đơn vi` is not); a word already formed is never undone.
The readings themselves come from the image (the second opinion's recogniser, where Tesseract offered the
same marks), never from this list: Tesseract's alternatives alone offer too much (on a born-digital report read by OCR,
`tỉnh`, read with `í` among the choices for its `ỉ`, became `tính` five times).
Words of two syllables come from pyvi's word list (PyPI `pyvi` 0.1.1, MIT), shipped as
`data/vie_word_pairs.txt` (written by `data/make_word_pairs.py`; never from the documents being read).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from reportflow.parsers.vietnamese.syllables import (
    bare,
    case_pattern,
    known_syllables,
    spelled_alike,
    split_tone,
    word_parts,
)

PAIRS_FILE = Path(__file__).parent / "data" / "vie_word_pairs.txt"


def syllable_key(syllable: str) -> str:
    """A syllable with its tone put last, so that both placements match (`uỷ` and `ủy`, `hoá` and `hóa`)."""
    base, tones = split_tone(unicodedata.normalize("NFC", syllable).lower())
    return base + "".join(tones)


@cache
def word_pairs() -> frozenset[tuple[str, str]]:
    """The shipped two-syllable words, as pairs of syllable keys."""
    lines = PAIRS_FILE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split() for line in lines if line and not line.startswith("#"))
    return frozenset((syllable_key(first), syllable_key(second)) for first, second in pairs)


def is_word(first: str, second: str) -> bool:
    """The two syllables, in this order, make a known word (case and tone placement aside)."""
    return (syllable_key(first), syllable_key(second)) in word_pairs()


def forms_word(before: str | None, syllable: str, after: str | None) -> bool:
    """The syllable makes a word with the one before it or the one after it (None: no neighbour there)."""
    return (before is not None and is_word(before, syllable)) or (after is not None and is_word(syllable, after))


def better_in_context(before: str | None, syllable: str, after: str | None, readings: Iterable[str]) -> str | None:
    """The first reading that differs from the syllable only in its marks, is a known syllable and makes a word
    with a neighbour, where the syllable itself makes none; else None."""
    syllable = syllable.lower()
    if forms_word(before, syllable, after):
        return None
    for reading in readings:
        if _marks_only(syllable, reading) and forms_word(before, reading, after):
            return reading
    return None


def both_better_in_context(
    before: str | None, pair: tuple[str, str], after: str | None, readings: tuple[str, str]
) -> bool:
    """Two neighbouring syllables that make no word (with each other or their other neighbours) read with other
    marks on both that make one (`don vi` -> `đơn vị`)."""
    (first, second), (new_first, new_second) = (s.lower() for s in pair), readings
    return (
        _marks_only(first, new_first)
        and _marks_only(second, new_second)
        and is_word(new_first, new_second)
        and not forms_word(before, first, second)
        and not forms_word(first, second, after)
    )


def doubtful_in_context(before: str | None, syllable: str, after: str | None) -> bool:
    """A syllable that makes no word with its neighbours while other marks on it, or on it and a neighbour, would."""
    syllable = syllable.lower()
    if forms_word(before, syllable, after):
        return False
    alike = spelled_alike(syllable)
    if any(forms_word(before, other, after) for other in alike if other != syllable):
        return True
    pairs = [(x, y) for x in spelled_alike(before) for y in alike] if before else []
    pairs += [(x, y) for x in alike for y in spelled_alike(after)] if after else []
    return any(is_word(x, y) for x, y in pairs)


def neighbours(texts: Sequence[str], i: int) -> tuple[str | None, str | None]:
    """The letters of the words either side of word i that it may form a word with: adjacent, no punctuation
    between them, and in a case pattern (lower, Title, UPPER)."""
    here = word_parts(texts[i])
    if here is None:
        return None, None
    before = word_parts(texts[i - 1]) if i > 0 else None
    after = word_parts(texts[i + 1]) if i + 1 < len(texts) else None
    left = before[1] if before and not before[2] and not here[0] and case_pattern(before[1]) else None
    right = after[1] if after and not here[2] and not after[0] and case_pattern(after[1]) else None
    return left, right


def _marks_only(syllable: str, reading: str) -> bool:
    return reading != syllable and bare(reading) == bare(syllable) and reading in known_syllables()
