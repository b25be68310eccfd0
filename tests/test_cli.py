"""The real `reportflow run` command over the seed reports, twice, and its failure modes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from reportflow.flows.steps.store import DatasetStore
from tests.helpers.cli import REPO, cli_env, rows, run_cli
from tests.helpers.corpus import corpus_path, load_truth

pytestmark = pytest.mark.slow  # every test runs the real `reportflow` command


class SeedRun(NamedTuple):
    source: Path
    dest: Path
    outputs: list[str]


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> SeedRun:
    source = tmp_path_factory.mktemp("inbox")
    for name in ("seed.txt", "seed.docx"):
        shutil.copy(corpus_path("seed", name), source / name)
    (source / "empty.txt").write_bytes(b"")
    (source / "report.pdf").write_bytes(b"\x13\x37 not a pdf at all" * 20)
    dest = tmp_path_factory.mktemp("out")
    first = run_cli(prefect_home, str(source), str(dest))
    assert first.returncode == 0, first.stderr
    second = run_cli(prefect_home, str(source), str(dest))
    assert second.returncode == 0, second.stderr
    return SeedRun(source, dest, [first.stdout, second.stdout])


def _paragraphs(dest: Path, source_uri: str) -> list[dict[str, object]]:
    documents = {d["source_uri"]: d["doc_id"] for d in rows(dest, "documents")}
    return [p for p in rows(dest, "paragraphs", "paragraph_index") if p["doc_id"] == documents[source_uri]]


@pytest.mark.parametrize("name", ["seed.txt", "seed.docx"])
def test_each_seed_matches_its_truth(seed_run: SeedRun, name: str) -> None:
    source, dest, _ = seed_run
    truth = load_truth(name)
    document = next(d for d in rows(dest, "documents") if d["source_uri"] == str(source / name))
    assert (document["title"], document["published_date"], document["author"]) == (
        truth["title"],
        date(2017, 7, 17),
        "Lâm Văn Ảnh",
    )
    assert (document["source_format"], document["extraction"], document["language"]) == (
        truth["format"],
        truth["extraction"],
        "vi",
    )
    paragraphs = _paragraphs(dest, str(source / name))
    assert [(p["kind"], p["text"]) for p in paragraphs] == [(b["kind"], b["text"]) for b in truth["blocks"]]
    assert document["paragraph_count"] == len(paragraphs)
    second_copy = truth["duplicates"][0][1]
    assert paragraphs[second_copy]["is_duplicate"]
    assert paragraphs[second_copy]["similarity"] == 1.0


def test_first_file_flags_its_doubled_lead_in_the_document(seed_run: SeedRun) -> None:
    source, dest, _ = seed_run
    docx = _paragraphs(dest, str(source / "seed.docx"))
    assert [p["is_duplicate"] for p in docx] == [False, False, False, True] + [False] * 6
    assert (docx[3]["duplicate_of"], docx[3]["dup_scope"]) == (docx[2]["paragraph_id"], "document")


def test_later_file_with_the_same_text_points_to_the_first(seed_run: SeedRun) -> None:
    source, dest, _ = seed_run
    docx = _paragraphs(dest, str(source / "seed.docx"))
    txt = _paragraphs(dest, str(source / "seed.txt"))
    assert all(p["is_duplicate"] and p["dup_scope"] == "corpus" for p in txt)
    assert txt[3]["duplicate_of"] == docx[2]["paragraph_id"]
    documents = {d["source_uri"]: d for d in rows(dest, "documents")}
    txt_document, docx_document = documents[str(source / "seed.txt")], documents[str(source / "seed.docx")]
    assert txt_document["duplicate_of_doc_id"] == docx_document["doc_id"]


def test_bad_files_become_error_rows(seed_run: SeedRun) -> None:
    errors = {(Path(e["source_uri"]).name, e["error_type"]) for e in rows(seed_run.dest, "errors")}
    assert errors == {("empty.txt", "empty_file"), ("report.pdf", "unsupported_format")}


def test_second_run_adds_no_rows(seed_run: SeedRun) -> None:
    _, dest, outputs = seed_run
    assert len(rows(dest, "documents")) == 2
    assert len(rows(dest, "paragraphs")) == 20
    runs = rows(dest, "runs", "started_at")
    assert [(r["status"], r["files_seen"], r["files_skipped"], r["documents_written"]) for r in runs] == [
        ("completed", 4, 0, 2),
        ("completed", 4, 2, 0),
    ]
    assert "2 documents and 20 paragraphs written" in outputs[0]
    assert "0 documents and 0 paragraphs written" in outputs[1]


def test_single_file_run(tmp_path: Path, prefect_home: Path) -> None:
    result = run_cli(prefect_home, str(corpus_path("seed", "seed.txt")), str(tmp_path))
    assert result.returncode == 0, result.stderr
    paragraphs = rows(tmp_path, "paragraphs", "paragraph_index")
    assert [p["dup_scope"] for p in paragraphs] == [None, None, None, "document"] + [None] * 6


def test_readme_duckdb_query_works_as_written(seed_run: SeedRun) -> None:
    _, dest, _ = seed_run
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    query = re.search(r'"""\n(-- readme-query\n.*?)"""', readme, re.DOTALL)
    assert query, "README lost its DuckDB query"
    result = duckdb.sql(query.group(1).replace(".demo/output", str(dest))).fetchall()
    assert len(result) == 9
    kinds = ["title", "dateline", "body", "body", "body", "caption", "body", "body", "signature"]
    assert [row[2] for row in result] == kinds


def test_missing_source_is_one_line_and_exit_2(tmp_path: Path, prefect_home: Path) -> None:
    result = run_cli(prefect_home, str(tmp_path / "nope"), str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"reportflow: SOURCE {tmp_path / 'nope'} does not exist"]


def test_second_concurrent_run_stops_with_a_clear_message(tmp_path: Path, prefect_home: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Một báo cáo\nNội dung.", encoding="utf-8")
    with DatasetStore(tmp_path / "out").locked():
        result = run_cli(prefect_home, str(tmp_path / "in"), str(tmp_path / "out"))
    assert result.returncode == 3
    assert "another reportflow run is writing to" in result.stderr
    assert rows(tmp_path / "out", "documents") == []


def test_each_run_publishes_a_markdown_report_as_a_prefect_artifact(seed_run: SeedRun) -> None:
    first_run = min(rows(seed_run.dest, "runs"), key=lambda r: r["started_at"])["run_id"]
    query = "SELECT data FROM artifact WHERE key = 'reportflow-run-summary' AND flow_run_id = ?"
    with sqlite3.connect(Path(cli_env(seed_run.dest)["PREFECT_HOME"]) / "prefect.db") as db:
        [report] = [json.loads(row[0]) for row in db.execute(query, (first_run,))]
    assert "| files seen | 4 |" in report
    assert "| parsed: docx (native) | 1 |" in report and "| parsed: txt (native) | 1 |" in report
    assert "| error: empty_file | 1 |" in report and "| error: unsupported_format | 1 |" in report
    assert "| pages per second |" in report
