"""Legacy `.doc` through LibreOffice: real corpus files, a `.doc` made from seed.docx, failure paths.

Each conversion takes about a second, so the results are made once per module.
"""

import subprocess
import zipfile
from pathlib import Path

import pytest

from reportflow.parsers import parse_document
from reportflow.parsers.detect import detect_format
from reportflow.parsers.formats.legacy_doc import DocSettings, convert_to_docx, parse_doc
from reportflow.parsers.text import normalize_text
from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, VNI, detect_encoding, has_unicode_vietnamese
from reportflow.schemas import ConversionFailedError, ConverterMissingError, ParsedDocument, TimedOutError
from tests.helpers.corpus import corpus_path, load_truth
from tests.helpers.legacy_fonts import SOURCE, legacy_font_docx
from tests.helpers.system import require_soffice

REAL_DOCS = [
    "vn-vbai-lamdong/BÁO CÁO ĐỀ ÁN 06 tính đến 20-10-2025 .doc",
    "vn-vbai-lamdong/UB- Thong bao ve viec giai the 06 hoi vi pham (1).doc",
    "vn-vbai-lamdong/Tờ-trình-UBND-đổi-tên-Hội-Thiện-nguyện-Lan-tỏa-yêu-thương-Bình-Thuận-tỉnh-Lâm-Đồng.doc",
    "docling/legacy_sample.doc",
    "docling/greek_heading_styles.doc",
    "unstructured/duplicate-paragraphs.doc",
]


def _blocks(doc: ParsedDocument) -> list[tuple[str, str, str | None, bool, bool]]:
    return [(b.kind, b.text, b.align, b.bold, b.italic) for b in doc.blocks]


