from datetime import date

import pytest

from reportflow.parsers.vietnamese.dates import parse_dateline


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ngày: 17.07.2017", date(2017, 7, 17)),
        ("Ngày 11 tháng 7 năm 2017", date(2017, 7, 11)),
        ("Cập nhật: 21/09/2019", date(2019, 9, 21)),
        ("Hà Nội, ngày 5 tháng 3 năm 2018", date(2018, 3, 5)),
        ("Lâm Đồng, ngày 05 tháng 12 năm 2025", date(2025, 12, 5)),
        ("Thứ Hai, 17/07/2017 08:30 (GMT+7)", date(2017, 7, 17)),
        ("Cập nhật lúc 08:30 21/09/2019", date(2019, 9, 21)),
        ("2019-09-21", date(2019, 9, 21)),
    ],
)
def test_date_lines(line: str, expected: date) -> None:
    assert parse_dateline(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Ngày 11 tháng 7 năm 2017, Đảng bộ Sở Lao động tổ chức Hội nghị",
        "27/7/1947-27/7/2017",
        "Kỷ niệm 70 năm Ngày Thương binh - Liệt sĩ (27/7/1947-27/7/2017)",
        "Lâm Đồng, ngày    tháng 12 năm 2025",
        "Ngày 31/02/2017",
        "Kỷ niệm ngày 17.07.2017",
    ],
)
def test_not_date_lines(line: str) -> None:
    assert parse_dateline(line) is None


# Issue 7: every common Vietnamese form, with and without leading zeros, and the usual prefixes.
@pytest.mark.parametrize(
    "line",
    [
        "ngày 05 tháng 3 năm 2018",
        "Ngày 5 tháng 03 năm 2018",
        "05/3/2018",
        "5/3/2018",
        "05/03/2018",
        "05.03.2018",
        "5.3.2018",
        "05-03-2018",
        "5-3-2018",
        "Ngày: 05/03/2018",
        "Ngày:05.03.2018",
        "Ngày 05/3/2018",
        "Cập nhật: 05-03-2018",
        "Cập nhật: 5.3.2018",
        "Hà Nội, ngày 05 tháng 3 năm 2018",
        "Hà Nội, ngày 05/03/2018",
        "Lâm Đồng, ngày 05 tháng 3 năm 2018.",
        "TP. Hồ Chí Minh, ngày 05 tháng 3 năm 2018",
        "Tp. Hồ Chí Minh, ngày 5 tháng 3 năm 2018",
        "Bà Rịa - Vũng Tàu, ngày 05 tháng 3 năm 2018",
    ],
)
def test_vietnamese_date_forms(line: str) -> None:
    assert parse_dateline(line) == date(2018, 3, 5)


@pytest.mark.parametrize(
    "line",
    [
        "từ ngày 05/3/2018 đến ngày 10/3/2018",
        "05/3/2018 - 10/3/2018",
        "Từ 05/3/2018 đến 10/3/2018",
        "trong thời gian từ ngày 05 tháng 3 năm 2018 đến ngày 10 tháng 3 năm 2018",
    ],
)
def test_date_ranges_are_no_date_lines(line: str) -> None:
    assert parse_dateline(line) is None


def test_published_date_from_the_header_never_from_a_range_in_the_body() -> None:
    from reportflow.parsers import parse_document
    from tests.helpers import docx_builder as build

    d = build.new_document()
    d.add_paragraph("BÁO CÁO TỔNG KẾT")
    d.add_paragraph("Đoàn kiểm tra làm việc từ ngày 05/3/2018 đến ngày 10/3/2018 tại các đơn vị trong tỉnh.")
    d.add_paragraph("05/3/2018 - 10/3/2018")
    assert parse_document(build.save(d)).published_date is None
    d.paragraphs[0].insert_paragraph_before("Hà Nội, ngày 05 tháng 3 năm 2018")
    assert parse_document(build.save(d)).published_date == date(2018, 3, 5)
