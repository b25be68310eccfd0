"""`reportflow compact`: one file per dataset and day, same rows, readers never see a partial swap."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from reportflow.flows.steps import compact as compact_module
from reportflow.flows.steps.compact import FOLDERS, compact
from reportflow.schemas import SCHEMA_VERSION
from tests.helpers.cli import REPORTFLOW, cli_env, rows, run_cli

pytestmark = pytest.mark.slow  # every test runs the real `reportflow` command (or reads what it wrote)

SHARED = "Các đơn vị tiếp tục thực hiện nghiêm túc chế độ báo cáo định kỳ theo quy định của Ủy ban nhân dân tỉnh."
TABLES = {"documents": "doc_id", "paragraphs": "paragraph_id", "errors": "source_uri", "runs": "run_id"}


def _report(folder: Path, n: int) -> None:
    text = f"Báo cáo số {n}\n\nNội dung riêng của báo cáo {n}.\n\n{SHARED}"
    (folder / f"bao-cao-{n:03d}.txt").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("compact")
    source = root / "in"
    source.mkdir()
    for n in range(20):
        _report(source, n)
    (source / "empty.docx").write_bytes(b"")
    dest = root / "out"
    done = run_cli(root / "prefect", str(source), str(dest), "--batch-size", "4")
    assert done.returncode == 0, done.stderr
    return root, source, dest


def _snapshot(dest: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: rows(dest, name, key) for name, key in TABLES.items()}


def _part_counts(dest: Path) -> dict[str, int]:
    return {f: len(list((dest / f).rglob("*.parquet"))) for f in FOLDERS if (dest / f).is_dir()}


def _fresh_copy(ingested: tuple[Path, Path, Path], tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    shutil.copytree(ingested[2], dest)
    return dest


def test_compact_leaves_one_file_per_dataset_and_day_with_the_same_rows(
    ingested: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    dest = _fresh_copy(ingested, tmp_path)
    before, counts = _snapshot(dest), _part_counts(dest)
    assert counts["paragraphs"] >= 5
    done = subprocess.run([str(REPORTFLOW), "compact", str(dest)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    several = [n for n in counts.values() if n > 1]
    assert f"1 day(s) compacted: {sum(several)} files into {len(several)}" in done.stdout
    assert _part_counts(dest) == dict.fromkeys(counts, 1)
    assert _snapshot(dest) == before
    [paragraphs] = (dest / "paragraphs").rglob("*.parquet")
    assert pq.read_schema(paragraphs).metadata[b"reportflow.schema_version"] == SCHEMA_VERSION.encode()
    assert not (dest / "_reportflow" / "compact").exists()


def test_runs_after_compaction_skip_known_files_and_flag_duplicates_of_earlier_paragraphs(
    ingested: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    root, source, _ = ingested
    dest = _fresh_copy(ingested, tmp_path)
    compact(dest)
    more = tmp_path / "in"
    shutil.copytree(source, more)
    _report(more, 99)
    done = run_cli(root / "prefect", str(more), str(dest))
    assert done.returncode == 0, done.stderr
    newest = max(rows(dest, "runs"), key=lambda r: r["started_at"])
    assert (newest["files_skipped"], newest["documents_written"]) == (20, 1)
    shared = [p for p in rows(dest, "paragraphs") if p["text"] == SHARED and "bao-cao-099" in _source_of(dest, p)]
    assert [(p["is_duplicate"], p["dup_scope"]) for p in shared] == [(True, "corpus")]


def _source_of(dest: Path, paragraph: dict[str, Any]) -> str:
    [document] = [d for d in rows(dest, "documents") if d["doc_id"] == paragraph["doc_id"]]
    return str(document["source_uri"])


def test_a_reader_never_sees_a_partition_twice_or_half_during_compaction(
    ingested: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    dest = _fresh_copy(ingested, tmp_path)
    expected = len(rows(dest, "paragraphs"))
    seen: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            query = f"SELECT count(*) FROM read_parquet('{dest}/paragraphs/**/*.parquet', hive_partitioning = true)"
            try:
                seen.append(duckdb.connect().sql(query).fetchall()[0][0])
            except duckdb.Error as e:
                failures.append(str(e))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(200):
            compact(dest)
            _add_small_files(dest)
            if len(seen) >= 20:
                break
    finally:
        stop.set()
        reader.join()
    assert len(seen) >= 20
    assert set(seen) == {expected}
    # A query that listed the old files just before the swap cannot open them: it fails and can be retried,
    # but no query ever counts a partition twice or half of it.
    assert all("No such file or directory" in failure for failure in failures), failures


def _add_small_files(dest: Path) -> None:
    """Split each compacted paragraphs file in two again, both halves appearing in one exchange, so there is work."""
    for day in (dest / "paragraphs").glob("ingest_date=*"):
        staged = dest / "_reportflow" / "split" / day.name
        staged.mkdir(parents=True)
        for part in day.glob("*.parquet"):
            table = pq.read_table(part, partitioning=None)
            half = table.num_rows // 2
            pq.write_table(table.slice(0, half), staged / f"part-a-{part.name}")
            pq.write_table(table.slice(half), staged / f"part-b-{part.name}")
            index = dest / "_reportflow" / "index" / day.name / part.name
            if index.exists():
                index.rename(index.with_name(f"part-a-{part.name}"))
        compact_module._exchange(staged, day)
        # Kept, as compact keeps what it swaps out: a reader may still be listing the old folder.
        (dest / "_reportflow" / "split").rename(dest / "_reportflow" / f"split-{uuid.uuid4().hex}")


@pytest.mark.parametrize(
    ("fault", "folders_swapped"),
    [("write_atomic", 0), ("_exchange", 1)],
    ids=["dies-before-the-journal", "dies-between-two-swaps"],
)
def test_a_compaction_that_dies_is_rolled_back_or_forward_by_the_next_command(
    ingested: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, folders_swapped: int
) -> None:
    dest = _fresh_copy(ingested, tmp_path)
    before = _snapshot(dest)
    _compact_dying_at(dest, monkeypatch, fault, folders_swapped)
    assert (dest / "_reportflow" / "compact").exists()
    compact(dest)
    assert _snapshot(dest) == before
    assert set(_part_counts(dest).values()) == {1}
    done = run_cli(ingested[0] / "prefect", str(ingested[1]), str(dest))
    assert done.returncode == 0, done.stderr
    assert len(rows(dest, "documents")) == len(before["documents"])


def _compact_dying_at(dest: Path, monkeypatch: pytest.MonkeyPatch, fault: str, calls_allowed: int) -> None:
    original: Callable[..., Any] = getattr(compact_module, fault)
    calls = 0

    def dies(*args: Any) -> Any:
        nonlocal calls
        if calls >= calls_allowed:
            raise OSError("killed")
        calls += 1
        return original(*args)

    monkeypatch.setattr(compact_module, fault, dies)
    with pytest.raises(OSError, match="killed"):
        compact(dest)
    monkeypatch.undo()


def test_a_run_finishes_a_compaction_that_died_between_two_swaps(
    ingested: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = _fresh_copy(ingested, tmp_path)
    before = _snapshot(dest)
    _compact_dying_at(dest, monkeypatch, "_exchange", 1)
    source = tmp_path / "in"
    shutil.copytree(ingested[1], source)
    _report(source, 99)
    done = run_cli(ingested[0] / "prefect", str(source), str(dest))
    assert done.returncode == 0, done.stderr
    after = _snapshot(dest)
    assert len(after["documents"]) == len(before["documents"]) + 1
    assert before["paragraphs"] == [p for p in after["paragraphs"] if p["paragraph_id"] in _ids(before)]
    shared = [p for p in after["paragraphs"] if p["text"] == SHARED and p not in before["paragraphs"]]
    assert [(p["is_duplicate"], p["dup_scope"]) for p in shared] == [(True, "corpus")]
    assert not (dest / "_reportflow" / "compact").exists()


def _ids(snapshot: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {p["paragraph_id"] for p in snapshot["paragraphs"]}


def test_swapped_out_files_are_kept_a_while_then_removed(
    ingested: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = _fresh_copy(ingested, tmp_path)
    before = _part_counts(dest)["paragraphs"]
    compact(dest)
    retired = dest / "_reportflow" / "retired"
    assert len(list(retired.rglob("paragraphs/*/*.parquet"))) == before
    (retired / "notes.txt").write_text("someone's file")
    compact(dest)
    assert len(list(retired.rglob("paragraphs/*/*.parquet"))) == before, "kept while a reader may list them"
    monkeypatch.setattr(compact_module, "RETIRED_KEPT_SECONDS", -1)
    done = run_cli(ingested[0] / "prefect", str(ingested[1]), str(dest))
    assert done.returncode == 0, done.stderr
    expired = {p.name for p in retired.iterdir()} - {"notes.txt"}
    compact(dest)
    left = {p.name for p in retired.iterdir()}
    assert expired and not expired & left
    assert "notes.txt" in left


def test_compact_refuses_a_folder_without_datasets(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REPORTFLOW), "compact", str(tmp_path)], capture_output=True, text=True, env=cli_env(tmp_path), check=False
    )
    assert done.returncode == 2
    assert "holds no reportflow datasets" in done.stderr
