"""The nightly ingest flow: discover, skip what is known, parse, flag duplicates, write, report."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from prefect import flow, get_run_logger, runtime, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from reportflow.flows.progress import report_progress
from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.dedup import DEFAULT_THRESHOLD, DedupSettings
from reportflow.flows.steps.dedup_index import SeenIndex
from reportflow.flows.steps.parse import Failed, Parsed, parse_source
from reportflow.flows.steps.sources import SourceFile, discover, local_path, select_new
from reportflow.flows.steps.store import DatasetStore
from reportflow.parsers import ParseSettings
from reportflow.parsers.ocr import DEFAULT_LANGUAGES, OcrSettings
from reportflow.schemas import RunRecord

DEFAULT_BATCH_SIZE = 16
# One thread per core: Tesseract releases the GIL while it recognises, and each thread keeps one engine.
PARSE_RUNNER: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2)


@task(cache_policy=NO_CACHE)
def parse_file(source: SourceFile, settings: ParseSettings) -> Parsed | Failed:
    return parse_source(source, settings)


def _write_batch(
    store: DatasetStore,
    results: Sequence[Parsed | Failed],
    index: SeenIndex,
    run: RunRecord,
    seq: int,
    tally: Tally,
    settings: DedupSettings,
) -> None:
    batch = assemble_batch(results, index, run.run_id, datetime.now(UTC), tally, settings)
    store.commit(f"{run.run_id}-{seq:05d}", run.started_at.date(), batch)
    store.update_run(_tallied(run, tally, status="running"))


@flow(name="reportflow-ingest", task_runner=PARSE_RUNNER)  # type: ignore[arg-type]  # Prefect's own annotation
def ingest(
    source: str,
    dest: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    near_threshold: float = DEFAULT_THRESHOLD,
    ocr_languages: str = DEFAULT_LANGUAGES,
) -> RunRecord:
    """Ingest every new file under SOURCE into the Parquet datasets under DEST."""
    settings = DedupSettings(threshold=near_threshold)
    parse_settings = ParseSettings(ocr=OcrSettings(languages=ocr_languages))
    run = _new_run(source)
    store = DatasetStore(local_path(dest))
    with store.locked():
        store.recover()
        files = discover(local_path(source), exclude=store.root)
        todo, learned = select_new(files, store.ingested_doc_ids(), store.fingerprints())
        run = replace(run, files_seen=len(files), files_skipped=len(files) - len(todo))
        store.begin_run(run)
        index, tally = store.load_index(), Tally()
        for seq, chunk in enumerate(batched(todo, batch_size)):
            results = [future.result() for future in parse_file.map(chunk, settings=unmapped(parse_settings))]
            _write_batch(store, results, index, run, seq, tally, settings)
            report_progress(min((seq + 1) * batch_size, len(todo)), len(todo))
        run = _tallied(run, tally, status="completed", finished_at=datetime.now(UTC))
        store.finish_run(run, learned)
    _publish_summary(run, tally)
    return run


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
        errors=sum(tally.errors.values()),
        status=status,
        finished_at=finished_at,
    )


def _publish_summary(run: RunRecord, tally: Tally) -> None:
    errors = ", ".join(f"{kind}: {n}" for kind, n in sorted(tally.errors.items())) or "none"
    summary = (
        f"{run.files_seen} files seen, {run.files_skipped} already ingested; "
        f"{run.documents_written} documents and {run.paragraphs_written} paragraphs written "
        f"({run.duplicates_flagged} flagged as duplicates); errors: {errors}."
    )
    get_run_logger().info(summary)
    create_markdown_artifact(markdown=f"# reportflow run {run.run_id}\n\n{summary}\n", key="reportflow-run-summary")
