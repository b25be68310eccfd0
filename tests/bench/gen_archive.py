"""A synthetic archive: N paragraphs' worth of dedup index, documents, fingerprints and file states, written
straight into a DEST without parsing anything, so that a benchmark can reach 100 million paragraphs.

Usage: python tests/bench/gen_archive.py DEST PARAGRAPHS [--per-day 1000000] [--samples 2000] [--seed 1]

Every day is one partition holding one file per dataset, as `reportflow compact` leaves it. Most index
entries are synthetic: a random key hash, length and MinHash signature, and no paragraph text, so they
are never a near-duplicate candidate worth reading (a random signature agrees with a real one in about
1/256 of its bins, far below `min_agreement`). A few whole documents, spread over the days, are real:
their paragraphs have text (written to the `paragraphs` dataset), the key hash and signature of that
text and the documents' real content hash. Those are the paragraphs a benchmark night copies; the
generator's truth (`SAMPLES_FILE` beside DEST) lists them with their `paragraph_id`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from reportflow.flows.steps.dedup_flags import _content_hash
from reportflow.flows.steps.dedup_index import INDEX_SCHEMA
from reportflow.flows.steps.dedup_keys import dedup_key, index_hash, key_digest
from reportflow.flows.steps.minhash import SIGNATURE_BYTES, signatures
from reportflow.flows.steps.store import FILE_STATES, FILES_DIR, INDEX_DIR
from reportflow.schemas import DocumentRecord, FileRecord, ParagraphRecord, RunRecord, SeenFileRecord
from reportflow.schemas.records import arrow_schema, to_table

SAMPLES_FILE = "samples.parquet"
FIRST_DAY = date(2020, 1, 1)
LETTERS = "abcdeghiklmnopqrstuvxyàáảãạăắằâấầđèéẻẽẹêếềìíỉòóỏõọôốồơớờùúủũụưứừýỳ"


@dataclass(frozen=True, slots=True)
class ArchiveShape:
    paragraphs: int
    per_day: int = 1_000_000
    per_doc: int = 40
    samples: int = 2000  # paragraphs with real text, in whole documents
    seed: int = 1
    uri_root: str = "/archive"

    @property
    def documents(self) -> int:
        return -(-self.paragraphs // self.per_doc)

    @property
    def sample_stride(self) -> int:
        """Every how many documents one is real."""
        real_docs = max(1, self.samples // self.per_doc)
        return max(1, self.documents // real_docs)


def generate(dest: Path, shape: ArchiveShape) -> pa.Table:
    """Write the archive under DEST (which must not hold one) and return its real paragraphs."""
    if (dest / "_reportflow").exists():
        sys.exit(f"{dest} already holds an archive")
    rng = np.random.default_rng(shape.seed)
    words = vocabulary(rng)
    samples: list[pa.Table] = []
    first_doc, day = 0, 0
    while first_doc < shape.documents:
        docs = min(max(1, shape.per_day // shape.per_doc), shape.documents - first_doc)
        samples.append(_write_day(dest, shape, day, first_doc, docs, rng, words))
        first_doc, day = first_doc + docs, day + 1
    truth = pa.concat_tables(samples)
    pq.write_table(truth, dest.parent / f"{dest.name}.{SAMPLES_FILE}")
    return truth


def samples_path(dest: Path) -> Path:
    return dest.parent / f"{dest.name}.{SAMPLES_FILE}"


def doc_ids(numbers: npt.NDArray[np.int64]) -> list[str]:
    return [hashlib.sha256(b"gen-doc-%d" % n).hexdigest() for n in numbers.tolist()]


def _write_day(
    dest: Path, shape: ArchiveShape, day: int, first_doc: int, docs: int, rng: np.random.Generator, words: list[str]
) -> pa.Table:
    when = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time(), UTC)
    numbers = np.arange(first_doc, first_doc + docs, dtype=np.int64)
    counts = np.minimum(shape.per_doc, shape.paragraphs - numbers * shape.per_doc)
    ids = doc_ids(numbers)
    real = np.flatnonzero(numbers % shape.sample_stride == 0)
    texts = {int(d): random_texts(int(counts[d]), rng, words) for d in real}
    run_id = f"gen-run-{day:05d}"
    index = _index(ids, counts, first_doc * shape.per_doc, texts, rng)
    content_hashes = [
        _content_hash(key_digest(dedup_key(t)) for t in texts[d]) if d in texts else f"{rng.bytes(16).hex()}"
        for d in range(docs)
    ]
    uris = [f"{shape.uri_root}/{when.date().isoformat()}/{n:09d}.txt" for n in numbers.tolist()]
    mtimes = np.full(docs, int(when.timestamp() * 1e9) - 86_400 * 10**9, dtype=np.int64)
    files = _Files(ids, uris, rng.integers(2_000, 200_000, docs), mtimes, run_id, when)
    part = f"ingest_date={when.date().isoformat()}/part-gen-{day:05d}.parquet"
    _write(dest / INDEX_DIR / part, index)
    _write(dest / "documents" / part, _documents(files, counts, content_hashes))
    paragraphs = _paragraphs(ids, texts, run_id)
    _write(dest / "paragraphs" / part, paragraphs)
    _write(dest / FILES_DIR / part, _fingerprints(files))
    _write(dest / FILE_STATES / part, _file_states(files))
    _write(dest / "runs" / part, to_table([_run(run_id, when, docs, int(counts.sum()))], RunRecord))
    return paragraphs.select(["paragraph_id", "doc_id", "text"])


def _write(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def vocabulary(rng: np.random.Generator, size: int = 20_000) -> list[str]:
    letters = np.array(list(LETTERS))
    return ["".join(rng.choice(letters, int(n))) for n in rng.integers(2, 8, size)]


def random_texts(count: int, rng: np.random.Generator, words: list[str]) -> list[str]:
    """Paragraphs of random words (some with a number): no two are near copies of each other."""
    texts = []
    for _ in range(count):
        picked = [words[i] for i in rng.integers(0, len(words), int(rng.integers(12, 90)))]
        if rng.random() < 0.3:
            picked.insert(int(rng.integers(0, len(picked))), str(int(rng.integers(1, 10_000))))
        texts.append(" ".join(picked).capitalize() + ".")
    return texts


def _index(
    ids: list[str], counts: npt.NDArray[np.int64], first_seq: int, texts: dict[int, list[str]], rng: np.random.Generator
) -> pa.Table:
    rows = int(counts.sum())
    docs = np.repeat(np.arange(len(ids), dtype=np.int32), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    key_hash = rng.integers(0, np.iinfo(np.uint64).max, rows, dtype=np.uint64, endpoint=True)
    key_length = rng.integers(30, 900, rows).astype(np.int32)
    sigs = rng.integers(0, 256, (rows, SIGNATURE_BYTES), dtype=np.uint8)
    for doc, doc_texts in texts.items():
        keys = [dedup_key(t) for t in doc_texts]
        first = int(np.searchsorted(docs, doc))
        at = slice(first, first + len(keys))
        key_hash[at] = [index_hash(key_digest(k)) for k in keys]
        key_length[at] = [len(k) for k in keys]
        sigs[at] = signatures(keys)
    return pa.table(
        {
            "seq": pa.array(np.arange(first_seq, first_seq + rows, dtype=np.int64)),
            "doc_id": pa.DictionaryArray.from_arrays(pa.array(docs), pa.array(ids, pa.string())),
            "paragraph_index": pa.array((np.arange(rows) - starts).astype(np.int32)),
            "key_hash": pa.array(key_hash),
            "key_length": pa.array(key_length),
            "signature": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(SIGNATURE_BYTES), rows, [None, pa.py_buffer(sigs.tobytes())]
            ),
        },
        schema=INDEX_SCHEMA,
    )


@dataclass(frozen=True, slots=True)
class _Files:
    """One day's source files: their documents, paths, sizes and modification times."""

    ids: list[str]
    uris: list[str]
    sizes: npt.NDArray[np.int64]
    mtimes: npt.NDArray[np.int64]
    run_id: str
    when: datetime


