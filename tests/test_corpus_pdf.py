"""The PDF parser on the real documents of ../shared/corpus."""

from __future__ import annotations

import csv
import functools
import re
from datetime import date

import pytest

from reportflow.parsers import parse_document
from reportflow.schemas import ParsedDocument, ReportflowError
from tests.helpers.corpus import CORPUS, corpus_path, load_truth

LAMDONG = ("public", "vn-vbai-lamdong")


@functools.cache
def _parsed(*parts: str) -> ParsedDocument:
    return parse_document(corpus_path(*parts).read_bytes())


_PAGE_NUMBER = re.compile(r"(trang|page)?\s*[-–]?\s*\d{1,4}\s*[-–]?(\s*(/|of)\s*\d{1,4})?", re.IGNORECASE)


def test_seed_pdf_matches_truth() -> None:
    truth = load_truth("seed.pdf")
    doc = parse_document(corpus_path("seed", "seed.pdf").read_bytes())
    assert [(b.kind, b.text) for b in doc.blocks] == [(b["kind"], b["text"]) for b in truth["blocks"]]
    assert (doc.title, doc.published_date, doc.author) == (truth["title"], date(2017, 7, 17), truth["author"])
    assert (doc.source_format, doc.extraction, doc.page_count) == ("pdf", "text_layer", 2)
    assert [b.page_number for b in doc.blocks] == [1, 1, 1, 1, 1, 1, 2, 2, 2, 2]


def test_issued_report_reproduces_its_word_draft() -> None:
    draft = parse_document(corpus_path(*LAMDONG, "BAO CAO CCHC NAM 2025.docx").read_bytes())
    issued = _parsed(*LAMDONG, "329 BAO CAO CCHC NAM 2025.pdf")
    long_paragraphs = [b.text for b in draft.blocks if len(b.text) >= 80 and b.kind != "table"]
    found = {b.text for b in issued.blocks}
    share = sum(text in found for text in long_paragraphs) / len(long_paragraphs)
    assert share >= 0.85, f"only {share:.0%} of the draft's long paragraphs come out verbatim"
    kinds = [b.kind for b in issued.blocks]
    assert kinds.count("footnote") == 17
    assert kinds.count("table") == 11
    assert not any(re.search(r"[^\W\d_]\d{1,2}[.,;]", b.text) for b in issued.blocks if b.kind == "body")


@pytest.mark.parametrize(
    ("relative", "running"),
    [
        ("public/vn-kaikenju-ocr/New_54.2014.QH13.pdf", "CÔNG BÁO/Số 685 + 686"),
        ("public/pdfplumber/federal-register-2020-17221.pdf", "Federal Register/Vol. 85"),
        ("public/unstructured/fr_olap.pdf", "J. Aligon et al."),
    ],
)
def test_running_headers_are_not_body_text(relative: str, running: str) -> None:
    doc = _parsed(*relative.split("/"))
    assert not [b.text for b in doc.blocks if running in b.text]


def _manifest_pdfs() -> list[str]:
    if not CORPUS.is_dir():
        return []
    with (CORPUS / "public" / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        return [row["path"] for row in csv.DictReader(manifest, delimiter="\t") if row["format"] == "pdf"]


@pytest.mark.needs_tesseract  # the scanned PDFs among them
@pytest.mark.parametrize("relative", _manifest_pdfs() or ["*.pdf"])
def test_every_pdf_is_parsed_or_rejected_clearly(relative: str) -> None:
    try:
        doc = _parsed("public", *relative.split("/"))
    except ReportflowError as e:
        assert e.error_type in {"encrypted", "corrupt", "no_text", "empty_file"}
        assert str(e).endswith(".")
        return
    assert doc.blocks


@pytest.mark.parametrize(
    "relative",
    [
        "public/vn-vbai-lamdong/329 BAO CAO CCHC NAM 2025.pdf",
        "public/vn-kaikenju-ocr/New_54.2014.QH13.pdf",
        "public/pdfplumber/federal-register-2020-17221.pdf",
        "public/unstructured/fr_olap.pdf",
        "public/docling/multi_page.pdf",
    ],
)
def test_page_numbers_are_not_body_text(relative: str) -> None:
    doc = _parsed(*relative.split("/"))
    assert (doc.page_count or 0) > 1
    assert not [b.text for b in doc.blocks if _PAGE_NUMBER.fullmatch(b.text)]


@pytest.mark.parametrize(
    ("relative", "error_type"),
    [
        ("public/unstructured/password.pdf", "encrypted"),
        ("public/pdfplumber/password-example.pdf", "encrypted"),
        ("public/ocrmypdf/invalid.pdf", "corrupt"),
    ],
)
def test_rejections(relative: str, error_type: str) -> None:
    with pytest.raises(ReportflowError) as caught:
        parse_document(corpus_path(*relative.split("/")).read_bytes())
    assert caught.value.error_type == error_type


def test_owner_password_only_is_readable() -> None:
    doc = parse_document(corpus_path("public", "unstructured", "copy-protected.pdf").read_bytes())
    assert doc.title == "LayoutParser: A Unified Toolkit for Deep Learning Based Document Image Analysis"
