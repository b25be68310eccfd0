"""`reportflow serve` with nothing configured: it starts a local Prefect server, deploys on a cron schedule,
runs what the server triggers, and restarts the server when it dies."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments import run_deployment
from prefect.flows import load_flow_from_entrypoint
from prefect.settings import PREFECT_API_URL, temporary_settings

from reportflow.flows.ingest import ingest
from tests.helpers.cli import REPO, REPORTFLOW, cli_env, rows

DEPLOYMENT = "reportflow-ingest/nightly"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _server_processes(serve: psutil.Process) -> list[psutil.Process]:
    return [p for p in serve.children(recursive=True) if "server" in p.cmdline() and "start" in p.cmdline()]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, psutil.Process, Path]]:
    folder = tmp_path_factory.mktemp("serve")
    source, dest = folder / "in", folder / "out"
    shutil.copytree(REPO / "samples" / "reports", source)
    port = _free_port()
    command = [str(REPORTFLOW), "serve", str(source), str(dest), "--cron", "0 2 * * *", "--port", str(port)]
    command += ["--timezone", "Asia/Ho_Chi_Minh"]
    process = subprocess.Popen(command, env=cli_env(folder / "prefect"), stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/api"
    serve = psutil.Process(process.pid)
    try:
        assert process.stdout is not None
        assert "serving reportflow-ingest/nightly" in process.stdout.readline()
        with temporary_settings({PREFECT_API_URL: url}):
            _wait_for_deployment()
            yield url, serve, dest
    finally:
        descendants = serve.children(recursive=True)
        process.send_signal(signal.SIGINT)  # what Ctrl-C delivers
        process.wait(timeout=90)
        if process.stdout:
            process.stdout.close()
        _, alive = psutil.wait_procs(descendants, timeout=30)
        assert not alive, f"serve left processes behind: {[p.cmdline() for p in alive]}"


def _wait_for_deployment() -> None:
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while True:
            try:
                client.read_deployment_by_name(DEPLOYMENT)
                return
            except Exception:
                assert time.monotonic() < deadline, "the deployment never appeared"
                time.sleep(0.5)


@pytest.mark.slow
def test_the_deployment_has_its_cron_schedule_and_time_zone(served: tuple[str, psutil.Process, Path]) -> None:
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
    assert deployment.entrypoint == "reportflow.flows.ingest.ingest"
    [schedule] = [s.schedule for s in deployment.schedules if s.active]
    assert isinstance(schedule, CronSchedule)
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Ho_Chi_Minh")
    assert deployment.parameters["dest"] == str(served[2])


@pytest.mark.slow
def test_a_triggered_run_writes_the_datasets(served: tuple[str, psutil.Process, Path]) -> None:
    flow_run = run_deployment(DEPLOYMENT, timeout=240)
    assert flow_run.state is not None and flow_run.state.is_completed(), flow_run.state
    assert len(rows(served[2], "documents")) == 2
    assert [r["status"] for r in rows(served[2], "runs")] == ["completed"]


@pytest.mark.slow
def test_the_local_server_is_started_again_when_it_dies(served: tuple[str, psutil.Process, Path]) -> None:
    url, serve, _ = served
    [server] = _server_processes(serve)
    os.killpg(server.pid, signal.SIGKILL)  # the server and its uvicorn, as a crash or the OOM killer would
    server.wait(timeout=30)
    deadline = time.monotonic() + 120
    while not (_healthy(url) and _server_processes(serve)):
        assert time.monotonic() < deadline, "the server was not restarted"
        time.sleep(1)
    assert [p.pid for p in _server_processes(serve)] != [server.pid]


def test_prefect_yaml_points_at_the_flow_with_valid_parameters() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    [deployment] = config["deployments"]
    flow = load_flow_from_entrypoint(str(REPO / deployment["entrypoint"]))
    assert flow.name == ingest.name
    assert set(deployment["parameters"]) <= set(ingest.parameters.properties)
    assert {"source", "dest"} <= set(deployment["parameters"])
    [schedule] = deployment["schedules"]
    assert schedule["cron"] and schedule["timezone"]
