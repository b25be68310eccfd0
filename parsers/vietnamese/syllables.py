"""Vietnamese syllables after OCR: which are spelled validly, and the nearest valid one for a word that is not.

A syllable is an onset, a rhyme (vowel nucleus and final) and one tone. A word OCR read with an impossible
spelling (`quyét`, `Nghi` with a hook on the wrong letter, a tone on a `-t` syllable that only takes
sắc or nặng) is replaced by a known syllable reachable from it: one spelled by Tesseract's own alternatives
for its letters, else one that differs only in diacritics. A valid word is never changed.
Known syllables and their weights come from the word list of Tesseract's Vietnamese model, shipped
as `data/vie_words.txt` (never from the documents being read).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "vie_words.txt"

_TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}
_STOP_TONES = {"sắc", "nặng"}  # the only tones of syllables ending in -c, -ch, -p, -t
_STOP_FINALS = ("c", "ch", "p", "t")
_ONSET_TEXT = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"
_ONSETS = sorted([*_ONSET_TEXT.split(), ""], key=len, reverse=True)
_RHYME_TEXT = """
    a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich iêc iêm iên iêng iêp iêt iêu im in inh ip it iu
    o oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oc oe oem oen oeo oet oi om on ong
    ooc oong op ot ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uân uâng uât uây uc uê uêch uênh ui um un ung uơ uy uya uych uyên uyêt uyn uynh uyp uyt uyu up ut
    uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêng yêt yêu
"""
_RHYMES = frozenset(_RHYME_TEXT.split())
_FRONT = ("e", "ê", "i", "y")
_ROMAN = re.compile(r"[IVXLCDM]+")
_NUMERAL = re.compile(r"X{0,3}(?:IX|IV|VI{0,3}|I{1,3})|X{1,3}")  # 1 to 39
_CORE = re.compile(r"^(\W*)(\w+?)(\W*)$")
MAX_SPELLINGS = 256
MAX_LETTERS_CHANGED = 1


def split_tone(syllable: str) -> tuple[str, list[str]]:
    """The syllable without its tone marks, and the tones found on it (a valid one has at most one)."""
    marks = unicodedata.normalize("NFD", syllable)
    tones = [_TONES[c] for c in marks if c in _TONES]
    return unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONES)), tones


def is_valid_syllable(word: str) -> bool:
    """Spelled as a Vietnamese syllable: a known onset, rhyme and spelling of /k/, /ɣ/, /ŋ/, one tone that
    the final allows."""
    base, tones = split_tone(unicodedata.normalize("NFC", word).lower())
    if len(tones) > 1 or not base.isalpha():
        return False
    tone = tones[0] if tones else ""
    return any(_fits(onset, base[len(onset) :], tone) for onset in _ONSETS if base.startswith(onset))


def _fits(onset: str, rhyme: str, tone: str) -> bool:
    if onset == "gi" and rhyme not in _RHYMES:
        rhyme = "i" + rhyme  # `gì`, `gìn`: the i of gi is the vowel
    if rhyme not in _RHYMES or (onset == "qu" and rhyme.startswith("u")):
        return False
    if rhyme.endswith(_STOP_FINALS) and tone not in _STOP_TONES:
        return False
    if rhyme.startswith("yê") and onset not in ("", "qu"):
        return False
    front = rhyme.startswith(_FRONT)
    if onset in ("c", "g", "ng") and front and not (onset == "g" and rhyme.startswith("i")):
        return False
    return not (onset in ("k", "gh", "ngh") and not front)


@cache
def known_syllables() -> Counter[str]:
    """Lower-case syllables of the shipped word list, weighted by how many of its case forms it lists
    (`thuế`, `Thuế`, `THUẾ`: a common word comes in all three)."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = (unicodedata.normalize("NFC", line.strip()) for line in lines if line and not line.startswith("#"))
    return Counter(word.lower() for word in words if is_valid_syllable(word))


@cache
def _by_letters() -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for syllable in known_syllables():
        index.setdefault(bare(syllable), []).append(syllable)
    return index


def spelled_alike(syllable: str) -> list[str]:
    """Known syllables with the same letters, marks aside (`vi`: `vì`, `vị`, `ví`, `vỉ`, ...)."""
    return _by_letters().get(bare(syllable.lower()), [])


