"""Parsing in killable worker processes: the per-document time limit and dying workers."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

from reportflow.flows.steps.isolation import WorkerSettings, parse_in_workers, shutdown_pools
from reportflow.flows.steps.parse import Failed, Parsed, parse_source
from reportflow.flows.steps.sources import discover
from tests.helpers.cli import rows, run_cli
from tests.helpers.hang import stop_if_hung
from tests.helpers.pdf_builder import spinning_pdf

SHORT_LIMIT = 0.5
# Stops a hung test only: a run here normally takes seconds, far less on an idle machine.
HUNG = 300


@pytest.fixture(autouse=True)
def fresh_pools() -> Iterator[None]:
    yield
    shutdown_pools()


def noise_scan(width: int = 1800, height: int = 2400) -> bytes:
    """A page of random pixels: Tesseract's layout analysis spends seconds in C code on it."""
    pixels = (np.random.default_rng(1).random((height, width)) > 0.5).astype(np.uint8) * 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", dpi=(300, 300))
    return buffer.getvalue()


def long_text() -> bytes:
    """Megabytes of text: seconds of pure-Python paragraph and structure work."""
    paragraph = "Báo cáo tình hình kinh tế xã hội của tỉnh trong quý, với số liệu chi tiết từng ngành. " * 6
    return "\n\n".join(f"{n}. {paragraph}" for n in range(30_000)).encode()


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_results_match_in_process_parsing_in_source_order(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "in", {f"{n}.txt": f"Báo cáo số {n}\n\nNội dung {n}.".encode() for n in range(6)})
    sources = discover(folder)
    results = parse_in_workers(sources, WorkerSettings(workers=2))
    expected = [parse_source(source) for source in sources]
    assert [r.source.uri for r in results] == [s.uri for s in sources]
    assert all(isinstance(r, Parsed) for r in results)
    assert [r.document for r in results if isinstance(r, Parsed)] == [
        e.document for e in expected if isinstance(e, Parsed)
    ]


@pytest.mark.parametrize(
    "stuck_input",
    [
        pytest.param(noise_scan, id="stuck-in-C", marks=pytest.mark.needs_tesseract),
        pytest.param(long_text, id="stuck-in-python"),
    ],
)
def test_time_limit_kills_the_worker_and_the_pool_goes_on(tmp_path: Path, stuck_input: Callable[[], bytes]) -> None:
    folder = write_files(tmp_path / "in", {"a.txt": b"Before.", "b-slow.bin": stuck_input(), "c.txt": b"After."})
    with stop_if_hung(HUNG):
        results = parse_in_workers(discover(folder), WorkerSettings(workers=1, time_limit=SHORT_LIMIT))
    first, stuck, last = results
    assert isinstance(first, Parsed) and isinstance(last, Parsed)
    assert isinstance(stuck, Failed) and stuck.error_type == "timeout"
    assert "time limit of 0.5 s" in stuck.message


@pytest.mark.needs_tesseract
def test_a_worker_killed_mid_document_gives_worker_died_for_that_document_only(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "in", {"a-slow.png": noise_scan(), "b.txt": b"After."})
    killer = threading.Thread(target=_kill_busy_worker, daemon=True)
    killer.start()
    died, after = parse_in_workers(discover(folder), WorkerSettings(workers=1, time_limit=HUNG))
    assert isinstance(died, Failed) and died.error_type == "worker_died"
    assert "exit code -9" in died.message
    assert isinstance(after, Parsed)


def _kill_busy_worker() -> None:
    """SIGKILL this test's worker once it has spent CPU time on the scan, as the kernel's OOM killer would.

    Workers are started by the forkserver, our child, so they are our grandchildren; CPU time, unlike
    CPU share, reaches the mark however busy the machine is.
    """
    deadline = time.monotonic() + HUNG
    while time.monotonic() < deadline:
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if child.ppid() != os.getpid() and sum(child.cpu_times()[:2]) > 0.3:
                    os.kill(child.pid, signal.SIGKILL)
                    return
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.needs_tesseract
def test_cli_run_turns_a_stuck_document_into_one_timeout_row_and_exits_0(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path / "in",
        {"good.txt": "Báo cáo\n\nMột đoạn văn.".encode(), "stuck.png": noise_scan(), "later.txt": b"Another report."},
    )
    dest = tmp_path / "out"
    done = run_cli(tmp_path / "prefect", str(folder), str(dest), "--time-limit", str(SHORT_LIMIT), "--workers", "1")
    assert done.returncode == 0, done.stderr
    errors = rows(dest, "errors")
    assert [(Path(e["source_uri"]).name, e["error_type"]) for e in errors] == [("stuck.png", "timeout")]
    assert errors[0]["doc_id"]
    assert sorted(Path(d["source_uri"]).name for d in rows(dest, "documents")) == ["good.txt", "later.txt"]


def test_a_file_over_the_size_limit_is_too_large_without_being_read(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "in", {"big.txt": b"x" * 3000, "small.txt": b"Small report."})
    big, small = parse_in_workers(discover(folder), WorkerSettings(workers=1, max_file_mb=2000 / 1024**2))
    assert isinstance(big, Failed) and big.error_type == "too_large"
    assert "over the 0.00190735 MB limit" in big.message
    assert isinstance(small, Parsed)


def test_a_document_needing_more_memory_than_a_worker_may_use_is_too_large(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "in", {"a-spinning.pdf": spinning_pdf(), "b.txt": b"After."})
    settings = WorkerSettings(workers=1, time_limit=HUNG, max_memory_mb=400)
    with stop_if_hung(2 * HUNG):
        spun, after = parse_in_workers(discover(folder), settings)
    assert isinstance(spun, Failed) and spun.error_type == "too_large", spun
    assert "more memory than a worker may use" in spun.message
    assert isinstance(after, Parsed)
