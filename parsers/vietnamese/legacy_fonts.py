"""Vietnamese pre-Unicode font encodings, TCVN3 (ABC) and VNI, decoded to Unicode.

Such text is stored as Latin-1 characters that the font draws as Vietnamese letters
(`Vi\xaat Nam` reads `Việt Nam` in `.VnTime`); read naively, it is mojibake that passes every
check. A run is decoded when its font says so (`font_encoding`), or, where the font name is
lost, when the characters themselves leave no doubt (`detect_encoding`).

The tables below were checked letter by letter against two independent public tables:
lamdao/xvnkb (`tcvn.h`, `vni.h`, Dao Hai Lam, 2002) and khiemdoan/VBKey
(`Modules/mdlCodeTable.bas`, `TCVN3_TABLE`, `VNI_WINDOWS_TABLE`); the TCVN3 lower-case rows
also against hdbd789/clinic (`Helpers/Converter.cs`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

TCVN3 = "tcvn3"
VNI = "vni"

# TCVN3 (the VN3 subset that ABC fonts use): per base letter, bare then grave, acute, hook, tilde, dot below.
# Upper-case letters with a tone have no code of their own: all-caps "H" fonts draw the lower-case codes.
_TCVN3_ROWS = (
    ("aàáảãạ", "aµ¸¶·¹"),
    ("ăằắẳẵặ", "¨»¾¼½Æ"),
    ("âầấẩẫậ", "©ÇÊÈÉË"),
    ("eèéẻẽẹ", "eÌÐÎÏÑ"),
    ("êềếểễệ", "ªÒÕÓÔÖ"),
    ("iìíỉĩị", "i×ÝØÜÞ"),
    ("oòóỏõọ", "oßãáâä"),
    ("ôồốổỗộ", "«åèæçé"),
    ("ơờớởỡợ", "¬êíëìî"),
    ("uùúủũụ", "uïóñòô"),
    ("ưừứửữự", "\xadõøö÷ù"),
    ("yỳýỷỹỵ", "yúýûüþ"),
    ("đĂÂĐÊÔƠƯ", "®¡¢§£¤¥¦"),
)

# VNI: a base letter followed by a mark character; a few letters are one character of their own.
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook, tilde, dot below
_VNI_TONE_MARKS = "øùûõï"
_VNI_CIRCUMFLEX_MARKS = "âàáåãä"  # bare circumflex, then with each tone
_VNI_BREVE_MARKS = "êèéúüë"
_VNI_SINGLES = {"đ": "ñ", "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î", "ơ": "ô", "ư": "ö"}

_NATIVE_VIETNAMESE = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]"
)
_LEGACY_WORD = re.compile(r"[A-Za-z\xa1-\xff]+")
_SYLLABLE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?[aăâeêioôơuưy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_STYLE_SUFFIX = re.compile(
    r"(?:[,-](?:Bold|Italic|Oblique|BoldItalic|BoldOblique|Regular|Roman|Normal))+$", re.IGNORECASE
)
_TCVN3_FONT = re.compile(r"^\.?Vn[A-Z]")
_VNI_FONT = re.compile(r"^VNI[-_ ]", re.IGNORECASE)
# PDF text layers of TCVN3 fonts map two letters to look-alike symbols: ư (0xAD, Latin-1's soft hyphen)
# to U+2212 MINUS SIGN and ã (0xB7, a middle dot) to U+2219 BULLET OPERATOR. Inside a word they are letters.
_TCVN3_LOOKALIKES = {"\u2212": "ư", "\u2219": "ã"}
_LOOKALIKE_IN_WORD = re.compile(r"(?<=[^\W\d_])[\u2212\u2219]|[\u2212\u2219](?=[^\W\d_])")
# Symbol-charset fonts come back from Word and LibreOffice in the private use area, U+F020-U+F0FF.
_SYMBOL_AREA = {code: code - 0xF000 for code in range(0xF020, 0xF100)}

MIN_CHANGED_WORDS = 8
MIN_CHANGED_SHARE = 0.25
MIN_VALID_SHARE = 0.9


def font_encoding(font: str | None) -> tuple[str, bool] | None:
    """`(encoding, all_caps)` for a TCVN3 or VNI font name (Word's or a PDF's), else None."""
    if not font:
        return None
    name = _STYLE_SUFFIX.sub("", _SUBSET_PREFIX.sub("", font.strip()))
    if _VNI_FONT.match(name):
        return VNI, False
    if _TCVN3_FONT.match(name):
        return TCVN3, name.endswith("H")
    return None


def decode(text: str, encoding: str, all_caps: bool = False) -> str:
    """Unicode (NFC) for text written in a TCVN3 or VNI font; `all_caps` for `.VnTimeH`-style fonts."""
    text = text.translate(_SYMBOL_AREA)
    decoded = text.translate(_tcvn3_decoder()) if encoding == TCVN3 else _decode_vni(text)
    if encoding == TCVN3:
        decoded = _LOOKALIKE_IN_WORD.sub(lambda m: _TCVN3_LOOKALIKES[m.group()], decoded)
    return decoded.upper() if all_caps else decoded


def decode_font_text(text: str, font: str | None) -> str:
    """Text drawn in this font as Unicode: decoded when the font is a TCVN3 or VNI one, else as is."""
    encoding = font_encoding(font)
    return text if encoding is None else decode(text, *encoding)


def encode(text: str, encoding: str) -> str:
    """The inverse of `decode`, for tests; TCVN3 writes upper-case toned letters in lower case (an "H" font's)."""
    text = unicodedata.normalize("NFC", text)
    table = _tcvn3_encoder() if encoding == TCVN3 else _vni_encoder()
    return "".join(table.get(c) or table.get(c.lower(), c) for c in text)


def detect_encoding(text: str) -> str | None:
    """TCVN3 or VNI when text whose font is unknown is surely in it, else None.

    Sure means: no Unicode Vietnamese letter at all, enough words that the table changes, and
    nearly all of those become well-formed Vietnamese syllables (French or German accents do not).
    """
    if has_unicode_vietnamese(text):
        return None
    words = _LEGACY_WORD.findall(text)
    found = [encoding for encoding in (TCVN3, VNI) if _looks_encoded(words, encoding)]
    return found[0] if len(found) == 1 else None


def has_unicode_vietnamese(text: str) -> bool:
    """Whether text holds a letter that only Unicode Vietnamese has (ă, đ, ơ, ư, ạ, ...)."""
    return _NATIVE_VIETNAMESE.search(text) is not None


def is_vietnamese_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable: onset, one to three vowels, coda, and at most one tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(decomposed.count(mark) for mark in _TONES) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return _SYLLABLE.fullmatch(bare) is not None


def reads_as(text: str, encoding: str) -> bool:
    """Whether a short text (a paragraph) is consistent with the encoding: no Unicode Vietnamese
    letter, and what the table changes becomes Vietnamese syllables."""
    if has_unicode_vietnamese(text):
        return False
    changed = _changed_words(_LEGACY_WORD.findall(text), encoding)
    return sum(map(is_vietnamese_syllable, changed)) >= MIN_VALID_SHARE * len(changed)


def _looks_encoded(words: list[str], encoding: str) -> bool:
    changed = _changed_words(words, encoding)
    if len(changed) < MIN_CHANGED_WORDS or len(changed) < MIN_CHANGED_SHARE * len(words):
        return False
    return sum(map(is_vietnamese_syllable, changed)) >= MIN_VALID_SHARE * len(changed)


def _changed_words(words: list[str], encoding: str) -> list[str]:
    return [decoded for word in words if (decoded := decode(word, encoding)) != word]


def _decode_vni(text: str) -> str:
    table = _vni_decoder()
    out = []
    i = 0
    while i < len(text):
        pair = table.get(text[i : i + 2])
        if pair is not None:
            out.append(pair)
            i += 2
        else:
            out.append(table.get(text[i], text[i]))
            i += 1
    return "".join(out)


@cache
def _tcvn3_decoder() -> dict[int, str]:
    pairs = ((letter, code) for letters, codes in _TCVN3_ROWS for letter, code in zip(letters, codes, strict=True))
    return {ord(code): letter for letter, code in pairs if not code.isascii()}


@cache
def _tcvn3_encoder() -> dict[str, str]:
    return {letter: chr(code) for code, letter in _tcvn3_decoder().items()}


@cache
def _vni_encoder() -> dict[str, str]:
    """Every Vietnamese letter, both cases, to its VNI spelling."""
    table: dict[str, str] = {}
    for base, spelling, marks in (
        *((b, b, _VNI_TONE_MARKS) for b in "aeiouy"),
        ("ơ", "ô", _VNI_TONE_MARKS),
        ("ư", "ö", _VNI_TONE_MARKS),
        *((unicodedata.normalize("NFC", b + "\u0302"), b, _VNI_CIRCUMFLEX_MARKS) for b in "aeo"),
        ("ă", "a", _VNI_BREVE_MARKS),
    ):
        if len(marks) == 6:  # circumflex and breve: the bare letter has its own mark
            table[base] = spelling + marks[0]
            marks = marks[1:]
        for tone, mark in zip(_TONES, marks, strict=True):
            table[unicodedata.normalize("NFC", base + tone)] = spelling + mark
    table.update(_VNI_SINGLES)
    for letter, spelling in list(table.items()):
        table[letter.upper()] = spelling.upper()
    return table


@cache
def _vni_decoder() -> dict[str, str]:
    table = {spelling: letter for letter, spelling in _vni_encoder().items() if spelling != letter}
    for spelling, letter in list(table.items()):
        if len(spelling) == 2:  # a mark typed in the other case still belongs to its letter
            table.setdefault(spelling[0] + spelling[1].swapcase(), letter)
    return table
