"""Vietnamese administrative documents (the layout of Decree 30/2020/NĐ-CP): the issuing body and the
national motto side by side at the top, number and symbol, place and date, the document type and its
subject, the recipients and the signer's block.

Works on blocks of any format. The two-column top block is cut into its parts by what each part says,
not by where it stands, so columns that a Word table, a PDF or OCR ran together come apart again.
Patterns match text with diacritics folded, as OCR often misreads them (`CONG HOA`, `Quang Ngai`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from reportflow.schemas import Block

HEAD_WINDOW = 14
HEAD_LINES_ABOVE = 4
ISSUER_MAX_CHARS = 200
SUBJECT_MAX_BLOCKS = 4
SUBJECT_MAX_CHARS = 300
LIST_ITEM_MAX_CHARS = 250
NOISE_MAX_LETTERS = 3

_NATION = re.compile(r"CONG\s*HOA\s*XA\s*HOI\s*CHU\s*NGHIA\s*VIET\s*NAM")
_PARTY = re.compile(r"DANG\s*CONG\s*SAN\s*VIET\s*NAM")  # a Party committee's motto (Quy định 66-QĐ/TW)
_DRAFT = re.compile(r"\bDU\s*THAO\b(?:[^\S\n]*(?:LAN[^\S\n]*)?\d+\b)?")  # a draft's `DỰ THẢO` mark, often in a text box
_CAPITALS_ONLY = (_NATION, _PARTY, _DRAFT)
# The committee a Party document comes from (`TỈNH ỦY LÂM ĐỒNG`, `ĐẢNG BỘ ...`, `BAN CHẤP HÀNH TRUNG ƯƠNG`).
_PARTY_BODY = re.compile(
    r"\b(?:(?:TINH|THANH|HUYEN|QUAN|THI|DANG|XA|PHUONG)\s*UY|DANG\s*BO|CHI\s*BO|DANG\s*DOAN|BAN\s*CAN\s*SU"
    r"|BAN\s*CHAP\s*HANH|BO\s*CHINH\s*TRI|BAN\s*BI\s*THU|TRUNG\s*UONG\s*DANG)\b"
)
_SLOGAN = re.compile(r"DOC\s*LAP\s*[-–—.]?\s*TU\s*DO\s*[-–—.]?\s*HANH\s*PHUC")
_NUMBER = re.compile(
    r"(?:\bS|\$)[O06]\s*[:;.]?\s*(?P<num>[^\s/-]{0,8}?)\s*"
    r"(?:-\s*(?P<kind>[A-Z]{1,4})\s*)?"  # a Party document's type: `Số 15-NQ/TU`
    r"(?P<year>/\s*\d{4}\s*)?"  # `Số: 30/2020/NĐ-CP`
    r"/\s*(?P<sym>[A-Z0-9]+(?:\s*-\s*[A-Z0-9]+)*)"
)
# Possessive runs and a required separator between words: no backtracking into long runs of letters
# (a text layer that lost its spaces).
_PLACE_DATE = re.compile(
    r"\b[A-Z][A-Z.]*+(?:(?:\s+|\s*-\s*)[A-Z][A-Z.]*+){0,4}\s*,\s*NGAY.{0,8}?THANG.{0,8}?NAM\s*\d{4}"
)
_NUMBER_LABEL = re.compile(r"(?:\bS|\$)[O06]\s*:")  # its number may stand on a line of its own
_DAY_MONTH_YEAR = re.compile(r"NGAY\s*(\d{1,2})\s*THANG\s*(\d{1,2})\s*NAM\s*(\d{4})")
_ABOUT = re.compile(r"\bV\s*/\s*V\b[^\n]*")
_DECORATION = re.compile(r"[_\-–—=*.]{3,}")
_E_SIGNATURE = re.compile(r"\d{2}[./]\d{2}[./]\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*[+-]\d{2}:?\d{2}")
_RECIPIENTS = re.compile(r"N[O0]I\s*NHAN\b")
_ADDRESSEE = re.compile(r"KINH\s*GUI\b")
_SIGNING_FOR = re.compile(r"(?:TM|KT|TL|TUQ|Q)\s*\.")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_]*$")
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


@dataclass(frozen=True, slots=True)
class AdminDocument:
    """What the official layout says about a document, and its blocks with the parts' kinds."""

    blocks: list[Block]
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    title: str | None = None
    published_date: date | None = None
    signer: str | None = None


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


