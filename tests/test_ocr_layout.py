"""Page layout of scans: running headers of OCR'd pages compared loosely, also on two pages; specks dropped."""

from __future__ import annotations

import pytest

from reportflow.parsers.layout.lines import Line, PageLayout
from reportflow.parsers.layout.paragraphs import page_blocks
from reportflow.parsers.layout.reading_order import xy_order
from reportflow.parsers.ocr.tesseract import (
    _corrected,
    _is_speck_line,
    _is_vietnamese,
    _without_specks,
    _without_stray_periods,
)
from reportflow.parsers.vietnamese.admin import _as_stamp
from reportflow.schemas import Block

BODY = "Thực hiện Công văn số 4625/BNV-CCHC ngày 02/7/2025 của Bộ Nội vụ, Ủy ban nhân dân tỉnh báo cáo như sau."


def _page(number: int, header: str, ocr: bool) -> PageLayout:
    lines = [Line(header, 72, 400, 40, 52, 10, confidence=90.0 if ocr else None)]
    lines += [Line(BODY, 72, 520, 200 + 14 * i, 212 + 14 * i, 12, confidence=90.0 if ocr else None) for i in range(3)]
    return PageLayout(number, 595, 842, lines, [], read_by_ocr=ocr)


def _texts(pages: list[PageLayout]) -> str:
    return " ".join(block.text for block in page_blocks(pages))


def test_a_running_header_ocr_read_differently_on_two_pages_is_dropped() -> None:
    pages = [
        _page(1, "CÔNG BÁO/Số 685 + 686/Ngày 17-7-2014", True),
        _page(2, "côNG Báo/Số 687 + 688/Ngay 17-7-2014", True),
    ]
    assert "BÁO" not in _texts(pages) and "Báo" not in _texts(pages)


def test_a_two_page_text_layer_keeps_its_top_lines() -> None:
    pages = [_page(1, "CÔNG BÁO/Số 685", False), _page(2, "CÔNG BÁO/Số 686", False)]
    assert "CÔNG BÁO/Số 685" in _texts(pages)


def test_different_top_lines_of_two_scanned_pages_stay() -> None:
    pages = [_page(1, "ỦY BAN NHÂN DÂN TỈNH", True), _page(2, "Điều 2. Tổ chức thực hiện", True)]
    assert "ỦY BAN NHÂN DÂN TỈNH" in _texts(pages) and "Điều 2" in _texts(pages)


@pytest.mark.parametrize(("text", "confidence"), [("^", 90.0), ("~.", 90.0), ("ee", 40.0), ("tA", 59.0), ("a", 50.0)])
def test_specks_are_no_lines(text: str, confidence: float) -> None:
    assert _is_speck_line(Line(text, 0, 10, 0, 10, 10, confidence=confidence))


@pytest.mark.parametrize(
    ("text", "confidence"), [("2", 40.0), ("Ở", 95.0), ("ma", 92.0), ("Số:", 40.0), ("Lưu: VT", 40.0)]
)
def test_short_lines_read_well_or_with_numbers_stay(text: str, confidence: float) -> None:
    assert not _is_speck_line(Line(text, 0, 10, 0, 10, 10, confidence=confidence))


def test_a_speck_read_as_a_full_stop_at_a_line_end_goes() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    rows = [((0.0, 10.0), [("thực", box, 90.0), ("hiện", box, 90.0), ("hoàn.", box, 96.0)])]
    rows += [((0.0, 30.0), [("thành", box, 90.0), ("năm.", box, 90.0), ("Đảng", box, 90.0), ("v.v.", box, 90.0)])]
    rows += [((0.0, 50.0), [("các", box, 90.0)])]
    words = [text for _, row in _without_stray_periods(rows, set()) for text, _, _ in row]
    assert words == ["thực", "hiện", "hoàn", "thành", "năm.", "Đảng", "v.v.", "các"]


def test_a_full_stop_inside_a_line_goes_only_when_it_is_in_doubt() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    row = [("các", box, 97.0), ("huyện.", box, 97.0), ("thành", box, 97.0), ("trở", box, 97.0)]
    row += [("lên.", box, 97.0), ("tiếp", box, 97.0), ("tục", box, 97.0)]
    kept = _without_stray_periods([((0.0, 10.0), row)], {(0, 1)})
    assert [text for text, _, _ in kept[0][1]] == ["các", "huyện", "thành", "trở", "lên.", "tiếp", "tục"]


