"""Parsing already-ingested files again (`--reprocess`): which files, and flags that do not point at the
document's own earlier version. Plain functions, no Prefect.

A re-parsed document keeps its `doc_id` (the sha256 of its bytes) and paragraph ids; it is a new
`documents` row with a new `parser_version` and `run_id` (its paragraphs carry that `run_id`), and
`supersedes_doc_id` equal to its own `doc_id`. Its batch commits like any other, so the current
view switches to it atomically per batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pyarrow as pa

from reportflow.flows.steps.dedup import FlaggedDocument
from reportflow.flows.steps.inventory import HOLDS_DOCUMENT
from reportflow.flows.steps.listing import Listing
from reportflow.flows.steps.sources import SourceFile
from reportflow.schemas import FileRecord, ParagraphRecord

DOCUMENT_COLUMNS = ["doc_id", "source_format", "parser_version", "ingested_at"]


@dataclass(frozen=True, slots=True)
class ReprocessSettings:
    enabled: bool = False
    source_format: str | None = None  # only documents of this format (`pdf`, `docx`, ...)
    older_only: bool = False  # only documents that another parser version wrote

    @classmethod
    def chosen(cls, everything: bool, source_format: str | None, older_only: bool) -> ReprocessSettings:
        """Either limit alone asks for re-parsing too."""
        return cls(everything or bool(source_format) or older_only, source_format, older_only)


def with_reprocessed(
    todo: Sequence[SourceFile],
    listing: Listing,
    states: dict[str, FileRecord],
    documents: pa.Table | None,
    version: str,
    settings: ReprocessSettings,
) -> list[SourceFile]:
    """TODO plus one path of each current document that SETTINGS selects, in sorted `source_uri` order."""
    if not settings.enabled or documents is None:
        return list(todo)
    latest = _latest_versions(documents)
    chosen, taken = list(todo), {f.doc_id for f in todo}
    for source in listing.files:
        state = states.get(source.uri)
        if state is None or state.status not in HOLDS_DOCUMENT or state.doc_id in taken or state.mtime_ns is None:
            continue
        if (state.size_bytes, state.mtime_ns) != (source.size, source.mtime_ns) or state.doc_id not in latest:
            continue  # changed since: the inventory decided already
        source_format, parsed_by = latest[state.doc_id]
        if settings.source_format and source_format != settings.source_format:
            continue
        if settings.older_only and parsed_by == version:
            continue
        taken.add(state.doc_id)
        chosen.append(replace(source, doc_id=state.doc_id, previous_doc_id=state.doc_id))
    return sorted(chosen, key=lambda f: f.uri)


def _latest_versions(documents: pa.Table) -> dict[str, tuple[str, str | None]]:
    latest: dict[str, tuple[str, str | None]] = {}
    rows = sorted(documents.select(DOCUMENT_COLUMNS).to_pylist(), key=lambda r: r["ingested_at"])
    for row in rows:
        latest[row["doc_id"]] = (row["source_format"], row["parser_version"])
    return latest


def is_reparse(source: SourceFile) -> bool:
    return source.doc_id is not None and source.previous_doc_id == source.doc_id


def without_own_earlier_version(flagged: FlaggedDocument) -> FlaggedDocument:
    """A re-parsed document's flags, less those that point at its own earlier version.

    Its paragraphs share their ids with that version's, so a match inside the same `doc_id` is kept
    only when it points at an earlier paragraph of this very parse that is a first occurrence (and, for
    an exact copy, has the same key).
    """
    records = flagged.paragraphs
    kept = []
    for record in records:
        target = _same_document_target(record.duplicate_of, record.doc_id)
        if target is not None and not _in_this_parse(records, record.paragraph_index, target, record.similarity):
            record = dataclasses.replace(record, is_duplicate=False, duplicate_of=None, dup_scope=None, similarity=None)
        kept.append(record)
    return replace(flagged, paragraphs=kept)


def _same_document_target(duplicate_of: str | None, doc_id: str) -> int | None:
    if not duplicate_of or not duplicate_of.startswith(f"{doc_id}:"):
        return None
    return int(duplicate_of.rsplit(":", 1)[1])


def _in_this_parse(records: Sequence[ParagraphRecord], index: int, target: int, similarity: float | None) -> bool:
    if not 0 <= target < index:
        return False
    earlier, this = records[target], records[index]
    return not earlier.is_duplicate and (similarity != 1.0 or earlier.text_hash == this.text_hash)
