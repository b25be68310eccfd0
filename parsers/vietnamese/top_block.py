"""The two-column top block (issuer and number left, motto and place and date right) cut into its parts
by what each part says, not by where it stands, so that columns a Word table, a PDF or OCR ran together come
apart again."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date

from reportflow.parsers.vietnamese.patterns import (
    ABOUT,
    DRAFT,
    ISSUER_MAX_CHARS,
    NATION,
    NOISE_MAX_LETTERS,
    NUMBER,
    PARTY,
    PLACE_DATE,
    SLOGAN,
    fold,
    is_upper,
    matches,
)
from reportflow.schemas import Block

# The committee a Party document comes from (`TỈNH ỦY LÂM ĐỒNG`, `ĐẢNG BỘ ...`, `BAN CHẤP HÀNH TRUNG ƯƠNG`).
_PARTY_BODY = re.compile(
    r"\b(?:(?:TINH|THANH|HUYEN|QUAN|THI|DANG|XA|PHUONG)\s*UY|DANG\s*BO|CHI\s*BO|DANG\s*DOAN|BAN\s*CAN\s*SU"
    r"|BAN\s*CHAP\s*HANH|BO\s*CHINH\s*TRI|BAN\s*BI\s*THU|TRUNG\s*UONG\s*DANG)\b"
)
_DAY_MONTH_YEAR = re.compile(r"NGAY\s*(\d{1,2})\s*THANG\s*(\d{1,2})\s*NAM\s*(\d{4})")
_DECORATION = re.compile(r"[_\-–—=*.]{3,}")
Part = tuple[str, str]  # (role, text)


def cut_head(head: Sequence[Block]) -> list[Part]:
    """The top block's text cut at each part; line breaks between blocks and cells may fall inside a
    part (`Số:` and `/BC-UBND` apart when the number is left blank) and end the pieces left over."""
    parts: list[Part] = [("", "\n".join(piece for block in head for piece in _pieces(block)))]
    for role, pattern in (
        ("nation", NATION),
        ("party", PARTY),
        ("slogan", SLOGAN),
        ("doc_number", NUMBER),
        ("place_date", PLACE_DATE),
        ("about", ABOUT),
        ("draft", DRAFT),  # after `V/v`: a letter's subject may name the drafts it is about
    ):
        if role == "party" and any(r == "nation" for r, _ in parts):
            continue  # under the state's motto the Party's name is an issuer's (`BÁO ĐIỆN TỬ ĐẢNG CỘNG SẢN ...`)
        parts = [cut for part in parts for cut in _cut(part, role, pattern)]
    return [(role, text) for role, text in _split_leftovers(parts) if text]


def _split_leftovers(parts: list[Part]) -> Iterator[Part]:
    for role, text in parts:
        if role:
            yield role, _clean(text)
        else:
            yield from (("", _clean(line)) for line in text.split("\n"))


def _pieces(block: Block) -> list[str]:
    """A layout table's cells column by column (left column first), else the block's text."""
    rows = block.rows
    if block.kind != "table" or not rows:
        return [block.text]
    width = max(len(row) for row in rows)
    return [row[col] for col in range(width) for row in rows if col < len(row)]


def _cut(part: Part, role: str, pattern: re.Pattern[str]) -> Iterator[Part]:
    kind, text = part
    if kind:
        yield part
        return
    start = 0
    for match in matches(pattern, text):
        yield "", text[start : match.start()]
        yield role, text[match.start() : match.end()]
        start = match.end()
    yield "", text[start:]


def _clean(text: str) -> str:
    """The text without rules and ornaments (`_____`, the `*` under a Party committee's name)."""
    cleaned = " ".join(_DECORATION.sub(" ", text).split()).strip(" ,;*")
    return cleaned if any(c.isalnum() for c in cleaned) else ""


def is_admin(parts: list[Part], type_at: int | None) -> bool:
    roles = {role for role, _ in parts}
    # The Party's name may be a headline's words: its documents also name the committee that issues them
    # and carry a date line or a number in the Party's form (`Số 15-NQ/TU`, not `số 4625/BNV-CCHC`).
    party = (
        "party" in roles
        and _PARTY_BODY.search(fold(issuer_of(parts) or "")) is not None
        and ("place_date" in roles or any(_party_form(t) for t in all_of(parts, "doc_number")))
    )
    return bool(roles & {"nation", "slogan"}) or party or ("doc_number" in roles and type_at is not None)


def _party_form(number: str) -> bool:
    match = NUMBER.match(fold(number))
    return match is not None and match.group("kind") is not None


def head_blocks(parts: list[Part]) -> Iterator[Block]:
    """Left column (issuer, number, subject of a letter), then right column (motto, place and date)."""
    issuer = issuer_of(parts)
    if issuer:
        yield Block(issuer, kind="issuer")
    for role, kind in (("doc_number", "doc_number"), ("about", "subject")):
        for text in all_of(parts, role):
            yield Block(text, kind=kind)
    motto = " ".join(all_of(parts, "nation") + all_of(parts, "slogan") + all_of(parts, "party"))
    if motto:
        yield Block(motto, kind="motto")
    for text in all_of(parts, "place_date"):
        yield Block(text, kind="place_date")
    for text in all_of(parts, "draft"):
        yield Block(text)
    for role, text in parts:
        rest = text if not is_issuer_piece(text) else _upper_and_rest(text)[1]  # `Luật` of `QUỐC HỘI Luật`
        if not role and rest:
            yield Block(rest)


def date_of(place_date: str) -> date | None:
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


def all_of(parts: list[Part], role: str) -> list[str]:
    return [text for r, text in parts if r == role]


def first(parts: list[Part], role: str) -> str | None:
    return next(iter(all_of(parts, role)), None)


def is_issuer_piece(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) > NOISE_MAX_LETTERS
        and len(text) <= ISSUER_MAX_CHARS
        and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    )


def issuer_of(parts: list[Part]) -> str | None:
    pieces = [_upper_and_rest(text)[0] for role, text in parts if not role and is_issuer_piece(text)]
    return " ".join(p for p in pieces if p) or None


def _upper_and_rest(text: str) -> tuple[str, str]:
    """A piece cut before the words in lower case at its end (`QUỐC HỘI` | `Luật`, before `số: 54/2014/QH13`)."""
    words = text.split()
    cut = len(words)
    while cut and not is_upper(words[cut - 1]):
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def doc_number_of(parts: list[Part]) -> str | None:
    text = first(parts, "doc_number")
    if text is None:
        return None
    match = NUMBER.match(fold(text))
    if match is None:
        return None
    number = "".join(c for c in text[match.start("num") : match.end("num")].translate(_DIGIT_LOOKALIKES) if c.isdigit())
    kind = "-" + text[match.start("kind") : match.end("kind")] if match.group("kind") else ""
    year = "".join(text[match.start("year") : match.end("year")].split()) if match.group("year") else ""
    return number + kind + year + "/" + "".join(text[match.start("sym") : match.end("sym")].split())


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})
