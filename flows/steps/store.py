"""The four Parquet datasets under DEST, written so that readers never see half a batch.

A batch is staged under `DEST/_reportflow/staging/`, marked committed, then
moved into the datasets one whole file at a time with `os.replace`:
paragraphs first, documents last, so a document never shows without its
paragraphs. A run that dies leaves either an uncommitted batch (thrown away
by the next run, its files parsed again) or a committed one (finished by the
next run), never a partial file. Plain functions, no Prefect.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from reportflow.flows.steps.dedup import dedup_key
from reportflow.flows.steps.dedup_index import Frozen, SeenIndex
from reportflow.schemas import DocumentRecord, ErrorRecord, ParagraphRecord, RunRecord, SeenFileRecord
from reportflow.schemas.records import arrow_schema, to_table

log = logging.getLogger(__name__)

DATASETS: dict[str, type] = {
    "documents": DocumentRecord,
    "paragraphs": ParagraphRecord,
    "errors": ErrorRecord,
    "runs": RunRecord,
}
# The dedup index is published with the paragraphs it describes, before the documents that make them visible.
PUBLISH_ORDER = ("paragraphs", "index", "errors", "documents", "files", "runs")
INDEX_DIR = "_reportflow/index"
# Fingerprints come after the documents they vouch for: lost, they only cost a re-read.
FILES_DIR = "_reportflow/files"
_COMMITTED = "COMMITTED"


class StoreError(Exception):
    """DEST cannot be used for output."""


class DestinationBusyError(StoreError):
    """Another run is writing to the same DEST."""


@dataclasses.dataclass(slots=True)
class Batch:
    documents: list[DocumentRecord] = dataclasses.field(default_factory=list)
    paragraphs: list[ParagraphRecord] = dataclasses.field(default_factory=list)
    errors: list[ErrorRecord] = dataclasses.field(default_factory=list)
    runs: list[RunRecord] = dataclasses.field(default_factory=list)
    index: pa.Table | None = None
    files: list[SeenFileRecord] = dataclasses.field(default_factory=list)


class DatasetStore:
    """Reads and atomically appends to the datasets under one DEST folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._state = root / "_reportflow"
        self._staging = self._state / "staging"
        self._markers = self._state / "runs"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold DEST for this process alone; a second run stops with `DestinationBusyError`."""
        try:
            self._staging.mkdir(parents=True, exist_ok=True)
            self._markers.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._state / "lock", os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as e:
            raise StoreError(f"cannot write to {self.root}: {e.strerror}") from e
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise DestinationBusyError(f"another reportflow run is writing to {self.root}") from e
            yield
        finally:
            os.close(fd)

    def recover(self) -> int:
        """Finish committed batches and drop uncommitted ones left by a run that died."""
        finished = 0
        for staged in sorted(self._staging.iterdir()):
            if (staged / _COMMITTED).exists():
                self._publish(staged)
                finished += 1
            else:
                log.warning("dropping uncommitted batch %s left by an interrupted run", staged.name)
                shutil.rmtree(staged)
        self._close_interrupted_runs()
        return finished

    def commit(self, name: str, ingest_date: date, batch: Batch) -> None:
        """Write one batch so that it appears in the datasets whole or not at all."""
        staged = self._staging / name
        staged.mkdir(parents=True, exist_ok=True)
        plan = {}
        partition = f"ingest_date={ingest_date.isoformat()}/part-{name}.parquet"
        for dataset, record_type in DATASETS.items():
            records = getattr(batch, dataset)
            if records:
                _write_parquet(to_table(records, record_type), staged / f"{dataset}.parquet")
                plan[dataset] = f"{dataset}/{partition}"
        if batch.index is not None and batch.index.num_rows:
            _write_parquet(batch.index, staged / "index.parquet")
            plan["index"] = f"{INDEX_DIR}/{partition}"
        if batch.files:
            _write_parquet(to_table(batch.files, SeenFileRecord), staged / "files.parquet")
            plan["files"] = f"{FILES_DIR}/{partition}"
        write_atomic(staged / _COMMITTED, json.dumps(plan).encode())
        fsync_dir(staged)
        self._publish(staged)

    def _publish(self, staged: Path) -> None:
        plan = json.loads((staged / _COMMITTED).read_text())
        for dataset in PUBLISH_ORDER:
            source = staged / f"{dataset}.parquet"
            if dataset in plan and source.exists():
                target = self.root / plan[dataset]
                target.parent.mkdir(parents=True, exist_ok=True)
                source.replace(target)
                fsync_dir(target.parent)
        shutil.rmtree(staged)

    def read(self, dataset: str, columns: Sequence[str], where: ds.Expression | None = None) -> pa.Table:
        """Columns of a dataset (empty when nothing was written yet)."""
        folder = self.root / dataset
        schema = arrow_schema(DATASETS[dataset])
        if not folder.is_dir():
            return schema.empty_table().select(list(columns))
        dataset_ = ds.dataset(folder, schema=schema, format="parquet", partitioning="hive")
        return dataset_.to_table(columns=list(columns), filter=where)

    def ingested_doc_ids(self) -> set[str]:
        return set(self.read("documents", ["doc_id"]).column("doc_id").to_pylist())

    def fingerprints(self) -> dict[str, SeenFileRecord]:
        """The newest fingerprint of every source file ingested so far."""
        found: dict[str, SeenFileRecord] = {}
        for part in sorted((self.root / FILES_DIR).glob("ingest_date=*/part-*.parquet")):
            for row in pq.read_table(part, schema=arrow_schema(SeenFileRecord)).to_pylist():
                found[row["source_uri"]] = SeenFileRecord(**row)
        return found

    def load_index(self) -> SeenIndex:
        """First occurrences from earlier batches, from the index files alone; earlier text is read only on demand."""
        files = sorted((self.root / INDEX_DIR).glob("ingest_date=*/part-*.parquet"))
        texts = _ParagraphKeys([self.root / "paragraphs" / f.relative_to(self.root / INDEX_DIR) for f in files])
        docs = self.read("documents", ["content_hash", "doc_id"], ds.field("duplicate_of_doc_id").is_null())
        return SeenIndex(
            frozen=Frozen([pq.read_table(f) for f in files], texts.fetch),
            contents={
                c: d for c, d in zip(docs["content_hash"].to_pylist(), docs["doc_id"].to_pylist(), strict=True) if c
            },
        )

    def begin_run(self, run: RunRecord) -> None:
        """Record that a run started, so that a run killed half way still gets its `runs` row."""
        self.update_run(run)

    def update_run(self, run: RunRecord) -> None:
        write_atomic(self._markers / f"{run.run_id}.json", json.dumps(_run_to_json(run)).encode())

    def finish_run(self, run: RunRecord, files: Sequence[SeenFileRecord] = ()) -> None:
        self.commit(f"{run.run_id}-run", run.started_at.date(), Batch(runs=[run], files=list(files)))
        (self._markers / f"{run.run_id}.json").unlink(missing_ok=True)

    def _close_interrupted_runs(self) -> None:
        markers = sorted(self._markers.glob("*.json"))
        if not markers:
            return
        recorded = set(self.read("runs", ["run_id"]).column("run_id").to_pylist())
        for marker in markers:
            run = _run_from_json(json.loads(marker.read_text()))
            if run.run_id not in recorded:
                log.warning("run %s was interrupted; recording it as such", run.run_id)
                self.finish_run(dataclasses.replace(run, status="interrupted"))
            marker.unlink(missing_ok=True)


class _ParagraphKeys:
    """Matching keys of earlier paragraphs, read from the one paragraphs file that holds them; recent files cached."""

    def __init__(self, files: list[Path], cached: int = 8) -> None:
        self._files = files
        self._cache: dict[int, dict[str, str]] = {}
        self._cached = cached

    def fetch(self, file: int, paragraphs: Sequence[tuple[str, int]]) -> list[str]:
        if file not in self._cache:
            if len(self._cache) >= self._cached:
                del self._cache[next(iter(self._cache))]
            table = pq.read_table(self._files[file], columns=["paragraph_id", "text"])
            ids, texts = table["paragraph_id"].to_pylist(), table["text"].to_pylist()
            self._cache[file] = dict(zip(ids, texts, strict=True))
        texts = self._cache[file]
        return [dedup_key(texts[f"{doc_id}:{i}"]) for doc_id, i in paragraphs]


def _run_to_json(run: RunRecord) -> dict[str, Any]:
    values = dataclasses.asdict(run)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _run_from_json(values: dict[str, Any]) -> RunRecord:
    for key in ("started_at", "finished_at"):
        if values.get(key):
            values[key] = datetime.fromisoformat(values[key])
    return RunRecord(**values)


def _write_parquet(table: pa.Table, path: Path) -> None:
    with path.open("wb") as sink:
        pq.write_table(table, sink, compression="zstd")
        sink.flush()
        os.fsync(sink.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    temporary.replace(path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
