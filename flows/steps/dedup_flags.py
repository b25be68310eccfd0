"""Dedup, step 3: paragraph records with their duplicate flags, and whether the whole document copies an
earlier one. Plain functions, no Prefect."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportflow.flows.steps.dedup_find import Match
from reportflow.flows.steps.dedup_index import SeenIndex
from reportflow.flows.steps.dedup_keys import DocumentKeys
from reportflow.schemas import ParagraphRecord, ParsedDocument

if TYPE_CHECKING:
    from reportflow.flows.steps.dedup import DedupSettings


@dataclass(frozen=True, slots=True)
class FlaggedDocument:
    paragraphs: list[ParagraphRecord]
    content_hash: str
    duplicate_of_doc_id: str | None
    exact_duplicates: int
    near_duplicates: int

    @property
    def duplicate_count(self) -> int:
        return self.exact_duplicates + self.near_duplicates

    @property
    def similar_to_links(self) -> int:
        return sum(p.similar_to is not None for p in self.paragraphs)


def flag_paragraphs(
    doc_id: str,
    document: ParsedDocument,
    keys: DocumentKeys,
    matches: Sequence[Match | None],
    index: SeenIndex,
    run_id: str,
    settings: DedupSettings,
) -> FlaggedDocument:
    """Records of a document's paragraphs from their matches; the index learns the document's content."""
    records = [_record(doc_id, i, document, keys, match, index, run_id) for i, match in enumerate(matches)]
    content = _content_hash(r.text_hash for r in records)
    copy_of = index.contents.setdefault(content, doc_id)
    if copy_of == doc_id:
        copy_of = _mostly_copy_of(_corpus_targets(doc_id, keys, matches, index), index, settings) or doc_id
    duplicates = [m for m in matches if m is not None and m.is_duplicate]
    exact = sum(m.exact for m in duplicates)
    return FlaggedDocument(records, content, None if copy_of == doc_id else copy_of, exact, len(duplicates) - exact)


def _record(
    doc_id: str,
    i: int,
    document: ParsedDocument,
    keys: DocumentKeys,
    match: Match | None,
    index: SeenIndex,
    run_id: str,
) -> ParagraphRecord:
    block = document.blocks[i]
    duplicate = match is not None and match.is_duplicate
    earlier = index.paragraph_id(match.seq) if match else None
    return ParagraphRecord(
        paragraph_id=f"{doc_id}:{i}",
        doc_id=doc_id,
        paragraph_index=i,
        page_number=block.page_number,
        kind=block.kind,
        text=block.text,
        text_hash=keys.digests[i],
        is_duplicate=duplicate,
        duplicate_of=earlier if duplicate else None,
        dup_scope=_scope(doc_id, match, index) if match and duplicate else None,
        similarity=match.similarity if match else None,
        ocr_confidence=block.ocr_confidence,
        run_id=run_id,
        similar_to=None if duplicate or match is None else earlier,
    )


def _scope(doc_id: str, match: Match, index: SeenIndex) -> str:
    return "document" if index.doc_id(match.seq) == doc_id else "corpus"


def _corpus_targets(
    doc_id: str, keys: DocumentKeys, matches: Sequence[Match | None], index: SeenIndex
) -> list[tuple[int, int]]:
    """Each paragraph's length and the earlier entry it repeats in another document, -1 for none."""
    return [
        (match.seq if match and match.is_duplicate and _scope(doc_id, match, index) == "corpus" else -1, len(key))
        for key, match in zip(keys.keys, matches, strict=True)
    ]


def _mostly_copy_of(targets: list[tuple[int, int]], index: SeenIndex, settings: DedupSettings) -> str | None:
    """The earlier document whose text this one almost wholly repeats (another format, a re-scan)."""
    total = sum(length for _, length in targets)
    chars: Counter[str] = Counter()
    entries: dict[str, set[int]] = {}
    for seq, length in targets:
        if seq >= 0:
            doc = index.doc_id(seq)
            chars[doc] += length
            entries.setdefault(doc, set()).add(seq)
    if not chars:
        return None
    doc, covered = min(chars.items(), key=lambda item: (-item[1], item[0]))
    if covered >= settings.coverage * total and len(entries[doc]) >= settings.coverage * index.entry_count(doc):
        return doc
    return None


def _content_hash(digests: Iterable[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for key in digests:
        digest.update(key.encode())
    return digest.hexdigest()
