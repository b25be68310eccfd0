"""Duplicate flagging, exact and near: within a document, across a run and against earlier runs.

Plain functions, no Prefect. Documents must be fed in the contract's order
(earlier runs first, then sorted `source_uri`), so that the first occurrence
is the one every later copy points to. Three steps: keys and signatures
(`dedup_keys.py`), the search for the earlier paragraph each one repeats
(`dedup_find.py`, against `dedup_index.py`), and the flags (`dedup_flags.py`).

A near copy is a duplicate only when its digit sequences equal the earlier
paragraph's: a monthly report that repeats last month's sentence with new
figures is new information, linked by `similar_to` but never flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportflow.flows.defaults import DEFAULT_THRESHOLD
from reportflow.flows.steps.dedup_find import find_matches
from reportflow.flows.steps.dedup_flags import FlaggedDocument, flag_paragraphs
from reportflow.flows.steps.dedup_index import SeenIndex
from reportflow.flows.steps.dedup_keys import DocumentKeys, dedup_key, digits, document_keys
from reportflow.schemas import ParsedDocument, SettingsError


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """How near is a near duplicate.

    `threshold`: normalised Levenshtein similarity of the two matching keys
    (1 - edits / longer length) from which a paragraph is a near copy; 0.9
    takes OCR noise up to about 5% of characters. `min_length`: keys shorter
    than this (dates, signatures) only ever match exactly. `min_agreement`:
    estimated shingle Jaccard below which a MinHash candidate is not worth a
    Levenshtein check. `coverage`: the share of a document's characters that
    must repeat one earlier document, and of that document's first
    occurrences, for the whole document to be its copy.
    """

    threshold: float = DEFAULT_THRESHOLD
    min_length: int = 30
    min_agreement: float = 0.2
    coverage: float = 0.9

    def __post_init__(self) -> None:
        if not 0.5 <= self.threshold < 1.0:
            raise SettingsError(f"near-duplicate threshold must be in [0.5, 1), not {self.threshold}")
        if self.min_length < 1:
            raise SettingsError(f"min_length must be positive, not {self.min_length}")
        if not 0.0 < self.coverage <= 1.0:
            raise SettingsError(f"coverage must be in (0, 1], not {self.coverage}")


def flag_document(
    doc_id: str,
    document: ParsedDocument,
    index: SeenIndex,
    run_id: str,
    settings: DedupSettings = DedupSettings(),
    keys: DocumentKeys | None = None,
) -> FlaggedDocument:
    """Paragraph records of one document with duplicates flagged; the index learns its first occurrences.
    KEYS: the document's keys, when they were made already (`document_keys`)."""
    keys = keys if keys is not None else document_keys(document, settings.min_length)
    matches = find_matches(doc_id, keys, index, settings)
    return flag_paragraphs(doc_id, document, keys, matches, index, run_id, settings)


__all__ = [
    "DedupSettings",
    "FlaggedDocument",
    "SeenIndex",
    "dedup_key",
    "digits",
    "flag_document",
]
