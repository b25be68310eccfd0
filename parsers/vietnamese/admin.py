"""Vietnamese administrative documents (the layout of Decree 30/2020/NĐ-CP): the issuing body and the
national motto side by side at the top, number and symbol, place and date, the document type and its
subject, the recipients and the signer's block.

Works on blocks of any format. Patterns match text with diacritics folded, as OCR often misreads them
(`CONG HOA`, `Quang Ngai`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportflow.parsers.layout.lines import mean_confidence
from reportflow.parsers.vietnamese.names import official_spelling
from reportflow.parsers.vietnamese.patterns import (
    ADDRESSEE,
    HEAD_WINDOW,
    ISSUER_MAX_CHARS,
    NATION,
    NUMBER,
    NUMBER_LABEL,
    PARTY,
    SLOGAN,
    fold,
    is_receipt_stamp,
    matches,
)
from reportflow.parsers.vietnamese.signature import mark_tail
from reportflow.parsers.vietnamese.subject import mark_addressee, mark_type_and_subject, type_line
from reportflow.parsers.vietnamese.top_block import (
    Part,
    cut_head,
    date_of,
    doc_number_of,
    first,
    head_blocks,
    is_admin,
    is_issuer_piece,
    issuer_of,
)
from reportflow.schemas import Block

HEAD_LINES_ABOVE = 4

_E_SIGNATURE = re.compile(r"\d{2}[./]\d{2}[./]\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*[+-]\d{2}:?\d{2}")


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


def read_admin_layout(blocks: Sequence[Block]) -> AdminDocument | None:
    """The parts of an administrative document, or None when the blocks do not have its layout."""
    stamped = [_as_stamp(_spelt(b)) for b in blocks]
    head = _find_head(stamped)
    return _read_document(stamped, head) if head is not None else None


def _spelt(block: Block) -> Block:
    """An OCR'd block with official names and fixed words spelt right (a name may run over two lines)."""
    if block.ocr_confidence is None or block.rows:
        return block
    return dataclasses.replace(block, text=official_spelling(block.text))


@dataclass(frozen=True, slots=True)
class _Head:
    """The top block: where it starts, the blocks it is made of, and the parts cut from them."""

    start: int
    indexes: list[int]
    parts: list[Part]


def _find_head(blocks: list[Block]) -> _Head | None:
    """The top block near the start of the first page, found by a line that says what it is (the motto or the
    number) and ending at the type line; None when what is there is no administrative document's."""
    window = [i for i, b in enumerate(blocks[:HEAD_WINDOW]) if b.kind != "stamp" and b.page_number in (None, 1)]
    anchor = next((i for i in window if _has_anchor(blocks[i])), None)
    if anchor is None:
        return None
    type_at = next((i for i in window if i > anchor and type_line(blocks[i]) is not None), None)
    start = _head_start(blocks, window, anchor)
    end = type_at if type_at is not None else _head_end(blocks, [i for i in window if i > anchor])
    indexes = [i for i in window if start <= i < end]
    parts = cut_head([blocks[i] for i in indexes])
    return _Head(start, indexes, parts) if is_admin(parts, type_at) else None


def _read_document(blocks: list[Block], head: _Head) -> AdminDocument:
    """The top block's parts as blocks in its place; the type line, subject, addressee and signature marked."""
    body = [b for i, b in enumerate(blocks) if i >= head.start and i not in head.indexes]
    body, doc_type, title = mark_type_and_subject(body, head.parts)
    body, signer = mark_tail(mark_addressee(body))
    place_date = first(head.parts, "place_date")
    issuer = issuer_of(head.parts)
    if issuer and any(blocks[i].ocr_confidence is not None for i in head.indexes):
        issuer = official_spelling(issuer)  # the issuer's lines may have come between the motto's
    return AdminDocument(
        blocks=blocks[: head.start] + _top_blocks(blocks, head) + body,
        issuer=issuer,
        doc_number=doc_number_of(head.parts),
        doc_type=doc_type,
        title=title,
        published_date=date_of(place_date) if place_date else None,
        signer=signer,
    )


def _top_blocks(blocks: list[Block], head: _Head) -> list[Block]:
    """The parts' blocks on the top block's page, with OCR's confidence in the top block as a whole (its parts
    are cut across the lines OCR read)."""
    page = blocks[head.start].page_number
    confidence = mean_confidence((blocks[i].ocr_confidence, blocks[i].text) for i in head.indexes)
    top = [dataclasses.replace(b, page_number=page, ocr_confidence=confidence) for b in head_blocks(head.parts)]
    return [_spelt(b) for b in top]


def _has_anchor(block: Block) -> bool:
    return any(next(matches(p, block.text), None) for p in (NATION, PARTY, SLOGAN, NUMBER, NUMBER_LABEL))


def _head_start(blocks: Sequence[Block], window: list[int], anchor: int) -> int:
    """The issuer's lines just above the first line of the top block that says what it is (the motto or
    the number); whatever comes before them (OCR specks, a page's own heading) is no part of it."""
    start = anchor
    while start - 1 in window and anchor - start < HEAD_LINES_ABOVE and is_issuer_piece(blocks[start - 1].text):
        start -= 1
    return start


def _as_stamp(block: Block) -> Block:
    """An e-signature's stamp (signing body, e-mail, time with its zone) that flattening put on the page."""
    if block.kind in ("body", "heading") and len(block.text) < 200 and _E_SIGNATURE.search(block.text):
        return dataclasses.replace(block, kind="stamp")
    if block.kind == "body" and block.ocr_confidence is not None and is_receipt_stamp(block.text):
        return dataclasses.replace(block, kind="stamp")
    return block


def _head_end(blocks: Sequence[Block], below: list[int]) -> int:
    """Without a type line (a letter), the top block ends where the addressee or the body starts."""
    for i in below:
        text = blocks[i].text
        if ADDRESSEE.match(fold(text[:12])) or (len(text) > ISSUER_MAX_CHARS and not _has_anchor(blocks[i])):
            return i
    return below[-1] + 1 if below else len(blocks)
