"""The archive changes under the pipeline: odd names, listing failures, links, the `files` dataset,
settling, permanent failures left alone, edits, removals, and the current corpus."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from reportflow.flows.steps import listing as listing_module
from reportflow.flows.steps.compact import compact
from reportflow.flows.steps.inventory import InventorySettings, current_states, take_inventory
from reportflow.flows.steps.listing import list_source
from reportflow.flows.steps.names import decode_name, encode_name
from reportflow.flows.steps.sources import file_digest, fingerprint, read_source
from reportflow.flows.steps.store import Batch, DatasetStore
from reportflow.schemas import FileRecord
from tests.helpers.cli import REPO, rows, run_cli

OLD = 1_600_000_000  # an mtime long settled

ODD_NAMES = [
    "Báo cáo tháng 5.txt".encode("latin-1", errors="ignore") + b"\xe9\xff.txt",  # Latin-1 bytes
    "Báo cáo hoà.txt".encode("cp1258", errors="replace"),  # CP1258 bytes
    b"line\nbreak.txt",
    b"%41 100%.txt",
    ("ả" * 84 + ".t").encode(),  # 254 bytes
    b"x" * 251 + b".txt",  # 255 bytes, the longest name most file systems allow
]


def _write(folder: Path, name: str | bytes, text: str, mtime: int = OLD) -> Path:
    path = Path(os.fsdecode(os.fsencode(folder) + b"/" + (name if isinstance(name, bytes) else name.encode())))
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


@pytest.mark.parametrize("name", ODD_NAMES, ids=["latin1", "cp1258", "newline", "percent", "254-bytes", "255-bytes"])
def test_any_file_name_becomes_valid_utf8_and_finds_the_file_again(tmp_path: Path, name: bytes) -> None:
    path = _write(tmp_path, name, "Nội dung.")
    [found] = list_source(tmp_path).files
    found.uri.encode("utf-8")  # valid UTF-8: no surrogates
    assert os.fsencode(decode_name(found.uri)) == os.fsencode(path)
    assert read_source(found) == "Nội dung.".encode()


def test_percent_is_always_escaped_so_that_decoding_is_unambiguous() -> None:
    assert encode_name(b"/a/%41\xe9") == "/a/%2541%E9"
    assert encode_name("/a/Báo cáo.txt") == "/a/Báo cáo.txt"
    assert decode_name("/a/%2541%E9") == os.fsdecode(b"/a/%41\xe9")


def test_an_unlistable_folder_and_a_failing_stat_are_problems_and_the_listing_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "a.txt", "A")
    (tmp_path / "locked").mkdir()
    _write(tmp_path / "locked", "hidden.txt", "H")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if path.endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(listing_module.os, "scandir", scandir)
    found = list_source(tmp_path)
    assert [Path(f.uri).name for f in found.files] == ["a.txt"]
    problems = {Path(p.uri).name: (p.is_folder, p.message) for p in found.problems}
    assert problems["locked"] == (True, "The folder could not be listed: Permission denied.")
    assert problems["dangling.txt"][0] is False
    assert "No such file" in problems["dangling.txt"][1]


def test_links_are_followed_inside_source_only_and_a_loop_is_a_problem(tmp_path: Path) -> None:
    source, outside = tmp_path / "in", tmp_path / "outside"
    (source / "sub").mkdir(parents=True)
    outside.mkdir()
    _write(source / "sub", "a.txt", "A")
    _write(outside, "secret.txt", "S")
    (source / "inner").symlink_to(source / "sub")
    (source / "out").symlink_to(outside)
    (source / "sub" / "loop").symlink_to(source)
    found = list_source(source)
    assert sorted(f.uri.removeprefix(str(source)) for f in found.files) == ["/inner/a.txt", "/sub/a.txt"]
    assert [p.message for p in found.problems if "loops back" in p.message]
    followed = list_source(source, follow_symlinks=True)
    assert "/out/secret.txt" in {f.uri.removeprefix(str(source)) for f in followed.files}


def test_dest_inside_source_is_left_out_by_its_real_path(tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "out" / "documents").mkdir(parents=True)
    _write(source / "out" / "documents", "part.txt", "P")
    _write(source, "a.txt", "A")
    (tmp_path / "link-to-out").symlink_to(source / "out")
    for dest in (source / "out", tmp_path / "link-to-out", source / "out" / ".." / "out"):
        assert [Path(f.uri).name for f in list_source(source, exclude=dest).files] == ["a.txt"]


def _state(uri: str, status: str, doc_id: str | None, size: int, mtime: int, **extra: Any) -> FileRecord:
    seen = datetime(2026, 11, 1, tzinfo=UTC)
    modified = datetime.fromtimestamp(mtime, UTC)
    return FileRecord(uri, size, modified, doc_id, status, "r0", seen, mtime_ns=mtime * 10**9, **extra)


def test_inventory_settles_leaves_failures_alone_and_guards_removals(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fresh = _write(tmp_path, "fresh.txt", "F", mtime=int(now.timestamp()))
    corrupt = _write(tmp_path, "corrupt.pdf", "%PDF broken")
    slow = _write(tmp_path, "slow.pdf", "%PDF slow")
    found = list_source(tmp_path)
    states = {
        str(corrupt): _state(str(corrupt), "error", "c", corrupt.stat().st_size, OLD, error_type="corrupt", attempts=1),
        str(slow): _state(str(slow), "error", "s", slow.stat().st_size, OLD, error_type="timeout", attempts=2),
        str(tmp_path / "gone.txt"): _state(str(tmp_path / "gone.txt"), "ingested", "g", 1, OLD),
    }
    inventory = take_inventory(found, states, set(), {}, "r1", now, InventorySettings(settle_seconds=60))
    assert (inventory.not_settled, inventory.left_alone, inventory.removed) == (1, 1, 1)
    assert [Path(f.uri).name for f in inventory.todo] == ["slow.pdf"]  # a passing failure, third attempt
    assert {Path(r.source_uri).name: r.status for r in inventory.rows} == {
        "fresh.txt": "not_settled",
        "gone.txt": "removed",
    }
    retried = take_inventory(found, states, set(), {}, "r1", now, InventorySettings(0, retry_errors=True))
    assert sorted(Path(f.uri).name for f in retried.todo) == ["corrupt.pdf", "fresh.txt", "slow.pdf"]
    (tmp_path / "elsewhere").mkdir()
    guarded = take_inventory(list_source(tmp_path / "elsewhere"), states, set(), {}, "r1", now)
    assert guarded.removed == 0  # another folder's run removes nothing of this one
    for file in (fresh, corrupt, slow):
        file.unlink()
    guarded = take_inventory(list_source(tmp_path), states, set(), {}, "r1", now)
    assert guarded.removed == 0
    assert guarded.removal_note and "SOURCE listed no files" in guarded.removal_note


def test_a_file_whose_stat_keeps_failing_is_left_alone_after_three_runs(tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    states: dict[str, FileRecord] = {}
    for attempt in (1, 2, 3):
        inventory = take_inventory(list_source(tmp_path), states, set(), {}, f"r{attempt}", datetime.now(UTC))
        [row] = inventory.rows
        assert (row.status, row.error_type, row.attempts, len(inventory.errors)) == ("error", "unreadable", attempt, 1)
        states = {row.source_uri: row}
    fourth = take_inventory(list_source(tmp_path), states, set(), {}, "r4", datetime.now(UTC))
    assert (fourth.rows, fourth.errors, fourth.left_alone) == ([], [], 1)


def test_an_unchanged_file_gets_no_new_row_and_a_touched_one_does(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.txt", "A")
    [source] = list_source(tmp_path).files
    doc = file_digest(source)
    prints = {source.uri: fingerprint(source, doc)}
    states = current_states([_state(source.uri, "ingested", doc, source.size, OLD)])
    now = datetime.now(UTC)
    assert take_inventory(list_source(tmp_path), states, {doc}, prints, "r1", now).rows == []
    os.utime(path, (OLD + 5, OLD + 5))
    touched = take_inventory(list_source(tmp_path), states, {doc}, prints, "r1", now)
    assert [(r.status, r.doc_id, r.mtime_ns) for r in touched.rows] == [("unchanged", doc, (OLD + 5) * 10**9)]
    assert touched.todo == []


# --- the real command ---------------------------------------------------------------------------------


def _run(prefect_home: Path, source: Path, dest: Path, *options: str) -> str:
    done = run_cli(prefect_home, str(source), str(dest), *options)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _current_files(dest: Path) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for row in rows(dest, "files", "seen_at"):
        latest[row["source_uri"]] = row
    return latest


@pytest.mark.slow
def test_odd_names_are_ingested_and_every_file_has_a_current_row(tmp_path: Path) -> None:
    source, dest = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for i, name in enumerate(ODD_NAMES):
        _write(source, name, f"Báo cáo số {i}\nNội dung riêng của báo cáo số {i}.")
    _write(source, "a.txt", "Báo cáo A\nNội dung A.")
    _write(source, "copy of a.txt", "Báo cáo A\nNội dung A.")
    _write(source, "broken.pdf", "%PDF-1.4 broken")
    _run(tmp_path, source, dest)
    documents = rows(dest, "documents")
    assert len(documents) == len(ODD_NAMES) + 1
    for document in documents:
        assert Path(decode_name(document["source_uri"])).is_file()
    current = _current_files(dest)
    assert len(current) == len(ODD_NAMES) + 3
    status = {Path(decode_name(uri)).name: row["status"] for uri, row in current.items()}
    assert (status["a.txt"], status["copy of a.txt"], status["broken.pdf"]) == ("ingested", "same_bytes_as", "error")
    assert current[str(source / "copy of a.txt")]["doc_id"] == current[str(source / "a.txt")]["doc_id"]
    files_rows, error_rows = len(rows(dest, "files")), len(rows(dest, "errors"))

    _run(tmp_path, source, dest)  # nothing changed: no new rows, the corrupt file is left alone
    assert (len(rows(dest, "files")), len(rows(dest, "errors"))) == (files_rows, error_rows)
    runs = rows(dest, "runs", "started_at")
    assert runs[-1]["failures_left_alone"] == 1
    _run(tmp_path, source, dest, "--retry-errors")
    assert len(rows(dest, "errors")) == error_rows + 1


@pytest.mark.slow
def test_a_file_still_being_written_waits_for_the_next_run(tmp_path: Path) -> None:
    source, dest = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    path = _write(source, "new.txt", "Báo cáo mới\nNội dung.", mtime=int(datetime.now(UTC).timestamp()))
    out = _run(tmp_path, source, dest, "--settle-seconds", "60")
    assert "1 not settled" in out
    assert rows(dest, "documents") == []
    assert _current_files(dest)[str(path)]["status"] == "not_settled"
    os.utime(path, (OLD, OLD))
    _run(tmp_path, source, dest, "--settle-seconds", "60")
    assert _current_files(dest)[str(path)]["status"] == "ingested"
    assert len(rows(dest, "documents")) == 1


SHARED = "Ủy ban nhân dân tỉnh đã ban hành 04 văn bản chỉ đạo về công tác cải cách hành chính trong quý."


def _readme_query(dest: Path) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r'duckdb\.sql\("""\n(-- current-corpus\n.*?)"""\)', text, re.DOTALL)
    assert match, "README has no -- current-corpus query"
    return match.group(1).replace(".demo/output", str(dest))


def _current_corpus(dest: Path) -> list[tuple[str, int, str]]:
    relation = duckdb.sql(_readme_query(dest))
    found = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    return [(Path(r["source_uri"]).name, r["paragraph_index"], r["text"]) for r in found]


def _archive(tmp_path: Path) -> tuple[Path, Path, Path]:
    source, dest = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    a = _write(source, "a.txt", f"Báo cáo A\n{SHARED}\nMục riêng của báo cáo A, bản đầu tiên.")
    _write(source, "b.txt", f"Báo cáo B\n{SHARED}\nMục riêng của báo cáo B.")
    _run(tmp_path, source, dest)
    [b_copy] = [p for p in rows(dest, "paragraphs") if p["text"] == SHARED and p["is_duplicate"]]
    assert b_copy["doc_id"] != rows(dest, "documents", "source_uri")[0]["doc_id"]  # B's copy is the flagged one
    assert [t for _, _, t in _current_corpus(dest)].count(SHARED) == 1
    return source, dest, a


@pytest.mark.slow
def test_an_edited_report_supersedes_its_old_version_in_the_current_corpus(tmp_path: Path) -> None:
    source, dest, a = _archive(tmp_path)
    old_a = _current_files(dest)[str(a)]["doc_id"]
    _write(source, "a.txt", "Báo cáo A\nMục riêng của báo cáo A, bản sửa đổi.", mtime=OLD + 100)
    _run(tmp_path, source, dest)
    new_a = next(d for d in rows(dest, "documents") if d["doc_id"] != old_a and d["source_uri"] == str(a))
    assert new_a["supersedes_doc_id"] == old_a
    assert new_a["parser_version"]
    assert _current_corpus(dest) == [
        ("a.txt", 0, "Báo cáo A"),
        ("a.txt", 1, "Mục riêng của báo cáo A, bản sửa đổi."),
        ("b.txt", 0, "Báo cáo B"),
        ("b.txt", 1, SHARED),
        ("b.txt", 2, "Mục riêng của báo cáo B."),
    ]
    assert old_a in {d["doc_id"] for d in rows(dest, "documents")}  # the old version stays queryable


@pytest.mark.slow
def test_a_deleted_report_leaves_the_current_corpus_and_a_renamed_one_keeps_its_document(tmp_path: Path) -> None:
    source, dest, a = _archive(tmp_path)
    a.unlink()
    _write(source, "b-renamed.txt", (source / "b.txt").read_text(encoding="utf-8"))
    (source / "b.txt").unlink()
    _run(tmp_path, source, dest)
    current = _current_files(dest)
    assert current[str(a)]["status"] == "removed"
    assert current[str(source / "b.txt")]["status"] == "removed"
    assert current[str(source / "b-renamed.txt")]["status"] == "same_bytes_as"
    assert _current_corpus(dest) == [
        ("b-renamed.txt", 0, "Báo cáo B"),
        ("b-renamed.txt", 1, SHARED),
        ("b-renamed.txt", 2, "Mục riêng của báo cáo B."),
    ]
    other = tmp_path / "other"
    other.mkdir()
    _write(other, "c.txt", "Báo cáo C\nNội dung C.")
    _run(tmp_path, other, dest)  # another folder into the same DEST removes nothing of the first
    assert _current_files(dest)[str(source / "b-renamed.txt")]["status"] == "same_bytes_as"
    (source / "b-renamed.txt").unlink()
    out = _run(tmp_path, source, dest)  # SOURCE lists nothing: the guard keeps everything
    assert "nothing recorded as removed" in out
    assert _current_files(dest)[str(source / "b-renamed.txt")]["status"] == "same_bytes_as"
    assert rows(dest, "runs", "started_at")[-1]["removal_note"]


@pytest.mark.slow
def test_reprocessing_writes_new_versions_that_the_current_corpus_switches_to(tmp_path: Path) -> None:
    source, dest, _ = _archive(tmp_path)
    before = _current_corpus(dest)
    [first_version] = {d["parser_version"] for d in rows(dest, "documents")}
    _run(tmp_path, source, dest, "--reprocess-format", "pdf")  # no PDF here: nothing parsed again
    assert len(rows(dest, "documents")) == 2
    _run(tmp_path, source, dest, "--reprocess-older", "--ocr-languages", "eng")  # other settings: a new version
    documents = rows(dest, "documents", "ingested_at")
    assert len(documents) == 4  # the old versions stay queryable
    new_version = documents[-1]["parser_version"]
    assert new_version != first_version
    assert all(d["supersedes_doc_id"] == d["doc_id"] for d in documents[2:])
    relation = duckdb.sql(_readme_query(dest))
    versions = {row[relation.columns.index("parser_version")] for row in relation.fetchall()}
    assert versions == {new_version}
    assert _current_corpus(dest) == before
    new_run = documents[-1]["run_id"]
    new_paragraphs = [p for p in rows(dest, "paragraphs") if p["run_id"] == new_run]
    assert not any(p["duplicate_of"] == p["paragraph_id"] for p in new_paragraphs)
    assert [p["is_duplicate"] for p in new_paragraphs if p["text"] == "Báo cáo A"] in ([False], [])
    _run(tmp_path, source, dest, "--reprocess-older", "--ocr-languages", "eng")  # each document once
    assert len(rows(dest, "documents")) == 4


def test_the_files_dataset_commits_with_its_batch_and_is_compacted(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path / "out")
    day = date(2026, 11, 30)
    with store.locked():
        for n in range(3):
            state = _state(f"/in/{n}.txt", "ingested", f"d{n}", 1, OLD)
            store.commit(f"r1-{n:05d}", day, Batch(file_states=[state]))
    assert [r.doc_id for r in store.file_states()] == ["d0", "d1", "d2"]
    compact(tmp_path / "out")
    assert len(list((tmp_path / "out" / "files").rglob("*.parquet"))) == 1
    assert sorted(r.doc_id or "" for r in store.file_states()) == ["d0", "d1", "d2"]
