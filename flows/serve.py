"""`reportflow serve`: the ingest flow as a scheduled Prefect deployment.

A served flow only fires when a Prefect server schedules it. With `PREFECT_API_URL` set,
that server is used; otherwise a local one is started (SQLite under PREFECT_HOME,
127.0.0.1 only, UI included) and restarted whenever it dies, for as long as serve runs.
Nothing here imports Prefect before the API address is settled, since Prefect reads its
settings once, on import.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reportflow.flows.defaults import DEFAULT_PORT
from reportflow.flows.prefect_server import ServerProcess
from reportflow.schemas import ServerError

log = logging.getLogger(__name__)

STARTUP_SECONDS = 120.0
STOP_GRACE_SECONDS = 20.0
_PREFECT = Path(sys.executable).with_name("prefect")


class LocalServer:
    """A Prefect server on 127.0.0.1 that is started again whenever its process ends.

    It runs in a session of its own: a Ctrl-C meant for serve does not kill it before serve
    has shut down, and the whole group (the server spawns uvicorn) is ended together.
    """

    def __init__(self, port: int = DEFAULT_PORT) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/api"
        self._command = [
            str(_PREFECT),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--analytics-off",
        ]
        self._server: ServerProcess | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="prefect-server-watcher", daemon=True)

    def start(self) -> None:
        self._launch()
        self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._server:
                self._server.stop(STOP_GRACE_SECONDS)

    def _launch(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        with self._lock:
            if self._stopping.is_set():
                return
            self._server = server = ServerProcess(self._command, self.port, env, own_session=True, keep_errors=True)
        if not server.wait_healthy(STARTUP_SECONDS, interval=0.5):
            server.stop(STOP_GRACE_SECONDS)  # first: reading a live server's stderr would wait for its end
            raise ServerError(f"the local Prefect server did not start on {self.url}: {server.errors()}")
        server.forget_errors()

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            server = self._server
            if server is None or server.returncode is None:
                continue
            log.warning("the local Prefect server exited (%s); starting it again", server.returncode)
            server.stop(STOP_GRACE_SECONDS)  # uvicorn may outlive it and hold the port
            try:
                self._launch()
            except ServerError:
                log.exception("restarting the local Prefect server failed; trying again")


@contextmanager
def prefect_api(port: int = DEFAULT_PORT) -> Iterator[LocalServer | None]:
    """The configured Prefect API, or a supervised local server for as long as the block runs."""
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    server = LocalServer(port)
    server.start()
    os.environ["PREFECT_API_URL"] = server.url
    try:
        yield server
    finally:
        server.stop()


def serve(
    name: str,
    cron: str,
    timezone: str | None,
    parameters: dict[str, Any],
    port: int = DEFAULT_PORT,
    dask_address: str | None = None,
) -> None:
    """Serve the ingest flow on CRON until interrupted; one run at a time, parsing on the Dask cluster at
    `dask_address` if one is given."""
    if dask_address:
        from reportflow.flows.ingest import DASK_ADDRESS_ENV

        os.environ[DASK_ADDRESS_ENV] = dask_address  # the runs' processes inherit it
    with prefect_api(port) as server:
        from prefect.schedules import Cron
        from prefect.types.entrypoint import EntrypointType

        from reportflow.flows.ingest import ingest

        where = (
            f"a local Prefect server, UI at {server.url.removesuffix('/api')}"
            if server
            else os.environ["PREFECT_API_URL"]
        )
        print(f"reportflow: serving reportflow-ingest/{name} on {cron!r} ({timezone or 'UTC'}) through {where}")
        ingest.serve(
            name=name,
            schedules=[Cron(cron, timezone=timezone)],
            parameters=parameters,
            limit=1,
            print_starting_message=False,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
