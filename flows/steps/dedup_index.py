"""What dedup has seen: the first occurrence of every paragraph key, and their MinHash band keys.

Entries are numbered in the contract's order of first occurrence (`seq`), and
a lookup always answers with the lowest such number, whether the entry was
loaded from earlier batches or added in this process: a run resumed after a
crash flags exactly what one clean run would. Entries of earlier batches are
looked up where they lie, in the memory-mapped sorted arrays of the index
cache (`dedup_cache.py`, brought up to date with DEST's index files by
`load_index`); `Frozen` answers the same from arrays in memory. An earlier
paragraph's text is read back only for a candidate. Entries of this process
live in dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from reportflow.flows.steps.dedup_keys import dedup_key
from reportflow.flows.steps.destination import Destination
from reportflow.flows.steps.minhash import BANDS, SIGNATURE_BYTES, BandKeys, Signatures, band_keys
from reportflow.flows.steps.store import INDEX_DIR, DatasetStore

log = logging.getLogger(__name__)

# Keys of earlier batches' entries, fetched on demand: (index part, [(doc_id, paragraph_index)]) -> keys.
KeyFetcher = Callable[[str, Sequence[tuple[str, int]]], list[str]]

INDEX_SCHEMA = pa.schema(
    [
        pa.field("seq", pa.int64(), nullable=False),
        pa.field("doc_id", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("paragraph_index", pa.int32(), nullable=False),
        pa.field("key_hash", pa.uint64(), nullable=False),
        pa.field("key_length", pa.int32(), nullable=False),
        pa.field("signature", pa.binary(SIGNATURE_BYTES), nullable=True),
    ]
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A first occurrence, as this process added it."""

    doc_id: str
    paragraph_index: int
    key_hash: int
    key: str
    signature: Signatures | None

    @property
    def paragraph_id(self) -> str:
        return f"{self.doc_id}:{self.paragraph_index}"


class Earlier(Protocol):
    """Entries of earlier batches, numbered 0 .. size - 1: in memory (`Frozen`) or on disk (`CachedEntries`)."""

    size: int

    def first_exact(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]: ...
    def first_bands(self, bands: BandKeys) -> npt.NDArray[np.int64]: ...
    def entry_count(self, doc_id: str) -> int: ...
    def key_length(self, seq: int) -> int: ...
    def signature(self, seq: int) -> Signatures: ...
    def doc_id(self, seq: int) -> str: ...
    def paragraph_id(self, seq: int) -> str: ...
    def key(self, seq: int) -> str: ...


