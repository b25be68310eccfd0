from datetime import date

import pytest

from reportflow.parsers.dates import parse_dateline


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
