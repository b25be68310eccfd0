"""The dedup index looked up where it lies: sorted, memory-mapped arrays derived from DEST's index files.

DEST's index parts (published with their batch) and its `documents` dataset stay the truth. This cache
holds the same entries as a few *runs*, each a folder of flat arrays covering some of those files:
- `exact_value`/`exact_seq`: each key hash with the lowest entry number (`seq`) that has it, sorted;
- `band_value`/`band_seq`: the same for the MinHash band keys, the 32 bands one after the other
  (`band_start`), entries without a signature left out;
- per entry, in `seq` order: `seq`, `key_length`, `signature`, `doc` (into `doc_id`), `paragraph_index`,
  `part` (into the run's list of index parts, which names the paragraphs file holding its text) and
  `row` (its paragraph's row in that file, less the part's `offset` there once compacted), so that a
  candidate's text is read from its one row group;
- `doc_id`/`doc_entries`: the run's documents, sorted, with how many entries each brought;
- `content_hash`/`content_doc`/`content_copy_of`: documents' content hashes, sorted, each with the
  document it copies (empty for none); a hash's first document is the one that copies none of the others
  with that hash (a re-scan marked a near copy of its original still owns its own content), so rows
  that copy another row of their hash are left out, and copies of one document kept once.
A lookup binary-searches each run and answers the lowest `seq` (the contract's first occurrence), as the
in-memory `Frozen` does. Runs are merged in tiers, in slices of bounded size: FANOUT runs of one tier
(weights within a factor FANOUT) become one run of a heavier tier, so there are fewer than FANOUT runs
per tier and each entry is rewritten once per tier it climbs. No merge writes more than MAX_RUN_WEIGHT
entries, so a first build of a large archive needs the cache's size plus one such run of free disk (merged
runs are deleted as soon as the manifest drops them), not twice the cache, and rewrites each entry a
bounded number of times. The runs that can no longer be merged within that weight (from half of it up)
grow in number with the archive, one per MAX_RUN_WEIGHT / 2 to MAX_RUN_WEIGHT entries, each one more
binary search per look-up.

The manifest names the files each run absorbed, with their sizes. Opening the cache lists DEST's files
(one listing, no reads), drops the runs whose files are gone or changed (a compacted day) and absorbs
the files no run holds, reading only those. Runs are written under a temporary name and renamed, the
manifest replaced last: a process killed half way leaves the cache stale at worst, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from reportflow.flows.steps.dedup_index import (
    INDEX_SCHEMA,
    ParagraphKeys,
    first_in_sorted,
    paragraphs_file,
    signature_matrix,
)
from reportflow.flows.steps.destination import Destination, LocalDestination, write_atomic
from reportflow.flows.steps.minhash import BANDS, SIGNATURE_BYTES, BandKeys, Signatures, band_keys
from reportflow.flows.steps.store import INDEX_DIR, DatasetStore
from reportflow.schemas import DocumentRecord
from reportflow.schemas.records import arrow_schema

log = logging.getLogger(__name__)

CACHE_DIR = "_reportflow/index_cache"
# The folder under which each S3 DEST gets a cache of its own, keyed by its URL (default: the user's cache).
CACHE_ENV = "REPORTFLOW_INDEX_CACHE"
PARTS = "ingest_date=*/part-*.parquet"
# Rows of DEST's files read at once into one new run, and rows of a run merged at once.
ABSORB_ROWS = 1_000_000
MERGE_ROWS = 1 << 20
ENTRY_MERGE_ROWS = 1 << 17
FANOUT = 4
MAX_RUN_WEIGHT = 1 << 24  # entries; a run of the cache takes about 424 bytes each: some 7 GB
_FORMAT = 3
NO_ROW = np.iinfo(np.uint32).max
_MANIFEST = "manifest.json"
_SEARCHED = ("exact_value", "band_value")
READ_AHEAD_CHUNK = 1 << 20
SEARCHES_PER_PAGE = 16  # a page read at random costs many read in order: read ahead once pages are this busy
_PER_ENTRY = ("seq", "key_length", "signature", "doc", "paragraph_index", "part", "row")


def cache_folder(dest: Destination) -> Path:
    """Inside a local DEST, so that it travels with it; for S3, a folder of this machine's own."""
    if isinstance(dest, LocalDestination):
        return Path(dest.root) / CACHE_DIR
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    base = os.environ.get(CACHE_ENV) or str(Path(home) / "reportflow" / "index")
    return Path(base) / _dest_key(dest)


def _dest_key(dest: Destination) -> str:
    return hashlib.sha256(str(dest).encode()).hexdigest()[:16]


