"""Broken and hostile inputs next to good files in one real run: each bad file is exactly one typed
`errors` row, the good files are ingested, the run exits 0, and its memory stays bounded."""

from __future__ import annotations

import io
import random
import re
import resource
import shutil
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from reportflow.flows.steps.names import decode_name, encode_name
from tests.helpers import docx_builder as build
from tests.helpers.cli import rows, run_cli
from tests.helpers.corpus import corpus_path
from tests.helpers.pdf_builder import spinning_pdf

pytestmark = pytest.mark.slow  # every test reads what one real `reportflow run` wrote

SECRET = "TOP-SECRET-VALUE-4711"
PEAK_RSS_LIMIT = 1.5 * 1024**3
# A worker's heap cap: far above what any good file here needs, reached by the spinning PDF (which keeps
# every character it draws) however fast or busy the machine, so that file's outcome does not depend on a clock.
MAX_MEMORY_MB = 700
# Stops a run that hangs only; no file here should come near it.
TIME_LIMIT = 600
# Names with spaces, Vietnamese, and characters special in shells and URIs.
ODD_NAMES = ["báo cáo tháng 1.txt", "a b $(touch x); 'q' \"d\" & `c`.txt", "100%25 #frag?x=1.txt"]

EXPECTED_ERRORS = {
    "empty.pdf": "empty_file",
    "random-bytes.pdf": "unsupported_format",
    "truncated.pdf": "corrupt",
    "user-password.pdf": "encrypted",
    "no-document-part.docx": "unsupported_format",
    "sheet.xlsx": "unsupported_format",
    "program.exe": "unsupported_format",
    "zip-bomb.docx": "too_large",
    "pixel-bomb.png": "too_large",
    "huge-page.pdf": "too_large",
    "spinning.pdf": "too_large",
}
EXPECTED_DOCUMENTS = {
    "seed.docx",
    "seed.txt",
    "damaged-xref.pdf",  # a cross-reference offset pointing nowhere: pdfminer rebuilds it
    "owner-password-only.pdf",
    "plain-text-named.docx",
    "external-entity.docx",
    "web-page-named.pdf",  # a Word web page under a PDF's name: read as HTML, from the bytes
    "rtf-named.doc",  # an RTF file under a Word 97 name: read through LibreOffice as RTF
    *ODD_NAMES,
}
WEB_PAGE = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta name=Generator content="Microsoft Word 12">'
    "<style>p.MsoNormal {margin:0cm}</style></head><body><p class=MsoTitle>Báo cáo trang web</p>"
    "<p class=MsoNormal>Nội dung của trang.<o:p></o:p></p></body></html>"
)
RTF = (
    "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Times New Roman;}}"
    "\\f0 B\\u225?o c\\u225?o RTF\\par N\\u7897?i dung.\\par}"
)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A valid .docx whose document part inflates to 300 MB of zeros (about 300 KB on disk)."""
    d = build.new_document()
    d.add_paragraph("Nội dung")
    source, target = io.BytesIO(build.save(d)), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename != "word/document.xml":
                new.writestr(item, old.read(item.filename))
        with new.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                part.write(chunk)
    return target.getvalue()


def _external_entity(secret: Path) -> bytes:
    d = build.new_document()
    d.add_paragraph("Nội dung có thực thể")
    source, target = io.BytesIO(build.save(d)), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "word/document.xml":
                doctype = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
                data = data.decode().replace("?>", "?>" + doctype, 1).replace("thực thể", "thực thể &x;").encode()
            new.writestr(item, data)
    return target.getvalue()


def _huge_page() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(200_000, 200_000))
    page.drawString(100, 100, "A page two and a half kilometres wide")
    page.save()
    return buffer.getvalue()


def _pixel_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buffer, format="PNG")
    return buffer.getvalue()


def _inputs(folder: Path, secret: Path) -> None:
    folder.mkdir()
    for name in ["seed.docx", "seed.txt"]:
        shutil.copy(corpus_path("seed", name), folder / name)
    shutil.copy(corpus_path("public", "unstructured", "copy-protected.pdf"), folder / "owner-password-only.pdf")
    shutil.copy(corpus_path("public", "unstructured", "password.pdf"), folder / "user-password.pdf")
    seed_pdf = corpus_path("seed", "seed.pdf").read_bytes()
    files = {
        "damaged-xref.pdf": re.sub(rb"startxref\s+\d+", b"startxref\n999999", seed_pdf),
        "empty.pdf": b"",
        "random-bytes.pdf": random.Random(7).randbytes(50_000),
        "truncated.pdf": seed_pdf[: len(seed_pdf) // 2],
        "plain-text-named.docx": "Báo cáo viết bằng văn bản thuần\n\nNội dung.".encode(),
        "no-document-part.docx": _zip({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<styles/>"}),
        "sheet.xlsx": _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "program.exe": Path("/bin/true").read_bytes(),
        "zip-bomb.docx": _zip_bomb(),
        "external-entity.docx": _external_entity(secret),
        "pixel-bomb.png": _pixel_bomb(),
        "huge-page.pdf": _huge_page(),
        "spinning.pdf": spinning_pdf(),
        "web-page-named.pdf": WEB_PAGE.encode(),
        "rtf-named.doc": RTF.encode("ascii"),
    }
    files |= {name: f"Báo cáo {name}\n\nNội dung của {name}.".encode() for name in ODD_NAMES}
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any, int]:
    root = tmp_path_factory.mktemp("hostile")
    secret = root / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    source, dest = root / "in", root / "out"
    _inputs(source, secret)
    limits = ["--time-limit", str(TIME_LIMIT), "--max-memory-mb", str(MAX_MEMORY_MB)]
    done = run_cli(root / "prefect", str(source), str(dest), "--batch-size", "4", *limits, timeout=2 * TIME_LIMIT)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return source, dest, done, peak_kib * 1024


def test_the_run_completes_with_exit_0(hostile_run: tuple[Path, Path, Any, int]) -> None:
    done = hostile_run[2]
    assert done.returncode == 0, done.stderr
    assert f"{len(EXPECTED_DOCUMENTS)} documents" in done.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_each_bad_file_is_exactly_one_typed_error_row(hostile_run: tuple[Path, Path, Any, int], name: str) -> None:
    source, dest, _, _ = hostile_run
    found = [e for e in rows(dest, "errors") if e["source_uri"] == str(source / name)]
    assert [e["error_type"] for e in found] == [EXPECTED_ERRORS[name]]
    assert found[0]["message"].endswith(".") and len(found[0]["message"]) > 15


def test_good_and_odd_files_are_ingested_under_their_exact_names(hostile_run: tuple[Path, Path, Any, int]) -> None:
    source, dest, _, _ = hostile_run
    # `%` is always written `%25` (README, file names): `100%25 ...` comes out as `100%2525 ...`
    expected = {encode_name(str(source / n)) for n in EXPECTED_DOCUMENTS}
    assert {d["source_uri"] for d in rows(dest, "documents")} == expected
    assert all(Path(decode_name(uri)).is_file() for uri in expected)
    assert not (Path.cwd() / "x").exists() and not (source / "x").exists()


def test_nothing_outside_the_inputs_is_read_through_an_external_entity(
    hostile_run: tuple[Path, Path, Any, int],
) -> None:
    dest = hostile_run[1]
    for dataset in ["documents", "paragraphs", "errors"]:
        text = duckdb.sql(f"SELECT * FROM read_parquet('{dest}/{dataset}/**/*.parquet')").fetchall()
        assert SECRET not in repr(text)


def test_peak_memory_of_the_run_stays_bounded(hostile_run: tuple[Path, Path, Any, int]) -> None:
    peak = hostile_run[3]
    assert peak < PEAK_RSS_LIMIT, f"a process of the run peaked at {peak / 1024**2:.0f} MiB"


def test_markup_and_rtf_under_other_names_are_read_as_what_they_are(
    hostile_run: tuple[Path, Path, Any, int],
) -> None:
    source, dest, _, _ = hostile_run
    documents = {d["source_uri"]: d for d in rows(dest, "documents")}
    web_page, rtf = documents[str(source / "web-page-named.pdf")], documents[str(source / "rtf-named.doc")]
    assert (web_page["source_format"], web_page["title"]) == ("html", "Báo cáo trang web")
    assert (rtf["source_format"], rtf["title"]) == ("rtf", "Báo cáo RTF")
    texts = {(p["doc_id"], p["text"]) for p in rows(dest, "paragraphs")}
    assert (web_page["doc_id"], "Nội dung của trang.") in texts
    assert (rtf["doc_id"], "Nội dung.") in texts
    assert not [text for _, text in texts if re.search(r"<\s*/?\s*[a-zA-Z!][^>]*>", text)]
