import os
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from reportflow.flows.steps import destination as destination_module
from reportflow.flows.steps.listing import Listing
from reportflow.flows.steps.store import Batch, DatasetStore, DestinationBusyError, KnownDocuments
from reportflow.schemas import SCHEMA_VERSION, DocumentRecord, FileRecord, ParagraphRecord, RunRecord, SeenFileRecord

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)


def _batch(doc_id: str, paragraphs: int = 2) -> Batch:
    return Batch(
        documents=[
            DocumentRecord(
                doc_id=doc_id,
                source_uri=f"/in/{doc_id}.txt",
                source_format="txt",
                extraction="native",
                title="T",
                published_date=date(2017, 7, 17),
                author=None,
                language="vi",
                page_count=None,
                paragraph_count=paragraphs,
                duplicate_paragraph_count=0,
                duplicate_of_doc_id=None,
                run_id="r1",
                ingested_at=NOW,
                content_hash=f"c-{doc_id}",
            )
        ],
        paragraphs=[
            ParagraphRecord(
                paragraph_id=f"{doc_id}:{i}",
                doc_id=doc_id,
                paragraph_index=i,
                page_number=None,
                kind="body",
                text=f"đoạn {i}",
                text_hash=f"h-{doc_id}-{i}",
                is_duplicate=False,
                duplicate_of=None,
                dup_scope=None,
                similarity=None,
                ocr_confidence=None,
                run_id="r1",
            )
            for i in range(paragraphs)
        ],
    )


def _run(run_id: str = "r1") -> RunRecord:
    return RunRecord(run_id, NOW, None, "/in", 3, 0, 1, 2, 0, "running")


def _rows(root: Path, dataset: str) -> list[dict[str, object]]:
    if not (root / dataset).exists():
        return []
    return ds.dataset(root / dataset, format="parquet", partitioning="hive").to_table().to_pylist()


def test_commit_writes_hive_partitioned_zstd_with_schema_version(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    with store.locked():
        store.commit("r1-00000", DAY, _batch("a"))
    files = list((tmp_path / "paragraphs" / "ingest_date=2026-11-26").glob("*.parquet"))
    assert len(files) == 1
    metadata = pq.ParquetFile(files[0]).metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(files[0]).metadata[b"reportflow.schema_version"] == SCHEMA_VERSION.encode()
    assert {r["ingest_date"] for r in _rows(tmp_path, "documents")} == {DAY.isoformat()}
    assert store.read("documents", ["doc_id"]).column("doc_id").to_pylist() == ["a"]
    assert not list((tmp_path / "_reportflow" / "staging").iterdir())


def test_crash_between_moves_is_finished_by_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    moves: list[str] = []

    def replace_then_die(src: str | Path, dst: str | Path) -> None:
        if Path(src).name == "documents.parquet":
            raise KeyboardInterrupt("killed")
        moves.append(str(dst))
        real_replace(src, dst)

    store = DatasetStore(tmp_path)
    with store.locked():
        store.commit("r1-00000", DAY, _batch("a"))
        monkeypatch.setattr(os, "replace", replace_then_die)
        with pytest.raises(KeyboardInterrupt):
            store.commit("r1-00001", DAY, _batch("b"))
    monkeypatch.setattr(os, "replace", real_replace)
    assert {r["doc_id"] for r in _rows(tmp_path, "documents")} == {"a"}

    with store.locked():
        assert store.recover() == 1
    assert sorted(r["doc_id"] for r in _rows(tmp_path, "documents")) == ["a", "b"]
    assert len(_rows(tmp_path, "paragraphs")) == 4


def test_uncommitted_batch_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DatasetStore(tmp_path)

    def die(*args: object) -> None:
        raise KeyboardInterrupt("killed before the commit mark")

    with store.locked():
        monkeypatch.setattr(destination_module, "write_atomic", die)
        with pytest.raises(KeyboardInterrupt):
            store.commit("r1-00000", DAY, _batch("a"))
        monkeypatch.undo()
        assert list((tmp_path / "_reportflow" / "staging").iterdir())
        assert store.recover() == 0
    assert _rows(tmp_path, "paragraphs") == []
    assert not list((tmp_path / "_reportflow" / "staging").iterdir())


def test_interrupted_run_gets_its_runs_row(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    with store.locked():
        store.begin_run(_run("dead"))
    with store.locked():
        store.recover()
        store.recover()
    rows = _rows(tmp_path, "runs")
    assert [(r["run_id"], r["status"]) for r in rows] == [("dead", "interrupted")]


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with (
        DatasetStore(tmp_path).locked(),
        pytest.raises(DestinationBusyError),
        DatasetStore(tmp_path).locked(),
    ):
        pass


def test_a_batch_killed_before_its_first_file_leaves_no_folder_behind(tmp_path: Path) -> None:
    (tmp_path / "_reportflow" / "staging" / "r1-00003").mkdir(parents=True)
    store = DatasetStore(tmp_path)
    with store.locked():
        assert store.recover() == 0
    assert not list((tmp_path / "_reportflow" / "staging").iterdir())


def test_known_documents_answer_exactly_and_read_nothing_until_asked(tmp_path: Path) -> None:
    reads: list[int] = []
    ids = [f"{n:064x}" for n in (5, 3, 9)]

    def read() -> pa.ChunkedArray:
        reads.append(1)
        return pa.chunked_array([ids[:2], ids[2:]], pa.string())

    known = KnownDocuments(read)
    assert reads == []
    assert [f"{n:064x}" in known for n in range(11)] == [n in (3, 5, 9) for n in range(11)]
    assert f"{5:064x}"[:-1] not in known and f"{5:064x}" + "0" not in known
    assert reads == [1]
    mixed = KnownDocuments(lambda: pa.chunked_array([["b", "abc", "ab"]], pa.string()))
    assert ["a" in mixed, "ab" in mixed, "abc" in mixed, "b" in mixed, "bc" in mixed] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert "x" not in KnownDocuments(lambda: pa.chunked_array([], pa.string()))
    store = DatasetStore(tmp_path)
    store.commit("b1", DAY, _batch("a"))
    assert "a" in store.known_documents() and "b" not in store.known_documents()


def test_file_rows_are_read_for_the_files_under_one_source_only(tmp_path: Path) -> None:
    uris = ["/in", "/in/a.txt", "/in/sub/b.txt", "/in.old/c.txt", "/in0/d.txt", "/inbox/e.txt", "/other/f.txt"]
    store = DatasetStore(tmp_path)
    states = [FileRecord(u, 1, NOW, f"d{i}", "ingested", "r1", NOW, 1) for i, u in enumerate(uris)]
    prints = [SeenFileRecord(u, 1, 1, f"d{i}") for i, u in enumerate(uris)]
    store.commit("b1", DAY, Batch(file_states=states, files=prints))
    for prefix in ["/in", "/in/", "/in/sub", "/in.old", "/"]:
        under = [u for u in uris if Listing(prefix=prefix).holds(u)]
        assert [r.source_uri for r in store.file_states(under=prefix)] == under, prefix
        assert list(store.fingerprints(under=prefix)) == under, prefix
    assert len(store.file_states(under="/in")) == 3
    assert [r.source_uri for r in store.file_states()] == uris
    assert list(store.fingerprints()) == uris
