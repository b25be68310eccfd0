"""Duplicate flagging, exact and near: within a document, across a run and against earlier runs.

Plain functions, no Prefect. Documents must be fed in the contract's order
(earlier runs first, then sorted `source_uri`), so that the first occurrence
is the one every later copy points to.

Near duplicates: MinHash bands (`minhash.py`) propose earlier paragraphs, a
Levenshtein similarity of the two matching keys decides. A near copy is a
duplicate only when its digit sequences equal the earlier paragraph's: a
monthly report that repeats last month's sentence with new figures is new
information, linked by `similar_to` but never flagged.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz.distance import Levenshtein

from reportflow.flows.steps.dedup_index import Entry, Lookup, SeenIndex
from reportflow.flows.steps.minhash import SIGNATURE_BYTES, Signatures, agreement, signatures
from reportflow.schemas import ParagraphRecord, ParsedDocument

# Vietnamese tone marks; old and new placement (hoà/hòa) differ only in which vowel carries them.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_ONE_TONE_ON = re.compile(rf"({_TONE})([^\s\u0300\u0301\u0303\u0309\u0323]+)")
_TWO_TONES = re.compile(rf"\S*{_TONE}\S*{_TONE}\S*")
_DIGITS = re.compile(r"\d+")
DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """How near is a near duplicate.

    `threshold`: normalised Levenshtein similarity of the two matching keys
    (1 - edits / longer length) from which a paragraph is a near copy; 0.9
    takes OCR noise up to about 5% of characters. `min_length`: keys shorter
    than this (dates, signatures) only ever match exactly. `min_agreement`:
    estimated shingle Jaccard below which a MinHash candidate is not worth a
    Levenshtein check.
    """

    threshold: float = DEFAULT_THRESHOLD
    min_length: int = 30
    min_agreement: float = 0.2
    coverage: float = 0.9

    def __post_init__(self) -> None:
        if not 0.5 <= self.threshold < 1.0:
            raise ValueError(f"near-duplicate threshold must be in [0.5, 1), not {self.threshold}")
        if self.min_length < 1:
            raise ValueError(f"min_length must be positive, not {self.min_length}")
        if not 0.0 < self.coverage <= 1.0:
            raise ValueError(f"coverage must be in (0, 1], not {self.coverage}")


def dedup_key(text: str) -> str:
    """The matching key: case, punctuation, spacing and tone-mark placement folded."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    words = " ".join(decomposed.translate(_punctuation_to_space()).split())
    return _ONE_TONE_ON.sub(r"\2\1", _TWO_TONES.sub(_fold_tone_placement, words))


def _fold_tone_placement(match: re.Match[str]) -> str:
    word = match.group()
    tones = "".join(sorted(c for c in word if c in _TONE_MARKS))
    return "".join(c for c in word if c not in _TONE_MARKS) + tones


@cache
def _punctuation_to_space() -> dict[int, str]:
    return {c: " " for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c))[0] == "P"}


def text_hash(text: str) -> str:
    """Hex digest of a text's matching key."""
    return _key_hash(dedup_key(text))


def _key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def digits(key: str) -> list[str]:
    return _DIGITS.findall(key)


@dataclass(frozen=True, slots=True)
class FlaggedDocument:
    paragraphs: list[ParagraphRecord]
    content_hash: str
    duplicate_of_doc_id: str | None

    @property
    def duplicate_count(self) -> int:
        return sum(p.is_duplicate for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class _Match:
    seq: int
    similarity: float
    same_numbers: bool


def flag_document(
    doc_id: str,
    document: ParsedDocument,
    index: SeenIndex,
    run_id: str,
    settings: DedupSettings = DedupSettings(),
) -> FlaggedDocument:
    """Paragraph records of one document with duplicates flagged; the index learns its first occurrences."""
    keys = [dedup_key(block.text) for block in document.blocks]
    hashes = [_key_hash(key) for key in keys]
    long = [i for i, key in enumerate(keys) if len(key) >= settings.min_length]
    sigs = signatures([keys[i] for i in long]) if long else np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8)
    sig_rows = dict(zip(long, range(len(long)), strict=True))
    lookup = index.lookup([int(h[:16], 16) for h in hashes], sigs)
    records, targets = [], []
    for i, (block, key, hashed) in enumerate(zip(document.blocks, keys, hashes, strict=True)):
        row = sig_rows.get(i)
        sig = sigs[row] if row is not None else None
        match = _find(index, lookup, i, (key, int(hashed[:16], 16)), row, sig, settings)
        duplicate = match is not None and match.same_numbers
        if match is None or not match.same_numbers:
            index.add(Entry(doc_id, i, int(hashed[:16], 16), key, sig), lookup, i, row)
        earlier = index.paragraph_id(match.seq) if match else None
        scope = None
        if duplicate and match:
            scope = "document" if index.doc_id(match.seq) == doc_id else "corpus"
            targets.append((match.seq, len(key)) if scope == "corpus" else (-1, len(key)))
        else:
            targets.append((-1, len(key)))
        records.append(
            ParagraphRecord(
                paragraph_id=f"{doc_id}:{i}",
                doc_id=doc_id,
                paragraph_index=i,
                page_number=block.page_number,
                kind=block.kind,
                text=block.text,
                text_hash=hashed,
                is_duplicate=duplicate,
                duplicate_of=earlier if duplicate else None,
                dup_scope=scope,
                similarity=match.similarity if match else None,
                ocr_confidence=block.ocr_confidence,
                run_id=run_id,
                similar_to=None if duplicate or match is None else earlier,
            )
        )
    content = _content_hash(r.text_hash for r in records)
    copy_of = index.contents.setdefault(content, doc_id)
    if copy_of == doc_id:
        copy_of = _mostly_copy_of(targets, index, settings) or doc_id
    return FlaggedDocument(records, content, None if copy_of == doc_id else copy_of)


def _find(
    index: SeenIndex,
    lookup: Lookup,
    paragraph: int,
    keyed: tuple[str, int],
    row: int | None,
    sig: Signatures | None,
    settings: DedupSettings,
) -> _Match | None:
    """The earlier paragraph this one repeats: an exact repeat, else the best verified near copy."""
    key, key_hash = keyed
    exact = index.find_exact(lookup, paragraph, key_hash)
    if exact is not None:
        return _Match(exact, 1.0, True)
    if row is None or sig is None:
        return None
    best: _Match | None = None
    for seq in index.candidates(lookup, row):
        match = _verify(index, seq, key, sig, settings)
        if match and (best is None or (match.same_numbers, match.similarity) > (best.same_numbers, best.similarity)):
            best = match
    return best


def _verify(index: SeenIndex, seq: int, key: str, sig: Signatures, settings: DedupSettings) -> _Match | None:
    length = index.key_length(seq)
    if min(length, len(key)) < settings.threshold * max(length, len(key)):
        return None
    earlier_sig = index.signature(seq)
    if earlier_sig is None or agreement(sig, earlier_sig) < settings.min_agreement:
        return None
    earlier = index.key(seq)
    similarity = Levenshtein.normalized_similarity(key, earlier, score_cutoff=settings.threshold)
    if similarity < settings.threshold:
        return None
    return _Match(seq, round(similarity, 4), digits(key) == digits(earlier))


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


def _content_hash(keys: Iterable[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for key in keys:
        digest.update(key.encode())
    return digest.hexdigest()