def bare(text: str) -> str:
    """Letters without any diacritic (`đ` as `d`), one for one."""
    return "".join(unicodedata.normalize("NFD", c)[0] if c not in "đĐ" else "dD"[c == "Đ"] for c in text)


def correct_word(word: str, alternatives: Sequence[Sequence[str]] = ()) -> str:
    """The word itself when it is valid or no known syllable is near; else the nearest known syllable.

    `alternatives` are Tesseract's choices for each letter of the word, best first (empty: none known).
    Punctuation around the word stays; its case pattern (lower, Title, UPPER) is kept.
    """
    parts = word_parts(word)
    if parts is None:
        return word
    lead, core, tail = parts
    numeral = _roman_numeral(core)
    if numeral is not None:
        return lead + numeral + tail
    case = case_pattern(core)
    roman = case == "upper" and _ROMAN.fullmatch(core)
    if case is None or roman or is_valid_syllable(core) or not any(c in "aeiouy" for c in bare(core.lower())):
        return word
    replacement = _from_alternatives(core, alternatives, len(lead)) or _by_diacritics(core.lower())
    if replacement is None:
        return word
    return lead + with_case(replacement, case) + tail


def _roman_numeral(core: str) -> str | None:
    """A Roman numeral whose `I` OCR read as `l` (`quý Ill`, `Chương Xl`): its capitals and `l`s only, at
    least two letters, a capital among them, and a numeral once each `l` is an `I`."""
    numeral = core.replace("l", "I")
    if numeral == core or len(core) < 2 or core.count("l") == len(core) or not _NUMERAL.fullmatch(numeral):
        return None
    return numeral


def word_parts(word: str) -> tuple[str, str, str] | None:
    """Punctuation before, letters, punctuation after (NFC); None for a word that is not letters inside."""
    found = _CORE.match(unicodedata.normalize("NFC", word))
    return (found[1], found[2], found[3]) if found and found[2].isalpha() else None


def _from_alternatives(core: str, alternatives: Sequence[Sequence[str]], offset: int) -> str | None:
    letters = list(alternatives[offset : offset + len(core)])
    if len(letters) != len(core) or any(not choices for choices in letters):
        return None
    known = known_syllables()
    ranked = []
    for spelling in itertools.islice(itertools.product(*letters), MAX_SPELLINGS):
        candidate = unicodedata.normalize("NFC", "".join(spelling)).lower()
        if candidate in known and _letters_changed(core.lower(), candidate) <= MAX_LETTERS_CHANGED:
            ranks = sum(choices.index(c) for choices, c in zip(letters, spelling, strict=True))
            ranked.append((ranks, -known[candidate], candidate))
    return min(ranked)[2] if ranked else None


def _letters_changed(word: str, candidate: str) -> int:
    """Letters changed, diacritics aside (`XII` to `KHI` changes two: no misreading, another word)."""
    if len(word) != len(candidate):
        return len(word) + len(candidate)
    return sum(a != b for a, b in zip(bare(word), bare(candidate), strict=True))


def _by_diacritics(core: str) -> str | None:
    """The most common known syllable with the same letters, then the one with the fewest diacritics changed;
    none when two tie. (OCR drops a circumflex and a tone together: `ket` is `kết` more often than `két`.)"""
    known = known_syllables()
    candidates = _by_letters().get(bare(core), [])
    same_d = [c for c in candidates if _d_letters(c) == _d_letters(core)]  # đ and d are letters, not marks
    scored = sorted((-known[c], _diacritic_changes(core, c), c) for c in same_d or candidates)
    if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2]):
        return None
    return scored[0][2]


def _d_letters(word: str) -> list[bool]:
    return [c == "đ" for c in word if c in "dđ"]


def _diacritic_changes(a: str, b: str) -> int:
    changes = 0
    for x, y in zip(a, b, strict=True):
        (x_base, x_tones), (y_base, y_tones) = split_tone(x), split_tone(y)
        changes += (x_base != y_base) + (x_tones != y_tones)
    return changes


def case_pattern(word: str) -> str | None:
    if word == word.lower():
        return "lower"
    if word == word.upper():
        return "upper"
    if word[0].isupper() and word[1:] == word[1:].lower():
        return "title"
    return None


def with_case(word: str, case: str) -> str:
    if case == "upper":
        return word.upper()
    return word[0].upper() + word[1:] if case == "title" else word
