"""Parsing on a Dask cluster with plain Dask futures. Plain module, no Prefect.

The Prefect task that waits for a batch runs in the flow's process and reports to the flow's API; the
Dask worker only runs `parse_in_workers`. Had the worker run the Prefect task itself (as with
prefect-dask's task runner), it would have started a temporary Prefect API server of its own, a process
that outlives the worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from reportflow.flows.steps.isolation import WorkerSettings, parse_in_workers
from reportflow.flows.steps.parse import Failed, Parsed
from reportflow.flows.steps.sources import SourceFile

CONNECT_TIMEOUT_SECONDS = 30


class DaskParsing:
    """A connection to the Dask scheduler at one address, parsing batches on its workers."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.address = address
        self._client = Client(  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
            address, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=False
        )

    def parse(self, sources: Sequence[SourceFile], settings: WorkerSettings) -> list[Parsed | Failed]:
        # pure=False: a batch parsed again (files changed since) is a new task, never a cached result.
        future = self._client.submit(parse_in_workers, list(sources), settings, pure=False)
        results: list[Parsed | Failed] = future.result()
        return results

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]


@contextmanager
def dask_parsing(address: str | None) -> Iterator[DaskParsing | None]:
    """A connection to the cluster at ADDRESS for the block (None without an address: parse locally)."""
    if not address:
        yield None
        return
    cluster = DaskParsing(address)
    try:
        yield cluster
    finally:
        cluster.close()