def read_admin_layout(blocks: Sequence[Block]) -> AdminDocument | None:
    """The parts of an administrative document, or None when the blocks do not have its layout."""
    blocks = [_as_stamp(b) for b in blocks]
    window = [i for i, b in enumerate(blocks[:HEAD_WINDOW]) if b.kind != "stamp" and b.page_number in (None, 1)]
    anchor = next((i for i in window if _has_anchor(blocks[i])), None)
    if anchor is None:
        return None
    type_at = next((i for i in window if i > anchor and _type_line(blocks[i]) is not None), None)
    start = _head_start(blocks, window, anchor)
    end = type_at if type_at is not None else _head_end(blocks, [i for i in window if i > anchor])
    head = [i for i in window if start <= i < end]
    parts = _cut_head([blocks[i] for i in head])
    if not _is_admin(parts, type_at):
        return None
    page, confidence = blocks[start].page_number, _confidence([blocks[i] for i in head])
    head_blocks = [dataclasses.replace(b, page_number=page, ocr_confidence=confidence) for b in _head_blocks(parts)]
    body = [b for i, b in enumerate(blocks) if i >= start and i not in head]
    body, doc_type, title = _mark_type_and_subject(body, parts)
    body = _mark_addressee(body)
    body, signer = _mark_tail(body)
    place_date = _first(parts, "place_date")
    return AdminDocument(
        blocks=blocks[:start] + head_blocks + body,
        issuer=_issuer(parts),
        doc_number=_doc_number(parts),
        doc_type=doc_type,
        title=title,
        published_date=_date_of(place_date) if place_date else None,
        signer=signer,
    )


