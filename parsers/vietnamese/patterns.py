"""The fixed words of the official layout, matched in text folded to capitals without diacritics."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from reportflow.schemas import Block

HEAD_WINDOW = 14
ISSUER_MAX_CHARS = 200
LIST_ITEM_MAX_CHARS = 250
NOISE_MAX_LETTERS = 3

NATION = re.compile(r"CONG\s*HOA\s*XA\s*HOI\s*CHU\s*NGHIA\s*VIET\s*NAM")
PARTY = re.compile(r"DANG\s*CONG\s*SAN\s*VIET\s*NAM")  # a Party committee's motto (Quy định 66-QĐ/TW)
DRAFT = re.compile(r"\bDU\s*THAO\b(?:[^\S\n]*(?:LAN[^\S\n]*)?\d+\b)?")  # a draft's `DỰ THẢO` mark, often in a text box
_CAPITALS_ONLY = (NATION, PARTY, DRAFT)
SLOGAN = re.compile(r"DOC\s*LAP\s*[-–—.]?\s*TU\s*DO\s*[-–—.]?\s*HANH\s*PHUC")
NUMBER = re.compile(
    r"(?:\bS|\$)[O06]\s*[:;.]?\s*(?P<num>[^\s/-]{0,8}?)\s*"
    r"(?:-\s*(?P<kind>[A-Z]{1,4})\s*)?"  # a Party document's type: `Số 15-NQ/TU`
    r"(?P<year>/\s*\d{4}\s*)?"  # `Số: 30/2020/NĐ-CP`
    r"/\s*(?P<sym>[A-Z0-9]+(?:\s*-\s*[A-Z0-9]+)*)"
)
# Possessive runs and a required separator between words: no backtracking into long runs of letters
# (a text layer that lost its spaces).
PLACE_DATE = re.compile(
    r"\b[A-Z][A-Z.]*+(?:(?:\s+|\s*-\s*)[A-Z][A-Z.]*+){0,4}\s*,\s*NGAY.{0,8}?THANG.{0,8}?NAM\s*\d{4}"
)
NUMBER_LABEL = re.compile(r"(?:\bS|\$)[O06]\s*:")  # its number may stand on a line of its own
ADDRESSEE = re.compile(r"KINH\s*GUI\b")
ABOUT = re.compile(r"\bV\s*/\s*V\b[^\n]*")
RECIPIENTS = re.compile(r"N[O0]I\s*NHAN\b")
# An article, chapter, section or part of a legal text (`Điều 3.`, `Chương II`, `Mục 1`), or a Roman-numbered heading.
SECTION = re.compile(r"\W*(?:(?:DIEU|MUC)\s*\d+|(?:CHUONG|PHAN)\s*[IVXLC\d]+|[IVX]{1,4})\s*(?:[.:]|$)")
# A receipt stamp OCR read in pieces (`CÔNG VĂN ĐẾN`, `ĐẾN` alone), a gazette's signing stamp.
RECEIPT_STAMP = re.compile(r"\W*(?:CONG\s*VAN\s*DEN\b|DEN\W*$|.{0,12}CONG\s*BAO\s*&\s*TIN\s*HOC\b)")


def fold(text: str) -> str:
    """Upper case without diacritics, one character for one, so positions in both texts agree."""
    return "".join(_fold_char(c) for c in text)


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "D"
    if char == "⁄":  # a slash OCR reads from a handwritten stroke
        return " "
    base = unicodedata.normalize("NFD", char)[0].upper()
    return base if len(base) == 1 else char


def matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches in the folded text; the nation's and the Party's names and the draft mark only in capitals,
    as the top block prints them (the same words in a sentence, `nước Cộng hòa xã hội chủ nghĩa Việt Nam`,
    are no motto)."""
    for match in pattern.finditer(fold(text)):
        if pattern not in _CAPITALS_ONLY or is_upper(text[match.start() : match.end()]):
            yield match


def is_receipt_stamp(text: str) -> bool:
    """Words of a stamp put on the page after signing (received, gazetted): no part of the document."""
    return RECEIPT_STAMP.match(fold(text)) is not None


def starts_section(text: str) -> bool:
    """The line opens an article, chapter, section or part, or is a Roman-numbered heading."""
    return SECTION.match(fold(text[:24])) is not None


def is_upper(text: str) -> bool:
    return text == text.upper()


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def is_list_line(block: Block) -> bool:
    text = block.text
    return (
        block.kind in ("body", "list_item")
        and len(text) <= LIST_ITEM_MAX_CHARS
        and (text.startswith(("-", "+", "•")) or text.endswith((";", ".", ",")) or fold(text[:4]) == "LUU:")
    )
