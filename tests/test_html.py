"""HTML, Word web pages and MHTML: blocks from the markup, never the markup as text, whatever the name."""

from __future__ import annotations

import codecs
import re
import unicodedata
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from reportflow.parsers import parse_document
from reportflow.parsers.detect import detect_format
from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, encode
from reportflow.schemas import CorruptFileError, NoTextError, ParsedDocument
from tests.helpers.corpus import REPO, corpus_path
from tests.helpers.office import convert

# What Word 2007 writes for "Save as Web Page, Filtered" (trimmed): its XML in conditional comments,
# `<o:p>`, Mso classes, a bulleted list whose bullets sit in `<![if !supportLists]>`.
WORD_WEB_PAGE = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=Generator content="Microsoft Word 12 (filtered)">
<title>Microsoft Word - baocao.doc</title>
<!--[if gte mso 9]><xml>
 <w:WordDocument><w:View>Normal</w:View></w:WordDocument>
</xml><![endif]-->
<style>
<!--
 p.MsoNormal, li.MsoNormal {margin:0cm; font-size:12.0pt; font-family:"Times New Roman";}
-->
</style>
<script>document.write("never text")</script>
</head>
<body lang=VI>
<div class=WordSection1>
<p class=MsoTitle align=center style='text-align:center'><b><span lang=VI>BÁO CÁO TỔNG KẾT<o:p></o:p></span></b></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<h1><span lang=VI>1. Kết quả thực hiện</span></h1>
<p class=MsoNormal style='text-align:justify'><span lang=VI>Năm 2024, tỉnh đã hoàn thành
các chỉ tiêu chủ yếu.<a href="#_ftn1"
name="_ftnref1" title=""><span class=MsoFootnoteReference>[1]</span></a><o:p></o:p></span></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span></span><![endif]><span lang=VI>Tăng trưởng kinh tế đạt 7,2%.<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>·</span></span><![endif]><span
lang=VI>Thu ngân sách vượt dự toán.</span></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>
 <tr><td><p class=MsoNormal><b>Chỉ tiêu</b></p></td><td><p class=MsoNormal><b>Kết quả</b></p></td></tr>
 <tr><td><p class=MsoNormal>GRDP</p></td><td><p class=MsoNormal>7,2%</p></td></tr>