def _has_anchor(block: Block) -> bool:
    return any(next(_matches(p, block.text), None) for p in (_NATION, _PARTY, _SLOGAN, _NUMBER, _NUMBER_LABEL))


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches in the folded text; the nation's and the Party's names and the draft mark only in capitals,
    as the top block prints them (the same words in a sentence, `nước Cộng hòa xã hội chủ nghĩa Việt Nam`,
    are no motto)."""
    for match in pattern.finditer(fold(text)):
        if pattern not in _CAPITALS_ONLY or _is_upper(text[match.start() : match.end()]):
            yield match


def _head_start(blocks: Sequence[Block], window: list[int], anchor: int) -> int:
    """The issuer's lines just above the first line of the top block that says what it is (the motto or
    the number); whatever comes before them (OCR specks, a page's own heading) is no part of it."""
    start = anchor
    while start - 1 in window and anchor - start < HEAD_LINES_ABOVE and _is_issuer_piece(blocks[start - 1].text):
        start -= 1
    return start


def _as_stamp(block: Block) -> Block:
    """An e-signature's stamp (signing body, e-mail, time with its zone) that flattening put on the page."""
    if block.kind in ("body", "heading") and len(block.text) < 200 and _E_SIGNATURE.search(block.text):
        return dataclasses.replace(block, kind="stamp")
    return block


def _head_end(blocks: Sequence[Block], below: list[int]) -> int:
    """Without a type line (a letter), the top block ends where the addressee or the body starts."""
    for i in below:
        text = blocks[i].text
        if _ADDRESSEE.match(fold(text[:12])) or (len(text) > ISSUER_MAX_CHARS and not _has_anchor(blocks[i])):
            return i
    return below[-1] + 1 if below else len(blocks)


# --- the top block -------------------------------------------------------------------------------

_Part = tuple[str, str]  # (role, text)


def _cut_head(head: Sequence[Block]) -> list[_Part]:
    """The top block's text cut at each part; line breaks between blocks and cells may fall inside a
    part (`Số:` and `/BC-UBND` apart when the number is left blank) and end the pieces left over."""
    parts: list[_Part] = [("", "\n".join(piece for block in head for piece in _pieces(block)))]
    for role, pattern in (
        ("nation", _NATION),
        ("party", _PARTY),
        ("slogan", _SLOGAN),
        ("doc_number", _NUMBER),
        ("place_date", _PLACE_DATE),
        ("about", _ABOUT),
        ("draft", _DRAFT),  # after `V/v`: a letter's subject may name the drafts it is about
    ):
        if role == "party" and any(r == "nation" for r, _ in parts):
            continue  # under the state's motto the Party's name is an issuer's (`BÁO ĐIỆN TỬ ĐẢNG CỘNG SẢN ...`)
        parts = [cut for part in parts for cut in _cut(part, role, pattern)]
    return [(role, text) for role, text in _split_leftovers(parts) if text]


def _split_leftovers(parts: list[_Part]) -> Iterator[_Part]:
    for role, text in parts:
        if role:
            yield role, _clean(text)
        else:
            yield from (("", _clean(line)) for line in text.split("\n"))


def _pieces(block: Block) -> list[str]:
    """A layout table's cells column by column (left column first), else the block's text."""
    if block.kind != "table":
        return [block.text]
    rows = _table_rows(block.text)
    width = max(len(row) for row in rows)
    return [row[col] for col in range(width) for row in rows if col < len(row)]


def _table_rows(text: str) -> list[list[str]]:
    """A table block's cells (joined by ` | `, rows by ` || `; an empty last cell leaves a bare `|`)."""
    return [[cell.strip(" |") for cell in row.split(" | ")] for row in text.split(" || ")]


def _cut(part: _Part, role: str, pattern: re.Pattern[str]) -> Iterator[_Part]:
    kind, text = part
    if kind:
        yield part
        return
    start = 0
    for match in _matches(pattern, text):
        yield "", text[start : match.start()]
        yield role, text[match.start() : match.end()]
        start = match.end()
    yield "", text[start:]


def _clean(text: str) -> str:
    """The text without rules and ornaments (`_____`, the `*` under a Party committee's name)."""
    cleaned = " ".join(_DECORATION.sub(" ", text).split()).strip(" ,;*")
    return cleaned if any(c.isalnum() for c in cleaned) else ""


def _is_admin(parts: list[_Part], type_at: int | None) -> bool:
    roles = {role for role, _ in parts}
    # The Party's name may be a headline's words: its documents also name the committee that issues them
    # and carry a date line or a number in the Party's form (`Số 15-NQ/TU`, not `số 4625/BNV-CCHC`).
    party = (
        "party" in roles
        and _PARTY_BODY.search(fold(_issuer(parts) or "")) is not None
        and ("place_date" in roles or any(_party_form(t) for t in _all(parts, "doc_number")))
    )
    return bool(roles & {"nation", "slogan"}) or party or ("doc_number" in roles and type_at is not None)


def _party_form(number: str) -> bool:
    match = _NUMBER.match(fold(number))
    return match is not None and match.group("kind") is not None


def _confidence(blocks: list[Block]) -> float | None:
    """OCR's confidence in the top block as a whole: its parts are cut across the lines OCR read."""
    scored = [(b.ocr_confidence, len(b.text)) for b in blocks if b.ocr_confidence is not None]
    total = sum(weight for _, weight in scored)
    return sum(c * w for c, w in scored) / total if total else None


def _head_blocks(parts: list[_Part]) -> Iterator[Block]:
    """Left column (issuer, number, subject of a letter), then right column (motto, place and date)."""
    issuer = _issuer(parts)
    if issuer:
        yield Block(issuer, kind="issuer")
    for role, kind in (("doc_number", "doc_number"), ("about", "subject")):
        for text in _all(parts, role):
            yield Block(text, kind=kind)
    motto = " ".join(_all(parts, "nation") + _all(parts, "slogan") + _all(parts, "party"))
    if motto:
        yield Block(motto, kind="motto")
    for text in _all(parts, "place_date"):
        yield Block(text, kind="place_date")
    for text in _all(parts, "draft"):
        yield Block(text)
    for role, text in parts:
        rest = text if not _is_issuer_piece(text) else _upper_and_rest(text)[1]  # `Luật` of `QUỐC HỘI Luật`
        if not role and rest:
            yield Block(rest)


def _date_of(place_date: str) -> date | None:
    """The date of `Lâm Đồng, ngày 19 tháng 12 năm 2025`; none when the day is blank (a draft) or not
    read as a number, never a guess."""
    match = _DAY_MONTH_YEAR.search(fold(place_date))
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _all(parts: list[_Part], role: str) -> list[str]:
    return [text for r, text in parts if r == role]


def _first(parts: list[_Part], role: str) -> str | None:
    return next(iter(_all(parts, role)), None)


def _is_issuer_piece(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) > NOISE_MAX_LETTERS
        and len(text) <= ISSUER_MAX_CHARS
        and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    )


