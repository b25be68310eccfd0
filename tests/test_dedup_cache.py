"""The on-disk index cache answers exactly what the whole index loaded in memory answers, however its runs
were built, merged, made stale or cut short."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reportflow.flows.steps import dedup_cache
from reportflow.flows.steps import store as store_module
from reportflow.flows.steps.compact import compact
from reportflow.flows.steps.dedup import flag_document
from reportflow.flows.steps.dedup_cache import CACHE_DIR, IndexCache, absorb_new_parts, cache_folder, open_cached
from reportflow.flows.steps.dedup_index import INDEX_SCHEMA, ParagraphKeys, SeenIndex, load_index, load_whole_index
from reportflow.flows.steps.destination import Destination, LocalDestination, S3Destination
from reportflow.flows.steps.minhash import BANDS, SIGNATURE_BYTES, band_keys
from reportflow.flows.steps.store import INDEX_DIR, Batch, DatasetStore
from reportflow.schemas import Block, DocumentRecord, ParsedDocument
from tests.bench.gen_archive import random_texts, vocabulary

DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of a few hundred entries and merges in slices of a few dozen: every path taken on small data."""
    monkeypatch.setattr(dedup_cache, "ABSORB_ROWS", 150)
    monkeypatch.setattr(dedup_cache, "MERGE_ROWS", 37)
    monkeypatch.setattr(dedup_cache, "ENTRY_MERGE_ROWS", 23)
    monkeypatch.setattr(dedup_cache, "FANOUT", 2)


