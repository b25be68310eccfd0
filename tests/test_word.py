import io
import zipfile
from pathlib import Path

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from lxml import etree

from reportflow.parsers import parse_document
from reportflow.parsers.formats.word import parse_docx
from reportflow.parsers.formats.word_xml import footnote_texts, paragraph_content
from reportflow.schemas import ParsedDocument, TooLargeError
from tests.helpers import docx_builder as build

LONG = "Đảng bộ đã lãnh đạo kịp thời cụ thể hóa các kế hoạch, triển khai các nghị quyết của Trung ương. " * 3


def _pairs(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks]


def test_styles_lists_tables_in_document_order() -> None:
    d = build.new_document()
    d.add_heading("Báo cáo tổng kết", level=0)
    d.add_paragraph("Ngày: 17.07.2017")
    d.add_heading("I. Kết quả", level=1)
    d.add_paragraph("Mục thứ nhất", style="List Bullet")
    d.add_paragraph("Mục thứ hai", style="List Number")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "gộp"
    table.cell(1, 2).add_table(rows=1, cols=2).rows[0].cells[1].text = "lồng"
    d.add_paragraph(LONG)
    doc = parse_document(build.save(d))
    assert _pairs(doc) == [
        ("title", "Báo cáo tổng kết"),
        ("dateline", "Ngày: 17.07.2017"),
        ("heading", "I. Kết quả"),
        ("list_item", "Mục thứ nhất"),
        ("list_item", "Mục thứ hai"),
        ("table", "gộp | r0c2 || r1c0 | r1c1 | r1c2 | lồng || r2c0 | r2c1 | r2c2"),
        ("body", LONG.strip()),
    ]
    assert doc.title == "Báo cáo tổng kết"
    # the nested table's cells go on in the row of the cell that holds it
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == (("gộp", "r0c2"), ("r1c0", "r1c1", "r1c2", "lồng"), ("r2c0", "r2c1", "r2c2"))


def test_a_cell_holding_the_separator_is_one_cell() -> None:
    d = build.new_document()
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Phòng A | Phòng B"
    table.cell(0, 1).text = "12"
    (block,) = parse_docx(build.save(d)).blocks
    assert (block.kind, block.text, block.rows) == ("table", "Phòng A | Phòng B | 12", (("Phòng A | Phòng B", "12"),))


