"""Prefect's temporary API server for one `reportflow run`, started before anything else is imported.

Left to itself, Prefect starts the same server (uvicorn on 127.0.0.1, no UI) when the flow first needs
it: after our modules are imported, and after importing the whole server application into the
command's own process (about 2.7 s here) only to start a subprocess. Started first, the server boots
while the command imports, and the command never imports it.
"""

from __future__ import annotations

import os
import socket
import sys
from importlib.util import find_spec
from pathlib import Path

from reportflow.flows.prefect_server import ServerProcess

READY_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 5.0
# What Prefect's own temporary server gets (prefect.server.api.server.SubprocessASGIServer).
_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


class TemporaryApi:
    """A Prefect API server process of our own, ended with the command (even if it is killed)."""

    def __init__(self) -> None:
        self.port = _free_port()
        app = ["--app-dir", _prefect_parent(), "--factory", "prefect.server.api.server:create_app"]
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        self._server: ServerProcess | None = ServerProcess(
            [sys.executable, "-m", "uvicorn", *app, *where],
            self.port,
            env={**os.environ, **_SERVER_ENV},
            end_with_parent=True,
        )
        self.url = self._server.url

    def ready(self) -> bool:
        """Wait until the server answers; False if it died or never answered (Prefect then starts its own)."""
        if self._server is not None and self._server.wait_healthy(READY_TIMEOUT_SECONDS):
            return True
        self.stop()
        return False

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(STOP_GRACE_SECONDS)
            self._server = None


def start_temporary_api() -> TemporaryApi | None:
    """The server, unless a Prefect API is configured through the environment."""
    if os.environ.get("PREFECT_API_URL") or find_spec("uvicorn") is None:
        return None
    return TemporaryApi()


def _prefect_parent() -> str:
    spec = find_spec("prefect")
    assert spec is not None and spec.origin is not None
    return str(Path(spec.origin).parent.parent)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
