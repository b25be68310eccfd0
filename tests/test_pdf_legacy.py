"""Text-layer PDF words drawn in TCVN3 or VNI fonts are read as Unicode (font names are in the PDF too)."""

from typing import Any

from reportflow.parsers.layout.lines import build_lines
from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, VNI, encode


def _words(pieces: list[tuple[str, str]], size: float = 12.0) -> list[dict[str, Any]]:
    words, x = [], 72.0
    for font, text in pieces:
        width = 6.0 * len(text)
        words.append({"text": text, "fontname": font, "x0": x, "x1": x + width, "top": 100.0, "bottom": 112.0})
        words[-1]["size"] = size
        x += width + 4.0
    return words


def test_tcvn3_and_vni_words_are_decoded_by_their_font() -> None:
    line = "Cộng hòa xã hội chủ nghĩa Việt Nam"
    for font, encoding in (("ABCDEF+.VnTime", TCVN3), ("GHIJKL+VNI-Times", VNI)):
        words = _words([(font, encode(word, encoding)) for word in line.split()])
        assert [ln.text for ln in build_lines(words)] == [line]


def test_all_caps_font_and_unicode_font_on_one_line() -> None:
    words = _words([("ABCDEF+.VnTimeH,Bold", encode("báo cáo", TCVN3)), ("TimesNewRomanPSMT", "tổng kết")])
    assert [ln.text for ln in build_lines(words)] == ["BÁO CÁO tổng kết"]


def test_other_fonts_are_left_as_they_are() -> None:
    words = _words([("Helvetica", "Le"), ("Helvetica", "président"), ("Helvetica", "µ¸")])
    assert [ln.text for ln in build_lines(words)] == ["Le président µ¸"]


def test_tcvn3_letters_that_pdfs_map_to_symbols_are_letters_again() -> None:
    """ư (0xAD) comes out of such PDFs as U+2212 MINUS SIGN and ã (0xB7) as U+2219 BULLET OPERATOR."""
    font = "ABCDEF+.VnTime"
    for line in ("Thủ tướng Chính phủ", "được sửa đổi như sau", "Quỹ bảo lãnh"):
        pieces = [(font, encode(w, TCVN3).replace("\xad", "\u2212").replace("\xb7", "\u2219")) for w in line.split()]
        assert [ln.text for ln in build_lines(_words(pieces))] == [line]


def test_minus_signs_between_numbers_stay() -> None:
    words = _words([("ABCDEF+.VnTime", "5\u22123"), ("ABCDEF+.VnTime", "\u2212"), ("ABCDEF+.VnTime", "12")])
    assert [ln.text for ln in build_lines(words)] == ["5\u22123 \u2212 12"]
