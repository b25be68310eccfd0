"""Vietnamese administrative documents: the parts of the official layout as kinds and metadata."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from reportflow.parsers import parse_document
from reportflow.parsers.layout.structure import apply_structure
from reportflow.parsers.text import table_block
from reportflow.parsers.vietnamese.admin import read_admin_layout
from reportflow.parsers.vietnamese.patterns import fold
from reportflow.schemas import Block, ParsedDocument
from tests.helpers import docx_builder as build
from tests.helpers.cli import REPORTFLOW, rows, run_cli
from tests.helpers.corpus import corpus_path
from tests.helpers.hang import stop_if_hung
from tests.helpers.system import require_soffice

TRUTH = json.loads((Path(__file__).parent / "truth" / "vn_admin.json").read_text(encoding="utf-8"))
FIELDS = ("issuer", "doc_number", "doc_type", "signer", "published_date")
MOTTO = ("CONG HOA XA HOI CHU NGHIA VIET NAM", "DOC LAP - TU DO - HANH PHUC")

ADMIN = sorted(k for k, v in TRUTH.items() if v["is_admin_document"])
# A textbook page showing a sample notice: its fields are the sample's, its issuer line OCR garbles.
SAMPLES = sorted(k for k, v in TRUTH.items() if not v["is_admin_document"])


def _known_miss(relative: str, field: str) -> dict[str, Any] | None:
    """What OCR reads today where it is wrong (`known_ocr_misses` of the truth file): lost or changed
    diacritics (`why: diacritics`), handwritten digits misread (a day not read gives no date, never a
    wrong one), or the parts of a blurred phone photo it cannot read (none made up)."""
    return TRUTH[relative].get("known_ocr_misses", {}).get(field)


def _exactly(relative: str, field: str) -> Any:
    miss = _known_miss(relative, field)
    if miss is None:
        return pytest.param(relative, field)
    reason = f"known OCR miss ({miss['why']}): reads {miss['reads']!r}"
    return pytest.param(relative, field, marks=pytest.mark.xfail(raises=AssertionError, strict=True, reason=reason))


KNOWN_MISSES = [(relative, field) for relative in ADMIN for field in FIELDS if _known_miss(relative, field)]


def _doc(*texts: str | Block, cues: bool = True) -> ParsedDocument:
    blocks = tuple(t if isinstance(t, Block) else Block(t) for t in texts)
    return apply_structure(ParsedDocument("docx", "native", blocks, has_style_cues=cues))


def _kinds(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks]


def _table(*rows: tuple[str, ...]) -> Block:
    block = table_block(rows)
    assert block is not None
    return block


WORD_HEADER = _table(
    ("ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
    ("Số: 329/BC-UBND", "Lâm Đồng, ngày 05 tháng 12 năm 2025"),
)
BODY = "Thực hiện Công văn số 4625/BNV-CCHC ngày 02/7/2025 của Bộ Nội vụ, " + "Ủy ban nhân dân tỉnh báo cáo. " * 8
WORD_FOOTER = _table(("Nơi nhận: - Bộ Nội vụ; - Lưu: VT, NC.", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Nguyễn Ngọc Phúc", ""))


def test_word_header_table_comes_apart_column_by_column() -> None:
    doc = _doc(
        WORD_HEADER,
        Block("BÁO CÁO", align="center", bold=True),
        Block("Công tác cải cách hành chính năm 2025 và", align="center", bold=True),
        Block("phương hướng, nhiệm vụ năm 2026", align="center", bold=True),
        BODY,
        WORD_FOOTER,
    )
    assert _kinds(doc) == [
        ("issuer", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"),
        ("doc_number", "Số: 329/BC-UBND"),
        ("motto", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
        ("place_date", "Lâm Đồng, ngày 05 tháng 12 năm 2025"),
        ("doc_type", "BÁO CÁO"),
        ("subject", "Công tác cải cách hành chính năm 2025 và phương hướng, nhiệm vụ năm 2026"),
        ("body", BODY),
        ("recipients", "Nơi nhận: - Bộ Nội vụ; - Lưu: VT, NC."),
        ("signer_title", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"),
        ("signature", "Nguyễn Ngọc Phúc"),
    ]
    assert (doc.issuer, doc.doc_number, doc.doc_type, doc.signer) == (
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG",
        "329/BC-UBND",
        "bao_cao",
        "Nguyễn Ngọc Phúc",
    )
    assert doc.published_date == date(2025, 12, 5)
    assert doc.title == "BÁO CÁO Công tác cải cách hành chính năm 2025 và phương hướng, nhiệm vụ năm 2026"


def test_a_foot_table_nested_in_a_cell_still_gives_recipients_and_signer() -> None:
    """Word often sets the foot (recipients | signer) as a table inside the one cell of another: its cells
    go on in the outer row, and are read as cells, not cut out of the table's text."""
    d = build.new_document()
    head = d.add_table(rows=2, cols=2)
    for r, row in enumerate(WORD_HEADER.rows):
        for c, text in enumerate(row):
            head.cell(r, c).text = text
    d.add_paragraph("BÁO CÁO")
    d.add_paragraph(BODY)
    inner = d.add_table(rows=1, cols=2).cell(0, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Nơi nhận:\n- Bộ Nội vụ;\n- Lưu: VT, NC."
    inner.cell(0, 1).text = "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Ngọc Phúc"
    doc = parse_document(build.save(d))
    assert _kinds(doc)[-3:] == [
        ("recipients", "Nơi nhận: - Bộ Nội vụ; - Lưu: VT, NC."),
        ("signer_title", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"),
        ("signature", "Nguyễn Ngọc Phúc"),
    ]
    assert doc.signer == "Nguyễn Ngọc Phúc"
    assert doc.author == "Nguyễn Ngọc Phúc"


def test_pdf_lines_run_across_the_columns_are_cut_apart() -> None:
    """What naive extraction gives: the left column's `Số:` on one line, its symbol on the motto's."""
    doc = _doc(
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG Số:",
        "/BC-UBND CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",
        Block("Lâm Đồng, ngày tháng 12 năm 2025", italic=True),
        Block("BÁO CÁO Công tác cải cách hành chính năm 2025", align="center", bold=True),
        BODY,
    )
    assert _kinds(doc)[:5] == [
        ("issuer", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"),
        ("doc_number", "Số: /BC-UBND"),
        ("motto", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
        ("place_date", "Lâm Đồng, ngày tháng 12 năm 2025"),
        ("doc_type", "BÁO CÁO"),
    ]
    assert doc.doc_number == "/BC-UBND"
    assert doc.published_date is None


def test_ocr_rows_merged_across_columns() -> None:
    """OCR reads a row of both columns as one line, diacritics lost on the way."""
    doc = _doc(
        "UBND TỈNH QUẢNG NGAI CONG HOA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BAN CHÍ ĐẠO 138",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 04 /QD-BCD138 Quang Ngãi, ngày 05 thang 02 năm 2025",
        "QUYET DINH về việc công nhận địa bàn trọng điểm năm 2024",
        "TRUONG BAN CHỈ ĐẠO PHÒNG, CHÓNG TOI PHAM TINH QUANG NGAI",
        BODY,
        cues=False,
    )
    assert doc.issuer == "UBND TỈNH QUẢNG NGAI BAN CHÍ ĐẠO 138"
    assert doc.doc_number == "04/QD-BCD138"
    assert doc.doc_type == "quyet_dinh"
    assert doc.published_date == date(2025, 2, 5)
    assert [b.kind for b in doc.blocks[:6]] == ["issuer", "doc_number", "motto", "place_date", "doc_type", "subject"]
    assert doc.blocks[2].text == "CONG HOA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"
    assert doc.blocks[6].kind != "subject"


@pytest.mark.parametrize(
    "line",
    [
        "Lâm Đồng, ngày    tháng 12 năm 2025",
        "Quảng Ngãi, ngayg5 tháng 02 năm 2025",
        "Quảng Ngãi, ngày 93 tháng 01 năm 2025",
        "Quảng Ngãi, ngày £6 tháng 3 năm 2018",
    ],
)
def test_a_blank_or_unread_day_gives_no_date(line: str) -> None:
    doc = _doc(" | ".join(WORD_HEADER.rows[0]), f"Số: 12/BC-UBND {line}", "BÁO CÁO", BODY)
    assert doc.published_date is None
    assert ("place_date", " ".join(line.split())) in _kinds(doc)


def test_a_letter_has_its_subject_under_the_number() -> None:
    doc = _doc(
        _table(
            ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
            ("Số: 575/UBND-KTTH V/v tham gia ý kiến các dự thảo Nghị định", "Quảng Ngãi, ngày 04 tháng 02 năm 2025"),
        ),
        "Kính gửi: Sở Tài chính",
        BODY,
    )
    assert doc.doc_type == "cong_van"
    assert doc.title == "V/v tham gia ý kiến các dự thảo Nghị định"
    kinds = ["issuer", "doc_number", "subject", "motto", "place_date", "addressee", "body"]
    assert [b.kind for b in doc.blocks] == kinds


def test_recipients_and_signer_in_text_lines_and_an_annex_after_them() -> None:
    doc = _doc(
        WORD_HEADER,
        "BÁO CÁO",
        BODY,
        "Nơi nhận:",
        "- Bộ Nội vụ;",
        "- Lưu: VT, NC.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Ngọc Phúc",
        "PHỤ LỤC",
        BODY,
    )
    assert _kinds(doc)[-6:] == [
        ("body", BODY),
        ("recipients", "Nơi nhận: - Bộ Nội vụ; - Lưu: VT, NC."),
        ("signer_title", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"),
        ("signature", "Nguyễn Ngọc Phúc"),
        ("body", "PHỤ LỤC"),
        ("body", BODY),
    ]


@pytest.mark.parametrize("mark", ["DỰ THẢO", "DỰ THẢO LẦN 2"])
def test_a_draft_mark_stays_out_of_the_issuer(mark: str) -> None:
    """Drafts carry `DỰ THẢO` in a text box, which Word anchors above the header table or inside its cell."""
    above = _doc(mark, WORD_HEADER, "BÁO CÁO", BODY)
    (issuer, motto), number_row = WORD_HEADER.rows
    inside = _doc(_table((f"{issuer} {mark}", motto), number_row), "BÁO CÁO", BODY)
    for doc in (above, inside):
        assert doc.issuer == "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"
        assert ("body", mark) in _kinds(doc)


def test_an_e_signature_stamp_stays_out_of_the_issuer() -> None:
    doc = _doc(
        "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC ttcbth@quangngai.gov.vn 09.01.2025 10:21:11 +07:00",
        WORD_HEADER,
        "THÔNG BÁO",
        BODY,
    )
    assert doc.blocks[0].kind == "stamp"
    assert doc.issuer == "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"


def test_a_news_report_is_no_administrative_document() -> None:
    data = corpus_path("seed", "seed.txt").read_bytes()
    doc = parse_document(data)
    assert read_admin_layout(doc.blocks) is None
    assert (doc.issuer, doc.doc_number, doc.doc_type, doc.signer) == (None, None, None, None)


PARTY_HEADER = _table(
    ("ĐẢNG BỘ TỈNH LÂM ĐỒNG TỈNH ỦY *", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("Số 15-NQ/TU", "Lâm Đồng, ngày 12 tháng 3 năm 2025"),
)


def test_a_party_committee_s_resolution() -> None:
    """Party documents (Quy định 66-QĐ/TW): the Party's name as motto, `Số 15-NQ/TU`, `T/M` above the signer."""
    doc = _doc(
        PARTY_HEADER,
        Block("NGHỊ QUYẾT", align="center", bold=True),
        Block("về chuyển đổi số trong các cơ quan Đảng", align="center", bold=True),
        BODY,
        "Nơi nhận:",
        "- Ban Bí thư (để báo cáo);",
        "- Lưu Văn phòng Tỉnh ủy.",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Trần Văn Hiệp",
    )
    assert [b.kind for b in doc.blocks] == [
        "issuer", "doc_number", "motto", "place_date", "doc_type", "subject", "body", "recipients", "signer_title",
        "signature",
    ]  # fmt: skip
    assert doc.blocks[2].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert (doc.issuer, doc.doc_number, doc.doc_type, doc.signer) == (
        "ĐẢNG BỘ TỈNH LÂM ĐỒNG TỈNH ỦY",
        "15-NQ/TU",
        "nghi_quyet",
        "Trần Văn Hiệp",
    )
    assert doc.published_date == date(2025, 3, 12)


def test_a_party_letter_in_lines_run_across_the_columns() -> None:
    doc = _doc(
        "ĐẢNG BỘ TỈNH LÂM ĐỒNG ĐẢNG CỘNG SẢN VIỆT NAM",
        "BAN TUYÊN GIÁO TỈNH ỦY",
        "*",
        "Số 45-CV/BTGTU Lâm Đồng, ngày 20 tháng 3 năm 2025",
        "V/v tuyên truyền kỷ niệm 50 năm Ngày giải phóng",
        "Kính gửi: Các huyện ủy, thành ủy",
        BODY,
    )
    assert (doc.issuer, doc.doc_number, doc.doc_type) == (
        "ĐẢNG BỘ TỈNH LÂM ĐỒNG BAN TUYÊN GIÁO TỈNH ỦY",
        "45-CV/BTGTU",
        "cong_van",
    )
    assert "*" not in [b.text for b in doc.blocks]


@pytest.mark.parametrize(
    "below",
    [
        "Hà Nội, ngày 3 tháng 2 năm 2025",
        "Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị, các đơn vị tổ chức nhiều hoạt động.",
        BODY,
    ],
)
def test_a_headline_naming_the_party_is_no_party_document(below: str) -> None:
    headline = Block("DIỄN VĂN KỶ NIỆM 95 NĂM NGÀY THÀNH LẬP ĐẢNG CỘNG SẢN VIỆT NAM", bold=True)
    doc = _doc(headline, below, BODY)
    assert (doc.issuer, doc.doc_number, doc.doc_type) == (None, None, None)
    assert "motto" not in [b.kind for b in doc.blocks]


def test_the_party_s_name_in_a_state_document_s_issuer_stays_there() -> None:
    header = _table(
        ("BÁO ĐIỆN TỬ ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"),
        ("Số: 12/TB-BĐT", "Hà Nội, ngày 05 tháng 12 năm 2025"),
    )
    doc = _doc(header, "THÔNG BÁO", BODY)
    assert doc.issuer == "BÁO ĐIỆN TỬ ĐẢNG CỘNG SẢN VIỆT NAM"
    assert ("motto", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc") in _kinds(doc)


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedDocument]:
    """Each corpus document parsed once (OCR of the scans is the slow part)."""
    return {}


def _parse(parsed: dict[str, ParsedDocument], relative: str) -> ParsedDocument:
    if relative.endswith(".doc"):
        require_soffice()
    if relative not in parsed:
        parsed[relative] = parse_document(corpus_path("public", *relative.split("/")).read_bytes())
    return parsed[relative]


def _value(doc: ParsedDocument, field: str) -> str | None:
    value = getattr(doc, field)
    return value.isoformat() if isinstance(value, date) else value


@pytest.mark.needs_tesseract
@pytest.mark.parametrize(("relative", "field"), [_exactly(r, f) for r in ADMIN for f in FIELDS])
def test_corpus_field_matches_its_truth_exactly(relative: str, field: str, parsed: dict[str, ParsedDocument]) -> None:
    """Every field as people read it, diacritics and all; the known OCR misses are expected to fail
    (strictly: once OCR reads one right, move it out of `known_ocr_misses`)."""
    assert _value(_parse(parsed, relative), field) == TRUTH[relative][field]


@pytest.mark.needs_tesseract
def test_a_gazette_stamp_is_kept_out_of_the_title_of_a_scan(parsed: dict[str, ParsedDocument]) -> None:
    doc = _parse(parsed, "vn-ocr-local-vbhc/2770 (08-CT-UBND)..signed_20250220_102437.pdf")
    subject = next(b.text for b in doc.blocks if b.kind == "subject")
    assert subject.endswith("tại tỉnh Quảng Ngãi") and doc.title == f"CHỈ THỊ {subject}"
    assert any("TIN HỌC O.NGAI" in b.text for b in doc.blocks if b.kind == "stamp")
    assert "TIN HỌC" not in doc.title


@pytest.mark.needs_tesseract
def test_lines_of_an_ocr_paragraph_are_joined_on_a_real_scan(parsed: dict[str, ParsedDocument]) -> None:
    doc = _parse(parsed, "vn-ocr-local-vbhc/2770 (08-CT-UBND)..signed_20250220_102437.pdf")
    texts = [b.text for b in doc.blocks]
    item = next(text for text in texts if text.startswith("a) Giao Sở Xây dựng"))
    assert item.endswith("Khu dân cư, Khu đô thị kết hợp thương mại và chỉnh trang đô thị.")
    assert not any(text.startswith(("dân cư, Khu đô thị", "khi được UBND tỉnh chấp thuận")) for text in texts)


@pytest.mark.needs_tesseract
@pytest.mark.parametrize(("relative", "field"), KNOWN_MISSES)
def test_a_known_ocr_miss_still_reads_as_recorded(relative: str, field: str, parsed: dict[str, ParsedDocument]) -> None:
    doc = _parse(parsed, relative)
    miss = _known_miss(relative, field)
    assert miss is not None and doc.extraction == "ocr"
    assert _value(doc, field) == miss["reads"]


@pytest.mark.needs_tesseract
@pytest.mark.parametrize("relative", ADMIN + SAMPLES)
def test_motto_is_one_block_of_its_own(relative: str, parsed: dict[str, ParsedDocument]) -> None:
    doc = _parse(parsed, relative)
    mottos = [b for b in doc.blocks if b.kind == "motto"]
    assert len(mottos) == 1
    assert all(_motto_parts(mottos[0].text))
    for block in doc.blocks:
        if block.kind != "motto":
            assert not any(_motto_parts(block.text)), block


def _motto_parts(text: str) -> list[bool]:
    """Whether the text holds the nation's name in capitals (as the motto prints it, not `nước Cộng hòa
    xã hội chủ nghĩa Việt Nam` in a sentence), and the slogan."""
    spaced = " ".join(text.split())
    folded = fold(spaced)
    nation = folded.find(MOTTO[0])
    return [nation >= 0 and spaced[nation : nation + len(MOTTO[0])].isupper(), MOTTO[1] in folded]


@pytest.mark.needs_tesseract
@pytest.mark.parametrize("relative", SAMPLES)
def test_a_sample_on_a_textbook_page(relative: str, parsed: dict[str, ParsedDocument]) -> None:
    doc = _parse(parsed, relative)
    truth = TRUTH[relative]
    assert (doc.doc_number, doc.doc_type, _value(doc, "published_date")) == (
        truth["doc_number"],
        truth["doc_type"],
        truth["published_date"],
    )
    assert doc.blocks[0].text == "TÌM HIỂU CHUNG VỀ VĂN BẢN HÀNH CHÍNH"  # the page's heading stays out of the issuer


@pytest.mark.slow
def test_a_run_writes_the_new_documents_columns_beside_files_written_without_them(tmp_path: Path) -> None:
    """Older files lack the four columns: DuckDB (by name) and compaction read them as nulls."""
    source, dest = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    pdf = "Tờ-trình-UBND-đổi-tên-Hội-Thiện-nguyện-Lan-tỏa-yêu-thương-Bình-Thuận-tỉnh-Lâm-Đồng.pdf"
    shutil.copy(corpus_path("seed", "seed.txt"), source / "seed.txt")
    assert run_cli(tmp_path, str(source), str(dest)).returncode == 0
    _drop_columns(dest / "documents", ["issuer", "doc_number", "doc_type", "signer"])
    shutil.copy(corpus_path("public", "vn-vbai-lamdong", pdf), source / pdf)
    assert run_cli(tmp_path, str(source), str(dest)).returncode == 0
    compacted = subprocess.run([str(REPORTFLOW), "compact", str(dest)], capture_output=True, text=True, check=False)
    assert compacted.returncode == 0, compacted.stderr
    found = {
        Path(r["source_uri"]).name: (r["issuer"], r["doc_number"], r["doc_type"], r["signer"], r["published_date"])
        for r in rows(dest, "documents")
    }
    assert found == {
        "seed.txt": (None, None, None, None, date(2017, 7, 17)),
        pdf: ("UBND TỈNH LÂM ĐỒNG SỞ NỘI VỤ", "156/TTr-SNV", "to_trinh", "Nguyễn Đức Vũ", date(2025, 8, 25)),
    }
    kinds = {r["kind"] for r in rows(dest, "paragraphs") if r["doc_id"] != _doc_id(dest, "seed.txt")}
    assert {"issuer", "motto", "doc_number", "place_date", "doc_type", "subject", "recipients"} <= kinds


def _drop_columns(folder: Path, names: list[str]) -> None:
    for part in folder.rglob("*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.drop_columns(names).replace_schema_metadata(table.schema.metadata), part)


def _doc_id(dest: Path, name: str) -> str:
    return next(str(r["doc_id"]) for r in rows(dest, "documents") if Path(r["source_uri"]).name == name)


@pytest.mark.parametrize(
    ("number_line", "doc_type"),
    [
        ("Số: 12/BC-UBND", "bao_cao"),
        ("Số: 30/2020/NĐ-CP", "nghi_dinh"),
        ("Số: 575/UBND-KTTH", "cong_van"),
        ("Số 15-NQ/TU", "nghi_quyet"),
        ("Số: 208-QĐi/TW", "quy_dinh"),
    ],
)
def test_without_a_type_line_the_symbol_names_the_type(number_line: str, doc_type: str) -> None:
    doc = _doc(" | ".join(WORD_HEADER.rows[0]), number_line, "Kính gửi: Sở Tài chính", BODY)
    assert doc.doc_type == doc_type
    assert doc.doc_number == number_line.removeprefix("Số").lstrip(": ")


def test_the_demo_s_official_letter(tmp_path: Path) -> None:
    """The sample `make demo` writes shows every part (samples/make_samples.py)."""
    script = Path(__file__).parents[1] / "samples" / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", script)
    assert spec is not None and spec.loader is not None
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    samples.official_letter(tmp_path / "letter.docx")
    doc = parse_document((tmp_path / "letter.docx").read_bytes())
    assert (doc.issuer, doc.doc_number, doc.doc_type, doc.signer, doc.published_date) == (
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG",
        "215/TTr-UBND",
        "to_trinh",
        "Nguyễn Văn An",
        date(2025, 11, 14),
    )
    kinds = ["issuer", "doc_number", "motto", "place_date", "doc_type", "subject", "addressee", "body"]
    assert [b.kind for b in doc.blocks] == [*kinds, "recipients", "signer_title", "signature"]


def test_text_without_spaces_in_the_top_block_is_read_quickly() -> None:
    """A text layer that lost its spaces: the place-and-date pattern must not backtrack into it."""
    long_run = "X" * 400 + ", ngày 5 tháng 3 năm 2018"
    with stop_if_hung(120):
        doc = _doc("ỦY BAN NHÂN DÂN " + "A" * 3000, "Số: 12/BC-UBND", long_run, "BÁO CÁO", BODY)
    assert doc.doc_number == "12/BC-UBND"


def test_every_word_of_the_top_block_stays_in_some_block() -> None:
    doc = _doc("QUỐC HỘI Luật số: 54/2014/QH13", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "LUẬT", "HẢI QUAN", BODY)
    assert doc.issuer == "QUỐC HỘI"
    assert ("body", "Luật") in _kinds(doc)
    assert (doc.doc_type, doc.title) == ("luat", "LUẬT HẢI QUAN")