def _index_part(rng: np.random.Generator, first_seq: int, rows: int, doc_prefix: str) -> pa.Table:
    """Entries whose key hashes and band keys often repeat (a small alphabet), some without a signature."""
    docs = rng.integers(0, max(1, rows // 10), rows)
    sigs = rng.integers(0, 3, (rows, SIGNATURE_BYTES), dtype=np.uint8)
    has = rng.random(rows) < 0.8
    signatures = pa.array([s.tobytes() if h else None for s, h in zip(sigs, has, strict=True)], pa.binary(128))
    return pa.table(
        {
            "seq": pa.array(np.arange(first_seq, first_seq + rows), pa.int64()),
            "doc_id": pa.array([f"{doc_prefix}{d}" for d in docs], pa.string()).dictionary_encode(),
            "paragraph_index": pa.array(rng.integers(0, 50, rows), pa.int32()),
            "key_hash": pa.array(rng.integers(0, 40, rows), pa.uint64()),
            "key_length": pa.array(rng.integers(1, 900, rows), pa.int32()),
            "signature": signatures,
        },
        schema=INDEX_SCHEMA,
    )


def _documents(rng: np.random.Generator, count: int, prefix: str) -> list[DocumentRecord]:
    """Documents with a content hash of their own (as dedup writes them: a document that copies none holds a
    hash no other document of that kind holds), some copies, some without a hash."""
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return [
        DocumentRecord(
            doc_id=f"{prefix}{i}",
            source_uri=f"/in/{prefix}{i}.txt",
            source_format="txt",
            extraction="text",
            title=None,
            published_date=None,
            author=None,
            language="vi",
            page_count=None,
            paragraph_count=1,
            duplicate_paragraph_count=0,
            duplicate_of_doc_id="someone" if rng.random() < 0.2 else None,
            run_id="r",
            ingested_at=now,
            content_hash=None if rng.random() < 0.1 else f"h-{prefix}{i}",
        )
        for i in range(count)
    ]


def _archive(dest: Path, batches: int, seed: int = 3) -> DatasetStore:
    rng, store, seq = np.random.default_rng(seed), DatasetStore(dest), 0
    for b in range(batches):
        rows = int(rng.integers(1, 120))
        index = _index_part(rng, seq, rows, f"b{b}-")
        store.commit(f"batch-{b:03d}", DAY, Batch(index=index, documents=_documents(rng, rows // 10 + 1, f"b{b}-")))
        seq += rows
    return store


def _answers(index: SeenIndex, rng: np.random.Generator) -> dict[str, object]:
    frozen = index.frozen
    hashes = rng.integers(0, 60, 500).astype(np.uint64)
    bands = band_keys(rng.integers(0, 4, (300, SIGNATURE_BYTES), dtype=np.uint8))
    seqs = range(frozen.size)
    docs = [*sorted({frozen.doc_id(s) for s in seqs}), "nobody"]
    return {
        "size": frozen.size,
        "exact": frozen.first_exact(hashes).tolist(),
        "bands": frozen.first_bands(bands).tolist(),
        "entries": [(frozen.key_length(s), frozen.paragraph_id(s), frozen.signature(s).tobytes()) for s in seqs],
        "counts": [frozen.entry_count(d) for d in docs],
        "contents": [index.contents.get(f"h-{d}") for d in docs],
    }


def _same_as_whole(store: DatasetStore) -> None:
    cached, whole = load_index(store), load_whole_index(store)
    assert _answers(cached, np.random.default_rng(9)) == _answers(whole, np.random.default_rng(9))
    assert type(cached.frozen).__name__ == "CachedEntries"


def test_lookups_equal_the_whole_index_in_memory(tmp_path: Path) -> None:
    store = _archive(tmp_path, 12)
    _same_as_whole(store)
    runs = IndexCache.open(tmp_path / CACHE_DIR).runs
    assert len(runs) <= 1 + np.log2(sum(len(r.files) for r in runs))  # read in groups, merged as they came
    assert not dedup_cache._next_merge([r.weight for r in runs])


def test_a_first_build_merges_as_it_goes_never_past_the_largest_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every merge finds on disk only the runs the manifest names and its own inputs (merged runs were deleted
    at once), and writes no run heavier than MAX_RUN_WEIGHT: a first build needs the cache's size plus one run."""
    monkeypatch.setattr(dedup_cache, "MAX_RUN_WEIGHT", 400)
    store, folder, merge, merges = _archive(tmp_path, 30), tmp_path / CACHE_DIR, dedup_cache._merge, []

    def watched(writer: Any, runs: list[Any]) -> None:
        on_disk = {p.name for p in folder.iterdir() if p.name.startswith("run-")}
        assert on_disk <= {r.name for r in IndexCache.open(folder).runs} | {r.meta.name for r in runs}
        merges.append(sum(r.meta.weight for r in runs))
        merge(writer, runs)

    monkeypatch.setattr(dedup_cache, "_merge", watched)
    _same_as_whole(store)
    weights = [r.weight for r in IndexCache.open(folder).runs]
    assert len(merges) >= 3 and max(merges) <= 400
    assert max(weights) <= 400 and not dedup_cache._next_merge(weights)


def test_batches_absorbed_night_after_night_keep_a_few_runs_that_answer_the_same(tmp_path: Path) -> None:
    store = _archive(tmp_path, 1)
    counts = []
    for night in range(1, 20):
        _archive_more(store, 1, seed=night)
        absorb_new_parts(store)
        runs = IndexCache.open(tmp_path / CACHE_DIR).runs
        assert len(runs) <= 1 + np.log2(sum(len(r.files) for r in runs))  # merged, not one per night
        counts.append(len(runs))
    assert max(counts) >= 3
    _same_as_whole(store)


def test_new_batches_are_absorbed_reading_only_their_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _archive(tmp_path, 6)
    load_index(store)
    rng = np.random.default_rng(11)
    first = load_whole_index(store).frozen.size
    store.commit("later", DAY, Batch(index=_index_part(rng, first, 40, "later-"), documents=_documents(rng, 3, "l")))
    read = _counting_reads(monkeypatch)
    _same_as_whole(store)
    assert sorted(read) == sorted(
        f"{folder}/ingest_date={DAY}/part-later.parquet" for folder in (INDEX_DIR, "documents")
    )


def test_a_rewritten_day_is_rebuilt_from_its_new_files(tmp_path: Path) -> None:
    store = _archive(tmp_path, 8)
    load_index(store)
    for folder in (INDEX_DIR, "documents"):  # what `reportflow compact` does to a day
        day = tmp_path / folder / f"ingest_date={DAY}"
        parts = sorted(day.glob("part-*.parquet"))
        merged = pa.concat_tables([pq.read_table(p, partitioning=None) for p in parts])
        for p in parts:
            p.unlink()
        pq.write_table(merged, day / "part-compacted.parquet")
    _same_as_whole(store)
    runs = IndexCache.open(tmp_path / CACHE_DIR).runs
    assert {f for r in runs for f in r.files} == {
        f"{INDEX_DIR}/ingest_date={DAY}/part-compacted.parquet",
        f"documents/ingest_date={DAY}/part-compacted.parquet",
    }


def test_a_missing_or_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    store = _archive(tmp_path, 5)
    load_index(store)
    folder = tmp_path / CACHE_DIR
    run = next(p for p in folder.iterdir() if p.name.startswith("run-"))
    (run / "signature.bin").write_bytes(b"cut short")
    _same_as_whole(store)
    (folder / "manifest.json").write_text("{not json")
    _same_as_whole(store)
    shutil.rmtree(folder)
    _same_as_whole(store)


def test_a_cache_update_killed_half_way_leaves_it_stale_never_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _archive(tmp_path, 4)
    load_index(store)
    _archive_more(store, 5)
    monkeypatch.setattr(dedup_cache, "ABSORB_ROWS", 30)  # groups of one size: they merge
    merge = dedup_cache._merge

    def killed(writer: Any, runs: Any) -> None:
        merge(writer, runs)
        raise KeyboardInterrupt  # the arrays written, the run not yet installed

    monkeypatch.setattr(dedup_cache, "_merge", killed)
    with pytest.raises(KeyboardInterrupt):
        load_index(store)
    monkeypatch.setattr(dedup_cache, "_merge", merge)
    assert any(p.name.startswith("tmp-") for p in (tmp_path / CACHE_DIR).iterdir())
    _same_as_whole(store)
    assert not any(p.name.startswith("tmp-") for p in (tmp_path / CACHE_DIR).iterdir())


def _archive_more(store: DatasetStore, batches: int, seed: int = 21) -> None:
    rng, seq = np.random.default_rng(seed), load_whole_index(store).frozen.size
    for b in range(batches):
        rows = int(rng.integers(1, 60))
        store.commit(f"more-{seed}-{b}", DAY, Batch(index=_index_part(rng, seq, rows, f"m{seed}-{b}-")))
        seq += rows


def test_an_empty_dest_has_no_entries_and_writes_no_cache(tmp_path: Path) -> None:
    entries, contents = open_cached(DatasetStore(tmp_path))
    assert entries.size == 0 and len(contents) == 0
    assert entries.first_bands(np.zeros((2, BANDS), dtype=np.uint32)).tolist() == [[-1] * BANDS] * 2
    assert not (tmp_path / CACHE_DIR).exists()


def test_entries_not_numbered_in_order_are_loaded_whole(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    store.commit("gap", DAY, Batch(index=_index_part(np.random.default_rng(2), 5, 20, "g")))
    index = load_index(store)
    assert type(index.frozen).__name__ == "Frozen" and index.frozen.size == 20


def test_an_s3_dest_keeps_its_cache_in_a_folder_of_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(dedup_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached: nothing is read
    one, other = S3Destination("s3://bucket/one"), S3Destination("s3://bucket/other")
    assert cache_folder(one).parent == cache_folder(other).parent == tmp_path / "cache"
    assert cache_folder(one) != cache_folder(other)
    assert cache_folder(LocalDestination(tmp_path / "dest")) == tmp_path / "dest" / CACHE_DIR


def test_a_cache_kept_outside_dest_answers_the_same(tmp_path: Path) -> None:
    store = _archive(tmp_path / "dest", 3)
    entries, _ = open_cached(store, tmp_path / "elsewhere")
    whole = load_whole_index(store).frozen
    hashes = np.arange(60, dtype=np.uint64)
    assert entries.first_exact(hashes).tolist() == whole.first_exact(hashes).tolist()
    assert not (tmp_path / "dest" / CACHE_DIR).exists()
    assert (tmp_path / "elsewhere" / "manifest.json").exists()


def test_ids_longer_than_any_held_are_not_found_cut_short(tmp_path: Path) -> None:
    store = _archive(tmp_path, 2)
    index = load_index(store)
    held = index.frozen.doc_id(0)
    assert index.frozen.entry_count(held) > 0
    assert index.frozen.entry_count(held + "-and-more" * 20) == 0
    assert index.contents.get(f"h-{held}" + "x" * 100) is None


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    reader = dedup_cache._read_part

    def reading(dest: Destination, relative: str) -> pa.Table:
        read.append(relative)
        return reader(dest, relative)

    monkeypatch.setattr(dedup_cache, "_read_part", reading)
    return read


def test_a_compaction_of_absorbed_parts_is_followed_without_reading_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _archive(tmp_path, 7)
    load_index(store)
    runs_before = [r.name for r in IndexCache.open(tmp_path / CACHE_DIR).runs]
    assert compact(tmp_path).partitions == 1
    read = _counting_reads(monkeypatch)
    _same_as_whole(store)
    assert read == []
    runs = IndexCache.open(tmp_path / CACHE_DIR).runs
    assert [r.name for r in runs] == runs_before
    assert {f for r in runs for f in r.files} == {
        str(p.relative_to(tmp_path)) for f in (INDEX_DIR, "documents") for p in (tmp_path / f).rglob("*.parquet")
    }


def test_a_compaction_of_parts_not_all_absorbed_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _archive(tmp_path, 5)
    load_index(store)
    _archive_more(store, 2)  # committed after the cache was last brought up to date
    compact(tmp_path)
    read = _counting_reads(monkeypatch)
    _same_as_whole(store)
    assert sorted(read) == sorted(
        str(p.relative_to(tmp_path)) for f in (INDEX_DIR, "documents") for p in (tmp_path / f).rglob("*.parquet")
    )


def _document(texts: list[str]) -> ParsedDocument:
    return ParsedDocument("txt", "text", tuple(Block(t) for t in texts), language="vi")


def test_a_candidate_is_read_from_its_one_row_group_also_after_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(store_module.ROW_GROUPS, "paragraphs", 3)
    rng = np.random.default_rng(4)
    texts = random_texts(60, rng, vocabulary(rng))
    store = DatasetStore(tmp_path)
    for b in range(3):  # three nights of two 10-paragraph documents
        with store.locked():
            index = load_index(store)
            docs = [flag_document(f"n{b}-{d}", _document(texts[20 * b + 10 * d :][:10]), index, "r") for d in (0, 1)]
            paragraphs = [p for f in docs for p in f.paragraphs]
            store.commit(f"night-{b}", DAY, Batch(paragraphs=paragraphs, index=index.unwritten()))
            absorb_new_parts(store)
    assert compact(tmp_path).partitions == 1
    [paragraphs] = (tmp_path / "paragraphs").rglob("*.parquet")
    assert pq.ParquetFile(paragraphs).metadata.num_row_groups == 20
    read = _counting_reads(monkeypatch)
    index = load_index(store)
    assert read == []  # the cache followed the compaction: its rows moved by each part's offset
    monkeypatch.setattr(ParagraphKeys, "fetch", lambda *_: pytest.fail("read a whole paragraphs file"))
    for b, d, i in ((1, 1, 4), (2, 0, 9), (0, 0, 0)):
        text = texts[20 * b + 10 * d + i]
        near = text[:10] + ("x" if text[10] != "x" else "y") + text[11:]
        [flagged] = flag_document(f"new-{b}", _document([near]), index, "r2").paragraphs
        assert (flagged.is_duplicate, flagged.duplicate_of) == (True, f"n{b}-{d}:{i}")
    assert index.frozen._texts.groups_read == 3  # type: ignore[attr-defined]


def _record(doc_id: str, content: str, copy_of: str | None) -> DocumentRecord:
    [record] = _documents(np.random.default_rng(0), 1, "")
    return dataclasses.replace(record, doc_id=doc_id, content_hash=content, duplicate_of_doc_id=copy_of)


def test_a_content_belongs_to_its_first_document_also_when_that_one_copies_another(tmp_path: Path) -> None:
    """A re-scan marked a near copy of its original owns its own content; its exact copies, in later batches
    and more of them than a merge slice holds, point to it, as one run in memory says (`load_whole_index`)."""
    store = DatasetStore(tmp_path)
    nights = [
        [_record("A", "a", None)],
        [_record("B", "b", "A"), *(_record(f"A{i}", "a", "A") for i in range(60))],
        [_record("C", "b", "B"), *(_record(f"B{i}", "b", "B") for i in range(60))],
        [_record("D", "d", "C")],
    ]
    for n, documents in enumerate(nights):
        store.commit(f"night-{n}", DAY, Batch(documents=documents))
        load_index(store)  # absorbed night after night, so that runs are merged
    cached, whole = load_index(store), load_whole_index(store)
    owners = {c: cached.contents.get(c) for c in ("a", "b", "d", "e")}
    assert owners == {"a": "A", "b": "B", "d": "D", "e": None}
    assert owners == {c: whole.contents.get(c) for c in owners}
    assert len(cached.contents) == 3


@pytest.mark.parametrize(
    ("memory", "per_page", "read_ahead"),
    [(1 << 40, 16, True), (1000, 16, False), (1 << 40, 0, False)],
    ids=["searches-many-keys-that-fit", "keys-beyond-memory", "searches-a-few"],
)
def test_the_searched_keys_are_read_ahead_when_the_searches_come_to_many_and_they_fit_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory: int, per_page: int, read_ahead: bool
) -> None:
    store = _archive(tmp_path, 6)
    read: list[list[Path]] = []
    monkeypatch.setattr(dedup_cache, "available_memory", lambda: memory)
    monkeypatch.setattr(dedup_cache, "SEARCHES_PER_PAGE", per_page)
    monkeypatch.setattr(dedup_cache, "read_in_order", read.append)
    frozen = load_index(store).frozen
    assert not read  # opening reads nothing
    frozen.first_exact(np.arange(3, dtype=np.uint64))
    frozen.first_bands(band_keys(np.zeros((2, SIGNATURE_BYTES), dtype=np.uint8)))
    for thread in threading.enumerate():
        if thread.name == "index-cache-read-ahead":
            thread.join()
    runs = IndexCache.open(tmp_path / CACHE_DIR).runs
    searched = [tmp_path / CACHE_DIR / r.name / f"{name}.bin" for r in runs for name in ("exact_value", "band_value")]
    expected = sorted(f for f in searched if f.exists() and f.stat().st_size)
    assert len(expected) >= 2 and [sorted(files) for files in read] == ([expected] if read_ahead else [])  # once


def test_reading_ahead_skips_a_file_merged_away_meanwhile(tmp_path: Path) -> None:
    (tmp_path / "kept.bin").write_bytes(b"x" * (dedup_cache.READ_AHEAD_CHUNK + 5))
    dedup_cache.read_in_order([tmp_path / "gone.bin", tmp_path / "kept.bin"])  # raises nothing


def test_a_batch_looked_up_at_once_answers_each_document_as_its_own_look_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`look_up_earlier` searches the runs once for a whole batch; each document's `lookup` then answers from
    it exactly what searching the runs for that document alone answers, without searching them again."""
    index, rng = load_index(_archive(tmp_path, 8)), np.random.default_rng(4)
    documents = [
        (rng.integers(0, 60, 7).astype(np.uint64).tolist(), rng.integers(0, 4, (5, SIGNATURE_BYTES), dtype=np.uint8))
        for _ in range(6)
    ]
    alone = [index.lookup(hashes, signatures) for hashes, signatures in documents]
    index.look_up_earlier([h for hashes, _ in documents for h in hashes], np.concatenate([s for _, s in documents]))

    def searched_again(*args: object) -> None:
        raise AssertionError("searched again")

    frozen = index.frozen
    for name in ("first_exact", "first_bands"):
        monkeypatch.setattr(frozen, name, searched_again)
    assert [index.lookup(hashes, signatures) for hashes, signatures in documents] == alone
    monkeypatch.undo()
    index.frozen = SeenIndex().frozen  # another, empty `frozen`: searched, never the batch's answers
    assert all(row == -1 for h, sig in documents for row in index.lookup(h, sig).exact)
    assert any(row >= 0 for lookup in alone for row in lookup.exact) and any(
        first >= 0 for lookup in alone for row in lookup.band_rows for first in row
    )
