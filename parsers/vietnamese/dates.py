"""Recognise a report's date line and read its date (Vietnamese and international styles)."""

from __future__ import annotations

import re
from datetime import date

_LABEL = (
    r"(?:(?:ngày\s+cập\s+nhật|cập\s+nhật(?:\s+lúc)?|ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|ngày\s+ban\s+hành"
    r"|ngày|thời\s+gian|posted(?:\s+on)?|published(?:\s+on)?|updated(?:\s+on)?|date)\s*:?\s*)"
)
_WEEKDAY = r"(?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\s*[,-]?\s*)"
# A place before the date: `Hà Nội, `, `TP. Hồ Chí Minh, `, `Bà Rịa - Vũng Tàu, `.
_PLACE = r"(?:(?:TP|TX|TT)\.\s*)?(?:[^\W\d_][^\W\d_.\s]*(?:(?:\s+|\s*-\s*)[^\W\d_][^\W\d_.\s]*){0,5}\s*,\s*)"
_TIME = r"(?:\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?(?:\s*(?:AM|PM|SA|CH))?(?:\s*\(?\s*GMT\s*[+-]\s*\d{1,2}\s*\)?)?)"
_NUMERIC = r"(?P<d>\d{1,2})\s*[./-]\s*(?P<m>\d{1,2})\s*[./-]\s*(?P<y>\d{4})"
_ISO = r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
_WORDS = r"ngày\s+(?P<wd>\d{1,2})\s+tháng\s+(?P<wm>\d{1,2})\s*,?\s+năm\s+(?P<wy>\d{4})"
_SEP = r"\s*[-|,]?\s*"

_DATELINE = re.compile(
    rf"{_PLACE}?{_LABEL}?{_WEEKDAY}?(?:{_TIME}{_SEP})?(?:{_WORDS}|{_NUMERIC}|{_ISO})(?:{_SEP}{_TIME})?",
    re.IGNORECASE,
)

MAX_DATELINE_CHARS = 90


def parse_dateline(text: str) -> date | None:
    """The date of a block that is nothing but a date line, else None.

    A date inside a sentence (`Ngày 11 tháng 7 năm 2017, Đảng bộ ...`) or a
    range (`27/7/1947-27/7/2017`) is no date line.
    """
    if len(text) > MAX_DATELINE_CHARS:
        return None
    match = _DATELINE.fullmatch(text.strip().rstrip("."))
    if match is None:
        return None
    return _to_date(match)


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    for y, m, d in (("y", "m", "d"), ("wy", "wm", "wd"), ("iy", "im", "id")):
        if groups[y] is not None:
            try:
                return date(int(groups[y]), int(groups[m]), int(groups[d]))
            except ValueError:
                return None
    return None
