"""The nightly ingest flow: discover, skip what is known, parse, flag duplicates, write, report."""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from reportflow.flows.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_FILE_MB,
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_SETTLE_SECONDS,
    DEFAULT_THRESHOLD,
    DEFAULT_TIME_LIMIT,
)
from reportflow.flows.progress import report_progress
from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.cluster import DaskParsing, dask_parsing
from reportflow.flows.steps.compact import recover_compaction
from reportflow.flows.steps.dedup import DedupSettings
from reportflow.flows.steps.dedup_cache import absorb_new_parts
from reportflow.flows.steps.dedup_index import SeenIndex, load_index
from reportflow.flows.steps.destination import LocalDestination
from reportflow.flows.steps.inventory import (
    ALREADY_INGESTED,
    SAME_BYTES,
    UNCHANGED,
    Inventory,
    InventorySettings,
    copy_rows,
    current_states,
    outcome_rows,
    take_inventory,
)
from reportflow.flows.steps.isolation import (
    WorkerSettings,
    parse_in_workers,
    worker_pools,
)
from reportflow.flows.steps.listing import UNREADABLE, list_source
from reportflow.flows.steps.parse import Failed, Parsed
from reportflow.flows.steps.reprocess import DOCUMENT_COLUMNS, ReprocessSettings, with_reprocessed
from reportflow.flows.steps.sources import SourceFile
from reportflow.flows.steps.store import Batch, DatasetStore
from reportflow.flows.steps.versions import parser_version
from reportflow.parsers import ParseSettings
from reportflow.parsers.ocr.tesseract import DEFAULT_LANGUAGES, DEFAULT_SECOND_OPINION, OcrSettings
from reportflow.schemas import FileRecord, RunRecord

# Batches parsed ahead of the one being written; the parsing itself runs in worker processes.
BATCHES_IN_FLIGHT = 3
# A served deployment's runs import this module in a process of their own: the cluster to parse on
# reaches them through the environment, which `reportflow serve --dask-address` sets.
DASK_ADDRESS_ENV = "REPORTFLOW_DASK_ADDRESS"


def cluster_address(dask_address: str | None = None) -> str | None:
    """The Dask cluster to parse on: the one given, else the one the environment names, else none."""
    return dask_address or os.environ.get(DASK_ADDRESS_ENV) or None


# Runs in the flow's process either way, reporting to the flow's API; on a cluster it only waits for the
# Dask worker. Repeating a batch is harmless (a Dask worker that dies makes it run again): it only reads.
@task(cache_policy=NO_CACHE, task_run_name="parse-batch-{seq}")
def parse_batch(
    chunk: list[SourceFile], settings: WorkerSettings, seq: int, cluster: DaskParsing | None = None
) -> list[Parsed | Failed]:
    return cluster.parse(chunk, settings) if cluster else parse_in_workers(chunk, settings)


def _write_batch(
    store: DatasetStore,
    results: Sequence[Parsed | Failed],
    index: SeenIndex,
    run: RunRecord,
    seq: int,
    tally: Tally,
    settings: DedupSettings,
    book: _FileBook,
) -> None:
    now = datetime.now(UTC)
    batch = assemble_batch(results, index, run.run_id, now, tally, settings, book.version)
    batch.file_states = book.outcomes(results, run.run_id, now)  # committed with their documents and errors
    store.commit(f"{run.run_id}-{seq:05d}", run.started_at.date(), batch)
    store.update_run(_tallied(run, tally, status="running"))


# Threads: each batch's task feeds this machine's worker processes, or waits for a Dask worker.
LOCAL_RUNNER: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=BATCHES_IN_FLIGHT)


