"""Official spellings OCR loses the diacritics of: province names, the fixed words of the top block, family
names of signers, and the symbols of document numbers (`QD-BCD` for `QĐ-BCĐ`).

Only for OCR'd lines: a span is respelt only when its letters, diacritics aside, are those of the official
name, and it is written as a name (Title Case or capitals) — `bình định` in a sentence stays.
"""

from __future__ import annotations

import functools
import itertools
import re
from functools import cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from reportflow.parsers.vietnamese.syllables import bare, split_tone

# The 63 provinces before the 2025 merger (the 34 since then keep names of these): documents name both.
PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre", "Bình Dương",
    "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ",
    "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang",
    "Thành phố Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
# Fixed words of the top block and the signature, as Decree 30/2020/NĐ-CP prints them.
PHRASES = (
    "Ủy ban nhân dân", "Hội đồng nhân dân", "Ban chỉ đạo", "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc", "Tỉnh ủy", "Thành ủy", "Huyện ủy", "Đảng ủy", "Đảng Cộng sản Việt Nam",
    "Viện kiểm sát nhân dân tối cao", "Tòa án nhân dân tối cao", "Viện kiểm sát nhân dân", "Tòa án nhân dân",
    "Quốc hội", "Chủ tịch", "Phó Chủ tịch", "Nơi nhận",
    "Kính gửi", "Quyết định", "Chỉ thị", "Báo cáo", "Tờ trình", "Công văn", "Kế hoạch", "Thông báo",
)  # fmt: skip
_BEFORE_PLACE = ("Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã")
# Family names whose letters, diacritics aside, are no other family name's.
FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Trương", "Đoàn", "Lương", "Trịnh", "Đào", "Lưu", "Tạ", "Châu", "Quách", "Tô", "Hà",
)  # fmt: skip
MIDDLE_NAMES = ("Văn", "Thị", "Hoàng", "Ngọc", "Đức", "Đình", "Hữu", "Quốc", "Xuân", "Công", "Trọng", "Việt", "Phước")
# Symbols of document numbers with a Đ (a `D` in one is OCR's): Quyết định, Nghị định, Ban chỉ đạo, ...
SYMBOLS = ("QĐ", "NĐ", "HĐ", "BCĐ", "HĐND", "ĐU", "CĐ", "LĐTBXH", "GDĐT", "TĐKT")
_NUMBER = re.compile(r"(?<![^\s:(])\d*/(?:\d{4}/)?[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*")  # `Số: 04/QĐ-BCĐ`, `/TB`
# `ngày 04 tháng 02 năm 2025` read without its marks: the words between the numbers of a date.
_DATE_WORDS = (
    (re.compile(r"\bngay(?=\s*\d{1,2}\s*(?:th[aá]ng|[-/.]))"), "ngày"),
    (re.compile(r"(?<=\d)(\s*)thang(?=\s*\d{1,2}\s*n[aă]m)"), r"\1tháng"),
    (re.compile(r"(?<=\d)(\s*)nam(?=\s*\d{4}\b)"), r"\1năm"),
)
_SEGMENT = re.compile(r"[A-ZĐ]+")
# The two lines of the state's motto, and whether only capitals print it (`nước Cộng hòa xã hội chủ nghĩa
# Việt Nam` in a sentence is no motto).
MOTTOS = (("Cộng hòa xã hội chủ nghĩa Việt Nam", True), ("Độc lập - Tự do - Hạnh phúc", False))
MOTTO_LETTERS_PER_EDIT = 8
_WORD = re.compile(r"\w(?:[^\s\-–—]*\w)?")
_MOTTO_GAP = re.compile(r"(?<=\w)[^\w]+(?=\w)")
_DASH_GAP = re.compile(r"\s*[-–—.]\s*")
# Districts and communes (before the 2025 reorganisation) with their type, written by data/make_places.py.
PLACES_FILE = Path(__file__).parent / "data" / "vie_places.txt"
_PLACE_KINDS = {  # the type's letters: whether it is a commune's
    "huyen": False, "quan": False, "thi xa": False, "thanh pho": False, "xa": True, "phuong": True, "thi tran": True,
}  # fmt: skip
MAX_PLACE_WORDS = 4
_PLACE_WORD = re.compile(r"\w+")
_PERSON = re.compile(r"^(?P<lead>[^\w\s]*)(?P<family>\w+)(?P<rest>(?:\s+[^\W\d_][\w]*){1,3})$")


