"""Dedup, step 2: for each paragraph, the earlier paragraph it repeats, exactly or nearly; the index learns
every paragraph that repeats none. Plain functions, no Prefect.

MinHash bands propose earlier paragraphs, a Levenshtein similarity of the two keys decides. A near copy
counts as a repeat only when its digit sequences equal the earlier paragraph's (`same_numbers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from reportflow.flows.steps.dedup_index import Entry, Lookup, SeenIndex
from reportflow.flows.steps.dedup_keys import DocumentKeys, digits
from reportflow.flows.steps.minhash import Signatures, agreement

if TYPE_CHECKING:
    from reportflow.flows.steps.dedup import DedupSettings


@dataclass(frozen=True, slots=True)
class Match:
    """An earlier paragraph (its index `seq`) that a paragraph repeats."""

    seq: int
    similarity: float
    same_numbers: bool
    exact: bool = False

    @property
    def is_duplicate(self) -> bool:
        return self.same_numbers


def find_matches(doc_id: str, keys: DocumentKeys, index: SeenIndex, settings: DedupSettings) -> list[Match | None]:
    """The match of each paragraph in order, earlier paragraphs of the same document included."""
    hashes = keys.index_hashes
    lookup = index.lookup(hashes, keys.signatures)
    matches = []
    for i, (key, key_hash) in enumerate(zip(keys.keys, hashes, strict=True)):
        row, sig = keys.signature_rows.get(i), keys.signature(i)
        match = _exact(index, lookup, i, key_hash) or _nearest(index, lookup, key, row, sig, settings)
        if match is None or not match.is_duplicate:
            index.add(Entry(doc_id, i, key_hash, key, sig), lookup, i, row)
        matches.append(match)
    return matches


def _exact(index: SeenIndex, lookup: Lookup, paragraph: int, key_hash: int) -> Match | None:
    seq = index.find_exact(lookup, paragraph, key_hash)
    return None if seq is None else Match(seq, 1.0, same_numbers=True, exact=True)


def _nearest(
    index: SeenIndex, lookup: Lookup, key: str, row: int | None, sig: Signatures | None, settings: DedupSettings
) -> Match | None:
    """The best verified near copy among the MinHash candidates: same numbers first, then most similar."""
    if row is None or sig is None:
        return None
    best: Match | None = None
    for seq in index.candidates(lookup, row):
        match = _verify(index, seq, key, sig, settings)
        if match and (best is None or (match.same_numbers, match.similarity) > (best.same_numbers, best.similarity)):
            best = match
    return best


def _verify(index: SeenIndex, seq: int, key: str, sig: Signatures, settings: DedupSettings) -> Match | None:
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
    return Match(seq, round(similarity, 4), digits(key) == digits(earlier))
