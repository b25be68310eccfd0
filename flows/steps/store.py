"""The four Parquet datasets under DEST, written so that readers never see half a batch.

A batch is staged under `DEST/_reportflow/staging/`, marked committed, then
moved into the datasets one whole file at a time (a rename on a local disk,
a server-side copy on S3):
paragraphs first, documents last, so a document never shows without its
paragraphs. A run that dies leaves either an uncommitted batch (thrown away
by the next run, its files parsed again) or a committed one (finished by the
next run), never a partial file. Plain functions, no Prefect.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from reportflow.flows.steps.destination import Destination, open_destination
from reportflow.schemas import (
    DestinationBusyError,
    DocumentRecord,
    ErrorRecord,
    FileRecord,
    ParagraphRecord,
    RunRecord,
    SeenFileRecord,
    StoreError,
)
from reportflow.schemas.records import arrow_schema, to_table

log = logging.getLogger(__name__)

DATASETS: dict[str, type] = {
    "documents": DocumentRecord,
    "paragraphs": ParagraphRecord,
    "errors": ErrorRecord,
    "runs": RunRecord,
}
# The dedup index is published with the paragraphs it describes, before the documents that make them visible.
PUBLISH_ORDER = ("paragraphs", "index", "errors", "documents", "file_states", "files", "runs")
INDEX_DIR = "_reportflow/index"
# Fingerprints come after the documents they vouch for: lost, they only cost a re-read.
FILES_DIR = "_reportflow/files"
# The public `files` dataset (one row per source file and change of state), published after the documents.
FILE_STATES = "files"
STAGING_DIR = "_reportflow/staging"
# Paragraphs are written in small row groups: dedup reads an earlier candidate's text from its one group.
PARAGRAPH_ROW_GROUP = 1024
# Rows per row group by dataset folder (the writer's default for the others).
ROW_GROUPS = {"paragraphs": PARAGRAPH_ROW_GROUP}
MARKERS_DIR = "_reportflow/runs"
_COMMITTED = "COMMITTED"


@dataclasses.dataclass(slots=True)
class Batch:
    documents: list[DocumentRecord] = dataclasses.field(default_factory=list)
    paragraphs: list[ParagraphRecord] = dataclasses.field(default_factory=list)
    errors: list[ErrorRecord] = dataclasses.field(default_factory=list)
    runs: list[RunRecord] = dataclasses.field(default_factory=list)
    index: pa.Table | None = None
    files: list[SeenFileRecord] = dataclasses.field(default_factory=list)
    file_states: list[FileRecord] = dataclasses.field(default_factory=list)


class DatasetStore:
    """Reads and atomically appends to the datasets under one DEST (a local folder or an S3 prefix)."""

    def __init__(self, dest: Destination | Path | str) -> None:
        self.dest: Destination = open_destination(dest) if isinstance(dest, str | Path) else dest

    @property
    def root(self) -> str:
        return str(self.dest)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold DEST for this run alone; a second run stops with `DestinationBusyError`."""
        with self.dest.locked():
            yield

    def recover(self) -> int:
        """Finish committed batches and drop uncommitted ones left by a run that died."""
        finished = 0
        for staged in self.dest.subfolders(STAGING_DIR):
            if self.dest.exists(f"{staged}/{_COMMITTED}"):
                self._publish(staged)
                finished += 1
            else:
                log.warning("dropping uncommitted batch %s left by an interrupted run", staged)
                self.dest.delete_tree(staged)
        self._close_interrupted_runs()
        return finished

    def commit(self, name: str, ingest_date: date, batch: Batch) -> None:
        """Write one batch so that it appears in the datasets whole or not at all."""
        staged = f"{STAGING_DIR}/{name}"
        plan = {}
        partition = f"ingest_date={ingest_date.isoformat()}/part-{name}.parquet"
        for dataset, record_type in DATASETS.items():
            records = getattr(batch, dataset)
            if records:
                table = to_table(records, record_type)
                self.dest.write_table(f"{staged}/{dataset}.parquet", table, ROW_GROUPS.get(dataset))
                plan[dataset] = f"{dataset}/{partition}"
        if batch.index is not None and batch.index.num_rows:
            self.dest.write_table(f"{staged}/index.parquet", batch.index)
            plan["index"] = f"{INDEX_DIR}/{partition}"
        if batch.files:
            self.dest.write_table(f"{staged}/files.parquet", to_table(batch.files, SeenFileRecord))
            plan["files"] = f"{FILES_DIR}/{partition}"
        if batch.file_states:
            self.dest.write_table(f"{staged}/file_states.parquet", to_table(batch.file_states, FileRecord))
            plan["file_states"] = f"{FILE_STATES}/{partition}"
        self.dest.ensure_held()
        self.dest.write(f"{staged}/{_COMMITTED}", json.dumps(plan).encode())
        self._publish(staged)

    def _publish(self, staged: str) -> None:
        plan = json.loads(self.dest.read(f"{staged}/{_COMMITTED}"))
        for dataset in PUBLISH_ORDER:
            source = f"{staged}/{dataset}.parquet"
            if dataset in plan and self.dest.exists(source):
                self.dest.ensure_held()
                self.dest.move(source, plan[dataset])
        self.dest.delete_tree(staged)

    def read(self, dataset: str, columns: Sequence[str], where: ds.Expression | None = None) -> pa.Table:
        """Columns of a dataset (empty when nothing was written yet)."""
        return self._rows(dataset, "ingest_date=*/*.parquet", arrow_schema(DATASETS[dataset]), where, columns)

    def known_documents(self) -> KnownDocuments:
        """The doc_ids of the documents dataset, read the first time one is asked about."""
        return KnownDocuments(lambda: self.read("documents", ["doc_id"]).column("doc_id"))

    def fingerprints(self, under: str | None = None) -> dict[str, SeenFileRecord]:
        """The newest fingerprint of every source file ingested so far (only of those UNDER a SOURCE prefix)."""
        table = self._rows(FILES_DIR, "ingest_date=*/part-*.parquet", arrow_schema(SeenFileRecord), _under(under))
        return {row["source_uri"]: SeenFileRecord(**row) for row in table.to_pylist()}

    def file_states(self, under: str | None = None) -> list[FileRecord]:
        """Every row of the `files` dataset so far (only of the files UNDER a SOURCE prefix)."""
        table = self._rows(FILE_STATES, "ingest_date=*/*.parquet", arrow_schema(FileRecord), _under(under))
        return [FileRecord(**row) for row in table.to_pylist()]

    def _rows(
        self,
        folder: str,
        pattern: str,
        schema: pa.Schema,
        where: ds.Expression | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """Rows of a dataset's files in the order they were written, read as one dataset (threads, one call)
        rather than one call per small batch file."""
        names = list(columns) if columns is not None else schema.names
        parts = [self.dest.path(part) for part in self.dest.listing(folder, pattern)]
        if not parts:
            return schema.empty_table().select(names)
        found = ds.dataset(parts, schema=schema, format="parquet", filesystem=self.dest.filesystem)
        return found.to_table(columns=names, filter=where)

    def begin_run(self, run: RunRecord) -> None:
        """Record that a run started, so that a run killed half way still gets its `runs` row."""
        self.update_run(run)

    def update_run(self, run: RunRecord) -> None:
        self.dest.write(f"{MARKERS_DIR}/{run.run_id}.json", json.dumps(_run_to_json(run)).encode())

    def finish_run(self, run: RunRecord, files: Sequence[SeenFileRecord] = (), last: Batch | None = None) -> None:
        """Commit the run's row with its fingerprints (and LAST: its remaining `files` and `errors` rows)."""
        batch = last or Batch()
        batch.runs, batch.files = [run], [*batch.files, *files]
        self.commit(f"{run.run_id}-run", run.started_at.date(), batch)
        self.dest.delete(f"{MARKERS_DIR}/{run.run_id}.json")

    def _close_interrupted_runs(self) -> None:
        markers = self.dest.listing(MARKERS_DIR, "*.json")
        if not markers:
            return
        recorded = set(self.read("runs", ["run_id"]).column("run_id").to_pylist())
        for marker in markers:
            run = _run_from_json(json.loads(self.dest.read(marker)))
            if run.run_id not in recorded:
                log.warning("run %s was interrupted; recording it as such", run.run_id)
                self.finish_run(dataclasses.replace(run, status="interrupted"))
            self.dest.delete(marker)


class KnownDocuments:
    """Membership in a set of doc_ids held as one sorted array of fixed-width bytes, read when first asked
    about: a third of what a Python set of them costs, and nothing at all for a run that asks nothing."""

    def __init__(self, read: Callable[[], pa.ChunkedArray]) -> None:
        self._read = read
        self._ids: npt.NDArray[np.bytes_] | None = None

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        ids = self._sorted()
        key = doc_id.encode()
        at = int(np.searchsorted(ids, key))
        return at < len(ids) and bytes(ids[at]) == key

    def _sorted(self) -> npt.NDArray[np.bytes_]:
        if self._ids is None:
            self._ids = np.unique(_fixed_width(self._read()))
        return self._ids


def _fixed_width(column: pa.ChunkedArray) -> npt.NDArray[np.bytes_]:
    """The strings as a numpy bytes array, straight from Arrow's buffer when all have one length (sha256 hex)."""
    array = column.combine_chunks().cast(pa.large_binary()) if len(column) else pa.array([], pa.large_binary())
    lengths = pc.binary_length(array).to_numpy(zero_copy_only=False) if len(array) else np.zeros(0, np.int64)
    if len(array) and array.null_count == 0 and (lengths == lengths[0]).all() and lengths[0] > 0:
        offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
        data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        return data.view(f"S{int(lengths[0])}").copy()
    return np.array([v for v in array.to_pylist() if v], dtype=np.bytes_)


def _under(prefix: str | None) -> ds.Expression | None:
    """`source_uri` equal to PREFIX or below it (what `Listing.holds` takes), as a range, so that the row
    groups and files whose statistics lie outside it are skipped unread."""
    base = (prefix or "").rstrip("/")
    if not base:
        return None
    uri = ds.field("source_uri")
    return (uri == prefix) | ((uri >= base + "/") & (uri < base + "0"))  # "0" follows "/"


def _run_to_json(run: RunRecord) -> dict[str, Any]:
    values = dataclasses.asdict(run)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _run_from_json(values: dict[str, Any]) -> RunRecord:
    for key in ("started_at", "finished_at"):
        if values.get(key):
            values[key] = datetime.fromisoformat(values[key])
    return RunRecord(**values)


__all__ = ["Batch", "DatasetStore", "DestinationBusyError", "KnownDocuments", "StoreError"]
