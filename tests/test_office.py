"""Office files beyond `.docx` and `.doc`: RTF, ODT and other LibreOffice formats, Word's macro-enabled
and template packagings, layout tables, spreadsheets refused. RTF and ODT are made from seed.docx by
LibreOffice in the test."""

from __future__ import annotations

import io
import zipfile

import pytest

from reportflow.parsers import parse_document
from reportflow.parsers.detect import OLE_SIGNATURE, detect_format
from reportflow.parsers.formats.word_package import OTHER_MAINS
from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, encode
from reportflow.schemas import ParsedDocument, UnsupportedFormatError
from tests.helpers import docx_builder as build
from tests.helpers.corpus import corpus_path
from tests.helpers.office import convert
from tests.helpers.system import require_soffice

needs_libreoffice = pytest.mark.needs_soffice

ARTICLE = [
    "Sáng 12/3, Sở Thông tin và Truyền thông tổ chức lớp tập huấn chuyển đổi số cho cán bộ cấp xã, "
    "với hơn 200 học viên đến từ các huyện, thị xã và thành phố trong tỉnh tham dự trực tiếp.",
    "Tại lớp học, các học viên được hướng dẫn sử dụng hệ thống quản lý văn bản, chữ ký số và các "
    "dịch vụ công trực tuyến mức độ toàn trình, cùng những kỹ năng bảo đảm an toàn thông tin.",
    "Kết thúc khóa học, 100% học viên đạt yêu cầu và được cấp giấy chứng nhận hoàn thành.",
]
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _blocks(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seed_as(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    require_soffice()
    seed = corpus_path("seed", "seed.docx").read_bytes()
    return {target: convert(seed, target, tmp_path_factory.mktemp(target)) for target in ("rtf", "odt", "fodt")}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "odt"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.text-template", "content.xml": b"<x/>"}), "odt"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}), "ods"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), "xlsx"),
        (OLE_SIGNATURE + b"\x00" * 100 + "Workbook".encode("utf-16-le") + b"\x00\x00", "xls"),
        (OLE_SIGNATURE + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00\x00", "doc"),
        (OLE_SIGNATURE + b"\x00" * 100 + "CONTENTS".encode("utf-16-le") + b"\x00\x00", "wps"),
        (b"\xffWPC\x10\x00\x00\x00\x01\x0a" + b"\x00" * 50, "wpd"),
        (b'<?xml version="1.0"?>\n<office:document office:mimetype="application/vnd.oasis.opendocument.text">', "fodt"),
    ],
)
def test_office_formats_from_the_bytes(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), r"Spreadsheets \(Excel \.xlsx\)"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), r"Spreadsheets \(OpenDocument"),
        (OLE_SIGNATURE + b"\x00" * 100 + "Workbook".encode("utf-16-le") + b"\x00\x00", r"Excel 97-2003"),
    ],
)
def test_spreadsheets_stay_unsupported_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=reason):
        parse_document(data)


@needs_libreoffice
@pytest.mark.parametrize("target", ["rtf", "odt", "fodt"])
def test_seed_saved_as_rtf_or_odt_gives_the_blocks_of_seed_docx(seed_as: dict[str, bytes], target: str) -> None:
    from_docx = parse_document(corpus_path("seed", "seed.docx").read_bytes())
    doc = parse_document(seed_as[target])
    assert doc.source_format == target
    assert _blocks(doc) == _blocks(from_docx)
    assert (doc.title, doc.published_date, doc.author) == (from_docx.title, from_docx.published_date, from_docx.author)


@needs_libreoffice
def test_rtf_with_a_tcvn3_font_table_is_decoded() -> None:
    text = "Cộng hòa xã hội chủ nghĩa Việt Nam"
    escaped = "".join(f"\\'{ord(c):02x}" if ord(c) > 127 else c for c in encode(text, TCVN3))
    rtf = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil .VnTime;}}\\f0\\fs26 " + escaped + "\\par}"
    doc = parse_document(rtf.encode("ascii"))
    assert (doc.source_format, [b.text for b in doc.blocks]) == ("rtf", [text])


@pytest.mark.parametrize("main", OTHER_MAINS)
def test_macro_enabled_and_template_packagings_read_as_word(main: bytes) -> None:
    d = build.new_document()
    d.add_heading("Báo cáo quý", level=1)
    d.add_paragraph("Nội dung của báo cáo.")
    docx = build.save(d)
    other = build.with_replaced(docx, DOCX_MAIN, main)
    assert main in zipfile.ZipFile(io.BytesIO(other)).read("[Content_Types].xml")
    assert (
        _blocks(parse_document(other))
        == _blocks(parse_document(docx))
        == [
            ("title", "Báo cáo quý"),
            ("body", "Nội dung của báo cáo."),
        ]
    )


def test_one_cell_layout_table_is_read_as_its_paragraphs() -> None:
    d = build.new_document()
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    cell.paragraphs[0].text = "Tập huấn chuyển đổi số cho cán bộ cấp xã"
    for text in ARTICLE:
        cell.add_paragraph(text)
    doc = parse_document(build.save(d))
    assert _blocks(doc) == [("title", "Tập huấn chuyển đổi số cho cán bộ cấp xã"), *(("body", t) for t in ARTICLE)]


def test_prose_beside_a_narrow_column_is_read_cell_by_cell() -> None:
    d = build.new_document()
    row = d.add_table(rows=1, cols=2).rows[0]
    row.cells[0].paragraphs[0].text = "Tin ảnh"
    row.cells[1].paragraphs[0].text = ARTICLE[0]
    row.cells[1].add_paragraph(ARTICLE[1])
    assert [b.text for b in parse_document(build.save(d)).blocks] == ["Tin ảnh", ARTICLE[0], ARTICLE[1]]


def test_data_table_stays_one_table_block() -> None:
    d = build.new_document()
    d.add_paragraph("Kết quả tập huấn theo huyện")
    table = d.add_table(rows=3, cols=2)
    for r, (name, count) in enumerate([("Huyện", "Học viên"), ("Phú Ninh", "40"), ("Núi Thành", "52")]):
        table.cell(r, 0).text, table.cell(r, 1).text = name, count
    assert _blocks(parse_document(build.save(d)))[-1] == (
        "table",
        "Huyện | Học viên || Phú Ninh | 40 || Núi Thành | 52",
    )


def test_two_column_table_with_long_cells_in_many_rows_stays_data() -> None:
    d = build.new_document()
    table = d.add_table(rows=4, cols=2)
    for r in range(4):
        table.cell(r, 0).text = f"Nhiệm vụ {r + 1}"
        table.cell(r, 1).paragraphs[0].text = ARTICLE[0]
        table.cell(r, 1).add_paragraph(ARTICLE[1])
    assert [b.kind for b in parse_document(build.save(d)).blocks] == ["table"]
