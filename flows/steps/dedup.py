"""Exact duplicate flagging: within a document, across a run and against earlier runs.

Plain functions, no Prefect. Documents must be fed in the contract's order
(earlier runs first, then sorted `source_uri`), so that the first occurrence
is the one every later copy points to.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from reportflow.schemas import ParagraphRecord, ParsedDocument

# Vietnamese tone marks; old and new placement (hoà/hòa) differ only in which vowel carries them.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def dedup_key(text: str) -> str:
    """The matching key: case, punctuation, spacing and tone-mark placement folded."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    spaced = "".join(" " if unicodedata.category(c)[0] == "P" else c for c in decomposed)
    return " ".join(_fold_tone_placement(word) for word in spaced.split())


def _fold_tone_placement(word: str) -> str:
    tones = "".join(sorted(c for c in word if c in _TONE_MARKS))
    return "".join(c for c in word if c not in _TONE_MARKS) + tones


def text_hash(text: str) -> str:
    """Hex digest of a text's matching key."""
    return hashlib.blake2b(dedup_key(text).encode(), digest_size=16).hexdigest()


@dataclass(slots=True)
class SeenIndex:
    """First occurrences seen so far: paragraph keys and whole-document contents."""

    paragraphs: dict[str, str] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FlaggedDocument:
    paragraphs: list[ParagraphRecord]
    content_hash: str
    duplicate_of_doc_id: str | None

    @property
    def duplicate_count(self) -> int:
        return sum(p.is_duplicate for p in self.paragraphs)


def flag_document(doc_id: str, document: ParsedDocument, index: SeenIndex, run_id: str) -> FlaggedDocument:
    """Paragraph records of one document with duplicates flagged; the index learns its first occurrences."""
    in_document: dict[str, str] = {}
    records = []
    for i, block in enumerate(document.blocks):
        key = text_hash(block.text)
        paragraph_id = f"{doc_id}:{i}"
        earlier = index.paragraphs.get(key)
        first_here = in_document.get(key)
        scope = "corpus" if earlier else "document" if first_here else None
        records.append(
            ParagraphRecord(
                paragraph_id=paragraph_id,
                doc_id=doc_id,
                paragraph_index=i,
                page_number=block.page_number,
                kind=block.kind,
                text=block.text,
                text_hash=key,
                is_duplicate=scope is not None,
                duplicate_of=earlier or first_here,
                dup_scope=scope,
                similarity=1.0 if scope else None,
                ocr_confidence=block.ocr_confidence,
                run_id=run_id,
            )
        )
        in_document.setdefault(key, paragraph_id)
    for key, paragraph_id in in_document.items():
        index.paragraphs.setdefault(key, paragraph_id)
    content = _content_hash(r.text_hash for r in records)
    duplicate_of = index.contents.setdefault(content, doc_id)
    return FlaggedDocument(records, content, None if duplicate_of == doc_id else duplicate_of)


def _content_hash(keys: Iterable[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for key in keys:
        digest.update(key.encode())
    return digest.hexdigest()