@pytest.mark.parametrize("text", ["ĐẾN", "DEN", "CÔNG VĂN ĐẾN Số: 12", "FBUNG-TÂM CÔNG BAO & TIN HỌC O.NGAI"])
def test_receipt_and_gazette_stamps_read_by_ocr_are_stamps(text: str) -> None:
    assert _as_stamp(Block(text, ocr_confidence=90.0)).kind == "stamp"
    assert _as_stamp(Block(text)).kind == "body"  # a text layer's words are the document's


@pytest.mark.parametrize("text", ["Đến nay, các cấp đã triển khai", "Denmark"])
def test_words_like_a_stamp_s_stay_body(text: str) -> None:
    assert _as_stamp(Block(text, ocr_confidence=90.0)).kind == "body"


def test_words_are_corrected_only_on_a_vietnamese_page() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    english = ["it", "was", "up", "to", "us", "at", "the", "end", "not", "yet"]
    vietnamese = ["Quyết", "định", "về", "việc", "thành", "lập", "Ban", "chỉ", "đạo", "tac"]
    assert not _is_vietnamese(english) and _is_vietnamese(vietnamese)
    assert [_corrected((w, box, 90.0), [], False)[0] for w in english] == english
    assert _corrected(("tac", box, 90.0), [], True)[0] == "tác"
    assert _corrected(("où", box, 90.0), [["o", "c"], ["ù"]], False)[0] == "où"  # French


def _ocr_page(rows: list[tuple[float, float, float, str]]) -> PageLayout:
    """An OCR'd page from (x0, x1, box size, text) rows set at the usual line pitch of 16 points."""
    lines = [
        Line(text, x0, x1, 100 + 16 * i - 0.95 * box, 100 + 16 * i + 0.25 * box, box, confidence=95.0)
        for i, (x0, x1, box, text) in enumerate(rows)
    ]
    return PageLayout(1, 595, 842, xy_order(lines), [], read_by_ocr=True)


def _blocks(rows: list[tuple[float, float, float, str]]) -> list[str]:
    return [block.text for block in page_blocks([_ocr_page(rows)])]


def test_an_ocr_paragraph_with_ragged_boxes_is_one_paragraph() -> None:
    rows = [
        (119.3, 527.3, 13.8, "3. Ủy ban nhân dân các huyện tích cực hỗ trợ Nhà đầu tư trong việc thực"),
        (85.0, 527.8, 13.8, "hiện các thủ tục về đất đai, môi trường, quy hoạch có liên quan, hỗ trợ"),
        (86.2, 527.6, 20.7, "kinh phí 1.000.000 và các khoản hỗ trợ khác theo quy định của pháp"),
        (84.5, 527.1, 17.9, "đồng, cùng 50 chiếc xe đạp cho các hộ gia đình có hoàn cảnh khó khăn"),
        (84.7, 451.0, 13.8, "trong khu vực dự án đầu tư."),
        (119.8, 527.8, 13.8, "4. Đẩy mạnh giải quyết khó khăn, vướng mắc của Nhà đầu tư: khi nhà đầu"),
        (83.9, 300.0, 13.8, "tư có đề xuất."),
    ]
    assert _blocks(rows) == [
        " ".join(text for *_, text in rows[:5]),
        " ".join(text for *_, text in rows[5:]),
    ]


def test_an_ocr_paragraph_starts_at_an_indent_and_after_a_short_line() -> None:
    rows = [
        (85.0, 528.0, 13.8, "Đây mạnh công tác cải cách hành chính, nhất là cải cách thủ tục hành"),
        (83.8, 300.0, 13.8, "chính trong năm."),
        (84.2, 527.5, 13.8, "Trên cơ sở báo cáo của các sở, ngành, Ủy ban nhân dân tỉnh theo dõi,"),
        (85.1, 528.2, 13.8, "tổng hợp chung về tình hình dự án đầu tư chậm tiến độ toàn tỉnh, định"),
        (84.9, 527.9, 13.8, "kỳ báo cáo."),
        (119.0, 528.0, 13.8, "Yêu cầu các cấp, các ngành, các địa phương, đơn vị liên quan nghiêm túc"),
        (84.0, 527.0, 13.8, "triển khai, thực hiện; thường xuyên báo cáo kết quả về Sở Kế hoạch."),
    ]
    assert _blocks(rows) == [
        "Đây mạnh công tác cải cách hành chính, nhất là cải cách thủ tục hành chính trong năm.",
        " ".join(text for *_, text in rows[2:5]),
        " ".join(text for *_, text in rows[5:]),
    ]


