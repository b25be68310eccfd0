"""Dedup, step 1: each paragraph's matching key, its hash and, for keys long enough to match nearly, its
MinHash signature. Plain functions, no Prefect."""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

from reportflow.flows.steps.minhash import SIGNATURE_BYTES, Signatures, signatures
from reportflow.schemas import ParsedDocument

# Vietnamese tone marks; old and new placement (hoà/hòa) differ only in which vowel carries them.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_ONE_TONE_ON = re.compile(rf"({_TONE})([^\s\u0300\u0301\u0303\u0309\u0323]+)")
_TWO_TONES = re.compile(rf"\S*{_TONE}\S*{_TONE}\S*")
_DIGITS = re.compile(r"\d+")


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


def key_digest(key: str) -> str:
    """Hex digest of a matching key: the `text_hash` column."""
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def index_hash(digest: str) -> int:
    """The 64 bits of a key's digest that the index keeps."""
    return int(digest[:16], 16)


def digits(key: str) -> list[str]:
    return _DIGITS.findall(key)


@dataclass(frozen=True, slots=True)
class DocumentKeys:
    """What one document's paragraphs are matched by: keys, their digests, and signatures of the long keys."""

    keys: list[str]
    digests: list[str]
    signatures: Signatures  # one row per paragraph in `signature_rows`
    signature_rows: dict[int, int]  # paragraph index -> its row in `signatures`

    @property
    def index_hashes(self) -> list[int]:
        return [index_hash(d) for d in self.digests]

    def signature(self, paragraph: int) -> Signatures | None:
        row = self.signature_rows.get(paragraph)
        return None if row is None else self.signatures[row]


def document_keys(document: ParsedDocument, min_length: int) -> DocumentKeys:
    """Keys of every paragraph; signatures only for keys of `min_length` or more (shorter ones match exactly)."""
    keys = [dedup_key(block.text) for block in document.blocks]
    long = [i for i, key in enumerate(keys) if len(key) >= min_length]
    sigs = signatures([keys[i] for i in long]) if long else np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8)
    return DocumentKeys(keys, [key_digest(k) for k in keys], sigs, {p: row for row, p in enumerate(long)})
