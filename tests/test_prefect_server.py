"""The one module that starts, health-checks and stops a server process, with real processes."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import psutil

from reportflow.flows.prefect_server import ServerProcess


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_server_answering_its_health_route_is_ready_and_stops(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "health").write_text("true")
    port = _free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    server = ServerProcess(command, port, env={}, end_with_parent=True)
    try:
        assert server.wait_healthy(30)
        assert server.url == f"http://127.0.0.1:{port}/api"
    finally:
        server.stop(5)
    assert server.returncode is not None


def test_a_server_that_exits_is_not_ready_and_says_why() -> None:
    command = [sys.executable, "-c", "import sys; sys.stderr.write('port in use'); sys.exit(3)"]
    server = ServerProcess(command, _free_port(), env={}, keep_errors=True)
    assert not server.wait_healthy(30)
    server.stop(5)
    assert (server.returncode, server.errors()) == (3, "port in use")


def test_stopping_a_server_in_its_own_session_ends_its_children_too() -> None:
    command = ["/bin/sh", "-c", "sleep 300 & exec sleep 300"]
    server = ServerProcess(command, _free_port(), env={}, own_session=True)
    leader = psutil.Process(server.pid)
    deadline = time.monotonic() + 30
    while not leader.children() and time.monotonic() < deadline:
        time.sleep(0.01)
    [child] = leader.children()
    server.stop(5)
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
