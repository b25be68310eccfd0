"""OCR of scans: the seed scans against their truth, images, and the engine's failures."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from reportflow.parsers import parse_document
from reportflow.parsers.formats.image import parse_image
from reportflow.parsers.ocr.preprocess import skew_angle
from reportflow.parsers.ocr.routing import is_scan
from reportflow.parsers.ocr.tesseract import OcrSettings
from reportflow.schemas import CorruptFileError, OcrFailedError, ReportflowError, TooLargeError
from tests.helpers.corpus import CORPUS, corpus_path, load_truth
from tests.helpers.text import character_error_rate

needs_tesseract = pytest.mark.needs_tesseract


@needs_tesseract
@pytest.mark.parametrize("name", ["seed_scan.png", "seed_scan.pdf"])
def test_seed_scans_match_truth(name: str) -> None:
    truth = load_truth(name)
    doc = parse_document(corpus_path("seed", name).read_bytes())
    expected = "\n".join(b["text"] for b in truth["blocks"])
    got = "\n".join(b.text for b in doc.blocks)
    assert character_error_rate(got, expected) <= 0.02
    assert [b.kind for b in doc.blocks] == [b["kind"] for b in truth["blocks"]]
    assert (doc.title, doc.published_date, doc.author) == (truth["title"], date(2017, 7, 17), truth["author"])
    assert (doc.source_format, doc.extraction, doc.page_count) == (truth["format"], "ocr", truth["page_count"])
    assert all(b.ocr_confidence is not None and 50 < b.ocr_confidence <= 100 for b in doc.blocks)


@needs_tesseract
def test_vietnamese_scan_gives_its_text_not_just_the_signature_stamp() -> None:
    doc = parse_document(corpus_path("public", "vn-ocr-local-vbhc", "575 UB.signed_20250510_124908.pdf").read_bytes())
    text = " ".join(b.text for b in doc.blocks)
    assert doc.extraction == "ocr"
    assert "ỦY BAN NHÂN DÂN" in text and "Kính gửi: Sở Tài chính" in text
    assert len(text) > 1000


@needs_tesseract
def test_rotated_pages_are_turned_upright() -> None:
    doc = parse_document(corpus_path("public", "ocrmypdf", "cardinal.pdf").read_bytes())
    pages = {b.page_number for b in doc.blocks if "polyphonic" in b.text}
    assert pages == {1, 2, 3, 4}


@needs_tesseract
@pytest.mark.parametrize("name", ["linn.pdf", "skew.pdf"])
def test_skewed_scan_is_straightened(name: str) -> None:
    expected = corpus_path("public", "ocrmypdf", "linn.gt.txt").read_text(encoding="utf-8")
    doc = parse_document(corpus_path("public", "ocrmypdf", name).read_bytes())
    got = " ".join(" ".join(b.text for b in doc.blocks).split())
    assert character_error_rate(got, " ".join(expected.split())) <= 0.03


def _manifest_images() -> list[str]:
    if not CORPUS.is_dir():
        return []
    with (CORPUS / "public" / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        return [row["path"] for row in csv.DictReader(manifest, delimiter="\t") if row["kind"] == "image"]


@needs_tesseract
@pytest.mark.parametrize("relative", _manifest_images() or ["*.png"])
def test_every_image_is_read_or_rejected_clearly(relative: str) -> None:
    try:
        doc = parse_document(corpus_path("public", *relative.split("/")).read_bytes())
    except ReportflowError as e:
        assert e.error_type in {"corrupt", "too_large", "no_text"}
        return
    assert (doc.source_format, doc.extraction) == ("image", "ocr")
    assert doc.blocks and all(b.ocr_confidence is not None for b in doc.blocks)


def _drawn_page(lines: list[str]) -> bytes:
    image = Image.new("L", (1240, 800), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 80 + i * 60), line, fill=0, font_size=36)
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", dpi=(150, 150))
    return buffer.getvalue()


@needs_tesseract
def test_multi_page_tiff_reads_every_page() -> None:
    first = Image.open(io.BytesIO(_drawn_page(["The first page of the scan."])))
    second = Image.open(io.BytesIO(_drawn_page(["The second page follows."])))
    buffer = io.BytesIO()
    first.save(buffer, format="TIFF", save_all=True, append_images=[second], dpi=(150, 150))
    doc = parse_document(buffer.getvalue())
    assert (doc.source_format, doc.extraction, doc.page_count) == ("image", "ocr", 2)
    assert [(b.page_number, b.text) for b in doc.blocks] == [
        (1, "The first page of the scan."),
        (2, "The second page follows."),
    ]


@needs_tesseract
def test_missing_language_data_is_one_clear_error() -> None:
    with pytest.raises(OcrFailedError, match=r"no language data for xyz \(install tesseract-ocr-xyz\)"):
        parse_image(_drawn_page(["Text"]), OcrSettings(languages="eng+xyz"))


def test_decompression_bomb_is_too_large() -> None:
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")
    with pytest.raises(TooLargeError):
        parse_document(buffer.getvalue())


def test_truncated_image_is_corrupt() -> None:
    data = _drawn_page(["Some text"])
    with pytest.raises(CorruptFileError):
        parse_image(data[:300])


def test_blank_or_sparse_page_gets_no_skew_angle() -> None:
    assert skew_angle(Image.new("L", (1200, 1600), 200)) == 0.0
    sparse = Image.new("L", (1200, 1600), 255)
    ImageDraw.Draw(sparse).text((100, 100), "Signed", fill=0, font_size=20)
    assert skew_angle(sparse) == 0.0


@pytest.mark.parametrize(
    ("images", "text_chars", "scan"),
    [
        ([(0.0, 0.0, 600.0, 800.0)], 5000, True),  # a text layer over a full-page scan is an earlier OCR's
        ([(-20.0, -20.0, 620.0, 820.0)], 0, True),  # bleeding past the page
        ([(0.0, 0.0, 600.0, 300.0)], 10, True),  # a large picture and next to no text
        ([(0.0, 0.0, 600.0, 300.0)], 200, False),  # a large picture in a text page
        ([], 0, False),  # a blank page
        ([(0.0, 0.0, 100.0, 100.0)], 0, False),  # a logo alone
    ],
)
def test_a_page_goes_to_ocr_when_it_is_a_scan(
    images: list[tuple[float, float, float, float]], text_chars: int, scan: bool
) -> None:
    assert is_scan(600.0, 800.0, images, text_chars) is scan


SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # Debian's fonts-dejavu-core (make setup)
SERIF_BOLD = SERIF.with_name("DejaVuSerif-Bold.ttf")
SEAL_CENTRE, SEAL_RADIUS = (1050, 1500), 220
BODY_LINES = (
    "Ủy ban nhân dân các xã nghiêm túc thực hiện báo cáo này.",
    "Thực hiện Nghị quyết số 42/NQ-CP ngày 09 tháng 4 năm 2020",
    "của Chính phủ về các biện pháp hỗ trợ người dân gặp khó khăn.",
)


def _page_with_a_black_seal() -> bytes:
    """A page whose signer's title and name touch a seal printed in black (as on a grey or black-and-white
    scan): Tesseract's layout analysis takes them and the seal for one picture."""
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    body, bold = ImageFont.truetype(str(SERIF), 36), ImageFont.truetype(str(SERIF_BOLD), 40)
    for i, line in enumerate(BODY_LINES * 3):
        draw.text((150, 200 + i * 60), line, fill=0, font=body)
    (x, y), r = SEAL_CENTRE, SEAL_RADIUS
    draw.ellipse((x - r, y - r, x + r, y + r), outline=0, width=14)
    draw.ellipse((x - r + 40, y - r + 40, x + r - 40, y + r - 40), outline=0, width=6)
    scribbles = random.Random(1)
    for _ in range(400):
        sx, sy = scribbles.randint(x - 140, x + 140), scribbles.randint(y - 140, y + 140)
        draw.line((sx, sy, sx + scribbles.randint(-30, 30), sy + scribbles.randint(-30, 30)), fill=0, width=4)
    draw.text((1150, 1280), "CHỦ TỊCH", fill=0, font=bold)
    draw.text((1100, 1700), "Nguyễn Văn An", fill=0, font=bold)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue()


@needs_tesseract
def test_the_signer_swallowed_by_a_black_seal_is_read() -> None:
    """The picture region is read again on its own: the words clear of the seal's ink come back (the letters
    touching it stay part of the picture: `HU TỊCH`), after the body, and the page's own lines are not read
    twice. Without the second reading neither line is there at all."""
    texts = [b.text for b in parse_image(_page_with_a_black_seal()).blocks]
    words = [text.split() for text in texts]
    assert words[-2][-1] == "TỊCH" and words[-1][-2:] in (["Van", "An"], ["Văn", "An"])
    assert "\n".join(texts).count("Nghị quyết số 42/NQ-CP") == 3


@needs_tesseract
def test_the_figure_of_a_page_in_english_is_not_read_again() -> None:
    """Outside Vietnamese pages the regions taken for pictures are figures: their words stay out."""
    doc = parse_document(corpus_path("public", "python-docx", "300-dpi.TIF").read_bytes())
    texts = [b.text for b in doc.blocks]
    assert any(text.startswith("Kofax Image Products") for text in texts)
    assert not any("Filing Status" in text or "Exemptions" in text for text in texts)