def official_spelling(text: str) -> str:
    """An OCR'd line with the official names, fixed words, date words and number symbols it holds spelt right."""
    text = _NUMBER.sub(lambda found: _SEGMENT.sub(_symbol, found[0]), text)
    for motto, upper_only in MOTTOS:
        text = _motto_respelt(text, motto, upper_only)
    for pattern, spelling in _DATE_WORDS:
        text = pattern.sub(spelling, text)
    letters = bare(text).lower()
    for pattern, spelling, word in _phrase_patterns():
        if word not in letters:
            continue
        text = pattern.sub(functools.partial(_respelt, spelling=spelling), text)
    return _family_name(_places_respelt(text))


def _places_respelt(text: str) -> str:
    """Districts and communes named with their type (`HUYEN BINH SON`, `Xã Tinh An Tay`) spelt as the shipped
    list has them, where its letters, marks aside, name one unit only; the name in Title Case or capitals
    (`xã hội` in a sentence is no commune), its words apart by spaces only. A commune's name is respelt only
    when OCR read it with no mark at all: many communes share their letters with everyday words."""
    words = list(_PLACE_WORD.finditer(text))
    for at in range(len(words)):
        for kind_words in (2, 1):
            found = _place_at(text, words, at, kind_words)
            if found is not None:
                end = found[0][-1].end()
                return _rewritten(text[:end], *found) + _places_respelt(text[end:])
    return text


def _place_at(
    text: str, words: list[re.Match[str]], at: int, kind_words: int
) -> tuple[list[re.Match[str]], list[str]] | None:
    kind = " ".join(bare(w[0]).lower() for w in words[at : at + kind_words])
    if kind not in _PLACE_KINDS:
        return None
    for length in range(MAX_PLACE_WORDS, 0, -1):
        found = words[at : at + kind_words + length]
        name = found[kind_words:]
        if len(name) < length or not all(w[0][0].isupper() or w[0].isdigit() for w in name):
            continue
        if not all(text[a.end() : b.start()].isspace() for a, b in itertools.pairwise(found)):
            continue
        spelling = _places().get(" ".join(bare(w[0]).lower() for w in found))
        if spelling is not None and not (_PLACE_KINDS[kind] and any(w[0] != bare(w[0]) for w in name)):
            return found, spelling.split()
    return None


@cache
def _places() -> dict[str, str]:
    """Each unit's letters (lower case, no marks) to its name with its type; units sharing letters left out."""
    lines = PLACES_FILE.read_text(encoding="utf-8").splitlines()
    by_letters: dict[str, set[str]] = {}
    for line in lines:
        if line and not line.startswith("#"):
            by_letters.setdefault(bare(line).lower(), set()).add(line)
    return {letters: names.pop() for letters, names in by_letters.items() if len(names) == 1}


def _motto_respelt(text: str, motto: str, upper_only: bool) -> str:
    """The motto read with a letter or a few wrong (`CONG HOA XÃ HỘI CHÍ: NGHĨA VIDE NAM`, `Hạnh pho`) spelt
    as printed: its words in a row whose letters, marks aside, are within one edit in MOTTO_LETTERS_PER_EDIT
    of the motto's, most of them right. The nation's name only in capitals, as the top block prints it; the
    slogan starting with a capital, its three parts apart by dashes (`độc lập, tự do, hạnh phúc` in a
    sentence is no motto). Only the words read wrong change, in the case they were read in."""
    words = list(_WORD.finditer(text))
    wanted = _WORD.findall(motto)
    for at in range(len(words) - len(wanted) + 1):
        found = words[at : at + len(wanted)]
        if _set_as_motto(text, found, motto, upper_only) and _nearly(found, [_folded_word(w) for w in wanted]):
            return _rewritten(text, found, wanted, tidy_gaps=True)
    return text


def _set_as_motto(text: str, found: list[re.Match[str]], motto: str, upper_only: bool) -> bool:
    if upper_only:
        return text[found[0].start() : found[-1].end()].isupper()
    gaps = [text[a.end() : b.start()] for a, b in itertools.pairwise(found)]
    printed = [gap.strip() for gap in _MOTTO_GAP.findall(motto)]
    return found[0][0][0].isupper() and all(
        gap.isspace() if not dash else _DASH_GAP.fullmatch(gap) is not None
        for gap, dash in zip(gaps, printed, strict=True)
    )


def _rewritten(text: str, found: list[re.Match[str]], spelling: list[str], tidy_gaps: bool = False) -> str:
    """TEXT with each found word that has other letters or marks than its spelling respelt in its own case
    (a tone on the other vowel, `HOÀ`, stays); what lies between the words stays, but for specks OCR read
    between them when TIDY_GAPS (`CHÍ: NGHĨA` -> `CHỦ NGHĨA`)."""
    pieces = [text[: found[0].start()]]
    for i, (word, right) in enumerate(zip(found, spelling, strict=True)):
        if i:
            gap = text[found[i - 1].end() : word.start()]
            pieces.append(" " if tidy_gaps and _DASH_GAP.fullmatch(gap) is None and not gap.isspace() else gap)
        pieces.append(_respelt_word(word[0], right))
    return "".join(pieces) + text[found[-1].end() :]