def test_an_article_heading_on_a_line_of_its_own_is_a_paragraph_on_a_ragged_page() -> None:
    rows = [
        (38.5, 220.0, 16.4, "Điều 3. Giải thích từ ngữ"),
        (38.5, 484.9, 16.4, "Trong Nghị định này, những từ ngữ dưới đây được hiểu như sau:"),
        (40.0, 400.0, 16.4, "1. Văn bản là thông tin thành văn được truyền đạt bằng ngôn ngữ"),
        (12.0, 300.0, 16.4, "hoặc ký hiệu."),
        (38.5, 260.0, 16.4, "Điều 4. Nguyên tắc"),
    ]
    assert _blocks(rows) == [
        "Điều 3. Giải thích từ ngữ",
        "Trong Nghị định này, những từ ngữ dưới đây được hiểu như sau:",
        "1. Văn bản là thông tin thành văn được truyền đạt bằng ngôn ngữ hoặc ký hiệu.",
        "Điều 4. Nguyên tắc",
    ]


def test_a_gazette_stamp_under_a_centred_subject_is_no_part_of_it() -> None:
    rows = [
        (98.4, 499.9, 14.5, "Về việc tăng cường công tác quản lý nhà nước để hỗ trợ nhà đầu tư"),
        (147.6, 525.1, 14.5, "sử dụng vốn ngoài ngân sách nhà nước tại tỉnh Quảng Ngãi"),
        (0.0, 151.7, 14.5, "FBUNG-TÂM CÔNG BAO & TIN HỌC O.NGAI"),
    ]
    blocks = _blocks(rows)
    assert blocks[-1] == "FBUNG-TÂM CÔNG BAO & TIN HỌC O.NGAI"
    assert "CÔNG BAO" not in " ".join(blocks[:-1])


def test_ocr_lines_side_by_side_are_no_paragraph() -> None:
    left = Line("brave it out. Their sacrifices and", 208.8, 368.6, 240.0, 252.0, 9.0, confidence=90.0)
    right = Line("with saw-dust. The heads are mova-", 66.0, 201.6, 249.0, 257.2, 9.0, confidence=90.0)
    above = [Line(f"line {i} of the column above", 59.0, 370.0, 150 + 12 * i, 159 + 12 * i, 9.0) for i in range(6)]
    for line in above:
        line.confidence = 90.0
    page = PageLayout(1, 420, 600, [*above, left, right], [], read_by_ocr=True)
    for line in page.lines:
        line.column = (59.0, 371.0)
    texts = [block.text for block in page_blocks([page])]
    assert texts[-2:] == [left.text, right.text]


def test_a_line_sticking_out_of_a_justified_column_does_not_move_its_margin() -> None:
    rows = [
        (93.2, 562.3, 14.4, "VIỆN KIỂM SÁT NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (119.9, 539.6, 14.4, "Điều 3. Thủ trưởng các đơn vị thuộc Viện kiểm sát nhân dân tối cao,"),
        (83.5, 540.0, 14.4, "Viện trưởng Viện kiểm sát nhân dân cấp cao, Viện trưởng Viện kiểm sát"),
        (84.1, 539.2, 14.4, "nhân dân cấp tỉnh, Viện trưởng Viện kiểm sát nhân dân cấp huyện chịu"),
        (83.9, 400.0, 14.4, "trách nhiệm thi hành Quyết định này."),
    ]
    assert _blocks(rows)[1:] == [" ".join(text for *_, text in rows[1:])]


def test_an_ocr_paragraph_goes_on_across_pages_that_sit_differently_on_the_glass() -> None:
    first = _ocr_page([(100.0, 529.0, 13.8, "Đây mạnh công tác cải cách hành chính, hỗ trợ, tạo điều kiện cho")] * 4)
    second = _ocr_page(
        [
            (85.2, 528.2, 13.8, "hay phân biệt loại hình, thành phần kinh tế giữa doanh nghiệp lớn và doanh"),
            (85.2, 508.1, 13.8, "nghiệp nhỏ, giữa doanh nghiệp nhà nước với các loại hình doanh nghiệp khác."),
        ]
    )
    for line in first.lines:
        line.x0 = 73.0
    second.number = 2
    texts = [block.text for block in page_blocks([first, second])]
    assert len(texts) == 1 and texts[0].endswith(
        "doanh nghiệp lớn và doanh nghiệp nhỏ, giữa doanh nghiệp nhà nước với các loại hình doanh nghiệp khác."
    )


@pytest.mark.parametrize(
    ("first", "confidence", "second", "kept"),
    [("-", 93.0, "Văn", True), ("-", 40.0, "Văn", False), ("-", 93.0, "phòng", False), ("~", 93.0, "Văn", False)],
)
def test_a_dash_read_well_before_a_capital_opens_a_list_item(
    first: str, confidence: float, second: str, kept: bool
) -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    words = [(first, box, confidence), (second, box, 95.0), ("phòng;", box, 95.0)]
    assert (_without_specks(words)[0][0] == first) is kept