class Frozen:
    """Entries of earlier batches, loaded from the index files in time linear in their size (plus sorts)."""

    def __init__(self, tables: Sequence[pa.Table], fetch: KeyFetcher | None, parts: Sequence[str] = ()) -> None:
        table = pa.concat_tables([t.cast(INDEX_SCHEMA) for t in tables]) if tables else INDEX_SCHEMA.empty_table()
        files = [np.full(t.num_rows, i, dtype=np.int32) for i, t in enumerate(tables)]
        order = np.argsort(table.column("seq").to_numpy(), kind="stable")
        self.size: int = table.num_rows
        self.parts = list(parts)
        self.files = np.concatenate(files)[order] if files else np.zeros(0, dtype=np.int32)
        self.doc_ids, self.docs = _doc_ordinals(table.column("doc_id"), order)
        self.paragraph_index = table.column("paragraph_index").to_numpy()[order]
        self.key_lengths = table.column("key_length").to_numpy()[order]
        self.signatures = signature_matrix(table.column("signature"))[order]
        self.exact = _SortedLookup(table.column("key_hash").to_numpy()[order])
        has_signature = ~table.column("signature").is_null().to_numpy(zero_copy_only=False)[order]
        bands = band_keys(self.signatures)
        self.bands = [_SortedLookup(bands[:, j], has_signature) for j in range(BANDS)]
        counts: list[int] = np.bincount(self.docs, minlength=len(self.doc_ids)).tolist()
        self.doc_entries: dict[str, int] = dict(zip(self.doc_ids, counts, strict=True))
        self._fetch = fetch
        self._keys: dict[int, str] = {}

    def first_exact(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        return self.exact.first_many(hashes)

    def first_bands(self, bands: BandKeys) -> npt.NDArray[np.int64]:
        return np.stack([self.bands[j].first_many(bands[:, j]) for j in range(BANDS)], axis=1)

    def entry_count(self, doc_id: str) -> int:
        return self.doc_entries.get(doc_id, 0)

    def key_length(self, seq: int) -> int:
        return int(self.key_lengths[seq])

    def signature(self, seq: int) -> Signatures:
        row: Signatures = self.signatures[seq]
        return row

    def paragraph_id(self, row: int) -> str:
        return f"{self.doc_ids[self.docs[row]]}:{self.paragraph_index[row]}"

    def doc_id(self, row: int) -> str:
        return str(self.doc_ids[self.docs[row]])

    def key(self, row: int) -> str:
        """The matching key of an earlier entry, read from its paragraphs file the first time it is needed."""
        if row not in self._keys:
            if self._fetch is None:
                raise LookupError("this index cannot read earlier paragraphs")
            part = self.parts[int(self.files[row])]
            (key,) = self._fetch(part, [(self.doc_id(row), int(self.paragraph_index[row]))])
            self._keys[row] = key
        return self._keys[row]


class Contents:
    """Content hash -> the document that first had it: earlier batches' looked up in EARLIER (a dict, or the
    index cache's sorted arrays), this process's in a dict."""

    def __init__(self, earlier: Mapping[str, str] | Any = None) -> None:
        self.earlier = earlier if earlier is not None else {}
        self.added: dict[str, str] = {}

    def setdefault(self, content: str, doc_id: str) -> str:
        found = self.get(content)
        if found is None:
            self.added[content] = found = doc_id
        return found

    def get(self, content: str) -> str | None:
        found: str | None = self.added.get(content)
        return found if found is not None else self.earlier.get(content)

    def __len__(self) -> int:
        return len(self.earlier) + len(self.added)


@dataclass(frozen=True, slots=True)
class _BatchLookup:
    """Earlier batches' first entries for a batch's exact keys and band keys (-1: none), looked up at once
    in SOURCE (answers of another `frozen` would be wrong)."""

    source: Earlier
    exact: dict[int, int]
    bands: list[dict[int, int]]

    def holds(self, key_hashes: Sequence[int], bands: list[list[int]]) -> bool:
        return all(h in self.exact for h in key_hashes) and all(
            v in self.bands[j] for row in bands for j, v in enumerate(row)
        )


@dataclass(slots=True)
class SeenIndex:
    """First occurrences so far: exact keys, MinHash bands and whole-document contents."""

    frozen: Earlier = field(default_factory=lambda: Frozen([], None))
    entries: list[Entry] = field(default_factory=list)
    exact: dict[int, int] = field(default_factory=dict)
    bands: list[dict[int, int]] = field(default_factory=lambda: [{} for _ in range(BANDS)])
    contents: Contents = field(default_factory=Contents)
    doc_entries: dict[str, int] = field(default_factory=dict)
    written: int = 0
    batch: _BatchLookup | None = None

    def look_up_earlier(self, key_hashes: Sequence[int], signatures: Signatures) -> None:
        """What earlier batches hold for a whole batch's paragraphs, looked up at once and kept for `lookup`
        (on disk, one search per run and band for the batch, not one per document)."""
        hashes = np.array(key_hashes, dtype=np.uint64)
        bands = band_keys(signatures) if len(signatures) else np.zeros((0, BANDS), dtype=np.uint32)
        exact = self.frozen.first_exact(hashes).tolist()
        firsts = self.frozen.first_bands(bands) if len(bands) else np.zeros((0, BANDS), dtype=np.int64)
        self.batch = _BatchLookup(
            self.frozen,
            dict(zip(hashes.tolist(), exact, strict=True)),
            [dict(zip(bands[:, j].tolist(), firsts[:, j].tolist(), strict=True)) for j in range(BANDS)],
        )

    def lookup(self, key_hashes: Sequence[int], signatures: Signatures) -> Lookup:
        """What earlier batches hold for a document's paragraphs: from `look_up_earlier` when it looked them
        up, else looked up for all of them at once."""
        bands = band_keys(signatures) if len(signatures) else np.zeros((0, BANDS), dtype=np.uint32)
        band_values = bands.tolist()
        batch = self.batch
        if batch is not None and batch.source is self.frozen and batch.holds(key_hashes, band_values):
            firsts = [[batch.bands[j][v] for j, v in enumerate(row)] for row in band_values]
            return Lookup([batch.exact[h] for h in key_hashes], band_values, firsts)
        hashes = np.array(key_hashes, dtype=np.uint64)
        return Lookup(
            self.frozen.first_exact(hashes).tolist(),
            band_values,
            self.frozen.first_bands(bands).tolist() if len(bands) else [],
        )

    def find_exact(self, lookup: Lookup, paragraph: int, key_hash: int) -> int | None:
        """The number of the first entry with this key, if any."""
        row = lookup.exact[paragraph]
        return row if row >= 0 else self.exact.get(key_hash)

    def candidates(self, lookup: Lookup, row: int) -> list[int]:
        """Entries sharing at least one band key with a signature: the first entry of each such bucket."""
        found = set()
        for band, (value, frozen) in enumerate(zip(lookup.bands[row], lookup.band_rows[row], strict=True)):
            earlier = frozen if frozen >= 0 else self.bands[band].get(value)
            if earlier is not None:
                found.add(earlier)
        return sorted(found)

    def add(self, entry: Entry, lookup: Lookup, paragraph: int, row: int | None) -> int:
        """Learn a first occurrence; `row` is its signature's row in the lookup, None without one."""
        seq = self.frozen.size + len(self.entries)
        self.entries.append(entry)
        if lookup.exact[paragraph] < 0:
            self.exact.setdefault(entry.key_hash, seq)
        if row is not None:
            for band, (value, frozen) in enumerate(zip(lookup.bands[row], lookup.band_rows[row], strict=True)):
                if frozen < 0:
                    self.bands[band].setdefault(value, seq)
        self.doc_entries[entry.doc_id] = self.doc_entries.get(entry.doc_id, 0) + 1
        return seq

    def entry_count(self, doc_id: str) -> int:
        """How many first occurrences a document brought."""
        return self.frozen.entry_count(doc_id) + self.doc_entries.get(doc_id, 0)

    def paragraph_id(self, seq: int) -> str:
        return self.frozen.paragraph_id(seq) if seq < self.frozen.size else self._entry(seq).paragraph_id

    def doc_id(self, seq: int) -> str:
        return self.frozen.doc_id(seq) if seq < self.frozen.size else self._entry(seq).doc_id

    def key(self, seq: int) -> str:
        return self.frozen.key(seq) if seq < self.frozen.size else self._entry(seq).key

    def key_length(self, seq: int) -> int:
        return self.frozen.key_length(seq) if seq < self.frozen.size else len(self._entry(seq).key)

    def signature(self, seq: int) -> Signatures | None:
        return self.frozen.signature(seq) if seq < self.frozen.size else self._entry(seq).signature

    def unwritten(self) -> pa.Table:
        """Entries added since the last call, as rows of an index file."""
        start, self.written = self.written, len(self.entries)
        return _index_table(self.frozen.size + start, self.entries[start:])

    def _entry(self, seq: int) -> Entry:
        return self.entries[seq - self.frozen.size]


def load_index(store: DatasetStore) -> SeenIndex:
    """First occurrences from earlier batches, looked up in the index cache (which absorbs the index files it
    has not seen yet, reading only those); earlier text is read only on demand."""
    from reportflow.flows.steps.dedup_cache import open_cached  # the cache builds on this module

    try:
        entries, contents = open_cached(store)
    except OSError as e:
        log.warning("the index cache cannot be used (%s); loading the whole index into memory", e)
        return load_whole_index(store)
    if not entries.numbered_in_order():
        log.warning("the index's entries are not numbered 0 .. %d; loading it whole into memory", entries.size - 1)
        return load_whole_index(store)
    return SeenIndex(frozen=entries, contents=Contents(contents))


def load_whole_index(store: DatasetStore) -> SeenIndex:
    """First occurrences from earlier batches, every index file read into memory (`Frozen`)."""
    dest = store.dest
    files = dest.listing(INDEX_DIR, "ingest_date=*/part-*.parquet")
    docs = store.read("documents", ["content_hash", "doc_id", "duplicate_of_doc_id"])
    tables = [pq.read_table(dest.path(f), filesystem=dest.filesystem) for f in files]
    frozen = Frozen(tables, ParagraphKeys(dest).fetch, files)
    return SeenIndex(frozen=frozen, contents=Contents(content_owners(docs)))


def content_owners(docs: pa.Table) -> dict[str, str]:
    """Each content hash's first document: the one not marked a copy of another with that very content.
    A re-scan marked a near copy of its original still brings a content of its own, which a later exact
    copy of it points to, as it would in one run (`flag_paragraphs` learns every new content)."""
    hashes, ids = docs["content_hash"].to_pylist(), docs["doc_id"].to_pylist()
    content = dict(zip(ids, hashes, strict=True))
    copies = docs["duplicate_of_doc_id"].to_pylist()
    return {
        c: d
        for c, d, copy_of in zip(hashes, ids, copies, strict=True)
        if c and (copy_of is None or content.get(copy_of) != c)
    }


def paragraphs_file(part: str) -> str:
    """The paragraphs file published with an index part (the same partition and name)."""
    return "paragraphs/" + part.removeprefix(INDEX_DIR + "/")


class ParagraphKeys:
    """Matching keys of earlier paragraphs, read from the paragraphs file beside their index part: the one
    row group that holds a paragraph whose row is known (`key_at`), else the whole file (`fetch`); the
    files and row groups read last are kept."""

    def __init__(self, dest: Destination, cached: int = 8, group_bytes: int = 64 << 20) -> None:
        self._dest = dest
        self._cache: dict[str, dict[str, str]] = {}
        self._cached = cached
        self._files: dict[str, tuple[pq.ParquetFile, npt.NDArray[np.int64]]] = {}
        self._groups: dict[tuple[str, int], pa.Table] = {}
        self._group_bytes = group_bytes
        self._held = 0
        self.groups_read = 0

    def fetch(self, part: str, paragraphs: Sequence[tuple[str, int]]) -> list[str]:
        if part not in self._cache:
            if len(self._cache) >= self._cached:
                del self._cache[next(iter(self._cache))]
            path = self._dest.path(paragraphs_file(part))
            table = pq.read_table(path, columns=["paragraph_id", "text"], filesystem=self._dest.filesystem)
            ids, texts = table["paragraph_id"].to_pylist(), table["text"].to_pylist()
            self._cache[part] = dict(zip(ids, texts, strict=True))
        texts = self._cache[part]
        return [dedup_key(texts[f"{doc_id}:{i}"]) for doc_id, i in paragraphs]

    def key_at(self, part: str, row: int, paragraph: tuple[str, int]) -> str:
        """The key of PARAGRAPH, at ROW of the paragraphs file beside PART: only its row group is read."""
        path = paragraphs_file(part)
        file, starts = self._file(path)
        group = int(np.searchsorted(starts, row, side="right")) - 1
        if 0 <= group < file.metadata.num_row_groups:
            table = self._group(path, file, group)
            at = row - int(starts[group])
            found: str | None = table["paragraph_id"][at].as_py() if at < table.num_rows else None
            if found == f"{paragraph[0]}:{paragraph[1]}":
                return dedup_key(str(table["text"][at].as_py()))
        (key,) = self.fetch(part, [paragraph])  # the row moved (a file written otherwise): find it by id
        return key

    def _file(self, path: str) -> tuple[pq.ParquetFile, npt.NDArray[np.int64]]:
        if path not in self._files:
            if len(self._files) >= self._cached:
                del self._files[next(iter(self._files))]
            file = pq.ParquetFile(self._dest.path(path), filesystem=self._dest.filesystem)
            rows = [file.metadata.row_group(g).num_rows for g in range(file.metadata.num_row_groups)]
            self._files[path] = (file, np.concatenate([[0], np.cumsum(rows, dtype=np.int64)]))
        return self._files[path]

    def _group(self, path: str, file: pq.ParquetFile, group: int) -> pa.Table:
        """A row group's ids and texts; the groups read last are kept up to `group_bytes` (a file written
        before paragraphs had small row groups is one big group, kept alone)."""
        if (path, group) not in self._groups:
            table = file.read_row_group(group, columns=["paragraph_id", "text"])
            self.groups_read += 1
            while self._groups and self._held + table.nbytes > self._group_bytes:
                self._held -= self._groups.pop(next(iter(self._groups))).nbytes
            self._groups[(path, group)] = table
            self._held += table.nbytes
        return self._groups[(path, group)]


@dataclass(frozen=True, slots=True)
class Lookup:
    """A document's paragraphs against earlier batches: first entry per exact key and per band key, -1 for none."""

    exact: list[int]
    bands: list[list[int]]
    band_rows: list[list[int]]


class _SortedLookup:
    """`value -> lowest row` over a frozen array, by binary search; rows where `keep` is false are left out."""

    def __init__(
        self, values: npt.NDArray[np.uint64] | npt.NDArray[np.uint32], keep: npt.NDArray[np.bool_] | None = None
    ):
        rows = np.arange(len(values), dtype=np.int64) if keep is None else np.flatnonzero(keep)
        order = np.argsort(values[rows], kind="stable")
        self.values = values[rows][order]
        self.rows = rows[order].astype(np.int32)

    def first_many(self, values: npt.NDArray[np.uint64] | npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
        return first_in_sorted(self.values, self.rows, values)


def first_in_sorted(
    sorted_values: npt.NDArray[Any], rows: npt.NDArray[Any], values: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """For each of VALUES, the row beside its first occurrence in SORTED_VALUES, -1 where it has none."""
    if not len(sorted_values):
        return np.full(len(values), -1, dtype=np.int64)
    order = np.argsort(values, kind="stable")  # searched in order, each search starts where the last ended
    ordered = values[order]
    at = np.minimum(np.searchsorted(sorted_values, ordered), len(sorted_values) - 1)
    hit = sorted_values[at] == ordered
    found = np.full(len(values), -1, dtype=np.int64)
    found[order[hit]] = rows[at[hit]]  # only the hits' rows: on disk, each row read is a page read
    return found


def _doc_ordinals(column: pa.ChunkedArray, order: npt.NDArray[np.intp]) -> tuple[list[str], npt.NDArray[np.int32]]:
    """Distinct doc ids and each row's position among them."""
    array = column.cast(pa.string()).combine_chunks().dictionary_encode()
    return array.dictionary.to_pylist(), array.indices.to_numpy(zero_copy_only=False).astype(np.int32)[order]


def signature_matrix(column: pa.ChunkedArray) -> Signatures:
    if not len(column):
        return np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8)
    array = column.fill_null(b"\0" * SIGNATURE_BYTES).combine_chunks()
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    start = array.offset * SIGNATURE_BYTES
    return data[start : start + len(array) * SIGNATURE_BYTES].reshape(-1, SIGNATURE_BYTES)


def _index_table(first_seq: int, entries: Sequence[Entry]) -> pa.Table:
    signatures = [e.signature.tobytes() if e.signature is not None else None for e in entries]
    return pa.table(
        {
            "seq": pa.array(range(first_seq, first_seq + len(entries)), pa.int64()),
            "doc_id": pa.array([e.doc_id for e in entries], pa.string()).dictionary_encode(),
            "paragraph_index": pa.array([e.paragraph_index for e in entries], pa.int32()),
            "key_hash": pa.array([e.key_hash for e in entries], pa.uint64()),
            "key_length": pa.array([len(e.key) for e in entries], pa.int32()),
            "signature": pa.array(signatures, pa.binary(SIGNATURE_BYTES)),
        },
        schema=INDEX_SCHEMA,
    )
