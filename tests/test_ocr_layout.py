"""Page layout of scans: running headers of OCR'd pages compared loosely, also on two pages; specks dropped."""

from __future__ import annotations

import pytest

from reportflow.parsers.layout.lines import Line, PageLayout
from reportflow.parsers.layout.paragraphs import page_blocks
from reportflow.parsers.ocr.tesseract import _corrected, _is_speck_line, _is_vietnamese, _without_stray_periods
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


def test_a_speck_read_as_a_full_stop_inside_a_sentence_goes() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    rows = [((0.0, 10.0), [("thực", box, 90.0), ("hiện", box, 90.0), ("hoàn.", box, 70.0)])]
    rows += [((0.0, 30.0), [("thành", box, 90.0), ("năm.", box, 90.0), ("Đảng", box, 90.0), ("v.v.", box, 90.0)])]
    rows += [((0.0, 50.0), [("các", box, 90.0)])]
    words = [text for _, row in _without_stray_periods(rows) for text, _, _ in row]
    assert words == ["thực", "hiện", "hoàn", "thành", "năm.", "Đảng", "v.v.", "các"]


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
