"""Word documents typed in TCVN3 (.VnTime) and VNI fonts come out as the Unicode text they show."""

import unicodedata

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from reportflow.parsers import parse_document
from reportflow.parsers.formats.word import parse_docx
from reportflow.parsers.text import normalize_text
from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, VNI, encode
from tests.helpers import docx_builder as build
from tests.helpers.legacy_fonts import SOURCE, legacy_font_docx


def test_tcvn3_vntime_document_gives_its_unicode_source() -> None:
    assert [b.text for b in parse_docx(legacy_font_docx(TCVN3)).blocks] == [normalize_text(s) for s in SOURCE]


def test_vni_document_gives_its_unicode_source() -> None:
    assert [b.text for b in parse_docx(legacy_font_docx(VNI)).blocks] == [normalize_text(s) for s in SOURCE]


def test_structure_reads_the_decoded_text() -> None:
    doc = parse_document(legacy_font_docx(TCVN3))
    assert doc.published_date is not None and doc.published_date.isoformat() == "2018-03-05"


def test_font_inherited_from_paragraph_style_and_document_defaults() -> None:
    d = build.new_document()
    style = d.styles.add_style("VnBody", 1)  # WD_STYLE_TYPE.PARAGRAPH
    style.font.name = ".VnTime"
    d.add_paragraph(encode("Báo cáo tổng kết", TCVN3), style="VnBody")
    d.add_paragraph("Tiếng Việt Unicode giữ nguyên")
    assert [b.text for b in parse_docx(build.save(d)).blocks] == ["Báo cáo tổng kết", "Tiếng Việt Unicode giữ nguyên"]

    d = build.new_document()
    defaults = d.styles.element.find(f"{{{d.styles.element.nsmap['w']}}}docDefaults")
    defaults.getparent().remove(defaults)
    d.styles.element.insert(
        0,
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
            '<w:rFonts w:ascii="VNI-Times" w:hAnsi="VNI-Times"/></w:rPr></w:rPrDefault></w:docDefaults>'
        ),
    )
    normal = d.styles["Normal"].element.find(f"{{{d.styles.element.nsmap['w']}}}rPr")
    if normal is not None:
        normal.getparent().remove(normal)
    d.add_paragraph(encode("Nước người đánh giá", VNI))
    assert [b.text for b in parse_docx(build.save(d)).blocks] == ["Nước người đánh giá"]


def test_character_style_font() -> None:
    d = build.new_document()
    style = d.styles.add_style("VnChar", 2)  # WD_STYLE_TYPE.CHARACTER
    style.font.name = ".VnArialH"
    d.add_paragraph().add_run(encode("đơn vị", TCVN3), style="VnChar")
    assert [b.text for b in parse_docx(build.save(d)).blocks] == ["ĐƠN VỊ"]


def test_lost_font_decoded_only_when_sure() -> None:
    body = "Đảng bộ đã lãnh đạo kịp thời cụ thể hóa các kế hoạch, triển khai các nghị quyết của Trung ương."
    d = build.new_document()
    d.add_paragraph(encode(body, TCVN3)).runs[0].font.name = "Times New Roman"
    d.add_paragraph("Le président a déclaré à la presse")  # Latin-1 text in another paragraph: untouched too
    texts = [b.text for b in parse_docx(build.save(d)).blocks]
    assert texts == [body, "Le président a déclaré à la presse"]


def test_french_and_unicode_vietnamese_are_left_alone() -> None:
    d = build.new_document()
    d.add_paragraph("Le président a déclaré à la presse que la réforme était prête et que les élèves déjà inscrits.")
    d.add_paragraph("Đảng bộ đã lãnh đạo kịp thời cụ thể hóa các kế hoạch.")
    texts = [b.text for b in parse_docx(build.save(d)).blocks]
    assert texts[0].startswith("Le président") and texts[1].startswith("Đảng bộ")


def test_decomposed_unicode_is_stored_composed() -> None:
    d = build.new_document()
    d.add_paragraph(unicodedata.normalize("NFD", "Việt Nam hoà bình"))
    assert parse_docx(build.save(d)).blocks[0].text == unicodedata.normalize("NFC", "Việt Nam hoà bình")