def _nearly(found: list[re.Match[str]], wanted: list[str]) -> bool:
    pairs = [(_folded_word(word[0]), right) for word, right in zip(found, wanted, strict=True)]
    edits = sum(Levenshtein.distance(word, right) for word, right in pairs)
    allowed = max(1, sum(len(right) for right in wanted) // MOTTO_LETTERS_PER_EDIT)
    return 0 < edits <= allowed and 2 * sum(word == right for word, right in pairs) > len(wanted)


def _folded_word(word: str) -> str:
    return "".join(c for c in bare(word).upper() if c.isalpha())


def _symbol(found: re.Match[str]) -> str:
    return _symbols().get(found[0], found[0])


@cache
def _symbols() -> dict[str, str]:
    return {bare(symbol): symbol for symbol in SYMBOLS}


@cache
def _phrase_patterns() -> list[tuple[re.Pattern[str], str, str]]:
    """Longest first, each matching any diacritics on the same letters, whole words only; with its longest
    word without diacritics, to skip it quickly."""
    names = [f"{place} {province}" for place in _BEFORE_PLACE for province in PROVINCES]
    names += list(PHRASES) + [province for province in PROVINCES if " " in province]
    return [
        (re.compile(_any_diacritics(name), re.IGNORECASE), name, max(bare(name).lower().split(), key=len))
        for name in sorted(names, key=len, reverse=True)
    ]


def _any_diacritics(name: str) -> str:
    words = [
        r"\s+".join("".join(_letter_class(c) for c in word) for word in part.split()) for part in name.split(" - ")
    ]
    return r"(?<!\w)" + r"\s*-\s*".join(words) + r"(?!\w)"


@cache
def _letter_class(letter: str) -> str:
    letter = bare(letter).lower()
    variants = {c for c in _ALL_LETTERS if bare(c).lower() == letter}
    return "[" + "".join(sorted(variants)) + "]" if len(variants) > 1 else re.escape(letter)


_ALL_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵdđ"
    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴDĐ"
)


def _respelt(match: re.Match[str], spelling: str) -> str:
    """The official spelling in the found text's case: capitals stay capitals; anything else not all in
    lower case gets the official case; a phrase in lower case (a sentence's words) stays as it was."""
    found = match[0]
    if found == found.lower() and found != found.upper():
        return found
    spelling = spelling.upper() if found == found.upper() else spelling
    words, spelt = re.split(r"(\s+)", found), re.split(r"(\s+)", spelling)
    if len(words) != len(spelt):
        return found
    return "".join(_respelt_word(word, right) for word, right in zip(words, spelt, strict=True))


def _respelt_word(word: str, spelling: str) -> str:
    """The word as read where it has the spelling's letters and marks (`HOÀ` for `hòa`), else the spelling in
    the word's case."""
    return word if _same_marks(word, spelling) else _in_case_of(word, spelling)


def _in_case_of(word: str, spelling: str) -> str:
    """`tinh` respelt `tỉnh` in a sentence (`UBND tỉnh Quảng Ngãi`), `TINH` as `TỈNH`."""
    if word.isupper():
        return spelling.upper()
    return spelling.lower() if word.islower() else spelling


def _same_marks(word: str, spelling: str) -> bool:
    """The same letters and marks, the tone perhaps on another vowel (`HOÀ` and `HÒA` are both right)."""
    return split_tone(word.lower()) == split_tone(spelling.lower())


def _family_name(text: str) -> str:
    """A signer's name line (`Tran Hoang Tuấn`): a family name or a usual middle name read without any
    diacritic gets them back."""
    found = _PERSON.match(text)
    if not found or not (text.istitle() or text.isupper()):
        return text
    family = _respelt_name(found["family"], _family_names())
    return found["lead"] + family + re.sub(r"\w+", lambda word: _respelt_name(word[0], _middle_names()), found["rest"])


def _respelt_name(word: str, names: dict[str, str]) -> str:
    spelling = names.get(word.lower())
    if spelling is None or word != bare(word):
        return word
    return spelling.upper() if word.isupper() and len(word) > 1 else spelling


@cache
def _family_names() -> dict[str, str]:
    return {bare(name).lower(): name for name in FAMILY_NAMES}


@cache
def _middle_names() -> dict[str, str]:
    return {bare(name).lower(): name for name in MIDDLE_NAMES}
