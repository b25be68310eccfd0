"""MinHash signatures of matching keys, vectorised with numpy: character shingles, one-permutation hashing.

One 64-bit hash per character 5-gram; its top bits pick one of `BINS` bins and
each bin keeps the lowest value that fell into it (one-permutation hashing,
Li, Owen and Zhang 2012), so a paragraph costs one hash per shingle instead of
one per shingle and permutation. Empty bins (short texts) borrow the next
filled bin to the right. Each bin keeps only the low 8 bits of its minimum
(b-bit MinHash, Li and König 2010): two texts agree in a bin with probability
J + (1 - J) / 256, and four bins side by side make one 32-bit LSH band key.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

SHINGLE = 5
BINS = 128
ROWS_PER_BAND = 4
BANDS = BINS // ROWS_PER_BAND
SIGNATURE_BYTES = BINS

Signatures = npt.NDArray[np.uint8]
BandKeys = npt.NDArray[np.uint32]

_BIN_SHIFT = np.uint64(64 - (BINS.bit_length() - 1))
_LOW32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)
_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def signatures(keys: Sequence[str]) -> Signatures:
    """One row of `BINS` bytes per key; keys shorter than a shingle get the whole key as their one shingle."""
    hashes, rows = _shingle_hashes(keys)
    minima = np.full((len(keys), BINS), _EMPTY, dtype=np.uint32)
    bins = (hashes >> _BIN_SHIFT).astype(np.intp)
    np.minimum.at(minima, (rows, bins), (hashes & _LOW32).astype(np.uint32))
    return (_densify(minima) & 0xFF).astype(np.uint8)


def band_keys(signatures_: Signatures) -> BandKeys:
    """The `BANDS` LSH keys of each signature: four neighbouring bins read as one 32-bit number."""
    return np.ascontiguousarray(signatures_).view(np.uint32)


def agreement(a: Signatures, b: Signatures) -> float:
    """Estimated Jaccard similarity of two signatures, corrected for chance agreement of 8-bit values."""
    equal = float(np.count_nonzero(a == b)) / BINS
    return max(0.0, (equal - 1 / 256) / (1 - 1 / 256))


def _shingle_hashes(keys: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]:
    """Hashes of every key's character shingles, and the key each belongs to."""
    padded = [k if len(k) >= SHINGLE else k.ljust(SHINGLE, "\x01") for k in keys]
    joined = "\x00".join(padded) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    windows = len(codes) - SHINGLE + 1
    hashes = codes[:windows].copy()
    for j in range(1, SHINGLE):
        hashes *= _PRIME
        hashes += codes[j : windows + j]
    separators = np.concatenate(([0], np.cumsum(codes == 0)))
    inside = separators[SHINGLE : windows + SHINGLE] == separators[:windows]
    hashes = _mix(hashes[inside])
    counts = np.fromiter((len(k) - SHINGLE + 1 for k in padded), dtype=np.intp, count=len(padded))
    return hashes, np.repeat(np.arange(len(keys), dtype=np.intp), counts)


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: polynomial hashes of similar shingles become unrelated bit patterns."""
    values ^= values >> np.uint64(30)
    values *= _MIX1
    values ^= values >> np.uint64(27)
    values *= _MIX2
    values ^= values >> np.uint64(31)
    return values


def _densify(minima: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Empty bins take the value of the next filled bin to the right, wrapping around."""
    empty = minima == _EMPTY
    if not empty.any():
        return minima
    positions = np.where(empty, 2 * BINS, np.arange(BINS))
    twice = np.concatenate([positions, np.where(empty, 2 * BINS, positions + BINS)], axis=1)
    nearest = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :BINS] % BINS
    return np.take_along_axis(minima, nearest, axis=1)