@dataclass(slots=True)
class RunMeta:
    """One run as the manifest names it: the DEST files it absorbed and the shape of its arrays."""

    name: str
    files: dict[str, int]
    parts: list[str]
    offsets: list[int]
    arrays: dict[str, tuple[str, list[int]]]

    @property
    def weight(self) -> int:
        return max(1, self.arrays["seq"][1][0] + self.arrays["content_hash"][1][0])

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "files": self.files,
            "parts": self.parts,
            "offsets": self.offsets,
            "arrays": self.arrays,
        }

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> RunMeta:
        arrays = {k: (str(dtype), [int(n) for n in shape]) for k, (dtype, shape) in values["arrays"].items()}
        name, files, parts, offsets = values["name"], values["files"], values["parts"], values["offsets"]
        return cls(str(name), dict(files), list(parts), [int(n) for n in offsets], arrays)


class Run:
    """A run's arrays, memory-mapped read-only. For look-ups (RANDOM_ACCESS) the kernel is told not to read
    ahead: a binary search's page fault would otherwise read some 128 KB around it, and on a cache larger
    than memory that read-ahead evicts the pages other searches need (a 100-million-paragraph night then
    reads the disk flat out). Merges read slices in order and keep the read-ahead."""

    def __init__(self, folder: Path, meta: RunMeta, random_access: bool = False) -> None:
        self.folder, self.meta, self.random_access = folder, meta, random_access
        self._arrays: dict[str, npt.NDArray[Any]] = {}

    def bytes_of(self, name: str) -> int:
        dtype, shape = self.meta.arrays[name]
        return int(np.prod(shape)) * np.dtype(dtype).itemsize

    def file_of(self, name: str) -> Path:
        return self.folder / f"{name}.bin"

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        if name not in self._arrays:
            dtype, shape = self.meta.arrays[name]
            if shape[0] == 0:
                self._arrays[name] = np.zeros(shape, dtype=dtype)
            else:
                self._arrays[name] = self._mapped(name, np.dtype(dtype), tuple(shape))
        return self._arrays[name]

    def _mapped(self, name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> npt.NDArray[Any]:
        with self.file_of(name).open("rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if self.random_access:
            mapped.madvise(mmap.MADV_RANDOM)
        return np.frombuffer(mapped, dtype=dtype, count=int(np.prod(shape))).reshape(shape)

    def band(self, j: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
        start, end = self["band_start"][j : j + 2].tolist()
        return self["band_value"][start:end], self["band_seq"][start:end]

    @property
    def entries(self) -> int:
        return self.meta.arrays["seq"][1][0]

    def intact(self) -> bool:
        """Every array file is there, of the size the manifest says (a cut-short write is not)."""
        for name in self.meta.arrays:
            path, size = self.file_of(name), self.bytes_of(name)
            if (path.stat().st_size if path.exists() else 0 if size == 0 else -1) != size:
                return False
        return True


class _RunWriter:
    """Arrays appended slice by slice to the files of a run being written under a temporary name."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.arrays: dict[str, tuple[str, list[int]]] = {}
        self._sinks: dict[str, IO[bytes]] = {}

    def declare(self, name: str, dtype: npt.DTypeLike, *trailing: int) -> None:
        self.arrays[name] = (np.dtype(dtype).str, [0, *trailing])
        self._sinks[name] = (self.folder / f"{name}.bin").open("wb")

    def append(self, name: str, values: npt.NDArray[Any]) -> None:
        dtype, shape = self.arrays[name]
        self._sinks[name].write(np.ascontiguousarray(values, dtype=dtype).tobytes())
        shape[0] += len(values)

    def put(self, name: str, values: npt.NDArray[Any]) -> None:
        self.declare(name, values.dtype, *values.shape[1:])
        self.append(name, values)

    def finish(self) -> dict[str, tuple[str, list[int]]]:
        for sink in self._sinks.values():
            sink.flush()
            os.fsync(sink.fileno())
        self.close()
        return self.arrays

    def close(self) -> None:
        for sink in self._sinks.values():
            sink.close()

    def __enter__(self) -> _RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(slots=True)
class IndexCache:
    """The runs of one cache folder, kept up to date with DEST's files by `refresh`."""

    folder: Path
    runs: list[RunMeta] = field(default_factory=list)

    @classmethod
    def open(cls, folder: Path) -> IndexCache:
        manifest = folder / _MANIFEST
        try:
            values = json.loads(manifest.read_text())
            runs = [RunMeta.from_json(r) for r in values["runs"]] if values.get("format") == _FORMAT else []
        except (OSError, ValueError, KeyError, TypeError):
            runs = []
        return cls(folder, runs)

    def refresh(self, dest: Destination) -> None:
        """Drop runs whose files changed, absorb the files no run holds; only the latter are read."""
        listed = {**dest.sizes(INDEX_DIR, PARTS), **dest.sizes("documents", PARTS)}
        kept = [r for r in self.runs if _still_listed(r, listed) and Run(self._path(r), r).intact()]
        if len(kept) < len(self.runs):
            log.info("index cache: %d of %d runs are stale and rebuilt", len(self.runs) - len(kept), len(self.runs))
        changed, self.runs = len(kept) < len(self.runs), kept
        held = {f for r in self.runs for f in r.files}
        for group in _groups(dest, [f for f in listed if f not in held]):
            self.runs.append(self._absorb(dest, group, listed))
            self.save()
            self._sweep()
            self._merge_tiers()
            changed = False
        if changed or (self.runs and not (self.folder / _MANIFEST).exists()):
            self.save()
        self._sweep()

    def opened(self) -> list[Run]:
        """The runs opened for look-ups."""
        return [Run(self._path(r), r, random_access=True) for r in self.runs]

    def _path(self, run: RunMeta) -> Path:
        return self.folder / run.name

    def _absorb(self, dest: Destination, group: list[tuple[str, pa.Table]], listed: dict[str, int]) -> RunMeta:
        parts = [f for f, _ in group if f.startswith(INDEX_DIR + "/")]
        index = [t for f, t in group if f.startswith(INDEX_DIR + "/")]
        documents = [t for f, t in group if not f.startswith(INDEX_DIR + "/")]
        rows = [_paragraph_rows(dest, part, table) for part, table in zip(parts, index, strict=True)]
        with _RunWriter(self._temporary()) as writer:
            _write_entries(writer, index, rows)
            _write_contents(writer, documents)
            return self._install(writer, {f: listed[f] for f, _ in group}, parts, [0] * len(parts))

    def _merge_tiers(self) -> None:
        """Merge, in one k-way pass each, the runs `_next_merge` names until it names none; the runs merged
        away are deleted after each merge, so that disk holds the cache and one merge's output at most."""
        while positions := _next_merge([r.weight for r in self.runs]):
            merged = [self.runs[at] for at in positions]
            with _RunWriter(self._temporary()) as writer:
                _merge(writer, [Run(self._path(r), r) for r in merged])
                files = {f: size for r in merged for f, size in r.files.items()}
                parts = [part for r in merged for part in r.parts]
                offsets = [at for r in merged for at in r.offsets]
                installed = self._install(writer, files, parts, offsets)
            self.runs = [r for at, r in enumerate(self.runs) if at not in positions] + [installed]
            self.save()
            self._sweep()

    def _temporary(self) -> Path:
        return self.folder / f"tmp-{uuid.uuid4().hex}"

    def _install(self, writer: _RunWriter, files: dict[str, int], parts: list[str], offsets: list[int]) -> RunMeta:
        arrays = writer.finish()
        name = f"run-{uuid.uuid4().hex}"
        writer.folder.rename(self.folder / name)
        return RunMeta(name, files, parts, offsets, arrays)

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = {"format": _FORMAT, "runs": [r.to_json() for r in self.runs]}
        write_atomic(self.folder / _MANIFEST, json.dumps(manifest).encode())

    def _sweep(self) -> None:
        """Folders no run of the manifest names: runs merged away, or written by a process that died."""
        named = {r.name for r in self.runs}
        for path in self.folder.iterdir() if self.folder.is_dir() else []:
            if path.is_dir() and path.name not in named and path.name.startswith(("run-", "tmp-")):
                shutil.rmtree(path, ignore_errors=True)


def _next_merge(weights: list[int]) -> list[int]:
    """Positions of the runs to merge next: in the lightest tier holding FANOUT runs lighter than
    MAX_RUN_WEIGHT, its lightest runs as far as they stay within MAX_RUN_WEIGHT together, if two or more
    do; none when no tier has such runs."""
    tiers: dict[int, list[int]] = {}
    for at, weight in enumerate(weights):
        if weight < MAX_RUN_WEIGHT:
            tiers.setdefault(_tier(weight), []).append(at)
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=weights.__getitem__)
        chosen = members[: int((np.cumsum([weights[at] for at in members]) <= MAX_RUN_WEIGHT).sum())]
        if len(members) >= FANOUT and len(chosen) >= 2:
            return chosen
    return []


def _tier(weight: int) -> int:
    """Which power of FANOUT a weight is of: weights within a factor FANOUT share a tier."""
    tier = 0
    while weight >= FANOUT:
        weight //= FANOUT
        tier += 1
    return tier


def _still_listed(run: RunMeta, listed: dict[str, int]) -> bool:
    return all(listed.get(f) == size for f, size in run.files.items())


def _groups(dest: Destination, files: list[str]) -> Iterator[list[tuple[str, pa.Table]]]:
    """DEST's files read one after the other, in groups of about ABSORB_ROWS rows."""
    group: list[tuple[str, pa.Table]] = []
    rows = 0
    for f in files:
        table = _read_part(dest, f)
        group.append((f, table))
        rows += table.num_rows
        if rows >= ABSORB_ROWS:
            yield group
            group, rows = [], 0
    if group:
        yield group


def _read_part(dest: Destination, relative: str) -> pa.Table:
    if relative.startswith(INDEX_DIR + "/"):
        return pq.read_table(dest.path(relative), filesystem=dest.filesystem).cast(INDEX_SCHEMA)
    documents = ds.dataset(
        [dest.path(relative)], schema=arrow_schema(DocumentRecord), format="parquet", filesystem=dest.filesystem
    )
    return documents.to_table(columns=["content_hash", "doc_id", "duplicate_of_doc_id"])


def _paragraph_rows(dest: Destination, part: str, index: pa.Table) -> npt.NDArray[np.uint32]:
    """Each entry's row in the paragraphs file beside its index part (NO_ROW where it is not found)."""
    path = dest.path(paragraphs_file(part))
    try:
        ids = pq.read_table(path, columns=["paragraph_id"], filesystem=dest.filesystem).column("paragraph_id")
    except (OSError, pa.ArrowInvalid):
        return np.full(index.num_rows, NO_ROW, dtype=np.uint32)
    docs = index.column("doc_id").cast(pa.string())
    wanted = pc.binary_join_element_wise(docs, index.column("paragraph_index").cast(pa.string()), ":")
    rows = pc.index_in(wanted, value_set=ids).to_numpy(zero_copy_only=False)
    return (
        np.where(np.isnan(rows), NO_ROW, rows).astype(np.uint32) if rows.dtype.kind == "f" else rows.astype(np.uint32)
    )


def _write_entries(writer: _RunWriter, tables: list[pa.Table], rows: list[npt.NDArray[np.uint32]]) -> None:
    """A run's entries from index tables: per-entry arrays in `seq` order, and the sorted lookups."""
    table = pa.concat_tables(tables) if tables else INDEX_SCHEMA.empty_table()
    part = np.repeat(np.arange(len(tables), dtype=np.uint32), [t.num_rows for t in tables])
    order = np.argsort(table.column("seq").to_numpy(), kind="stable")
    seqs = table.column("seq").to_numpy()[order].astype(np.uint32)
    ids, docs = _sorted_doc_ordinals(table.column("doc_id"))
    signatures = signature_matrix(table.column("signature"))[order]
    has_signature = ~table.column("signature").is_null().to_numpy(zero_copy_only=False)[order]
    writer.put("seq", seqs)
    writer.put("key_length", table.column("key_length").to_numpy()[order].astype(np.int32))
    writer.put("signature", signatures)
    writer.put("doc", docs[order])
    writer.put("paragraph_index", table.column("paragraph_index").to_numpy()[order].astype(np.int32))
    writer.put("part", part[order])
    writer.put("row", np.concatenate(rows)[order] if rows else np.zeros(0, dtype=np.uint32))
    writer.put("doc_id", ids)
    writer.put("doc_entries", np.bincount(docs, minlength=len(ids)).astype(np.int64))
    exact = _first_of_each(table.column("key_hash").to_numpy()[order], seqs)
    writer.put("exact_value", exact[0])
    writer.put("exact_seq", exact[1])
    bands = band_keys(signatures)[has_signature]
    writer.declare("band_value", np.uint32)
    writer.declare("band_seq", np.uint32)
    starts = [0]
    for j in range(BANDS):
        values, firsts = _first_of_each(bands[:, j], seqs[has_signature])
        writer.append("band_value", values)
        writer.append("band_seq", firsts)
        starts.append(starts[-1] + len(values))
    writer.put("band_start", np.array(starts, dtype=np.int64))


def _write_contents(writer: _RunWriter, tables: list[pa.Table]) -> None:
    """Documents' content hashes, sorted, with the document each copies (see `_content_rows`)."""
    table = pa.concat_tables(tables) if tables else _EMPTY_CONTENTS
    listed = zip(*(table[c].to_pylist() for c in _EMPTY_CONTENTS.column_names), strict=True)
    rows = [(c.encode(), d.encode(), (copy_of or "").encode()) for c, d, copy_of in listed if c]
    columns = [np.array([r[i] for r in rows] or [b""], dtype=np.bytes_)[: len(rows)] for i in range(3)]
    hashes, docs, copies = _content_rows(*columns)
    writer.put("content_hash", hashes)
    writer.put("content_doc", docs)
    writer.put("content_copy_of", copies)


_EMPTY_CONTENTS = pa.table(
    {
        "content_hash": pa.array([], pa.string()),
        "doc_id": pa.array([], pa.string()),
        "duplicate_of_doc_id": pa.array([], pa.string()),
    }
)


def _content_rows(hashes: npt.NDArray[Any], docs: npt.NDArray[Any], copies: npt.NDArray[Any]) -> tuple[Any, Any, Any]:
    """The rows sorted by hash, less those copying another row of their hash (its owner is there) and repeats
    of a (hash, copied document) pair: what is left is at most a hash's owner and one row of its copies."""
    order = np.lexsort((copies, hashes))
    hashes, docs, copies = hashes[order], docs[order], copies[order]
    keep = np.ones(len(hashes), dtype=np.bool_)
    keep[1:] = (hashes[1:] != hashes[:-1]) | (copies[1:] != copies[:-1]) | (copies[1:] == b"")
    group_docs = {(h, d) for h, d in zip(hashes.tolist(), docs.tolist(), strict=True)}
    keep &= np.array(
        [c == b"" or (h, c) not in group_docs for h, c in zip(hashes.tolist(), copies.tolist(), strict=True)],
        dtype=np.bool_,
    )
    return hashes[keep], docs[keep], copies[keep]


def _sorted_doc_ordinals(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.uint32]]:
    """The distinct doc ids, sorted, as fixed-width bytes, and each row's position among them."""
    array = column.cast(pa.string()).combine_chunks().dictionary_encode()
    names = [s.encode() for s in array.dictionary.to_pylist()]
    ids, inverse = np.unique(np.array(names or [b""], dtype=np.bytes_)[: len(names)], return_inverse=True)
    indices = array.indices.to_numpy(zero_copy_only=False)
    return ids, inverse.reshape(-1)[indices].astype(np.uint32) if len(indices) else np.zeros(0, np.uint32)


def _firsts(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Where each run of equal neighbours starts."""
    keep = np.ones(len(values), dtype=np.bool_)
    keep[1:] = values[1:] != values[:-1]
    return keep


def _first_of_each(values: npt.NDArray[Any], seqs: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[Any], Any]:
    """Distinct values, sorted, each with its lowest seq."""
    values, seqs = _sorted_pairs(values, seqs)
    keep = _firsts(values)
    return values[keep], seqs[keep]


def _merge(writer: _RunWriter, runs: list[Run]) -> None:
    """One run holding all of RUNS' entries, written slice by slice: never a whole run in memory."""
    ids = np.unique(np.concatenate([r["doc_id"] for r in runs]))
    docs = [np.searchsorted(ids, r["doc_id"]).astype(np.uint32) for r in runs]
    counts = np.zeros(len(ids), dtype=np.int64)
    for run, positions in zip(runs, docs, strict=True):
        counts[positions] += run["doc_entries"]
    writer.put("doc_id", ids)
    writer.put("doc_entries", counts)
    _merge_entries(writer, runs, docs)
    _merge_lowest(writer, "exact", [(r["exact_value"], r["exact_seq"]) for r in runs])
    writer.declare("band_value", np.uint32)
    writer.declare("band_seq", np.uint32)
    starts = [0]
    for j in range(BANDS):
        before = writer.arrays["band_value"][1][0]
        _merge_lowest(writer, "band", [r.band(j) for r in runs], declared=True)
        starts.append(starts[-1] + writer.arrays["band_value"][1][0] - before)
    writer.put("band_start", np.array(starts, dtype=np.int64))
    _merge_contents(writer, runs)


def _merge_entries(writer: _RunWriter, runs: list[Run], docs: list[npt.NDArray[np.uint32]]) -> None:
    writer.declare("seq", np.uint32)
    writer.declare("key_length", np.int32)
    writer.declare("signature", np.uint8, SIGNATURE_BYTES)
    writer.declare("doc", np.uint32)
    writer.declare("paragraph_index", np.int32)
    writer.declare("part", np.uint32)
    writer.declare("row", np.uint32)
    shifts = np.cumsum([0] + [len(r.meta.parts) for r in runs[:-1]]).astype(np.uint32)
    for at in _slices([r["seq"] for r in runs], max(1, ENTRY_MERGE_ROWS // len(runs))):
        order = np.argsort(np.concatenate([r["seq"][s] for r, s in zip(runs, at, strict=True)]), kind="stable")
        columns = {name: [r[name][s] for r, s in zip(runs, at, strict=True)] for name in _PER_ENTRY}
        columns["doc"] = [d[r["doc"][s]] for r, d, s in zip(runs, docs, at, strict=True)]
        columns["part"] = [p + shift for p, shift in zip(columns["part"], shifts, strict=True)]
        for name, pieces in columns.items():
            writer.append(name, np.concatenate(pieces)[order])


def _merge_lowest(
    writer: _RunWriter,
    prefix: str,
    sources: list[tuple[npt.NDArray[Any], npt.NDArray[np.uint32]]],
    declared: bool = False,
) -> None:
    """Sorted `value -> lowest seq` arrays as one."""
    if not declared:
        writer.declare(f"{prefix}_value", sources[0][0].dtype)
        writer.declare(f"{prefix}_seq", np.uint32)
    for at in _slices([values for values, _ in sources], max(1, MERGE_ROWS // len(sources))):
        values = np.concatenate([v[s] for (v, _), s in zip(sources, at, strict=True)])
        seqs = np.concatenate([q[s] for (_, q), s in zip(sources, at, strict=True)])
        values, seqs = _first_of_each(values, seqs)
        writer.append(f"{prefix}_value", values)
        writer.append(f"{prefix}_seq", seqs)


def _sorted_pairs(values: npt.NDArray[Any], seqs: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[Any], Any]:
    """The pairs sorted by value, then seq; 32-bit values as one 64-bit number each (one sort, not two)."""
    if values.dtype == np.uint32:
        pairs = np.sort((values.astype(np.uint64) << np.uint64(32)) | seqs.astype(np.uint64))
        return (pairs >> np.uint64(32)).astype(np.uint32), (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    order = np.lexsort((seqs, values))
    return values[order], seqs[order]


def _merge_contents(writer: _RunWriter, runs: list[Run]) -> None:
    """The runs' content rows as one run's (`_content_rows`), slice by slice; no slice splits a hash."""
    names = ("content_hash", "content_doc", "content_copy_of")
    for name in names:
        writer.declare(name, np.dtype(f"S{max(r[name].dtype.itemsize for r in runs)}"))
    for at in _slices([r["content_hash"] for r in runs], max(1, MERGE_ROWS // len(runs))):
        columns = [np.concatenate([r[name][s] for r, s in zip(runs, at, strict=True)]) for name in names]
        for name, values in zip(names, _content_rows(*columns), strict=True):
            writer.append(name, values)


def _slices(arrays: list[npt.NDArray[Any]], rows: int) -> Iterator[list[slice]]:
    """Matching slices of sorted arrays, each about ROWS long, that split no value (a value repeated
    past ROWS goes whole into one slice)."""
    starts = [0] * len(arrays)
    while any(start < len(a) for start, a in zip(starts, arrays, strict=True)):
        bounds = [a[start + rows] for start, a in zip(starts, arrays, strict=True) if start + rows < len(a)]
        if bounds:
            bound = min(bounds)
            ends = [
                start + int(np.searchsorted(a[start : start + rows + 1], bound))
                for start, a in zip(starts, arrays, strict=True)
            ]
        else:
            ends = [len(a) for a in arrays]
        if ends == starts:
            ends = [
                start + int(np.searchsorted(a[start:], bound, side="right"))
                for start, a in zip(starts, arrays, strict=True)
            ]
        yield [slice(start, end) for start, end in zip(starts, ends, strict=True)]
        starts = ends


class CachedEntries:
    """Entries of earlier batches, answered from the cache's runs: what `Frozen` answers, read from disk."""

    def __init__(self, runs: Sequence[Run], texts: ParagraphKeys) -> None:
        self.runs = list(runs)
        self.size: int = sum(r.entries for r in self.runs)
        self._ranges = [(int(r["seq"][0]), int(r["seq"][-1])) if r.entries else (0, -1) for r in self.runs]
        self._texts = texts
        self._keys: dict[int, str] = {}
        self._keys_read_ahead = False
        self._searches = 0
        self._searched_bytes = sum(r.bytes_of(name) for r in self.runs for name in _SEARCHED)

    def numbered_in_order(self) -> bool:
        """Whether the entries are numbered 0 .. size - 1, as every index this code writes is."""
        ends = [end for _, end in self._ranges if end >= 0]
        return max(ends, default=-1) == self.size - 1

    def first_exact(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        self._read_keys_ahead(len(hashes))
        return _lowest((first_in_sorted(r["exact_value"], r["exact_seq"], hashes) for r in self.runs), len(hashes))

    def first_bands(self, bands: BandKeys) -> npt.NDArray[np.int64]:
        """The lowest entry sharing each band key: one column per band."""
        self._read_keys_ahead(bands.size)
        columns = [
            _lowest((first_in_sorted(*r.band(j), bands[:, j]) for r in self.runs), len(bands)) for j in range(BANDS)
        ]
        return np.stack(columns, axis=1)

    def _read_keys_ahead(self, keys: int) -> None:
        """Once the night's searches come to one in SEARCHES_PER_PAGE of the pages of the sorted keys every
        search reads (about 130 bytes a paragraph), those keys are read into the page cache in order, by a
        thread of their own, when they fit in three quarters of the memory the system can give: the
        searches would touch most of their pages anyway, and in order they read at the disk's speed, not a
        page at a time. A night of a few documents searches page by page."""
        if self._keys_read_ahead:
            return
        self._searches += keys * len(self.runs)
        if self._searches * SEARCHES_PER_PAGE < self._searched_bytes // mmap.PAGESIZE:
            return
        self._keys_read_ahead = True
        if self._searched_bytes < available_memory() * 3 // 4:
            files = [r.file_of(name) for r in self.runs for name in _SEARCHED if r.bytes_of(name)]
            threading.Thread(target=read_in_order, args=(files,), name="index-cache-read-ahead", daemon=True).start()

    def entry_count(self, doc_id: str) -> int:
        total = 0
        for run in self.runs:
            at = _position(run["doc_id"], doc_id.encode())
            total += int(run["doc_entries"][at]) if at >= 0 else 0
        return total

    def key_length(self, seq: int) -> int:
        run, at = self._locate(seq)
        return int(run["key_length"][at])

    def signature(self, seq: int) -> Signatures:
        run, at = self._locate(seq)
        row: Signatures = np.asarray(run["signature"][at])
        return row

    def doc_id(self, seq: int) -> str:
        run, at = self._locate(seq)
        return bytes(run["doc_id"][run["doc"][at]]).decode()

    def paragraph_id(self, seq: int) -> str:
        run, at = self._locate(seq)
        return f"{self.doc_id(seq)}:{run['paragraph_index'][at]}"

    def key(self, seq: int) -> str:
        """The matching key of an earlier entry, read from its paragraphs file the first time it is needed."""
        if seq not in self._keys:
            run, at = self._locate(seq)
            part, row = int(run["part"][at]), int(run["row"][at])
            paragraph = (self.doc_id(seq), int(run["paragraph_index"][at]))
            if row == NO_ROW:
                (key,) = self._texts.fetch(run.meta.parts[part], [paragraph])
            else:
                key = self._texts.key_at(run.meta.parts[part], run.meta.offsets[part] + row, paragraph)
            self._keys[seq] = key
        return self._keys[seq]

    def _locate(self, seq: int) -> tuple[Run, int]:
        for run, (first, last) in zip(self.runs, self._ranges, strict=True):
            if first <= seq <= last:
                if last - first + 1 == run.entries:  # the usual run: its entries numbered without a gap
                    return run, seq - first
                at = _position(run["seq"], seq)
                if at >= 0:
                    return run, at
        raise KeyError(seq)


def read_in_order(files: list[Path]) -> None:
    """Have the kernel read FILES into the page cache, in order (`posix_fadvise` chunk by chunk: one madvise
    WILLNEED over a whole 100-million-paragraph mapping left it reading 33 MB/s here, as kernels cap one such
    call's read-ahead); pages already cached cost nothing; a file gone meanwhile (merged away when the run
    absorbs its own parts) is skipped."""
    for path in files:
        try:
            with path.open("rb", buffering=0) as file:
                size = os.fstat(file.fileno()).st_size
                for offset in range(0, size, READ_AHEAD_CHUNK):
                    os.posix_fadvise(file.fileno(), offset, READ_AHEAD_CHUNK, os.POSIX_FADV_WILLNEED)
        except OSError:
            continue


def available_memory() -> int:
    """Bytes of memory the system can give without swapping (page cache included)."""
    return int(psutil.virtual_memory().available)


def _position(sorted_values: npt.NDArray[Any], value: object) -> int:
    """Where VALUE is in SORTED_VALUES, -1 if absent; VALUE in the array's own type, so that nothing is cast."""
    if not len(sorted_values) or (isinstance(value, bytes) and len(value) > sorted_values.dtype.itemsize):
        return -1  # a longer string than any there would be cut to their width
    key = np.array(value, dtype=sorted_values.dtype)
    at = int(np.searchsorted(sorted_values, key))
    return at if at < len(sorted_values) and sorted_values[at] == key else -1


class CachedContents:
    """Content hash -> the document that first had it, over the cache's runs: of the rows with that hash,
    the one whose document copies none of the others."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = list(runs)

    def get(self, content: str) -> str | None:
        rows = [row for run in self.runs for row in _content_rows_of(run, content.encode())]
        docs = {doc for doc, _ in rows}
        owners = [doc for doc, copy_of in rows if copy_of not in docs]
        return owners[0].decode() if owners else None

    def __len__(self) -> int:
        """Distinct hashes over all runs (a hash two runs hold counts once); reads every run."""
        total = 0
        for i, run in enumerate(self.runs):
            hashes = np.unique(run["content_hash"])
            new = np.ones(len(hashes), dtype=np.bool_)
            for earlier in self.runs[:i]:
                new &= ~_holds(earlier["content_hash"], hashes)
            total += int(new.sum())
        return total


def _content_rows_of(run: Run, content: bytes) -> list[tuple[bytes, bytes]]:
    hashes = run["content_hash"]
    if not len(hashes) or len(content) > hashes.dtype.itemsize:
        return []
    key = np.array(content, dtype=hashes.dtype)
    start, end = int(np.searchsorted(hashes, key)), int(np.searchsorted(hashes, key, side="right"))
    return [(bytes(run["content_doc"][i]), bytes(run["content_copy_of"][i])) for i in range(start, end)]


def _holds(sorted_values: npt.NDArray[Any], values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if not len(sorted_values):
        return np.zeros(len(values), dtype=np.bool_)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return np.asarray(sorted_values[at] == values)


def _lowest(answers: Iterable[npt.NDArray[np.int64]], count: int) -> npt.NDArray[np.int64]:
    """Per query, the lowest non-negative answer of all runs, -1 where none has one."""
    best = np.full(count, -1, dtype=np.int64)
    for found in answers:
        best = np.where((found >= 0) & ((best < 0) | (found < best)), found, best)
    return best


def absorb_new_parts(store: DatasetStore) -> None:
    """Bring the cache up to date with what a run just committed (a few small files read back), so that a
    compaction that follows finds every part of the day absorbed and the cache follows it (`follow_compaction`)."""
    try:
        IndexCache.open(cache_folder(store.dest)).refresh(store.dest)
    except (OSError, pa.ArrowException) as e:  # the run's batches are committed: it ends well regardless
        log.warning("the index cache could not be brought up to date (%s); the next run will", e)


def follow_compaction(
    dest: LocalDestination, replaced: dict[str, list[str]], by: dict[str, str], offsets: dict[str, int]
) -> None:
    """After a day's files were compacted (REPLACED: folder -> its former parts, BY: folder -> the new part,
    OFFSETS: former index part -> where its paragraphs start in the new paragraphs file), the runs that had
    absorbed them name the new file instead, which holds the same rows; nothing is rebuilt. Only when every
    former part was absorbed: otherwise the next refresh rebuilds what is affected."""
    cache = IndexCache.open(cache_folder(dest))
    held = {f for r in cache.runs for f in r.files}
    folders = [f for f in (INDEX_DIR, "documents") if f in replaced]
    if not cache.runs or not all(set(replaced[f]) <= held for f in folders):
        return
    renamed = {old: by[f] for f in folders for old in replaced[f]}
    sizes = {by[f]: (dest.root / by[f]).stat().st_size for f in folders}
    for run in cache.runs:
        kept = {f: size for f, size in run.files.items() if f not in renamed}
        run.files = kept | {renamed[f]: sizes[renamed[f]] for f in run.files if f in renamed}
        run.offsets = [offsets.get(part, 0) + at for part, at in zip(run.parts, run.offsets, strict=True)]
        run.parts = [renamed.get(part, part) for part in run.parts]
    cache.save()


def open_cached(store: DatasetStore, folder: Path | None = None) -> tuple[CachedEntries, CachedContents]:
    """The cache of STORE's DEST brought up to date, and its entries and contents looked up from disk."""
    dest = store.dest
    cache = IndexCache.open(folder or cache_folder(dest))
    cache.refresh(dest)
    runs = cache.opened()
    return CachedEntries(runs, ParagraphKeys(dest)), CachedContents(runs)
