"""Handwritten numbers in a form's blanks (`Số: 575/UBND`, `ngày 05 tháng 02`): read again by the line
recogniser, taken only when it is sure of a number that fits between the printed anchors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from reportflow.parsers.ocr.aster import Reading
from reportflow.parsers.ocr.blanks import MAX_BLANKS_PER_PAGE, fill_blanks
from reportflow.parsers.ocr.ppocr import line_reader, load
from reportflow.schemas import OcrFailedError

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # Debian's fonts-dejavu-core (make setup)

PAGE = Image.new("L", (2400, 120), 255)


def _row(
    *words: tuple[str, float],
) -> list[tuple[tuple[str, tuple[float, float, float, float], float], list[list[str]]]]:
    """Words set left to right, 100 pixels apart, with their confidences."""
    return [
        ((text, (100.0 * i, 40.0, 100.0 * i + 80, 80.0), confidence), [[c] for c in text])
        for i, (text, confidence) in enumerate(words)
    ]


def _reads(text: str, probabilities: Sequence[float] | None = None) -> object:
    """The recogniser's reading of any crop: TEXT, one character every 10 pixels."""
    chances = tuple(probabilities) if probabilities is not None else (1.0,) * len(text)
    reading = Reading(text, tuple(10.0 * i for i in range(len(text))), chances)
    return lambda crop: reading


def _texts(rows: list[tuple[int, list[tuple[tuple[str, object, float], object]]]]) -> list[str]:
    return [word[0] for word, _ in rows[0][1]]


def _filled(words: list, reading: object, third: object = None) -> list[str]:
    """FILL_BLANKS with the readings given; the third reader reads nothing unless one is given."""
    return _texts(fill_blanks(PAGE, [(0, words)], reading, third or _reads("")))  # type: ignore[arg-type]


def test_an_empty_number_blank_takes_the_recogniser_s_sure_number() -> None:
    assert _filled(_row(("Số:", 96), ("/UBND-KTTH", 93)), _reads("Số: 575 /UBND-KTTH")) == ["Số:", "575", "/UBND-KTTH"]


def test_a_misread_day_run_on_into_its_anchor_is_parted_and_spelled_as_read_again() -> None:
    words = _row(("Ngãi,", 93), ("ngayg5", 38), ("tháng", 96), ("02", 96), ("năm", 97))
    assert _filled(words, _reads("ngày05 tháng")) == ["Ngãi,", "ngày", "05", "tháng", "02", "năm"]


def test_a_doubtful_day_read_as_other_digits_is_replaced() -> None:
    words = _row(("ngày", 93), ("93", 62), ("tháng", 97))
    assert _filled(words, _reads("ngày 23 tháng")) == ["ngày", "23", "tháng"]


@pytest.mark.parametrize(
    ("reading", "why"),
    [
        (_reads("Số: 08 /CT-UBND", [1, 1, 1, 1, 0.87, 0.99, 1, 1, 1, 1, 1, 1, 1, 1, 1]), "a digit not sure"),
        (_reads("Số: /CT-UBND"), "no number read"),
        (_reads("Số: 08 CT-UBND"), "the end anchor not read"),
    ],
)
def test_tesseract_s_reading_stays_unless_the_recogniser_is_sure_between_both_anchors(
    reading: object, why: str
) -> None:
    assert _filled(_row(("Số:", 96), ("68", 70), ("/CT-UBND", 95)), reading) == ["Số:", "68", "/CT-UBND"], why