def _issuer(parts: list[_Part]) -> str | None:
    pieces = [_upper_and_rest(text)[0] for role, text in parts if not role and _is_issuer_piece(text)]
    return " ".join(p for p in pieces if p) or None


def _upper_and_rest(text: str) -> tuple[str, str]:
    """A piece cut before the words in lower case at its end (`QUỐC HỘI` | `Luật`, before `số: 54/2014/QH13`)."""
    words = text.split()
    cut = len(words)
    while cut and not _is_upper(words[cut - 1]):
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _doc_number(parts: list[_Part]) -> str | None:
    text = _first(parts, "doc_number")
    if text is None:
        return None
    match = _NUMBER.match(fold(text))
    if match is None:
        return None
    number = "".join(c for c in text[match.start("num") : match.end("num")].translate(_DIGIT_LOOKALIKES) if c.isdigit())
    kind = "-" + text[match.start("kind") : match.end("kind")] if match.group("kind") else ""
    year = "".join(text[match.start("year") : match.end("year")].split()) if match.group("year") else ""
    return number + kind + year + "/" + "".join(text[match.start("sym") : match.end("sym")].split())


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


# --- type and subject -----------------------------------------------------------------------------


def _type_line(block: Block) -> str | None:
    """The type's words when a block starts with them in capitals (`BÁO CÁO`, `QUYẾT ĐỊNH`), else None."""
    if block.kind not in ("body", "heading", "title"):
        return None
    match = _TYPE_LINE.match(fold(block.text[:40]))
    if match is None or not _is_upper(block.text[: match.end()]):
        return None
    return match.group("type")


def _is_upper(text: str) -> bool:
    return text == text.upper()


def _mark_type_and_subject(blocks: list[Block], parts: list[_Part]) -> tuple[list[Block], str | None, str | None]:
    at = next((i for i, b in enumerate(blocks[:HEAD_WINDOW]) if _type_line(b) is not None), None)
    about = _first(parts, "about")
    if at is None:
        return blocks, _type_from_symbol(_doc_number(parts), about), about
    block = blocks[at]
    words = _type_line(block) or ""
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
        if _letters(block.text) <= NOISE_MAX_LETTERS and block.kind == "body":
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
    if _is_upper(text):
        return capitals and not started
    if not started:
        return block.align == "center" or block.bold or folded.startswith(("VE ", "V/V"))
    return block.align == "center" or block.bold or text[:1].islower()


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _type_from_symbol(number: str | None, about: str | None) -> str | None:
    """A letter (công văn) has no type line; its symbol then names no type, and a `V/v` line gives its subject."""
    if number is None:
        return "cong_van" if about else None
    head, _, symbol = number.rpartition("/")
    short = fold(head.partition("-")[2] or symbol.split("-", 1)[0])  # a Party number's type: `15-NQ/TU`
    return _SYMBOL_TYPES.get(short, "cong_van" if "-" in symbol or about else None)


def _mark_addressee(blocks: list[Block]) -> list[Block]:
    """`Kính gửi:` and the addressees listed under it, as one block."""
    at = next((i for i, b in enumerate(blocks[: HEAD_WINDOW + 4]) if _ADDRESSEE.match(fold(b.text[:12]))), None)
    if at is None or blocks[at].kind not in ("body", "heading"):
        return blocks
    end = at + 1
    if blocks[at].text.rstrip().endswith(":"):
        while end < len(blocks) and _is_list_line(blocks[end]) and end - at <= 6:
            end += 1
            if blocks[end - 1].text.endswith("."):
                break
    merged = dataclasses.replace(blocks[at], text=" ".join(b.text for b in blocks[at:end]), kind="addressee")
    return [*blocks[:at], merged, *blocks[end:]]


def _is_list_line(block: Block) -> bool:
    text = block.text
    return (
        block.kind in ("body", "list_item")
        and len(text) <= LIST_ITEM_MAX_CHARS
        and (text.startswith(("-", "+", "•")) or text.endswith((";", ".", ",")) or fold(text[:4]) == "LUU:")
    )


# --- recipients and signer ------------------------------------------------------------------------


