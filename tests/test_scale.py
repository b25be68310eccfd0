"""The scale benchmark (tests/bench/bench_scale.py), scaled down to an archive of 100,000 paragraphs made by
the generator: what it reports is asserted as behaviour, never as time."""

from __future__ import annotations

import importlib
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from reportflow.flows.steps.store import INDEX_DIR, DatasetStore
from tests.bench.gen_archive import ArchiveShape, generate
from tests.helpers.cli import rows, run_cli

BENCH = Path(__file__).parent / "bench"
SHAPE = ArchiveShape(paragraphs=100_000, per_day=25_000, seed=3)
NIGHT = 4_000
MAX_INDEX_BYTES_PER_PARAGRAPH = 150


def bench(name: str) -> ModuleType:
    """A benchmark script as a module; they import each other as scripts do, from their own folder."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("scale") / "archive"
    generate(dest, SHAPE)
    return dest


def test_a_night_against_the_archive_flags_every_copy_and_only_copies(archive: Path, tmp_path: Path) -> None:
    night = bench("bench_night")
    results, copied = night.night(archive, NIGHT)
    dest = tmp_path / "dest"
    shutil.copytree(archive, dest)
    flagged = night.flag_night(dest, results, datetime.now(UTC))
    assert len(copied) > 0.25 * NIGHT
    assert night.precision_recall(flagged, copied) == (1.0, 1.0)
    assert DatasetStore(dest).read("paragraphs", ["paragraph_id"]).num_rows == SHAPE.samples + NIGHT
    added = bench("bench_scale").index_bytes(dest) - bench("bench_scale").index_bytes(archive)
    assert 0 < added <= MAX_INDEX_BYTES_PER_PARAGRAPH * NIGHT  # the night's index, as the flow writes it


def test_the_index_takes_at_most_150_bytes_a_paragraph_on_disk(archive: Path) -> None:
    per_paragraph = bench("bench_scale").index_bytes(archive) / SHAPE.paragraphs
    assert 0 < per_paragraph <= MAX_INDEX_BYTES_PER_PARAGRAPH


@pytest.mark.slow
def test_a_run_with_nothing_new_adds_nothing_and_never_reads_the_index(archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    shutil.copytree(archive, dest)
    paragraphs = DatasetStore(dest).read("paragraphs", ["paragraph_id"]).num_rows
    unreadable = [f for f in (dest / INDEX_DIR).rglob("*") if f.is_file()]
    assert unreadable
    for part in unreadable:
        part.write_bytes(b"not an index: reading it would fail the run")
    (tmp_path / "in").mkdir()
    done = run_cli(tmp_path / "prefect", str(tmp_path / "in"), str(dest), "--settle-seconds", "0")
    assert done.returncode == 0, done.stderr
    [run] = [r for r in rows(dest, "runs") if not r["run_id"].startswith("gen-")]
    assert (run["status"], run["documents_written"], run["paragraphs_written"]) == ("completed", 0, 0)
    assert DatasetStore(dest).read("paragraphs", ["paragraph_id"]).num_rows == paragraphs