@flow(name="reportflow-ingest", task_runner=LOCAL_RUNNER)
def ingest(
    source: str,
    dest: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    near_threshold: float = DEFAULT_THRESHOLD,
    ocr_languages: str = DEFAULT_LANGUAGES,
    ocr_second_opinion: str = DEFAULT_SECOND_OPINION,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    retry_errors: bool = False,
    follow_symlinks: bool = False,
    reprocess: bool = False,
    reprocess_format: str | None = None,
    reprocess_older: bool = False,
    dask_address: str | None = None,
) -> RunRecord:
    """Ingest every new file under SOURCE into the Parquet datasets under DEST (parsing on the Dask cluster
    at DASK_ADDRESS, or the one `REPORTFLOW_DASK_ADDRESS` names, if any)."""
    settings = DedupSettings(threshold=near_threshold)
    parse_settings = ParseSettings(ocr=OcrSettings(languages=ocr_languages, second_opinion=ocr_second_opinion))
    worker_settings = WorkerSettings(workers, time_limit, max_file_mb, max_memory_mb, parse_settings)
    run = _new_run(source)
    store = DatasetStore(dest)
    with store.locked(), worker_pools(), dask_parsing(cluster_address(dask_address)) as cluster:
        store.recover()
        if isinstance(store.dest, LocalDestination):
            recover_compaction(store.dest.root)
        listing = list_source(source, exclude=store.root, follow_symlinks=follow_symlinks)  # DEST may lie in SOURCE
        # Only the files under SOURCE matter to this run: their rows are read, not the whole archive's.
        states = current_states(store.file_states(under=listing.prefix))
        book = _FileBook(states, parser_version(parse_settings))
        inventory = take_inventory(
            listing,
            book.states,
            store.known_documents(),
            store.fingerprints(under=listing.prefix),
            run.run_id,
            run.started_at,
            InventorySettings(settle_seconds, retry_errors),
        )
        again = ReprocessSettings.chosen(reprocess, reprocess_format, reprocess_older)
        todo = with_reprocessed(inventory.todo, listing, book.states, _documents(store, again), book.version, again)
        run = _counted(run, len(listing.files), replace(inventory, todo=todo))
        store.begin_run(run)
        # A night with nothing to parse never reads the dedup index, whatever the archive's size.
        index, tally = load_index(store) if todo else SeenIndex(), Tally()
        for seq, results in enumerate(_parsed_batches(todo, batch_size, worker_settings, cluster)):
            _write_batch(store, results, index, run, seq, tally, settings, book)
            report_progress(min((seq + 1) * batch_size, len(todo)), len(todo))
        if todo:
            absorb_new_parts(store)
        tally.errors[UNREADABLE] += len(inventory.errors)
        run = _tallied(run, tally, status="completed", finished_at=datetime.now(UTC))
        store.finish_run(run, inventory.learned, book.last_batch(inventory, run.run_id))
    _publish_summary(run, tally)
    return run


class _FileBook:
    """The `files` rows of one run: each file's state before it, and what became of the files it parsed."""

    def __init__(self, states: dict[str, FileRecord], version: str) -> None:
        self.states, self.version = states, version
        self.failures: dict[str, str] = {}

    def outcomes(self, results: Sequence[Parsed | Failed], run_id: str, now: datetime) -> list[FileRecord]:
        self.failures.update({r.doc_id: r.error_type for r in results if isinstance(r, Failed) and r.doc_id})
        return outcome_rows(results, self.states, run_id, now)

    def last_batch(self, inventory: Inventory, run_id: str) -> Batch:
        """Rows decided without parsing, and copies of the bytes parsed in this run, committed with the run."""
        copies = copy_rows(inventory.copies, self.failures, self.states, run_id, datetime.now(UTC))
        return Batch(errors=list(inventory.errors), file_states=[*inventory.rows, *copies])


def _documents(store: DatasetStore, settings: ReprocessSettings) -> pa.Table | None:
    return store.read("documents", DOCUMENT_COLUMNS) if settings.enabled else None


def _counted(run: RunRecord, seen: int, inventory: Inventory) -> RunRecord:
    return replace(
        run,
        files_seen=seen,
        files_skipped=seen - len(inventory.todo) - inventory.not_settled - inventory.left_alone,
        files_removed=inventory.removed,
        files_not_settled=inventory.not_settled,
        failures_left_alone=inventory.left_alone,
        removal_note=inventory.removal_note,
        skipped_unchanged=inventory.skipped[UNCHANGED],
        skipped_already_ingested=inventory.skipped[ALREADY_INGESTED],
        skipped_same_bytes=inventory.skipped[SAME_BYTES],
    )


