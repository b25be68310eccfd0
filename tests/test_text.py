import unicodedata

import pytest

from reportflow.parsers.text import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u00a0 \u00a0Lâm Văn Ảnh", "Lâm Văn Ảnh"),
        ("a\u2009b\u202fc\u3000d", "a b c d"),
        ("zero\u200bwidth\ufeff and\u2060joiner", "zerowidth andjoiner"),
        ("soft\u00adhyphen", "softhyphen"),
        ("line\nbreak\tand\r\nmore   spaces", "line break and more spaces"),
        ("  \u00a0\u2003  ", ""),
        ("bell\x07char", "bellchar"),
    ],
)
def test_normalize_folds_spaces_and_invisibles(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_composes_decomposed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Hội nghị Đảng bộ")
    assert decomposed != "Hội nghị Đảng bộ"
    assert normalize_text(decomposed) == "Hội nghị Đảng bộ"


def test_normalize_keeps_joiners_that_change_meaning() -> None:
    assert normalize_text("می\u200cخواهم") == "می\u200cخواهم"
