"""Parsing in worker processes that can be killed: the per-document time limit. Plain module, no Prefect.

A thread stuck in a C library or a pure-Python loop cannot be stopped, so every document
is parsed in a worker process; a worker past the time limit is killed and replaced, and
the document gets a `timeout` failure. A worker that dies (out of memory, a crash in C)
gives a `worker_died` failure for that document only.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import gc
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from reportflow.flows.defaults import DEFAULT_MAX_FILE_MB, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIME_LIMIT
from reportflow.flows.steps.parse import TOO_MUCH_MEMORY, Failed, Parsed, parse_source
from reportflow.flows.steps.sources import SourceFile
from reportflow.parsers import ParseSettings
from reportflow.schemas import TimedOutError, TooLargeError, WorkerDiedError

# A fresh worker after this many documents keeps slow leaks in C libraries from building up over a night.
TASKS_PER_WORKER = 200
MEMORY_CHECK_SECONDS = 0.05
HEAP_BACKSTOP_RATIO = 1.5


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
        else pool.schedule(parse_capped, args=(source, settings.parse), timeout=limit)
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
        return Failed.of(
            source, source.doc_id, TooLargeError(f"The file has {size}, over the {settings.max_file_mb:g} MB limit.")
        )
    time_limit = settings.time_limit
    try:
        result: Parsed | Failed = future.result()
    except FutureTimeout:
        error = TimedOutError(f"Parsing took longer than the time limit of {time_limit:g} s.")
        return Failed.of(source, source.doc_id, error)
    except ProcessExpired as e:
        message = f"The worker parsing this file died (exit code {e.exitcode}), likely out of memory or a crash."
        return Failed.of(source, source.doc_id, WorkerDiedError(message))
    except _OverMemory:  # the watchdog's signal landed outside the parse; never let it end the run
        return Failed.of(source, source.doc_id, TooLargeError(TOO_MUCH_MEMORY))
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
    """Cap the worker's memory: a document that needs more fails as too large instead of exhausting the machine.

    A watchdog interrupts the parse once the worker's resident memory passes the cap, while Python still
    has room to unwind. A heap limit alone is no good cap: CPython hitting it while it builds an exception
    aborts the whole worker ("Cannot recover from MemoryErrors while normalizing exceptions"). The heap
    limit stays, higher, for allocations made in C in one go.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    backstop = round(max_bytes * HEAP_BACKSTOP_RATIO)
    soft = backstop if hard == resource.RLIM_INFINITY else min(backstop, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    signal.signal(signal.SIGUSR1, _over_memory)  # pebble's workers ignore SIGINT
    threading.Thread(target=_watch_memory, args=(max_bytes,), name="memory-watchdog", daemon=True).start()


class _OverMemory(BaseException):
    """Raised in the parsing thread by the watchdog; no library's `except Exception` swallows it."""


def _over_memory(signum: int, frame: object) -> None:
    if _watch.running:  # a signal arriving after the parse returned is dropped
        raise _OverMemory


def parse_capped(source: SourceFile, settings: ParseSettings) -> Parsed | Failed:
    """`parse_source` in a worker, a document interrupted by the memory watchdog made a too_large failure."""
    _watch.tripped = False
    _watch.start_rss = _resident_bytes()
    try:
        try:
            _watch.running = True
            return parse_source(source, settings)
        finally:
            _watch.running = False
    except _OverMemory:
        return Failed.of(source, source.doc_id, TooLargeError(TOO_MUCH_MEMORY))
    finally:
        if _watch.tripped:
            gc.collect()
            _return_freed_memory()


@dataclass(slots=True)
class _Watch:
    running: bool = False
    tripped: bool = False
    start_rss: int = 0


_watch = _Watch()


def _watch_memory(max_bytes: int) -> None:
    while True:
        time.sleep(MEMORY_CHECK_SECONDS)
        rss = _resident_bytes()
        # Growth during this document trips it: memory an earlier one left behind gives the next one room.
        if _watch.running and not _watch.tripped and rss > max(max_bytes, _watch.start_rss + max_bytes // 4):
            _watch.tripped = True
            _thread.interrupt_main(signal.SIGUSR1)


def _resident_bytes() -> int:
    with Path("/proc/self/statm").open("rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _return_freed_memory() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
