"""Prefect's temporary API server for one `reportflow run`, started before anything else is imported.

Left to itself, Prefect starts the same server (uvicorn on 127.0.0.1, no UI) when the flow first needs
it: after our modules are imported, and after importing the whole server application into the
command's own process (about 2.7 s here) only to start a subprocess. Started first, the server boots
while the command imports, and the command never imports it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

READY_TIMEOUT_SECONDS = 60.0
# What Prefect's own temporary server gets (prefect.server.api.server.SubprocessASGIServer).
_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
_PR_SET_PDEATHSIG = 1
# The health check goes straight to 127.0.0.1, never through an http_proxy of the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class TemporaryApi:
    """A Prefect API server process of our own, ended with the command (even if it is killed)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        app = ["--app-dir", _prefect_parent(), "--factory", "prefect.server.api.server:create_app"]
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", *app, *where],
            env={**os.environ, **_SERVER_ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_end_with_parent(),
        )

    def ready(self) -> bool:
        """Wait until the server answers; False if it died or never answered (Prefect then starts its own)."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while self._process is not None and self._process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError), _NO_PROXY.open(f"{self.url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return True
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


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


def _end_with_parent() -> Callable[[], None] | None:
    """What the child runs so that Linux ends the server when the command dies, SIGKILL included.

    `prctl` is looked up here, in the parent: the child may only make the call (no loading of
    libraries between fork and exec).
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the command died before the call
            os._exit(1)

    return in_child
