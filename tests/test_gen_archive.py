"""The synthetic archive of tests/bench/gen_archive.py reads as a DEST that reportflow runs on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reportflow.flows.steps.dedup_index import load_index
from reportflow.flows.steps.dedup_keys import dedup_key
from reportflow.flows.steps.inventory import current_states
from reportflow.flows.steps.store import DatasetStore
from tests.bench.gen_archive import ArchiveShape, generate, samples_path
from tests.helpers.cli import rows, run_cli

SHAPE = ArchiveShape(paragraphs=2_030, per_day=1_000, per_doc=40, samples=200, seed=7)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("archive") / "dest"
    generate(dest, SHAPE)
    return dest


def test_the_archive_holds_every_paragraph_in_its_index_and_every_document(archive: Path) -> None:
    store = DatasetStore(archive)
    index = load_index(store)
    documents = store.read("documents", ["doc_id", "paragraph_count"])
    assert index.frozen.size == SHAPE.paragraphs
    assert documents.num_rows == SHAPE.documents == 51
    assert sum(documents["paragraph_count"].to_pylist()) == SHAPE.paragraphs
    assert (
        set(store.fingerprints())
        == set(current_states(store.file_states()))
        == set(store.read("documents", ["source_uri"])["source_uri"].to_pylist())
    )
    assert len(index.contents) == SHAPE.documents


def test_the_paragraphs_with_text_are_in_the_index_under_their_own_keys(archive: Path) -> None:
    index = load_index(DatasetStore(archive))
    samples = pq.read_table(samples_path(archive)).to_pylist()
    assert len(samples) >= SHAPE.samples
    by_id = {index.paragraph_id(seq): seq for seq in range(index.frozen.size)}
    for sample in samples[:: len(samples) // 20]:
        assert index.key(by_id[sample["paragraph_id"]]) == dedup_key(sample["text"])


@pytest.mark.slow
def test_a_run_over_the_archive_flags_copies_of_its_paragraphs(archive: Path, tmp_path: Path) -> None:
    samples = pq.read_table(samples_path(archive)).to_pylist()
    exact, near = samples[3], samples[-5]
    at = next(i for i, c in enumerate(near["text"]) if i >= 20 and c.isalpha() and c != "x")
    near_text = near["text"][:at] + "x" + near["text"][at + 1 :]
    source = tmp_path / "in"
    source.mkdir()
    new = "Một đoạn văn hoàn toàn mới, chưa từng có trong kho lưu trữ này."
    text = f"Báo cáo mới\n\n{exact['text'].upper()}\n\n{new}\n\n{near_text}\n"
    (source / "night.txt").write_text(text, encoding="utf-8")
    dest = tmp_path / "dest"
    shutil.copytree(archive, dest)
    done = run_cli(tmp_path / "prefect", str(source), str(dest), "--settle-seconds", "0")
    assert done.returncode == 0, done.stderr
    written = {r["text"]: r for r in rows(dest, "paragraphs") if not r["run_id"].startswith("gen-")}
    copied = written[exact["text"].upper()]
    assert (copied["is_duplicate"], copied["duplicate_of"], copied["dup_scope"]) == (
        True,
        exact["paragraph_id"],
        "corpus",
    )
    assert copied["similarity"] == 1.0
    nearly = written[near_text]
    assert (nearly["is_duplicate"], nearly["duplicate_of"]) == (True, near["paragraph_id"])
    assert 0.9 <= nearly["similarity"] < 1.0
    assert not written[new]["is_duplicate"]
    assert written[new]["similar_to"] is None