UNSURE_08 = _reads("Số: 08 /CT-UBND", [1, 1, 1, 1, 0.76, 1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
READ_68 = _row(("Số:", 96), ("68", 70), ("/CT-UBND", 95))


@pytest.mark.parametrize(
    ("third", "expected"),
    [
        (_reads("08", [0.87, 0.99]), "08"),  # both readers: 0.24 * 0.13 of a chance to be wrong together
        (_reads(":08.", [0.6, 0.87, 0.99, 0.5]), "08"),  # marks around the number are no part of it
        (_reads("OF", [0.72, 0.56]), "68"),  # another reading
        (_reads("68", [0.97, 0.99]), "68"),  # another number
        (_reads("08", [0.5, 0.99]), "68"),  # the same number, but not sure enough together (0.24 * 0.5)
        (_reads(""), "68"),
    ],
)
def test_an_unsure_number_is_taken_only_when_the_third_reader_reads_it_too(third: object, expected: str) -> None:
    assert _filled(READ_68, UNSURE_08, third) == ["Số:", expected, "/CT-UBND"]


def test_two_readers_agreeing_prove_nothing_where_one_of_them_all_but_guessed() -> None:
    guessed = _reads("Số: 08 /CT-UBND", [1, 1, 1, 1, 0.3, 1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    assert _filled(READ_68, guessed, _reads("08", [0.99, 0.99])) == ["Số:", "68", "/CT-UBND"]


def test_the_third_reader_reads_the_number_alone_with_a_white_margin() -> None:
    seen: list[tuple[int, int]] = []

    def third(crop: Image.Image) -> Reading:
        seen.append(crop.size)
        return Reading("08", (10.0, 20.0), (0.99, 0.99))

    assert _filled(READ_68, UNSURE_08, third) == ["Số:", "08", "/CT-UBND"]
    # The digits at x 40 and 50 of the crop, 0.3 of the line's 40 pixels on either side, 10 pixels of margin.
    assert seen == [(34 + 20, 40 + 20)]


def test_a_number_that_does_not_fit_its_blank_is_not_taken() -> None:
    assert _filled(_row(("ngày", 93), ("£6", 83), ("tháng", 97)), _reads("ngày 0 tháng")) == ["ngày", "£6", "tháng"]
    assert _filled(_row(("tháng", 93), ("“năm", 83)), _reads("tháng 13 năm")) == ["tháng", "“năm"]


def test_a_number_read_with_confidence_and_words_between_anchors_are_never_read_again() -> None:
    confident = _row(("ngày", 97), ("26", 97), ("tháng", 97), ("5", 96), ("năm", 97), ("2020", 97))
    assert _filled(confident, never) == ["ngày", "26", "tháng", "5", "năm", "2020"]
    assert _filled(_row(("ngày", 97), ("càng", 60), ("tháng", 97)), never) == ["ngày", "càng", "tháng"]
    assert _filled(_row(("Số", 97), ("lượng", 90), ("17/2020", 80)), never) == ["Số", "lượng", "17/2020"]


def test_a_number_read_into_the_symbol_s_word_stays_in_it() -> None:
    words = _row(("số", 96), ("21", 80), ("05/UBND-NC", 80), ("ngày", 97))
    assert _filled(words, _reads("số 2105/UBND-NC")) == ["số", "2105/UBND-NC", "ngày"]


def never(crop: Image.Image) -> Reading:
    raise AssertionError("read again")


def test_a_number_tesseract_read_into_the_symbol_s_word_is_not_read_again() -> None:
    """Its word's confidence is its print's too (`15/2020/NĐ-CP`): a printed citation, not a blank."""
    assert _filled(_row(("số", 96), ("1667/QĐ-UBND", 60)), never) == ["số", "1667/QĐ-UBND"]


def test_a_later_word_that_folds_to_the_anchor_is_not_taken_for_it() -> None:
    """`sơ` folds to `so` like `số`: the words between hold letters, so nothing is a blank, and a reading
    whose number follows a later anchor is not the blank's."""
    words = _row(("Hồ", 97), ("sơ", 90), ("số", 90), ("12/QĐ-UBND", 80))
    assert _filled(words, never) == ["Hồ", "sơ", "số", "12/QĐ-UBND"]
    assert _filled(_row(("sơ", 90), ("£2", 60), ("/QĐ", 80)), _reads("sơ số 12/QĐ")) == ["sơ", "£2", "/QĐ"]


def test_an_anchor_run_into_its_blank_is_spelled_as_printed_in_tesseract_s_case() -> None:
    words = _row(("NGAYg5", 38), ("THÁNG", 96))
    assert _filled(words, _reads("ngáy 05 tháng")) == ["NGÀY", "05", "THÁNG"]
    assert _filled(_row(("sông,", 90), ("£2", 60), ("/QĐ", 80)), never) == ["sông,", "£2", "/QĐ"]


def test_a_page_s_blanks_are_read_again_within_a_budget() -> None:
    calls: list[int] = []

    def counted(crop: Image.Image) -> Reading:
        calls.append(1)
        return Reading("", (), ())

    rows = [(r, _row(("ngày", 97), ("£6", 50), ("tháng", 97))) for r in range(MAX_BLANKS_PER_PAGE + 5)]
    fill_blanks(PAGE, rows, counted)  # type: ignore[arg-type]
    assert len(calls) == MAX_BLANKS_PER_PAGE


def test_an_anchor_s_own_punctuation_and_case_stay_tesseract_s() -> None:
    words = _row(("SỐ,", 90), ("728/QĐ-UBND", 80))
    assert _filled(words, _reads("số, 728/QĐ-UBND")) == ["SỐ,", "728/QĐ-UBND"]


def test_a_blank_read_again_as_tesseract_read_it_keeps_tesseract_s_words() -> None:
    words = _row(("ngày", 93), ("22", 73), ("tháng", 97))
    assert fill_blanks(PAGE, [(0, words)], _reads("ngày 22 tháng"))[0][1] == words  # type: ignore[arg-type]


def test_the_third_reader_s_model_of_another_hash_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "rec.onnx"
    other.write_bytes(b"not the pinned model")
    with pytest.raises(OcrFailedError, match=r"SHA-256 \w+, not the pinned"):
        load(other)


def test_the_third_reader_reads_a_printed_number() -> None:
    reader = line_reader()
    assert reader is not None, "make installs rapidocr-onnxruntime (without its dependencies) for its model"
    font = ImageFont.truetype(str(SERIF), 40)
    image = Image.new("L", (200, 70), 255)
    ImageDraw.Draw(image).text((40, 10), "2025", font=font, fill=0)
    reading = reader.read(image)
    assert reading.text == "2025" and min(reading.probabilities) >= 0.9
    assert all(40 <= x <= 160 for x in reading.positions)  # in the crop's pixels, not the model's


def test_by_default_the_installed_third_reader_reads_the_number_on_the_page() -> None:
    """No reader given: the PP-OCR model reads the printed `08` under the recogniser's unsure one."""
    page = PAGE.copy()
    ImageDraw.Draw(page).text((110, 42), "08", font=ImageFont.truetype(str(SERIF), 34), fill=0)
    text = "Số: 08 /CT-UBND"
    positions = [10.0 * i for i in range(len(text))]
    positions[4:6] = [120.0, 141.0]  # the middles of the digits drawn
    chances = [1.0] * len(text)
    chances[4] = 0.76
    reading = Reading(text, tuple(positions), tuple(chances))
    filled = fill_blanks(page, [(0, READ_68)], lambda crop: reading)  # type: ignore[list-item]
    assert _texts(filled) == ["Số:", "08", "/CT-UBND"]  # type: ignore[arg-type]