def test_a_table_nested_with_rows_breaks_its_outer_row() -> None:
    d = build.new_document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "trước"
    inner = outer.cell(0, 0).add_table(rows=2, cols=2)
    for r, row in enumerate(inner.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"n{r}{c}"
    outer.cell(0, 0).add_paragraph("sau")
    outer.cell(0, 1).text = "phải"
    (block,) = parse_docx(build.save(d)).blocks
    assert block.rows == (("trước n00", "n01"), ("n10", "n11 sau", "phải"))
    assert block.text == "trước n00 | n01 || n10 | n11 sau | phải"


def test_headers_footers_deletions_are_not_body_text_and_a_text_box_follows_its_paragraph() -> None:
    d = build.new_document()
    d.sections[0].header.paragraphs[0].text = "ĐẦU TRANG"
    d.sections[0].footer.paragraphs[0].text = "Trang 1"
    paragraph = d.add_paragraph("Nội dung")
    build.append_tracked_insertion(paragraph, " được thêm")
    build.append_deletion(paragraph, " đã xoá")
    build.append_text_box(paragraph, "HỘP VĂN BẢN")
    d.add_paragraph("Đoạn sau")
    texts = [b.text for b in parse_docx(build.save(d)).blocks]
    assert texts == ["Nội dung được thêm", "HỘP VĂN BẢN", "Đoạn sau"]


def test_a_drawing_text_box_is_read_once_and_a_box_inside_it_after_its_text() -> None:
    d = build.new_document()
    build.append_drawing_text_box(d.add_paragraph(), "Ảnh: Hội nghị tổng kết", inner="Nguồn: Sở Nội vụ")
    d.add_paragraph("Trong năm 2025, Sở đã hoàn thành các nhiệm vụ được giao.")
    blocks = parse_docx(build.save(d)).blocks
    assert [b.text for b in blocks] == [
        "Ảnh: Hội nghị tổng kết",
        "Nguồn: Sở Nội vụ",
        "Trong năm 2025, Sở đã hoàn thành các nhiệm vụ được giao.",
    ]
    assert not blocks[2].after_picture  # a text box is no picture: the paragraph after it is no caption


def test_a_text_box_in_a_table_cell_stays_in_its_cell() -> None:
    d = build.new_document()
    cells = d.add_table(rows=1, cols=2).rows[0].cells
    cells[0].text = "Lĩnh vực"
    build.append_text_box(cells[1].paragraphs[0], "Ghi chú trong hộp")
    assert [b.text for b in parse_docx(build.save(d)).blocks] == ["Lĩnh vực | Ghi chú trong hộp"]


def test_line_breaks_tabs_and_empty_paragraphs() -> None:
    d = build.new_document()
    run = d.add_paragraph().add_run("dòng một")
    run.add_break()
    run.add_text("dòng\thai\u00a0 ba")
    d.add_paragraph("")
    d.add_paragraph("   \u00a0 ")
    build.append_content_control(d, "trong content control")
    assert [b.text for b in parse_docx(build.save(d)).blocks] == [
        "dòng một dòng hai ba",
        "trong content control",
    ]


def test_picture_caption_and_right_aligned_signature() -> None:
    d = build.new_document()
    d.add_heading("Tin hoạt động", level=0)
    d.add_paragraph(LONG)
    d.add_picture(io.BytesIO(build.tiny_png()))
    d.add_paragraph("Quang cảnh hội nghị")
    d.add_paragraph(LONG)
    signature = d.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.add_run("PV Minh Châu").bold = True
    doc = parse_document(build.save(d))
    assert [b.kind for b in doc.blocks] == ["title", "body", "caption", "body", "signature"]
    assert doc.author == "PV Minh Châu"


@pytest.mark.parametrize("anchored_in_the_picture_s_paragraph", [True, False])
def test_a_photo_caption_in_a_text_box(anchored_in_the_picture_s_paragraph: bool) -> None:
    d = build.new_document()
    d.add_heading("Tin hoạt động", level=0)
    d.add_paragraph(LONG)
    d.add_picture(io.BytesIO(build.tiny_png()))
    anchor = d.paragraphs[-1] if anchored_in_the_picture_s_paragraph else d.add_paragraph()
    build.append_drawing_text_box(anchor, "Quang cảnh hội nghị")
    d.add_paragraph(LONG)
    doc = parse_document(build.save(d))
    assert [(b.kind, b.text) for b in doc.blocks][1:3] == [("body", LONG.strip()), ("caption", "Quang cảnh hội nghị")]
    assert doc.blocks[3].kind == "body"


def test_bold_and_italic_come_from_styles_too() -> None:
    d = build.new_document()
    style = d.styles.add_style("Tên báo cáo", 1)
    style.font.bold = True
    style.font.size = Pt(16)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("BÁO CÁO", style=style)
    d.add_paragraph("Kết quả năm 2025", style=style)
    d.add_paragraph(LONG)
    doc = parse_document(build.save(d))
    assert doc.title == "BÁO CÁO Kết quả năm 2025"


def test_zip_bomb_docx_is_too_large_before_anything_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportflow.parsers.formats import word

    d = build.new_document()
    d.add_paragraph("Nội dung")
    buffer = io.BytesIO(build.save(d))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/bomb.bin", b"\0" * (8 * 1024 * 1024))
    monkeypatch.setattr(word, "MAX_PART_BYTES", 4 * 1024 * 1024)
    with pytest.raises(TooLargeError):
        parse_docx(buffer.getvalue())
    monkeypatch.setattr(word, "MAX_PART_BYTES", 16 * 1024 * 1024)
    monkeypatch.setattr(word, "MAX_PACKAGE_BYTES", 6 * 1024 * 1024)
    with pytest.raises(TooLargeError):
        parse_docx(buffer.getvalue())


def test_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    d = build.new_document()
    d.add_paragraph("Nội dung")
    source = io.BytesIO(build.save(d))
    target = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                doctype = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
                text = text.replace("?>", "?>" + doctype, 1).replace("Nội dung", "Nội dung &x;")
                data = text.encode()
            new.writestr(item, data)
    document = parse_docx(target.getvalue())
    assert [b.text for b in document.blocks] == ["Nội dung"]  # the entity reference gives nothing
    assert "TOP-SECRET" not in repr(document)


def test_strict_open_xml_reads_like_the_same_document_in_transitional_form() -> None:
    d = build.new_document()
    d.add_heading("Báo cáo tổng kết", level=0)
    d.add_heading("I. Kết quả", level=1)
    d.add_paragraph("Mục thứ nhất", style="List Bullet")
    left = d.add_paragraph(LONG)
    left.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Đất đai", "97%"
    signature = d.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.add_run("Nguyễn Văn An").bold = True
    transitional = build.save(d)
    strict = build.as_strict(transitional)
    body = zipfile.ZipFile(io.BytesIO(strict)).read("word/document.xml")
    assert b"purl.oclc.org/ooxml/wordprocessingml/main" in body and b'w:val="start"' in body
    assert parse_docx(strict).blocks == parse_docx(transitional).blocks


def test_start_and_end_alignment_that_newer_word_files_write() -> None:
    d = build.new_document()
    d.add_paragraph(LONG)
    signature = d.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.add_run("Nguyễn Văn An").bold = True
    data = build.with_replaced(build.save(d), b'w:val="right"', b'w:val="end"')
    assert [(b.kind, b.align) for b in parse_document(data).blocks] == [("body", None), ("signature", "right")]


def test_a_text_box_in_a_footnote_is_read_once() -> None:
    box = build.drawing_text_box("<w:p><w:r><w:t>HỘP</w:t></w:r></w:p>")
    root = etree.fromstring(
        f'<w:footnotes {build.W_NS}><w:footnote w:id="1"><w:p><w:r><w:t>Ghi chú</w:t></w:r>{box}</w:p></w:footnote>'
        "</w:footnotes>"
    )
    assert footnote_texts(root) == {"1": "Ghi chú HỘP"}


def test_a_footnote_cited_in_a_text_box_belongs_to_the_box_s_paragraph() -> None:
    cited = '<w:p><w:r><w:t>Hộp</w:t></w:r><w:r><w:footnoteReference w:id="7"/></w:r></w:p>'
    anchor = etree.fromstring(f"<w:p {build.W_NS}><w:r><w:t>Đoạn</w:t></w:r>{build.drawing_text_box(cited)}</w:p>")
    content = paragraph_content(anchor)
    assert content.footnote_ids == []
    assert [paragraph_content(p).footnote_ids for box in content.boxes for p in box] == [["7"]]
