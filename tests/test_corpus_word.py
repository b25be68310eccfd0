"""The seed reports against their truth files, and every real .docx of the public corpus."""

import io
import re
import zipfile
from datetime import date

import pytest

from reportflow.parsers import parse_document
from tests.helpers.corpus import CORPUS, corpus_path, load_truth


@pytest.mark.parametrize("name", ["seed.txt", "seed.docx"])
def test_seed_matches_truth(name: str) -> None:
    truth = load_truth(name)
    doc = parse_document(corpus_path("seed", name).read_bytes())
    assert [(b.kind, b.text) for b in doc.blocks] == [(b["kind"], b["text"]) for b in truth["blocks"]]
    assert doc.title == truth["title"]
    assert doc.published_date == date.fromisoformat(truth["published_date"])
    assert doc.author == truth["author"]
    assert (doc.source_format, doc.extraction) == (truth["format"], truth["extraction"])
    assert doc.page_count == truth["page_count"]


def _public_docx() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(str(p.relative_to(CORPUS)) for p in (CORPUS / "public").rglob("*.docx"))


def _header_footer_texts(data: bytes) -> set[str]:
    texts = set()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                xml = archive.read(name).decode()
                texts |= {t.strip() for t in re.findall(r"<w:t(?: [^>]*)?>([^<]+)</w:t>", xml) if len(t.strip()) > 3}
    return texts


@pytest.mark.parametrize("relative", _public_docx() or ["public/*.docx"])
def test_public_docx(relative: str) -> None:
    data = corpus_path(*relative.split("/")).read_bytes()
    doc = parse_document(data)
    assert doc.blocks and all(b.text and b.text == b.text.strip() for b in doc.blocks)
    bodies = {b.text for b in doc.blocks}
    assert not bodies & _header_footer_texts(data)


def test_real_report_tables_and_footnotes() -> None:
    data = corpus_path("public", "vn-vbai-lamdong", "BAO CAO CCHC NAM 2025.docx").read_bytes()
    doc = parse_document(data)
    kinds = [b.kind for b in doc.blocks]
    assert kinds.count("table") == 9  # and the two layout tables, head and foot, cut into their parts
    assert kinds[:6] == ["issuer", "doc_number", "motto", "place_date", "doc_type", "subject"]
    assert kinds.count("footnote") == 17
    assert doc.language == "vi"
    assert doc.title is not None and doc.title.startswith("BÁO CÁO Công tác cải cách hành chính năm 2025")
    assert doc.published_date is None  # the draft's date line is blank: `ngày    tháng 12 năm 2025`
    assert doc.blocks[0].text == "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"


def test_text_boxes_are_read_in_order() -> None:
    """A flowchart drawn in text boxes (docling's test file): every text of its ground truth, in order."""
    data = corpus_path("public", "docling", "textbox.docx").read_bytes()
    truth = corpus_path("public", "docling", "textbox.docx.gt.md").read_text(encoding="utf-8")
    expected = [_plain(line) for line in truth.splitlines() if line.strip() and not line.startswith("<!--")]
    text = " ".join(b.text for b in parse_document(data).blocks)
    at = 0
    for line in expected:
        found = text.find(line, at)
        assert found >= 0, (line, text[at : at + 200])
        at = found + len(line)


def _plain(markdown: str) -> str:
    line = re.sub(r"^(?:- |\d+\. )", "", markdown.strip()).replace("**", "")
    return " ".join(line.split()).replace(" .", ".")


def test_a_strict_open_xml_document_is_read() -> None:
    doc = parse_document(corpus_path("public", "docling", "Strict.docx").read_bytes())
    assert [(b.kind, b.text) for b in doc.blocks] == [("title", "Some text")]
    assert doc.source_format == "docx"