def _parsed_batches(
    todo: Sequence[SourceFile], batch_size: int, settings: WorkerSettings, cluster: DaskParsing | None
) -> Iterator[list[Parsed | Failed]]:
    """Parsed batches in order, the next ones already parsing while one is written."""
    pending: deque[PrefectFuture[list[Parsed | Failed]]] = deque()
    for seq, chunk in enumerate(batched(todo, batch_size)):
        pending.append(parse_batch.submit(chunk, settings, seq, cluster))
        if len(pending) > BATCHES_IN_FLIGHT:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def batched(items: Sequence[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _new_run(source: str) -> RunRecord:
    run_id = runtime.flow_run.id or str(uuid.uuid4())
    return RunRecord(
        run_id=str(run_id),
        started_at=datetime.now(UTC),
        finished_at=None,
        source=source,
        files_seen=0,
        files_skipped=0,
        documents_written=0,
        paragraphs_written=0,
        errors=0,
        status="running",
    )


def _tallied(run: RunRecord, tally: Tally, status: str, finished_at: datetime | None = None) -> RunRecord:
    return replace(
        run,
        documents_written=tally.documents,
        paragraphs_written=tally.paragraphs,
        duplicates_flagged=tally.duplicates,
        pages_text_layer=tally.pages_text_layer,
        pages_ocr=tally.pages_ocr,
        exact_duplicates=tally.exact_duplicates,
        near_duplicates=tally.near_duplicates,
        similar_to_links=tally.similar_to_links,
        errors=sum(tally.errors.values()),
        status=status,
        finished_at=finished_at,
    )


def run_summary(run: RunRecord) -> str:
    """What each stage of a run did, in one sentence without its errors."""
    return (
        f"{run.files_seen} files seen, {run.files_skipped} already ingested, "
        f"{run.documents_written} documents and {run.paragraphs_written} paragraphs written; "
        f"skipped: {run.skipped_unchanged} unchanged, {run.skipped_already_ingested} ingested before, "
        f"{run.skipped_same_bytes} copies of another file; "
        f"pages: {run.pages_text_layer} from a text layer, {run.pages_ocr} by OCR; "
        f"duplicates: {run.exact_duplicates} exact, {run.near_duplicates} near; "
        f"{run.similar_to_links} similar_to links; "
        f"{run.files_removed} removed, {run.files_not_settled} not settled (left for the next run), "
        f"{run.failures_left_alone} earlier failures left alone"
    )


def _publish_summary(run: RunRecord, tally: Tally) -> None:
    errors = ", ".join(f"{kind}: {n}" for kind, n in sorted(tally.errors.items())) or "none"
    summary = f"{run_summary(run)}; errors: {errors}. {run.removal_note or ''}".strip()
    get_run_logger().info(summary)
    create_markdown_artifact(markdown=_report(run, tally, summary), key="reportflow-run-summary")


def _report(run: RunRecord, tally: Tally, summary: str) -> str:
    seconds = ((run.finished_at or datetime.now(UTC)) - run.started_at).total_seconds()
    rows = [
        ("files seen", run.files_seen),
        ("skipped: unchanged (not read)", run.skipped_unchanged),
        ("skipped: already ingested", run.skipped_already_ingested),
        ("skipped: same bytes as another file", run.skipped_same_bytes),
        ("removed", run.files_removed),
        ("not settled", run.files_not_settled),
        ("earlier failures left alone", run.failures_left_alone),
        *((f"parsed: {name}", n) for name, n in sorted(tally.formats.items())),
        *((f"error: {name}", n) for name, n in sorted(tally.errors.items())),
        ("pages read from a text layer", run.pages_text_layer),
        ("pages read by OCR", run.pages_ocr),
        ("paragraphs written", run.paragraphs_written),
        ("exact duplicates flagged", run.exact_duplicates),
        ("near duplicates flagged", run.near_duplicates),
        ("similar_to links", run.similar_to_links),
        ("pages", tally.pages),
        ("pages per second", f"{tally.pages / seconds:.1f}" if seconds > 0 else "-"),
        ("seconds", f"{seconds:.1f}"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"# reportflow run {run.run_id}\n\n{summary}\n\n| | |\n|---|---:|\n{table}\n"
