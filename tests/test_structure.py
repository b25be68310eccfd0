from datetime import date

from reportflow.parsers.layout.structure import apply_structure
from reportflow.schemas import Block, ParsedDocument

LONG = "Đảng bộ đã lãnh đạo kịp thời cụ thể hóa các kế hoạch, triển khai các nghị quyết. " * 4


def _plain(*texts: str) -> ParsedDocument:
    return ParsedDocument("txt", "native", tuple(Block(t) for t in texts))


def _kinds(doc: ParsedDocument) -> list[str]:
    return [b.kind for b in doc.blocks]


def test_news_report_shape() -> None:
    doc = apply_structure(_plain("Hội nghị sơ kết năm 2017", "Ngày: 17.07.2017", LONG, "Lâm Văn Ảnh"))
    assert _kinds(doc) == ["title", "dateline", "body", "signature"]
    assert (doc.title, doc.published_date, doc.author) == (
        "Hội nghị sơ kết năm 2017",
        date(2017, 7, 17),
        "Lâm Văn Ảnh",
    )
    assert doc.language == "vi"


def test_date_inside_body_is_no_publication_date() -> None:
    doc = apply_structure(_plain("Tiêu đề", "Ngày 11 tháng 7 năm 2017, Đảng bộ tổ chức hội nghị.", LONG))
    assert doc.published_date is None
    assert "dateline" not in _kinds(doc)


def test_sentence_at_the_end_is_no_signature() -> None:
    doc = apply_structure(_plain("Tiêu đề", LONG, "Xin trân trọng cảm ơn."))
    assert doc.author is None
    assert _kinds(doc)[-1] == "body"


def test_author_label_is_stripped() -> None:
    doc = apply_structure(_plain("Tiêu đề", LONG, "Tác giả: Nguyễn Văn A"))
    assert doc.author == "Nguyễn Văn A"


def test_plain_text_short_line_between_paragraphs() -> None:
    doc = apply_structure(
        _plain("Tiêu đề", LONG, "Đồng chí Sơn phát biểu tại hội nghị.", LONG, "Kết quả đạt được", LONG)
    )
    assert _kinds(doc) == ["title", "body", "caption", "body", "heading", "body"]


def test_styled_documents_need_a_cue_for_captions() -> None:
    blocks = (Block("Title", kind="title"), Block(LONG), Block("A short line."), Block(LONG))
    doc = apply_structure(ParsedDocument("docx", "native", blocks, has_style_cues=True))
    assert _kinds(doc) == ["title", "body", "body", "body"]
    with_picture = (*blocks[:2], Block("A short line.", after_picture=True), blocks[3])
    doc = apply_structure(ParsedDocument("docx", "native", with_picture, has_style_cues=True))
    assert _kinds(doc) == ["title", "body", "caption", "body"]


def test_centred_bold_lines_make_the_title() -> None:
    blocks = (
        Block("CÔNG TY CỔ PHẦN ABC | Số liệu quý III", kind="table"),
        Block("BÁO CÁO", align="center", bold=True),
        Block("Công tác cải cách hành chính năm 2025", align="center", bold=True),
        Block(LONG, align="justify"),
    )
    doc = apply_structure(ParsedDocument("docx", "native", blocks, has_style_cues=True))
    assert doc.title == "BÁO CÁO Công tác cải cách hành chính năm 2025"
    assert _kinds(doc) == ["table", "title", "title", "body"]


def test_right_aligned_short_line_is_signature() -> None:
    blocks = (Block("Title", kind="title"), Block(LONG), Block("PV Thanh Hà", align="right", bold=True))
    doc = apply_structure(ParsedDocument("docx", "native", blocks, has_style_cues=True))
    assert doc.author == "PV Thanh Hà"