def _mark_tail(blocks: list[Block]) -> tuple[list[Block], str | None]:
    at = max((i for i, b in enumerate(blocks) if _starts_recipients(b)), default=None)
    start = max(0, at - 3) if at is not None else max(0, len(blocks) - 6)
    end = _tail_end(blocks, at if at is not None else start)
    tail = [piece for block in blocks[start:end] for piece in _tail_pieces(block)]
    tail, signer = _tail_kinds(tail, start_at_recipients=at is not None)
    return blocks[:start] + _merge_runs(tail) + blocks[end:], signer


def _starts_recipients(block: Block) -> bool:
    kinds = ("body", "heading", "table", "list_item")
    return block.kind in kinds and _RECIPIENTS.match(fold(block.text[:12])) is not None


def _tail_end(blocks: list[Block], at: int) -> int:
    """The signature block ends where long paragraphs start again (annexes after the signature)."""
    for i in range(at + 1, len(blocks)):
        block = blocks[i]
        if block.kind == "table" or (len(block.text) > LIST_ITEM_MAX_CHARS and block.kind != "footnote"):
            return i
    return len(blocks)


def _tail_pieces(block: Block) -> Iterator[Block]:
    """A layout table at the foot (recipients | signer) as one block per cell; the signer's cell as
    its title and the name under it."""
    if block.kind != "table" or not _starts_recipients(block):
        yield block
        return
    for cell in (c for row in _table_rows(block.text) for c in row):
        if not cell:
            continue
        if _RECIPIENTS.match(fold(cell[:12])):
            yield dataclasses.replace(block, text=cell, kind="recipients")
            continue
        title, name = _split_signer_cell(cell)
        if title:
            yield dataclasses.replace(block, text=title, kind="signer_title")
        if name:
            yield dataclasses.replace(block, text=name, kind="signature")


def _split_signer_cell(text: str) -> tuple[str, str]:
    words = text.split()
    cut = next((i for i, w in enumerate(words) if not _is_upper(w) and any(c.isalpha() for c in w)), len(words))
    return " ".join(words[:cut]), " ".join(words[cut:])


def _tail_kinds(tail: list[Block], start_at_recipients: bool) -> tuple[list[Block], str | None]:
    """Kinds in the signature block, which ends with the signer's name: what follows is an annex."""
    marked: list[Block] = []
    in_recipients, name_expected = False, start_at_recipients
    for at, block in enumerate(tail):
        kind = _tail_kind(block, in_recipients, name_expected)
        in_recipients = kind == "recipients" or (in_recipients and kind == block.kind)
        name_expected = name_expected or kind == "signer_title"
        marked.append(dataclasses.replace(block, kind=kind))
        if kind == "signature":
            return marked + tail[at + 1 :], _person_name(block.text)
    return marked, None


def _tail_kind(block: Block, in_recipients: bool, name_expected: bool) -> str:
    if block.kind not in ("body", "list_item", "heading"):
        return block.kind
    if _RECIPIENTS.match(fold(block.text[:12])):
        return "recipients"
    if _is_signer_title(block.text):
        return "signer_title"
    if name_expected and _person_name(block.text):
        return "signature"
    if in_recipients and _is_list_line(block):
        return "recipients"
    return block.kind


def _is_signer_title(text: str) -> bool:
    folded = fold(text)
    words = text.split()
    return (
        len(text) <= 120
        and _is_upper(text)
        and _letters(text) >= 5
        and (len(words) >= 2 or _SIGNING_FOR.match(folded) is not None)
        and not text.endswith((";", ","))
    )


def _person_name(text: str) -> str | None:
    """A name of two to five capitalised words (`Nguyễn Ngọc Phúc`), OCR's stray marks around it dropped."""
    words = text.strip(" '\"‘’“”.,:;-_|").split()
    if not 2 <= len(words) <= 5:
        return None
    if all(_NAME_WORD.match(w) and w[0].isupper() and w[1:] == w[1:].lower() for w in words):
        return " ".join(words)
    return None


def _merge_runs(blocks: list[Block]) -> list[Block]:
    """Recipients listed line by line, a signer's title over several lines: one block each."""
    merged: list[Block] = []
    for block in blocks:
        if block.kind in ("recipients", "signer_title") and merged and merged[-1].kind == block.kind:
            merged[-1] = dataclasses.replace(merged[-1], text=f"{merged[-1].text} {block.text}")
        else:
            merged.append(block)
    return merged
