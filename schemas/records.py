"""The records that flow through the pipeline and the Arrow schemas built from them.

Each output record's fields carry their Arrow type, so the dataclass and the
Parquet schema cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow as pa

SCHEMA_VERSION = "1"
SCHEMA_VERSION_KEY = b"reportflow.schema_version"

KINDS = (
    "title",
    "dateline",
    "heading",
    "body",
    "list_item",
    "caption",
    "table",
    "footnote",
    "signature",
    "header",
    "footer",
    # the parts of a Vietnamese administrative document's official layout
    "issuer",
    "motto",
    "doc_number",
    "place_date",
    "doc_type",
    "subject",
    "addressee",
    "recipients",
    "signer_title",
    "stamp",
)


def _col(arrow_type: pa.DataType, *, nullable: bool = False, default: Any = dataclasses.MISSING) -> Any:
    metadata = {"arrow": arrow_type, "nullable": nullable}
    if default is dataclasses.MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


_STR = pa.string()
_I32 = pa.int32()
_I64 = pa.int64()
_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class Block:
    """One text block as a parser read it, with the layout cues the structure step uses."""

    text: str
    kind: str = "body"
    page_number: int | None = None
    align: str | None = None
    bold: bool = False
    italic: bool = False
    after_picture: bool = False
    ocr_confidence: float | None = None
    rows: tuple[tuple[str, ...], ...] = ()  # a table's cells, row by row; `text` is their joined form

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Block kind {self.kind!r} is none of the contract's kinds ({', '.join(KINDS)}).")
        if self.rows and self.kind != "table":
            raise ValueError(f"A {self.kind!r} block has table rows; only a 'table' block has them.")


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A parser's result: blocks in reading order and what the structure step learned."""

    source_format: str
    extraction: str
    blocks: tuple[Block, ...]
    page_count: int | None = None
    title: str | None = None
    published_date: date | None = None
    author: str | None = None
    language: str = "und"
    has_style_cues: bool = False
    ocr_pages: tuple[int, ...] = ()
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    signer: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    doc_id: str = _col(_STR)
    source_uri: str = _col(_STR)
    source_format: str = _col(_STR)
    extraction: str = _col(_STR)
    title: str | None = _col(_STR, nullable=True)
    published_date: date | None = _col(pa.date32(), nullable=True)
    author: str | None = _col(_STR, nullable=True)
    language: str = _col(_STR)
    page_count: int | None = _col(_I32, nullable=True)
    paragraph_count: int = _col(_I32)
    duplicate_paragraph_count: int = _col(_I32)
    duplicate_of_doc_id: str | None = _col(_STR, nullable=True)
    run_id: str = _col(_STR)
    ingested_at: datetime = _col(_TS)
    content_hash: str | None = _col(_STR, nullable=True)
    size_bytes: int = _col(_I64, default=0)
    issuer: str | None = _col(_STR, nullable=True, default=None)
    doc_number: str | None = _col(_STR, nullable=True, default=None)
    doc_type: str | None = _col(_STR, nullable=True, default=None)
    signer: str | None = _col(_STR, nullable=True, default=None)
    supersedes_doc_id: str | None = _col(_STR, nullable=True, default=None)
    parser_version: str | None = _col(_STR, nullable=True, default=None)


@dataclass(frozen=True, slots=True)
class ParagraphRecord:
    paragraph_id: str = _col(_STR)
    doc_id: str = _col(_STR)
    paragraph_index: int = _col(_I32)
    page_number: int | None = _col(_I32, nullable=True)
    kind: str = _col(_STR)
    text: str = _col(_STR)
    text_hash: str = _col(_STR)
    is_duplicate: bool = _col(pa.bool_())
    duplicate_of: str | None = _col(_STR, nullable=True)
    dup_scope: str | None = _col(_STR, nullable=True)
    similarity: float | None = _col(pa.float32(), nullable=True)
    ocr_confidence: float | None = _col(pa.float32(), nullable=True)
    run_id: str = _col(_STR)
    similar_to: str | None = _col(_STR, nullable=True, default=None)


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    source_uri: str = _col(_STR)
    doc_id: str | None = _col(_STR, nullable=True)
    error_type: str = _col(_STR)
    message: str = _col(_STR)
    run_id: str = _col(_STR)
    occurred_at: datetime = _col(_TS)


@dataclass(frozen=True, slots=True)
class SeenFileRecord:
    """A source file whose bytes are ingested, by size and modification time: what lets a re-run skip
    unchanged files without reading them."""

    source_uri: str = _col(_STR)
    size_bytes: int = _col(_I64)
    mtime_ns: int = _col(_I64)
    doc_id: str = _col(_STR)


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One source file and one change of its state (the `files` dataset); its current state is its latest row."""

    source_uri: str = _col(_STR)
    size_bytes: int | None = _col(_I64, nullable=True)
    modified_at: datetime | None = _col(_TS, nullable=True)
    doc_id: str | None = _col(_STR, nullable=True)
    status: str = _col(_STR)
    run_id: str = _col(_STR)
    seen_at: datetime = _col(_TS)
    mtime_ns: int | None = _col(_I64, nullable=True, default=None)
    error_type: str | None = _col(_STR, nullable=True, default=None)
    attempts: int = _col(_I32, default=0)


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str = _col(_STR)
    started_at: datetime = _col(_TS)
    finished_at: datetime | None = _col(_TS, nullable=True)
    source: str = _col(_STR)
    files_seen: int = _col(_I64)
    files_skipped: int = _col(_I64)
    documents_written: int = _col(_I64)
    paragraphs_written: int = _col(_I64)
    errors: int = _col(_I64)
    status: str = _col(_STR)
    duplicates_flagged: int = _col(_I64, default=0)
    # What each stage did; files written before these columns existed read them as nulls.
    skipped_unchanged: int = _col(_I64, default=0)
    skipped_already_ingested: int = _col(_I64, default=0)
    skipped_same_bytes: int = _col(_I64, default=0)
    pages_text_layer: int = _col(_I64, default=0)
    pages_ocr: int = _col(_I64, default=0)
    exact_duplicates: int = _col(_I64, default=0)
    near_duplicates: int = _col(_I64, default=0)
    similar_to_links: int = _col(_I64, default=0)
    files_removed: int = _col(_I64, default=0)
    files_not_settled: int = _col(_I64, default=0)
    failures_left_alone: int = _col(_I64, default=0)
    removal_note: str | None = _col(_STR, nullable=True, default=None)


def arrow_schema(record_type: type) -> pa.Schema:
    """The Arrow schema of an output record type, with the schema version in its metadata."""
    fields = [
        pa.field(f.name, f.metadata["arrow"], nullable=f.metadata["nullable"]) for f in dataclasses.fields(record_type)
    ]
    return pa.schema(fields, metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode()})


def to_table(records: list[Any], record_type: type) -> pa.Table:
    """Records of one type as an Arrow table with that type's schema."""
    schema = arrow_schema(record_type)
    columns = {name: [getattr(r, name) for r in records] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)
