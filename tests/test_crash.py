"""Real runs killed with SIGKILL at several points, then resumed: the datasets end up as one clean run's."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers.cli import REPORTFLOW, cli_env, rows, run_cli

pytestmark = pytest.mark.slow  # every test runs (and kills) the real `reportflow` command

FILES = 150
SHARED = "Các đơn vị tiếp tục thực hiện nghiêm túc chế độ báo cáo định kỳ theo quy định của Ủy ban nhân dân tỉnh."


def _write_reports(folder: Path) -> None:
    folder.mkdir()
    for i in range(FILES):
        lines = [f"Báo cáo số {i} về tình hình công tác", "Ngày: 17.07.2017", f"Nội dung riêng của báo cáo {i}."]
        lines += [SHARED, f"Nội dung riêng của báo cáo {i}.", "Lâm Văn Ảnh"]
        (folder / f"bao-cao-{i:03d}.txt").write_text("\n".join(lines), encoding="utf-8")


def _snapshot(dest: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    paragraphs = [
        (p["paragraph_id"], p["kind"], p["text"], p["is_duplicate"], p["duplicate_of"], p["dup_scope"])
        for p in rows(dest, "paragraphs", "paragraph_id")
    ]
    documents = [
        (d["doc_id"], d["source_uri"], d["paragraph_count"], d["duplicate_paragraph_count"], d["duplicate_of_doc_id"])
        for d in rows(dest, "documents", "doc_id")
    ]
    return paragraphs, documents


def _file_states(dest: Path) -> list[tuple[object, ...]]:
    return [(f["source_uri"], f["doc_id"], f["status"]) for f in rows(dest, "files", "source_uri, seen_at")]


def _committed_batches(dest: Path) -> int:
    return len(list((dest / "documents").rglob("*.parquet"))) if (dest / "documents").exists() else 0


def _run_and_kill(source: Path, dest: Path, prefect_home: Path, after_batches: int) -> None:
    process = subprocess.Popen(
        [str(REPORTFLOW), "run", str(source), str(dest), "--batch-size", "1", "--no-progress"],
        env=cli_env(prefect_home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _committed_batches(dest) < after_batches and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple[object, object]]:
    root = tmp_path_factory.mktemp("crash")
    _write_reports(root / "in")
    result = run_cli(root / "prefect", str(root / "in"), str(root / "clean"))
    assert result.returncode == 0, result.stderr
    return root, root / "in", _snapshot(root / "clean")


@pytest.mark.parametrize("after_batches", [0, 1, 25])
def test_killed_run_then_resumed_equals_one_clean_run(
    reference: tuple[Path, Path, tuple[object, object]], after_batches: int
) -> None:
    root, source, clean = reference
    dest = root / f"killed-{after_batches}"
    _run_and_kill(source, dest, root / "prefect", after_batches)
    assert _committed_batches(dest) < FILES
    paragraphs, documents = _snapshot(dest)
    committed = {d[0] for d in documents}
    assert {p[0].split(":")[0] for p in paragraphs} >= committed  # no document without its paragraphs

    result = run_cli(root / "prefect", str(source), str(dest))
    assert result.returncode == 0, result.stderr
    assert _snapshot(dest) == clean
    assert _file_states(dest) == _file_states(root / "clean")  # one row per file, as after one clean run
    statuses = sorted(r["status"] for r in rows(dest, "runs"))
    assert statuses in (["completed"], ["completed", "interrupted"])
    assert not list((dest / "_reportflow" / "staging").iterdir())
