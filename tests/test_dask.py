"""The flow on a real Dask cluster: a scheduler and two workers started on 127.0.0.1."""

from __future__ import annotations

import contextlib
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
from tests.helpers.hang import stop_if_hung

DASK = Path(sys.executable).with_name("dask")
VOLATILE = {"run_id", "ingested_at", "occurred_at"}


class Cluster:
    """A Dask scheduler and two workers on 127.0.0.1, started with the `dask` command as an operator would."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        scheduler_file = folder / "scheduler.json"
        where = ["--scheduler-file", str(scheduler_file), "--host", "127.0.0.1", "--no-dashboard"]
        self.scheduler = _start([str(DASK), "scheduler", "--port", "0", *where])
        self.workers = [_start([str(DASK), "worker", "--nthreads", "1", *where]) for _ in range(2)]
        try:
            self.address = _wait_for_workers(scheduler_file, 2)
        except BaseException:
            self.stop([])
            raise

    def worker_processes(self) -> list[psutil.Process]:
        return [psutil.Process(w.pid) for w in self.workers]

    def started_by_workers(self) -> list[psutil.Process]:
        return [child for w in self.worker_processes() for child in w.children(recursive=True)]

    def stop_workers(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                worker.terminate()
        for worker in self.workers:
            worker.wait(timeout=60)

    def stop(self, left: list[psutil.Process]) -> None:
        self.stop_workers()
        self.scheduler.terminate()
        self.scheduler.wait(timeout=30)
        for process in left:  # whatever a failed test left behind must not outlive the test session
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster(tmp_path_factory.mktemp("dask"))
    spawned: list[psutil.Process] = []
    try:
        yield started
        spawned = started.started_by_workers()
    finally:
        started.stop(spawned)


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_workers(scheduler_file: Path, count: int) -> str:
    from distributed import Client

    with stop_if_hung(120):  # the scheduler writes its file once it has started
        while not scheduler_file.exists():
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
def test_a_run_on_the_cluster_writes_what_a_local_run_writes(tmp_path: Path, cluster: Cluster) -> None:
    source = _inputs(tmp_path / "in")
    local, remote = tmp_path / "local", tmp_path / "remote"
    done = run_cli(tmp_path / "prefect", str(source), str(local), "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    args = ["--batch-size", "2", "--dask-address", cluster.address]
    done = run_cli(tmp_path / "prefect", str(source), str(remote), *args)
    assert done.returncode == 0, done.stderr
    for dataset, key in [("documents", "doc_id"), ("paragraphs", "paragraph_id"), ("errors", "source_uri")]:
        assert _stable(remote, dataset, key) == _stable(local, dataset, key), dataset
    assert len(rows(remote, "documents")) == 9
    workers = cluster.worker_processes()
    parsed_on = [w for w in workers if any("forkserver" in " ".join(c.cmdline()) for c in w.children(recursive=True))]
    assert len(parsed_on) == 2, "both Dask workers should have parsed documents in their own worker processes"


@pytest.mark.slow
def test_dask_workers_leave_no_process_behind(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path / "cluster")
    spawned: list[psutil.Process] = []
    try:
        source = _inputs(tmp_path / "in")
        args = ["--batch-size", "2", "--dask-address", cluster.address]
        done = run_cli(tmp_path / "prefect", str(source), str(tmp_path / "out"), *args)
        assert done.returncode == 0, done.stderr
        spawned = cluster.started_by_workers()
        assert any("forkserver" in " ".join(p.cmdline()) for p in spawned), "the workers should have parsed"
        assert not [p for p in spawned if "uvicorn" in " ".join(p.cmdline())], "a worker started a Prefect API"
        cluster.stop_workers()
        _, alive = psutil.wait_procs(spawned, timeout=30)
        assert [" ".join(p.cmdline()) for p in alive] == []
    finally:
        cluster.stop(spawned)


def test_a_served_deployment_parses_on_the_cluster_named_in_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve --dask-address` puts the address in the environment its runs' processes inherit."""
    from reportflow.flows.ingest import DASK_ADDRESS_ENV, cluster_address

    monkeypatch.setenv(DASK_ADDRESS_ENV, "tcp://127.0.0.1:8786")
    assert cluster_address() == "tcp://127.0.0.1:8786"
    assert cluster_address("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"
    monkeypatch.delenv(DASK_ADDRESS_ENV)
    assert cluster_address() is None
