"""The real command over the seed report in every format: one first document, the others its duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.cli import rows, run_cli
from tests.helpers.corpus import corpus_path, load_truth
from tests.helpers.office import convert
from tests.helpers.text import character_error_rate

# Every test runs the real `reportflow` command, over scans among other files.
pytestmark = [pytest.mark.slow, pytest.mark.needs_tesseract]

FORMATS = ["seed.docx", "seed.pdf", "seed.txt", "seed_scan.pdf", "seed_scan.png"]
# The seed saved by LibreOffice as RTF, ODT and a web page, in the same run (when LibreOffice is installed).
SAVED_AS = {"seed.rtf": "rtf", "seed.odt": "odt", "seed.html": "html"}  # file: LibreOffice's target, source_format


@pytest.fixture(scope="module")
def seed_dest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    source = tmp_path_factory.mktemp("seed-all")
    for name in FORMATS:
        shutil.copy(corpus_path("seed", name), source / name)
    if shutil.which("soffice") is not None:
        seed = corpus_path("seed", "seed.docx").read_bytes()
        for name, target in SAVED_AS.items():
            (source / name).write_bytes(convert(seed, target, tmp_path_factory.mktemp(target)))
    dest = tmp_path_factory.mktemp("seed-out")
    result = run_cli(tmp_path_factory.mktemp("prefect"), str(source), str(dest))
    assert result.returncode == 0, result.stderr
    return source, dest


def _by_file(dest: Path) -> dict[str, dict[str, object]]:
    return {Path(str(d["source_uri"])).name: d for d in rows(dest, "documents")}


def test_every_copy_points_to_the_first_document(seed_dest: tuple[Path, Path]) -> None:
    documents = _by_file(seed_dest[1])
    first = documents["seed.docx"]["doc_id"]
    assert documents["seed.docx"]["duplicate_of_doc_id"] is None
    for name in ("seed.pdf", "seed.txt", "seed_scan.pdf"):
        assert documents[name]["duplicate_of_doc_id"] == first, name
    assert documents["seed_scan.png"]["duplicate_of_doc_id"] is None  # page 1 only: not the same content


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_matches_its_truth_and_flags_the_doubled_lead(seed_dest: tuple[Path, Path], name: str) -> None:
    truth = load_truth(name)
    document = _by_file(seed_dest[1])[name]
    paragraphs = [p for p in rows(seed_dest[1], "paragraphs", "paragraph_index") if p["doc_id"] == document["doc_id"]]
    assert [p["kind"] for p in paragraphs] == [b["kind"] for b in truth["blocks"]]
    got, expected = "\n".join(p["text"] for p in paragraphs), "\n".join(b["text"] for b in truth["blocks"])
    assert character_error_rate(got, expected) <= (0.02 if truth["extraction"] == "ocr" else 0.0)
    assert (document["title"], str(document["published_date"]), document["author"]) == (
        truth["title"],
        truth["published_date"],
        truth["author"],
    )
    assert (document["source_format"], document["extraction"]) == (truth["format"], truth["extraction"])
    second_copy = truth["duplicates"][0][1]
    assert paragraphs[second_copy]["is_duplicate"]
    if name != "seed.docx":
        assert all(p["dup_scope"] == "corpus" for p in paragraphs)


@pytest.mark.needs_soffice
@pytest.mark.parametrize("name", sorted(SAVED_AS))
def test_copies_saved_by_libreoffice_are_read_as_what_they_are(seed_dest: tuple[Path, Path], name: str) -> None:
    documents = _by_file(seed_dest[1])
    document, first = documents[name], documents["seed.docx"]
    assert document["source_format"] == SAVED_AS[name]
    assert document["duplicate_of_doc_id"] == first["doc_id"]
    assert (document["title"], document["published_date"], document["author"]) == (
        first["title"],
        first["published_date"],
        first["author"],
    )


def test_tomorrows_rescan_is_flagged_against_tonights_report(tmp_path: Path) -> None:
    tonight, tomorrow, dest = tmp_path / "tonight", tmp_path / "tomorrow", tmp_path / "out"
    tonight.mkdir()
    tomorrow.mkdir()
    shutil.copy(corpus_path("seed", "seed.docx"), tonight / "seed.docx")
    shutil.copy(corpus_path("seed", "seed_scan.pdf"), tomorrow / "seed_scan.pdf")
    for folder in (tonight, tomorrow):
        result = run_cli(tmp_path / "prefect", str(folder), str(dest))
        assert result.returncode == 0, result.stderr
    documents = _by_file(dest)
    scan_id = documents["seed_scan.pdf"]["doc_id"]
    scan = [p for p in rows(dest, "paragraphs", "paragraph_index") if p["doc_id"] == scan_id]
    assert all(p["is_duplicate"] and p["dup_scope"] == "corpus" for p in scan)
    report_id = documents["seed.docx"]["doc_id"]
    assert all(str(p["duplicate_of"]).startswith(f"{report_id}:") for p in scan)  # exact or near, OCR as it reads
    assert documents["seed_scan.pdf"]["duplicate_of_doc_id"] == report_id