def _save_as_doc(docx: bytes, folder: Path) -> bytes:
    """What Word 97-2003 would have saved: LibreOffice's own .doc export, made in the test."""
    (folder / "in.docx").write_bytes(docx)
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    subprocess.run(
        [
            require_soffice(),
            profile,
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(folder),
            str(folder / "in.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (folder / "in.doc").read_bytes()


@pytest.fixture(scope="module")
def real_docs() -> dict[str, ParsedDocument]:
    require_soffice()
    return {name: parse_document(corpus_path("public", *name.split("/")).read_bytes()) for name in REAL_DOCS}


@pytest.fixture(scope="module")
def seed_as_doc(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    require_soffice()
    return _save_as_doc(corpus_path("seed", "seed.docx").read_bytes(), tmp_path_factory.mktemp("seed"))


def test_format_comes_from_the_bytes_not_the_zip_test_or_the_name() -> None:
    zip_like = 0
    for name in REAL_DOCS:
        data = corpus_path("public", *name.split("/")).read_bytes()
        zip_like += zipfile.is_zipfile(corpus_path("public", *name.split("/")))
        assert detect_format(data) == "doc", name
    assert zip_like == 5  # Word appends a theme package to the OLE file
    assert detect_format(corpus_path("public", "unstructured", "eng_spa_mult.doc").read_bytes()) == "docx"


def test_seed_saved_as_doc_gives_the_same_blocks_as_seed_docx(seed_as_doc: bytes) -> None:
    from_docx = parse_document(corpus_path("seed", "seed.docx").read_bytes())
    from_doc = parse_document(seed_as_doc)
    assert from_doc.source_format == "doc" and from_doc.extraction == "native"
    assert _blocks(from_doc) == _blocks(from_docx)
    truth = load_truth("seed.docx")
    assert (from_doc.title, str(from_doc.published_date), from_doc.author) == (
        truth["title"],
        truth["published_date"],
        truth["author"],
    )


def test_real_docs_are_read(real_docs: dict[str, ParsedDocument]) -> None:
    for name, doc in real_docs.items():
        assert doc.source_format == "doc", name
        assert len(doc.blocks) >= 5, name
        text = " ".join(b.text for b in doc.blocks)
        assert detect_encoding(text) is None, name  # no mojibake left
        assert text == normalize_text(text), name


def _admin(doc: ParsedDocument) -> tuple[str | None, ...]:
    return (doc.issuer, doc.doc_number, doc.doc_type, doc.signer)


def _last_two(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks[-2:]]


def test_real_vietnamese_docs(real_docs: dict[str, ParsedDocument]) -> None:
    report, notice, submission = (real_docs[name] for name in REAL_DOCS[:3])
    assert report.title is not None and report.title.startswith("BÁO CÁO Kết quả triển khai Đề án 06")
    assert report.language == "vi"
    assert (report.doc_type, report.doc_number, report.signer) == ("bao_cao", "/BC-BCĐ", "Nguyễn Ngọc Phúc")
    assert [b.kind for b in report.blocks].count("motto") == 1
    assert _last_two(report) == [
        ("signer_title", "TM. BAN CHỈ ĐẠO PHÓ TRƯỞNG BAN PHÓ CHỦ TỊCH UBND TỈNH"),
        ("signature", "Nguyễn Ngọc Phúc"),
    ]
    assert notice.title is not None and notice.title.startswith("THÔNG BÁO")
    assert _admin(notice) == ("ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN", "/TB-UBND", "thong_bao", "Nguyễn Minh")
    assert _last_two(notice) == [("signer_title", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"), ("signature", "Nguyễn Minh")]
    assert submission.title is not None and submission.title.startswith("TỜ TRÌNH")
    assert _admin(submission) == ("UBND TỈNH LÂM ĐỒNG SỞ NỘI VỤ", "/TTr-SNV", "to_trinh", "Nguyễn Đức Vũ")
    assert ("addressee", "Kính gửi: Chủ tịch UBND tỉnh Lâm Đồng") in [(b.kind, b.text) for b in submission.blocks]
    assert all(has_unicode_vietnamese(doc.blocks[-1].text) for doc in (report, notice, submission))


def test_real_english_and_german_docs(real_docs: dict[str, ParsedDocument]) -> None:
    assert real_docs["docling/legacy_sample.doc"].title == "Summer activities"
    assert real_docs["docling/greek_heading_styles.doc"].title == "Überschriften in nicht-englischer Sprache"


def test_doc_twin_of_a_docx_gives_its_blocks(real_docs: dict[str, ParsedDocument]) -> None:
    docx = parse_document(corpus_path("public", "unstructured", "duplicate-paragraphs.docx").read_bytes())
    doc = real_docs["unstructured/duplicate-paragraphs.doc"]
    # LibreOffice writes an explicit left alignment where the .docx has none; kinds and text agree.
    assert [(b.kind, b.text) for b in doc.blocks] == [(b.kind, b.text) for b in docx.blocks]


@pytest.mark.needs_soffice
@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_legacy_fonts_survive_the_doc_format(encoding: str, tmp_path: Path) -> None:
    doc = parse_doc(_save_as_doc(legacy_font_docx(encoding), tmp_path))
    assert [b.text for b in doc.blocks] == [normalize_text(s) for s in SOURCE]


def _fake_libreoffice(folder: Path, body: str) -> str:
    script = folder / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_missing_libreoffice_is_a_clear_error() -> None:
    with pytest.raises(ConverterMissingError, match="not installed"):
        convert_to_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DocSettings(program="/nonexistent/soffice"))


def test_failing_libreoffice_is_a_clear_error(tmp_path: Path) -> None:
    program = _fake_libreoffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 1")
    with pytest.raises(ConversionFailedError, match="could not be loaded"):
        convert_to_docx(b"\xd0\xcf\x11\xe0", DocSettings(program=program))


def test_libreoffice_without_output_is_a_failure(tmp_path: Path) -> None:
    with pytest.raises(ConversionFailedError, match="no output"):
        convert_to_docx(b"\xd0\xcf\x11\xe0", DocSettings(program=_fake_libreoffice(tmp_path, "exit 0")))


def test_slow_libreoffice_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    program = _fake_libreoffice(tmp_path, "sleep 30 & wait")
    with pytest.raises(TimedOutError, match=r"within 0\.5 s"):
        convert_to_docx(b"\xd0\xcf\x11\xe0", DocSettings(timeout_seconds=0.5, program=program))


def test_settings_reject_a_non_positive_time_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        DocSettings(timeout_seconds=0)
