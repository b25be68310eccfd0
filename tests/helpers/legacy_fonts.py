"""Vietnamese letters and Word documents typed in the legacy TCVN3 (.VnTime) and VNI fonts."""

from __future__ import annotations

import itertools
import unicodedata

from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, VNI, encode
from tests.helpers import docx_builder as build

BASES = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
LOWER = [unicodedata.normalize("NFC", b + t) for b in BASES for t in TONES] + ["đ"]
UPPER = [c.upper() for c in LOWER]
# TCVN3 gives seven upper-case letters codes of their own; the others only exist in all-caps "H" fonts.
TCVN3_OWN_UPPER = "ĂÂĐÊÔƠƯ"

SOURCE = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Hà Nội, ngày 05 tháng 3 năm 2018",
    "BÁO CÁO TỔNG KẾT CÔNG TÁC NĂM 2017",
    "Ủy ban nhân dân tỉnh Lâm Đồng đã chỉ đạo các sở, ngành khuyến khích người dân ứng dụng công nghệ; "
    "Ếch, Ốc, Ửng, Ỷ lại và Ữ đều viết hoa.",
    " ".join(LOWER),
    " ".join(UPPER),
]


def tcvn3_runs(text: str) -> list[tuple[str, str]]:
    """(font, text) runs: capitals with a tone go to the all-caps `.VnTimeH`, as ABC users typed them."""
    needs_caps_font = [c.isupper() and not c.isascii() and c not in TCVN3_OWN_UPPER for c in text]
    runs = []
    for caps, group in itertools.groupby(zip(text, needs_caps_font, strict=True), key=lambda pair: pair[1]):
        chunk = "".join(c for c, _ in group)
        runs.append((".VnTimeH", encode(chunk.lower(), TCVN3)) if caps else (".VnTime", encode(chunk, TCVN3)))
    return runs


def legacy_font_docx(encoding: str) -> bytes:
    """The lines of SOURCE typed in TCVN3 or VNI fonts."""
    d = build.new_document()
    for line in SOURCE:
        paragraph = d.add_paragraph()
        runs = tcvn3_runs(line) if encoding == TCVN3 else [("VNI-Times", encode(line, VNI))]
        for font, text in runs:
            paragraph.add_run(text).font.name = font
    return build.save(d)
