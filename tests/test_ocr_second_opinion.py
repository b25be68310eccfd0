"""The AsterOCR line recogniser as a second opinion: its pinned model, its readings, and the choice between
its reading and Tesseract's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from reportflow.flows.cli import _flow_parameters, _parser
from reportflow.parsers import parse_document
from reportflow.parsers.formats.image import parse_image
from reportflow.parsers.formats.pdf import PageRenderer
from reportflow.parsers.ocr.aster import MAX_WIDTH, load, model_files, recogniser
from reportflow.parsers.ocr.second_opinion import Opinion, better, reconsider
from reportflow.parsers.ocr.tesseract import OcrSettings
from reportflow.schemas import OcrFailedError
from tests.helpers.corpus import corpus_path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # Debian's fonts-dejavu-core (make setup)


def _line_image(text: str, size: int = 40) -> Image.Image:
    font = ImageFont.truetype(str(FONT), size)
    image = Image.new("L", (round(font.getlength(text)) + size, round(size * 1.5)), 255)
    ImageDraw.Draw(image).text((size // 2, size // 8), text, font=font, fill=0)
    return image


def test_a_model_file_of_another_hash_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    _, alphabet = model_files()
    other = tmp_path / "asternet.onnx"
    other.write_bytes(b"not the pinned model")
    with pytest.raises(OcrFailedError, match=r"SHA-256 \w+, not the pinned") as refused:
        load(other, alphabet)
    assert refused.value.error_type == "ocr_failed"


def test_the_installed_model_is_the_pinned_one_and_a_changed_pin_refuses_it() -> None:
    model, alphabet = model_files()
    load(model, alphabet)  # the pinned files load without raising
    with pytest.raises(OcrFailedError, match=str(model.name)):
        load(model, alphabet, model_sha256="0" * 64)


@pytest.mark.parametrize(
    "text",
    [
        "Cộng hòa Xã hội Chủ nghĩa Việt Nam",
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "Trần Phước Hiền, ngày 05 tháng 12 năm 2011",
    ],
)
def test_a_rendered_vietnamese_line_is_read_exactly(text: str) -> None:
    reading = recogniser().read(_line_image(text))
    assert reading.text == text
    assert len(reading.positions) == len(reading.probabilities) == len(text)
    assert list(reading.positions) == sorted(reading.positions)


def test_a_line_wider_than_the_model_takes_is_read_in_pieces() -> None:
    text = "Thực hiện Kế hoạch của Ủy ban nhân dân tỉnh về việc tổ chức kỳ thi tốt nghiệp trung học phổ thông"
    image = _line_image(text)
    assert image.width * 32 / image.height > MAX_WIDTH
    assert recogniser().read(image).text == text


def test_a_valid_confident_tesseract_word_is_kept() -> None:
    assert better("tỉnh", 97.0, Opinion("tinh", 1.0)) == "tỉnh"
    assert better("binh", 94.8, Opinion("bình", 0.97), [["b"], ["i", "ỉ", "í", "ị"], ["n"], ["h"]]) == "binh"
    assert better("an", 90.0, Opinion("ăn", 0.6)) == "an"


def test_a_word_that_is_no_syllable_takes_the_recognisers_letters() -> None:
    assert better("QUYÉT", 91.0, Opinion("QUYẾT", 1.0)) == "QUYẾT"
    assert better("Hién", 92.0, Opinion(" Hiền", 1.0)) == "Hiền"
    assert better("nghiép", 92.0, Opinion("nghiệp", 0.6)) == "nghiép"  # the recogniser is unsure
    assert better("ahidn:", 26.0, Opinion("nhân:", 1.0)) == "ahidn:"  # another word, not a misreading


def test_a_doubtful_valid_word_changes_only_in_marks_tesseract_offered() -> None:
    assert better("Tô", 64.0, Opinion("Tổ", 0.99), [["T"], ["ô", "ổ", "ố"]]) == "Tổ"
    assert better("Tô", 64.0, Opinion("Tơ", 0.99), [["T"], ["ô", "ổ", "ố"]]) == "Tô"


def test_punctuation_digits_and_case_stay_tesseracts() -> None:
    assert better("“Tô”,", 64.0, Opinion('"Tổ".', 0.99)) == "“Tổ”,"
    assert better("TINH", 35.0, Opinion("tỉnh", 1.0)) == "TỈNH"
    assert better("2O21", 20.0, Opinion("2021", 1.0)) == "2O21"
    assert better("QĐ-BCĐ", 20.0, Opinion("QĐ-BCD", 1.0)) == "QĐ-BCĐ"


def test_a_line_s_doubtful_word_is_read_again_in_place_and_the_others_are_left_alone() -> None:
    """Tesseract's words with their boxes on a drawn line; only the doubtful `Tô` changes."""
    font = ImageFont.truetype(str(FONT), 40)
    page = Image.new("L", (1400, 120), 255)
    draw = ImageDraw.Draw(page)
    read, x = [("Căn", 60.0), ("cứ", 97.0), ("Luật", 97.0), ("Tô", 64.0), ("chức", 97.0), ("Viện", 97.0)], 40.0
    truth = ["Căn", "cứ", "Luật", "Tổ", "chức", "Viện"]
    words = []
    for (text, confidence), drawn in zip(read, truth, strict=True):
        draw.text((x, 30), drawn, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, 30), drawn, font=font)
        letters = [[c, "ổ", "ố"] if c == "ô" else [c] for c in text]
        words.append(((text, (float(left), float(top), float(right), float(bottom)), confidence), letters))
        x = right + font.getlength(" ")
    rows = reconsider(page, [((0.0, 0.0), words)])
    assert [word[0] for word, _ in rows[0][1]] == truth


def test_the_setting_takes_only_auto_or_off() -> None:
    with pytest.raises(ValueError, match="auto, off"):
        OcrSettings(second_opinion="always")


def test_the_command_line_option_reaches_the_flow() -> None:
    args = _parser().parse_args(["run", "src", "dest", "--ocr-second-opinion", "off"])
    assert _flow_parameters(args)["ocr_second_opinion"] == "off"
    assert "ocr_second_opinion" not in _flow_parameters(_parser().parse_args(["run", "src", "dest"]))


@pytest.mark.needs_tesseract
def test_no_right_word_of_a_born_digital_page_read_by_ocr_is_changed_into_a_wrong_one() -> None:
    data = corpus_path("seed", "seed.pdf").read_bytes()
    right = set(" ".join(b.text for b in parse_document(data).blocks).split())
    image, dpi = PageRenderer(data).render(0)
    page = io.BytesIO()
    image.save(page, "PNG", dpi=(dpi, dpi))
    off, auto = (
        [w for b in parse_image(page.getvalue(), OcrSettings(second_opinion=mode)).blocks for w in b.text.split()]
        for mode in ("off", "auto")
    )
    assert len(off) == len(auto)
    changed = [(a, b) for a, b in zip(off, auto, strict=True) if a != b]
    assert changed  # the second opinion ran
    assert [(a, b) for a, b in changed if a in right and b not in right] == []
