"""Parsing in worker processes that can be killed: the per-document time limit. Plain module, no Prefect.

A thread stuck in a C library or a pure-Python loop cannot be stopped, so every document
is parsed in a worker process; a worker past the time limit is killed and replaced, and
the document gets a `timeout` failure. A worker that dies (out of memory, a crash in C)
gives a `worker_died` failure for that document only.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from reportflow.flows.defaults import DEFAULT_MAX_FILE_MB, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIME_LIMIT
from reportflow.flows.steps.parse import Failed, Parsed, parse_source
from reportflow.flows.steps.sources import SourceFile
from reportflow.parsers import ParseSettings

# A fresh worker after this many documents keeps slow leaks in C libraries from building up over a night.
TASKS_PER_WORKER = 200


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How documents are parsed: in how many processes, each document within how many seconds."""

    workers: int | None = None  # None: one per core of the machine that parses
    time_limit: float = DEFAULT_TIME_LIMIT
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB
    parse: ParseSettings = field(default_factory=ParseSettings)


def parse_in_workers(sources: Sequence[SourceFile], settings: WorkerSettings) -> list[Parsed | Failed]:
    """Parse SOURCES in this process's worker pool; results in the order of SOURCES."""
    pool = _pool(settings.workers or os.cpu_count() or 1, settings.max_memory_mb)
    limit = settings.time_limit
    futures = [
        None
        if _too_big(source, settings)
        else pool.schedule(parse_source, args=(source, settings.parse), timeout=limit)
        for source in sources
    ]
    return [_outcome(source, future, settings) for source, future in zip(sources, futures, strict=True)]


def _too_big(source: SourceFile, settings: WorkerSettings) -> bool:
    return source.size > settings.max_file_mb * 1024 * 1024


def _outcome(
    source: SourceFile, future: ProcessFuture[Parsed | Failed] | None, settings: WorkerSettings
) -> Parsed | Failed:
    if future is None:
        size = f"{source.size / 1024**2:,.0f} MB"
        return Failed(
            source, source.doc_id, "too_large", f"The file has {size}, over the {settings.max_file_mb:g} MB limit."
        )
    time_limit = settings.time_limit
    try:
        result: Parsed | Failed = future.result()
    except FutureTimeout:
        return Failed(source, source.doc_id, "timeout", f"Parsing took longer than the time limit of {time_limit:g} s.")
    except ProcessExpired as e:
        message = f"The worker parsing this file died (exit code {e.exitcode}), likely out of memory or a crash."
        return Failed(source, source.doc_id, "worker_died", message)
    return result


_pools: dict[tuple[int, float], ProcessPool] = {}
_pools_lock = threading.Lock()


def _pool(workers: int, max_memory_mb: float) -> ProcessPool:
    """One pool per process and shape, started on first use and kept for the process's life."""
    key = (workers, max_memory_mb)
    with _pools_lock:
        if key not in _pools:
            _allow_children()
            _pools[key] = ProcessPool(
                max_workers=workers,
                max_tasks=TASKS_PER_WORKER,
                initializer=_limit_memory,
                initargs=(round(max_memory_mb * 1024 * 1024),),
                context=_context(),
            )
        return _pools[key]


def _limit_memory(max_bytes: int) -> None:
    """Cap the worker's heap: a document that needs more fails with MemoryError instead of exhausting the machine."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(
        resource.RLIMIT_DATA, (max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard), hard)
    )


def _allow_children() -> None:
    """Dask's worker processes are daemonic, and multiprocessing refuses children to a daemon.

    The refusal guards against orphans; pebble's workers exit on their own when the pipe to
    their pool closes, so a Dask worker that dies leaves none behind.
    """
    process = multiprocessing.current_process()
    if process.daemon:
        process._config["daemon"] = False  # type: ignore[attr-defined]  # no public switch exists


def _context() -> multiprocessing.context.BaseContext:
    # Forking a process that runs threads (Prefect's, Dask's) can copy a held lock; the forkserver starts clean.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["reportflow.flows.steps.parse"])
    return context


@contextmanager
def worker_pools() -> Iterator[None]:
    """Worker pools this process starts inside the block are stopped when it ends."""
    try:
        yield
    finally:
        shutdown_pools()


def shutdown_pools() -> None:
    """Stop every worker of this process (tests, and the end of a command)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
            pool.join()
        _pools.clear()