def _documents(files: _Files, counts: npt.NDArray[np.int64], content_hashes: list[str]) -> pa.Table:
    n = len(files.ids)
    columns = {
        "doc_id": files.ids,
        "source_uri": files.uris,
        "source_format": ["txt"] * n,
        "extraction": ["text"] * n,
        "language": ["vi"] * n,
        "paragraph_count": counts.astype(np.int32),
        "duplicate_paragraph_count": np.zeros(n, np.int32),
        "run_id": [files.run_id] * n,
        "ingested_at": [files.when] * n,
        "content_hash": content_hashes,
        "size_bytes": files.sizes,
    }
    return _table(DocumentRecord, columns, n)


def _paragraphs(ids: list[str], texts: dict[int, list[str]], run_id: str) -> pa.Table:
    records = [
        ParagraphRecord(
            paragraph_id=f"{ids[doc]}:{i}",
            doc_id=ids[doc],
            paragraph_index=i,
            page_number=None,
            kind="body",
            text=text,
            text_hash=key_digest(dedup_key(text)),
            is_duplicate=False,
            duplicate_of=None,
            dup_scope=None,
            similarity=None,
            ocr_confidence=None,
            run_id=run_id,
        )
        for doc, doc_texts in texts.items()
        for i, text in enumerate(doc_texts)
    ]
    return to_table(records, ParagraphRecord)


def _fingerprints(files: _Files) -> pa.Table:
    columns = {"source_uri": files.uris, "size_bytes": files.sizes, "mtime_ns": files.mtimes, "doc_id": files.ids}
    return _table(SeenFileRecord, columns, len(files.ids))


def _file_states(files: _Files) -> pa.Table:
    n = len(files.ids)
    columns = {
        "source_uri": files.uris,
        "size_bytes": files.sizes,
        "modified_at": pa.array(files.mtimes // 1000, pa.timestamp("us", tz="UTC")),
        "doc_id": files.ids,
        "status": ["ingested"] * n,
        "run_id": [files.run_id] * n,
        "seen_at": [files.when] * n,
        "mtime_ns": files.mtimes,
        "attempts": np.zeros(n, np.int32),
    }
    return _table(FileRecord, columns, n)


def _table(record_type: type, columns: dict[str, object], rows: int) -> pa.Table:
    """A dataset's table from the columns given; the others null."""
    schema = arrow_schema(record_type)
    arrays = [
        pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(rows, f.type)  # type: ignore[call-overload]
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _run(run_id: str, when: datetime, documents: int, paragraphs: int) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        started_at=when,
        finished_at=when,
        source="/archive",
        files_seen=documents,
        files_skipped=0,
        documents_written=documents,
        paragraphs_written=paragraphs,
        errors=0,
        status="completed",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("paragraphs", type=int)
    parser.add_argument("--per-day", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    shape = ArchiveShape(args.paragraphs, per_day=args.per_day, samples=args.samples, seed=args.seed)
    truth = generate(args.dest, shape)
    print(f"{args.dest}: {shape.paragraphs} paragraphs in {shape.documents} documents, {truth.num_rows} with text")


if __name__ == "__main__":
    main()
