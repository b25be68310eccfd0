"""The flow on a real Dask cluster: a scheduler and two workers started on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.helpers.cli import rows, run_cli
from tests.helpers.corpus import corpus_path

DASK = Path(sys.executable).with_name("dask")
VOLATILE = {"run_id", "ingested_at", "occurred_at"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[psutil.Process]]]:
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    common = ["--no-dashboard"]
    scheduler = _start(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(scheduler_file), *common]
    )
    workers = [
        _start(
            [
                str(DASK),
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                *common,
            ]
        )
        for _ in range(2)
    ]
    try:
        yield _wait_for_workers(scheduler_file, 2), [psutil.Process(w.pid) for w in workers]
    finally:
        # Without PREFECT_API_URL each worker starts a temporary Prefect API of its own: end those too.
        spawned = [child for w in workers for child in psutil.Process(w.pid).children(recursive=True)]
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(timeout=30)
        for child in spawned:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.terminate()
        psutil.wait_procs(spawned, timeout=30)


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_workers(scheduler_file: Path, count: int) -> str:
    from distributed import Client

    deadline = time.monotonic() + 60
    while not scheduler_file.exists():
        assert time.monotonic() < deadline, "the Dask scheduler did not start"
        time.sleep(0.2)
    with Client(scheduler_file=str(scheduler_file), timeout=30) as client:
        client.wait_for_workers(count, timeout=60)
        return str(client.scheduler.address)


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    for name in ["seed.txt", "seed.docx", "seed.pdf"]:
        shutil.copy(corpus_path("seed", name), folder / name)
    for n in range(6):
        (folder / f"report-{n}.txt").write_text(f"Báo cáo {n}\n\nNội dung chung.\n\nPhần riêng {n}.", encoding="utf-8")
    (folder / "empty.docx").write_bytes(b"")
    return folder


def _stable(dest: Path, dataset: str, key: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows(dest, dataset, key)]


@pytest.mark.slow
def test_a_run_on_the_cluster_writes_what_a_local_run_writes(
    tmp_path: Path, cluster: tuple[str, list[psutil.Process]]
) -> None:
    address, workers = cluster
    source = _inputs(tmp_path / "in")
    local, remote = tmp_path / "local", tmp_path / "remote"
    done = run_cli(tmp_path / "prefect", str(source), str(local), "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    done = run_cli(tmp_path / "prefect", str(source), str(remote), "--batch-size", "2", "--dask-address", address)
    assert done.returncode == 0, done.stderr
    for dataset, key in [("documents", "doc_id"), ("paragraphs", "paragraph_id"), ("errors", "source_uri")]:
        assert _stable(remote, dataset, key) == _stable(local, dataset, key), dataset
    assert len(rows(remote, "documents")) == 9
    parsed_on = [w for w in workers if any("forkserver" in " ".join(c.cmdline()) for c in w.children(recursive=True))]
    assert len(parsed_on) == 2, "both Dask workers should have parsed documents in their own worker processes"


def test_a_served_deployment_parses_on_the_cluster_named_in_its_environment() -> None:
    """`serve --dask-address` puts the address in the environment its runs' processes inherit."""
    code = "from reportflow.flows.ingest import ingest; r = ingest.task_runner; print(type(r).__name__, r.address)"
    env = {**os.environ, "REPORTFLOW_DASK_ADDRESS": "tcp://127.0.0.1:8786"}
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["DaskTaskRunner", "tcp://127.0.0.1:8786"]
    env.pop("REPORTFLOW_DASK_ADDRESS")
    found = subprocess.run(
        [sys.executable, "-c", code.replace(", r.address", "")], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.split() == ["ThreadPoolTaskRunner"]
