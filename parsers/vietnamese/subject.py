"""The document's type line and the subject under it, a letter's type read from its symbol, and the addressee."""

from __future__ import annotations

import dataclasses
import re

from reportflow.parsers.vietnamese.patterns import (
    ADDRESSEE,
    HEAD_WINDOW,
    NOISE_MAX_LETTERS,
    fold,
    is_list_line,
    is_upper,
    letters,
)
from reportflow.parsers.vietnamese.top_block import Part, doc_number_of, first
from reportflow.schemas import Block

SUBJECT_MAX_BLOCKS = 4
SUBJECT_MAX_CHARS = 300

_NOT_SUBJECT_START = re.compile(r"(?:KINH\s*GUI|CAN\s*CU|THUC\s*HIEN|XET\b)")
DOC_TYPES = (
    "bao_cao",
    "quyet_dinh",
    "to_trinh",
    "thong_bao",
    "chi_thi",
    "ke_hoach",
    "nghi_quyet",
    "huong_dan",
    "chuong_trinh",
    "bien_ban",
    "giay_moi",
    "cong_van",
    "cong_dien",
    "quy_dinh",
    "quy_che",
    "de_an",
    "phuong_an",
    "thong_cao",
    "giay_gioi_thieu",
    "giay_uy_quyen",
    "hop_dong",
    "nghi_dinh",
    "thong_tu",
    "luat",
    "phap_lenh",
    "ket_luan",
)
NAMED_IN_CAPITALS = ("LUAT", "PHAP LENH")  # a law's name is set in capitals under its type
_TYPE_LINE = re.compile(r"(?P<type>" + "|".join(t.upper().replace("_", r"\s*") for t in DOC_TYPES) + r")\b(?!\s*:)")
# The type's short form in the symbol (`329/BC-UBND`); a symbol without one (`575/UBND-KTTH`) is a letter.
_SYMBOL_TYPES = {
    "BC": "bao_cao",
    "QD": "quyet_dinh",
    "TTR": "to_trinh",
    "TB": "thong_bao",
    "CT": "chi_thi",
    "KH": "ke_hoach",
    "NQ": "nghi_quyet",
    "HD": "huong_dan",
    "CTR": "chuong_trinh",
    "BB": "bien_ban",
    "GM": "giay_moi",
    "CD": "cong_dien",
    "QC": "quy_che",
    "DA": "de_an",
    "PA": "phuong_an",
    "TC": "thong_cao",
    "GGT": "giay_gioi_thieu",
    "GUQ": "giay_uy_quyen",
    "ND": "nghi_dinh",
    "TT": "thong_tu",
    "KL": "ket_luan",
    "CV": "cong_van",
    "QDI": "quy_dinh",
}


def type_line(block: Block) -> str | None:
    """The type's words when a block starts with them in capitals (`BÁO CÁO`, `QUYẾT ĐỊNH`), else None."""
    if block.kind not in ("body", "heading", "title"):
        return None
    match = _TYPE_LINE.match(fold(block.text[:40]))
    if match is None or not is_upper(block.text[: match.end()]):
        return None
    return match.group("type")


def mark_type_and_subject(blocks: list[Block], parts: list[Part]) -> tuple[list[Block], str | None, str | None]:
    at = next((i for i, b in enumerate(blocks[:HEAD_WINDOW]) if type_line(b) is not None), None)
    about = first(parts, "about")
    if at is None:
        return blocks, _type_from_symbol(doc_number_of(parts), about), about
    block = blocks[at]
    words = type_line(block) or ""
    type_text, rest = block.text[: len(words)], block.text[len(words) :].strip()
    capitals = " ".join(fold(type_text).split()) in NAMED_IN_CAPITALS
    subject_at = _subject_blocks(blocks, at + 1, bool(rest), capitals)
    subject = " ".join([rest] * bool(rest) + [blocks[i].text for i in subject_at])
    marked = [dataclasses.replace(block, text=type_text, kind="doc_type")]
    if subject:
        marked.append(dataclasses.replace(blocks[subject_at[0]] if subject_at else block, text=subject, kind="subject"))
    kept = [b for i, b in enumerate(blocks[at + 1 :], at + 1) if i not in subject_at]
    title = f"{type_text} {subject}".strip()
    return blocks[:at] + marked + kept, _type_code(type_text), title


def _type_code(type_text: str) -> str | None:
    """The DOC_TYPES entry a type line names, its words however OCR spaced them (`BÁOCÁO`)."""
    squeezed = "".join(fold(type_text).split()).lower()
    return next((t for t in DOC_TYPES if t.replace("_", "") == squeezed), None)


def _subject_blocks(blocks: list[Block], start: int, started: bool, capitals: bool) -> list[int]:
    """The blocks after the type line that continue its subject: centred or bold lines, or lines that
    go on in lower case; noise of a few letters in between (OCR of seals) is stepped over."""
    found: list[int] = []
    for i in range(start, min(len(blocks), start + SUBJECT_MAX_BLOCKS + 2)):
        block = blocks[i]
        if letters(block.text) <= NOISE_MAX_LETTERS and block.kind == "body":
            continue
        if not _continues_subject(block, started or bool(found), capitals):
            break
        found.append(i)
        if len(found) == SUBJECT_MAX_BLOCKS:
            break
    return found


def _continues_subject(block: Block, started: bool, capitals: bool) -> bool:
    text = block.text
    if block.kind not in ("body", "heading", "title") or len(text) > SUBJECT_MAX_CHARS or text.endswith((".", ":")):
        return False
    folded = fold(text[:12])
    if _NOT_SUBJECT_START.match(folded):
        return False
    if is_upper(text):
        return capitals and not started
    if not started:
        return block.align == "center" or block.bold or folded.startswith(("VE ", "V/V"))
    return block.align == "center" or block.bold or text[:1].islower()


def _type_from_symbol(number: str | None, about: str | None) -> str | None:
    """A letter (công văn) has no type line; its symbol then names no type, and a `V/v` line gives its subject."""
    if number is None:
        return "cong_van" if about else None
    head, _, symbol = number.rpartition("/")
    short = fold(head.partition("-")[2] or symbol.split("-", 1)[0])  # a Party number's type: `15-NQ/TU`
    return _SYMBOL_TYPES.get(short, "cong_van" if "-" in symbol or about else None)


def mark_addressee(blocks: list[Block]) -> list[Block]:
    """`Kính gửi:` and the addressees listed under it, as one block."""
    at = next((i for i, b in enumerate(blocks[: HEAD_WINDOW + 4]) if ADDRESSEE.match(fold(b.text[:12]))), None)
    if at is None or blocks[at].kind not in ("body", "heading"):
        return blocks
    end = at + 1
    if blocks[at].text.rstrip().endswith(":"):
        while end < len(blocks) and is_list_line(blocks[end]) and end - at <= 6:
            end += 1
            if blocks[end - 1].text.endswith("."):
                break
    merged = dataclasses.replace(blocks[at], text=" ".join(b.text for b in blocks[at:end]), kind="addressee")
    return [*blocks[:at], merged, *blocks[end:]]