</table>
<p class=MsoNormal align=center style='text-align:center'><![if !vml]><img width=20 height=20
src="anh.png"><![endif]></p>
<p class=MsoCaption>Ảnh: Lễ tổng kết năm 2024</p>
<p class=MsoNormal align=right style='text-align:right'><i>Nguyễn Văn An</i></p>
</div>
<div style='mso-element:footnote-list'><br clear=all><hr align=left size=1 width="33%">
<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a href="#_ftnref1" name="_ftn1" title=""><span
class=MsoFootnoteReference>[1]</span></a> Theo số liệu của Cục Thống kê.</p></div></div>
</body>
</html>
"""

WORD_WEB_PAGE_BLOCKS = [
    ("title", "BÁO CÁO TỔNG KẾT", "center", True),
    ("heading", "1. Kết quả thực hiện", None, True),
    ("body", "Năm 2024, tỉnh đã hoàn thành các chỉ tiêu chủ yếu.", "justify", False),
    ("footnote", "Theo số liệu của Cục Thống kê.", None, False),
    ("list_item", "Tăng trưởng kinh tế đạt 7,2%.", None, False),
    ("list_item", "Thu ngân sách vượt dự toán.", None, False),
    ("table", "Chỉ tiêu | Kết quả || GRDP | 7,2%", None, False),
    ("caption", "Ảnh: Lễ tổng kết năm 2024", None, False),
    ("signature", "Nguyễn Văn An", "right", False),
]

ARTICLE = [
    "Sáng 12/3, Sở Thông tin và Truyền thông tổ chức lớp tập huấn chuyển đổi số cho cán bộ cấp xã, "
    "với hơn 200 học viên đến từ các huyện, thị xã và thành phố trong tỉnh tham dự trực tiếp.",
    "Tại lớp học, các học viên được hướng dẫn sử dụng hệ thống quản lý văn bản, chữ ký số và các "
    "dịch vụ công trực tuyến mức độ toàn trình, cùng những kỹ năng bảo đảm an toàn thông tin.",
]
TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")


def _kinds(doc: ParsedDocument) -> list[tuple[str, str, str | None, bool]]:
    return [(b.kind, b.text, b.align, b.bold) for b in doc.blocks]


def _mhtml(html: str, charset: str, encoding: str) -> bytes:
    message = MIMEMultipart("related", type="text/html")
    part = MIMEText("", "html", charset)
    part.replace_header("Content-Transfer-Encoding", encoding)
    raw = html.encode(charset)
    part.set_payload(
        codecs.encode(raw, "base64").decode("ascii")
        if encoding == "base64"
        else codecs.encode(raw, "quopri").decode("ascii")
    )
    message.attach(part)
    message.attach(MIMEText("p { color: red }", "css"))
    return message.as_bytes()


def test_word_web_page_gives_its_paragraphs_headings_list_table_caption() -> None:
    doc = parse_document(WORD_WEB_PAGE.encode())
    assert doc.source_format == "html"
    assert _kinds(doc) == WORD_WEB_PAGE_BLOCKS
    assert doc.title == "BÁO CÁO TỔNG KẾT"


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
def test_mhtml_reads_its_html_part(encoding: str) -> None:
    data = _mhtml(WORD_WEB_PAGE, "utf-8", encoding)
    assert detect_format(data) == "mhtml"
    doc = parse_document(data)
    assert (doc.source_format, _kinds(doc)) == ("html", WORD_WEB_PAGE_BLOCKS)


def test_mhtml_part_in_its_declared_legacy_charset() -> None:
    page = "<html><body><p>Café crème brûlée à la française, s'il vous plaît.</p></body></html>"
    doc = parse_document(_mhtml(page, "windows-1252", "quoted-printable"))
    assert [b.text for b in doc.blocks] == ["Café crème brûlée à la française, s'il vous plaît."]


@pytest.mark.parametrize(
    "prefix",
    ["", '<?xml version="1.0" encoding="utf-8"?>\n', "\ufeff", "<!-- saved from url=(0014)about:internet -->\n"],
)
def test_markup_is_detected_from_the_bytes_whatever_comes_first(prefix: str) -> None:
    assert detect_format((prefix + WORD_WEB_PAGE).encode()) == "html"


def test_charset_from_meta_and_from_bom() -> None:
    page = '<html><head><meta charset="windows-1258"></head><body><p>{}</p></body></html>'
    decomposed = unicodedata.normalize("NFD", "Hòa bình")  # how windows-1258 spells tones: combining marks
    assert [b.text for b in parse_document(page.format(decomposed).encode("cp1258")).blocks] == ["Hòa bình"]
    utf16 = codecs.BOM_UTF16_LE + "<html><body><p>Việt Nam</p></body></html>".encode("utf-16-le")
    assert [b.text for b in parse_document(utf16).blocks] == ["Việt Nam"]


def test_scripts_styles_comments_navigation_and_hidden_text_never_become_text() -> None:
    page = """<!DOCTYPE html><html><head><title>Trang tin</title><style>p{}</style></head><body>
    <nav><a href="/">Trang chủ</a> | <a href="/tin">Tin tức</a></nav>
    <div role="navigation">Menu</div>
    <script>var x = "<p>chữ ẩn</p>";</script><noscript>Bật JavaScript</noscript>
    <!-- ghi chú --><p style="display:none">Ẩn</p><p hidden>Cũng ẩn</p>
    <article><h2>Tin mới</h2><p>Nội dung <b>chính</b> của bài<br>viết.</p></article>
    </body></html>"""
    doc = parse_document(page.encode())
    assert [(b.kind, b.text) for b in doc.blocks] == [("title", "Tin mới"), ("body", "Nội dung chính của bài viết.")]


def test_layout_table_is_read_as_paragraphs_and_data_table_stays_one_block() -> None:
    cells = "".join(f"<p>{text}</p>" for text in ARTICLE)
    page = (
        f"<html><body><table><tr><td><h2>Tập huấn chuyển đổi số</h2>{cells}</td></tr></table>"
        "<table><tr><th>Huyện</th><th>Học viên</th></tr><tr><td>Phú Ninh</td><td>40</td></tr></table></body></html>"
    )
    doc = parse_document(page.encode())
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("title", "Tập huấn chuyển đổi số"),
        ("body", ARTICLE[0]),
        ("body", ARTICLE[1]),
        ("table", "Huyện | Học viên || Phú Ninh | 40"),
    ]


def test_tcvn3_font_in_a_word_web_page_is_decoded() -> None:
    text = "Cộng hòa xã hội chủ nghĩa Việt Nam"
    span = f"<span style='font-family:\".VnTime\"'>{encode(text, TCVN3)}</span>"
    page = f"<html><head><meta charset=windows-1252></head><body><p>{span}</p></body></html>"
    assert [b.text for b in parse_document(page.encode("latin-1")).blocks] == [text]


@pytest.mark.parametrize("page", [b"<html><head><title>x</title></head><body>  </body></html>", b"<html></html>"])
def test_page_without_text_is_no_text(page: bytes) -> None:
    with pytest.raises(NoTextError):
        parse_document(page)


def _text_like_samples() -> dict[str, bytes]:
    samples = {p.name: p.read_bytes() for p in sorted((REPO / "samples" / "reports").iterdir()) if p.is_file()}
    samples["seed.txt"] = corpus_path("seed", "seed.txt").read_bytes()
    samples["word-web-page.doc"] = WORD_WEB_PAGE.encode()
    samples["word-web-page.pdf"] = ('<?xml version="1.0"?>\n' + WORD_WEB_PAGE).encode()
    samples["word-web-page.mht"] = _mhtml(WORD_WEB_PAGE, "utf-8", "quoted-printable")
    samples["fragment.txt"] = b"<div><p>Only a fragment</p><p>of a page.</p></div>"
    samples["xhtml.xhtml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b"<head><title>t</title></head><body><p>XHTML paragraph.</p></body></html>"
    )
    return samples


def test_no_text_like_sample_lands_markup_as_a_paragraph() -> None:
    for name, data in _text_like_samples().items():
        doc = parse_document(data)
        tagged = [b.text for b in doc.blocks if TAG.search(b.text)]
        assert not tagged, f"{name}: {tagged[:3]}"
        assert doc.blocks, name


def test_a_text_file_that_only_mentions_a_tag_stays_text() -> None:
    data = "Báo cáo về trang web\nThẻ <p> mở một đoạn văn.".encode()
    assert detect_format(data) == "txt"


def test_a_cell_spanning_rows_leaves_an_empty_cell_below_as_word_does() -> None:
    page = (
        "<table><tr><td rowspan=2>STT</td><td colspan=2>Kết quả</td></tr>"
        "<tr><td>Đơn vị</td><td>Số liệu</td></tr><tr><td>1</td><td>xã</td><td>12</td></tr></table>"
    )
    assert [b.text for b in parse_document(page.encode()).blocks] == [
        "STT | Kết quả || | Đơn vị | Số liệu || 1 | xã | 12"
    ]


def test_mime_web_archive_without_an_html_part_is_corrupt() -> None:
    message = MIMEMultipart("related")
    message.attach(MIMEText("p { color: red }", "css"))
    with pytest.raises(CorruptFileError, match="no HTML part"):
        parse_document(message.as_bytes())


@pytest.mark.needs_soffice
@pytest.mark.parametrize("target", ["html", "xhtml"])
def test_a_report_saved_as_a_web_page_gives_the_blocks_of_the_word_file(target: str, tmp_path: Path) -> None:
    """Footnotes placed after the paragraph citing them, cells spanning rows, the administrative layout."""
    docx = corpus_path("public", "vn-vbai-lamdong", "BAO CAO CCHC NAM 2025.docx").read_bytes()
    from_docx, from_page = parse_document(docx), parse_document(convert(docx, target, tmp_path))
    assert from_page.source_format == "html"
    assert [(b.kind, b.text) for b in from_page.blocks] == [(b.kind, b.text) for b in from_docx.blocks]
    assert (from_page.title, from_page.doc_number, from_page.signer) == (
        from_docx.title,
        from_docx.doc_number,
        from_docx.signer,
    )


def test_filtered_word_page_lists_lose_their_typed_bullets_and_numbers() -> None:
    gap = "<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp; </span>"
    page = (
        "<html><head><meta name=Generator content='Microsoft Word 15 (filtered)'></head><body>"
        f"<p class=MsoListParagraphCxSpFirst><span style='font-family:Symbol'>·{gap}</span>Điểm thứ nhất</p>"
        f"<p class=MsoNormal style='margin-left:.5in;text-indent:-.25in'>2.{gap}Điểm thứ hai</p>"
        "<p class=MsoNormal>Đoạn văn thường.</p></body></html>"
    )
    assert [(b.kind, b.text) for b in parse_document(page.encode()).blocks] == [
        ("list_item", "Điểm thứ nhất"),
        ("list_item", "Điểm thứ hai"),
        ("body", "Đoạn văn thường."),
    ]
