"""Kinds and metadata shared by every format: title, date line, caption, signature.

Parsers give blocks with the kinds their format states outright (a Title
style, a table) and layout cues; this step decides the rest the same way for
every format.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import date

from reportflow.parsers.language import detect_language
from reportflow.parsers.vietnamese.admin import AdminDocument, read_admin_layout
from reportflow.parsers.vietnamese.dates import parse_dateline
from reportflow.schemas import Block, ParsedDocument

DATELINE_SEARCH_HEAD = 6
TITLE_SEARCH_HEAD = 6
MAX_TITLE_CHARS = 300
MAX_CAPTION_CHARS = 300
MAX_SIGNATURE_WORDS = 8
MAX_SIGNATURE_CHARS = 80

_SENTENCE_END = (".", ";", ",", ":")
_CAPTION_MARK = re.compile(
    r"^\(?\s*(ảnh|hình|photo|figure|fig\.)\s*\d*\s*[:.]|\((ảnh|photo)\s*:[^)]*\)$", re.IGNORECASE
)
_AUTHOR_LABEL = re.compile(r"^(tác giả|người viết|bài và ảnh|bài, ảnh|tin, ảnh|tin và ảnh|by)\s*:?\s+", re.IGNORECASE)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_.'’-]*[.'’-]?$")
_NAME_CONNECTORS = frozenset({"và", "and", "de", "van", "von", "thị"})


def apply_structure(doc: ParsedDocument) -> ParsedDocument:
    """The document with title, date line, caption and signature kinds and its metadata set."""
    admin = read_admin_layout(doc.blocks)
    if admin is not None:
        return _with_admin_layout(doc, admin)
    blocks = list(doc.blocks)
    title = _mark_title(blocks)
    published = _mark_dateline(blocks)
    author = _mark_signature(blocks)
    _mark_captions_and_headings(blocks, doc.has_style_cues)
    return dataclasses.replace(
        doc,
        blocks=tuple(blocks),
        title=doc.title or title,
        published_date=doc.published_date or published,
        author=doc.author or author,
        language=detect_language(b.text for b in blocks),
    )


def _with_admin_layout(doc: ParsedDocument, admin: AdminDocument) -> ParsedDocument:
    """An administrative document's parts stand for title, date line and signature."""
    blocks = admin.blocks
    _mark_captions_and_headings(blocks, doc.has_style_cues)
    return dataclasses.replace(
        doc,
        blocks=tuple(blocks),
        title=doc.title or admin.title,
        published_date=doc.published_date or admin.published_date,
        author=doc.author or admin.signer,
        language=detect_language(b.text for b in blocks),
        issuer=admin.issuer,
        doc_number=admin.doc_number,
        doc_type=admin.doc_type,
        signer=admin.signer,
    )


def _mark_title(blocks: list[Block]) -> str | None:
    """A Title style, else centred bold lines near the top, else a title-like first block."""
    found = [i for i, b in enumerate(blocks) if b.kind == "title"] or _centred_bold_run(blocks)
    if not found and blocks and blocks[0].kind in ("body", "heading") and _looks_like_title(blocks[0].text):
        found = [0]
    if not found:
        return None
    for i in found:
        blocks[i] = dataclasses.replace(blocks[i], kind="title")
    return _join_run(blocks, found)


def _centred_bold_run(blocks: Sequence[Block]) -> list[int]:
    head = blocks[:TITLE_SEARCH_HEAD]
    start = next((i for i, b in enumerate(head) if _is_display_line(b)), None)
    if start is None:
        return []
    run = [start]
    while run[-1] + 1 < len(head) and _is_display_line(head[run[-1] + 1]):
        run.append(run[-1] + 1)
    return run


def _is_display_line(block: Block) -> bool:
    return (
        block.kind in ("body", "heading") and block.bold and block.align == "center" and _looks_like_title(block.text)
    )


def _join_run(blocks: Sequence[Block], indexes: Sequence[int]) -> str:
    run = [indexes[0]]
    for i in indexes[1:]:
        if i != run[-1] + 1:
            break
        run.append(i)
    return " ".join(blocks[i].text for i in run)


def _looks_like_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_CHARS and not text.endswith(_SENTENCE_END) and parse_dateline(text) is None


def _mark_dateline(blocks: list[Block]) -> date | None:
    found: date | None = None
    for i in _dateline_candidates(len(blocks)):
        block = blocks[i]
        if block.kind not in ("body", "heading"):
            continue
        when = parse_dateline(block.text)
        if when is not None:
            blocks[i] = dataclasses.replace(block, kind="dateline")
            found = found or when
    return found


def _dateline_candidates(count: int) -> list[int]:
    head = list(range(min(count, DATELINE_SEARCH_HEAD)))
    tail = [i for i in range(max(0, count - 2), count) if i not in head]
    return head + tail


def _mark_signature(blocks: list[Block]) -> str | None:
    for i in range(len(blocks) - 1, max(-1, len(blocks) - 3), -1):
        block = blocks[i]
        if block.kind == "dateline":
            continue
        if block.kind == "body" and _looks_like_signature(block):
            blocks[i] = dataclasses.replace(block, kind="signature")
            return _AUTHOR_LABEL.sub("", block.text).strip()
        return None
    return None


def _looks_like_signature(block: Block) -> bool:
    text = block.text
    words = text.split()
    if len(text) > MAX_SIGNATURE_CHARS or len(words) > MAX_SIGNATURE_WORDS:
        return False
    if _AUTHOR_LABEL.match(text):
        return True
    if text.endswith((".", ";", ":", ",")) and not _ends_with_initial(words):
        return False
    return block.align == "right" or _is_name(words)


def _ends_with_initial(words: list[str]) -> bool:
    return len(words[-1]) == 2 and words[-1][0].isupper()


def _is_name(words: list[str]) -> bool:
    if not 1 <= len(words) <= 6:
        return False
    return all(w.lower() in _NAME_CONNECTORS or (_NAME_WORD.match(w) is not None and w[0].isupper()) for w in words)


def _mark_captions_and_headings(blocks: list[Block], has_style_cues: bool) -> None:
    for i, block in enumerate(blocks):
        if block.kind != "body":
            continue
        if _is_marked_caption(block):
            blocks[i] = dataclasses.replace(block, kind="caption")
        elif not has_style_cues:
            kind = _short_line_kind(blocks, i)
            if kind is not None:
                blocks[i] = dataclasses.replace(block, kind=kind)


def _is_marked_caption(block: Block) -> bool:
    if len(block.text) > MAX_CAPTION_CHARS:
        return False
    if _CAPTION_MARK.search(block.text):
        return True
    return block.after_picture


def _short_line_kind(blocks: Sequence[Block], i: int) -> str | None:
    """In plain text, a one-sentence line between two long paragraphs is a caption or a heading."""
    if not 0 < i < len(blocks) - 1:
        return None
    text = blocks[i].text
    before, after = blocks[i - 1], blocks[i + 1]
    if before.kind not in ("body", "caption") or after.kind != "body":
        return None
    shortest_neighbour = min(len(before.text), len(after.text))
    if shortest_neighbour < 150 or len(text) * 3 > shortest_neighbour or len(text) > MAX_CAPTION_CHARS:
        return None
    if re.search(r"[.!?]\s+\S", text) or ";" in text or text.endswith((":", ",")):
        return None
    return "caption" if text.endswith(".") else "heading"
