"""A cheap guess of a document's main language, as a BCP 47 code."""

from __future__ import annotations

import re
from collections.abc import Iterable

_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
)
_STOPWORDS = {
    "en": frozenset(
        ["the", "and", "of", "to", "in", "is", "that", "for", "with", "as", "on", "by", "this", "are", "be"]
    ),
    "fr": frozenset(["le", "la", "les", "et", "des", "du", "une", "est", "que", "dans", "pour", "par", "sur", "au"]),
    "de": frozenset(
        ["der", "die", "das", "und", "ist", "nicht", "mit", "den", "von", "zu", "ein", "eine", "auf", "für"]
    ),
    "es": frozenset(["el", "la", "los", "las", "y", "de", "que", "en", "por", "con", "una", "para", "es", "del"]),
    "nl": frozenset(["de", "het", "een", "en", "van", "is", "dat", "op", "te", "in", "met", "voor", "niet", "zijn"]),
}
_WORD = re.compile(r"[^\W\d_]+")
_SAMPLE_CHARS = 20_000


def detect_language(texts: Iterable[str]) -> str:
    """`vi` when Vietnamese letters are common, else the best stop-word match, else `und`."""
    sample = _sample(texts)
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "und"
    if sum(c in _VIETNAMESE_LETTERS for c in letters) / len(letters) >= 0.03:
        return "vi"
    words = [w.lower() for w in _WORD.findall(sample)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= max(2, len(words) // 20) else "und"


def _sample(texts: Iterable[str]) -> str:
    parts: list[str] = []
    size = 0
    for text in texts:
        parts.append(text)
        size += len(text)
        if size >= _SAMPLE_CHARS:
            break
    return " ".join(parts)
