"""Turning parse results into output records, duplicates flagged. Plain functions, no Prefect."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from reportflow.flows.steps.dedup import DedupSettings, FlaggedDocument, flag_document
from reportflow.flows.steps.dedup_index import SeenIndex
from reportflow.flows.steps.dedup_keys import DocumentKeys, document_keys
from reportflow.flows.steps.minhash import SIGNATURE_BYTES
from reportflow.flows.steps.parse import Failed, Parsed
from reportflow.flows.steps.reprocess import is_reparse, without_own_earlier_version
from reportflow.flows.steps.sources import fingerprint
from reportflow.flows.steps.store import Batch
from reportflow.schemas import DocumentRecord, ErrorRecord


@dataclass(slots=True)
class Tally:
    """What a run did so far."""

    documents: int = 0
    paragraphs: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    similar_to_links: int = 0
    pages_text_layer: int = 0
    pages_ocr: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)

    @property
    def duplicates(self) -> int:
        return self.exact_duplicates + self.near_duplicates

    @property
    def pages(self) -> int:
        return self.pages_text_layer + self.pages_ocr

    def count(self, result: Parsed, flagged: FlaggedDocument) -> None:
        """Count one written document."""
        document = result.document
        self.documents += 1
        self.formats[f"{document.source_format} ({document.extraction})"] += 1
        self.pages_ocr += len(document.ocr_pages)
        self.pages_text_layer += (document.page_count or 0) - len(document.ocr_pages)
        self.paragraphs += len(flagged.paragraphs)
        self.exact_duplicates += flagged.exact_duplicates
        self.near_duplicates += flagged.near_duplicates
        self.similar_to_links += flagged.similar_to_links


def assemble_batch(
    results: Sequence[Parsed | Failed],
    index: SeenIndex,
    run_id: str,
    now: datetime,
    tally: Tally,
    settings: DedupSettings = DedupSettings(),  # noqa: B008 - frozen, shared safely
    parser_version: str | None = None,
) -> Batch:
    """Records for one batch of results, which must be in sorted `source_uri` order, and the index rows they add."""
    batch = Batch()
    keys = [document_keys(r.document, settings.min_length) if isinstance(r, Parsed) else None for r in results]
    _look_up_earlier(index, [k for k in keys if k is not None])
    for result, doc_keys in zip(results, keys, strict=True):
        if isinstance(result, Failed):
            batch.errors.append(_error_record(result, run_id, now))
            tally.errors[result.error_type] += 1
            continue
        flagged = flag_document(result.doc_id, result.document, index, run_id, settings, doc_keys)
        if is_reparse(result.source):
            flagged = without_own_earlier_version(flagged)
        batch.paragraphs.extend(flagged.paragraphs)
        batch.documents.append(_document_record(result, flagged, run_id, now, parser_version))
        batch.files.append(fingerprint(result.source, result.doc_id))
        tally.count(result, flagged)
    batch.index = index.unwritten()
    return batch


def _look_up_earlier(index: SeenIndex, keys: list[DocumentKeys]) -> None:
    """The whole batch's keys looked up in earlier batches at once."""
    signatures = [k.signatures for k in keys if len(k.signatures)]
    index.look_up_earlier(
        [h for k in keys for h in k.index_hashes],
        np.concatenate(signatures) if signatures else np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8),
    )


def _document_record(
    result: Parsed, flagged: FlaggedDocument, run_id: str, now: datetime, parser_version: str | None = None
) -> DocumentRecord:
    doc = result.document
    return DocumentRecord(
        doc_id=result.doc_id,
        source_uri=result.source.uri,
        source_format=doc.source_format,
        extraction=doc.extraction,
        title=doc.title,
        published_date=doc.published_date,
        author=doc.author,
        language=doc.language,
        page_count=doc.page_count,
        paragraph_count=len(flagged.paragraphs),
        duplicate_paragraph_count=flagged.duplicate_count,
        duplicate_of_doc_id=flagged.duplicate_of_doc_id,
        run_id=run_id,
        ingested_at=now,
        content_hash=flagged.content_hash,
        size_bytes=result.source.size,
        issuer=doc.issuer,
        doc_number=doc.doc_number,
        doc_type=doc.doc_type,
        signer=doc.signer,
        supersedes_doc_id=result.source.previous_doc_id,
        parser_version=parser_version,
    )


def _error_record(result: Failed, run_id: str, now: datetime) -> ErrorRecord:
    return ErrorRecord(
        source_uri=result.source.uri,
        doc_id=result.doc_id,
        error_type=result.error_type,
        message=result.message,
        run_id=run_id,
        occurred_at=now,
    )
