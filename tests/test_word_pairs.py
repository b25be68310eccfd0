"""Two-syllable words (pyvi's list, shipped derived) choosing between readings of a syllable by its neighbours."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from reportflow.parsers import parse_document
from reportflow.parsers.formats.image import parse_image
from reportflow.parsers.formats.pdf import PageRenderer
from reportflow.parsers.ocr import second_opinion
from reportflow.parsers.ocr.second_opinion import Opinion, better, reconsider
from reportflow.parsers.ocr.tesseract import OcrSettings
from reportflow.parsers.vietnamese.word_pairs import (
    PAIRS_FILE,
    both_better_in_context,
    doubtful_in_context,
    is_word,
    neighbours,
    word_pairs,
)
from tests.helpers.corpus import corpus_path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # Debian's fonts-dejavu-core (make setup)


def _letters(word: str, offered: dict[str, list[str]] | None = None) -> list[list[str]]:
    """Tesseract's readings of each letter: the letter itself, then what `offered` adds for it."""
    return [[c, *(offered or {}).get(c, [])] for c in word]


def test_the_shipped_list_names_its_source_and_licence_and_holds_two_syllable_words() -> None:
    header = [line for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("pyvi==0.1.1" in line for line in header)
    assert any("MIT License" in line and "Viet-Trung Tran" in line for line in header)
    assert len(word_pairs()) > 20000
    assert all(len(pair) == 2 for pair in word_pairs())


def test_a_word_is_found_whatever_its_case_and_tone_placement() -> None:
    assert is_word("đơn", "vị")
    assert is_word("ĐƠN", "VỊ")
    assert is_word("Ủy", "ban") and is_word("uỷ", "ban")  # the list spells it `uỷ ban`
    assert not is_word("đơn", "vi")
    assert not is_word("vị", "đơn")  # order matters


def test_a_syllable_is_doubtful_only_where_other_marks_would_make_a_word() -> None:
    assert doubtful_in_context("đơn", "vi", None)
    assert not doubtful_in_context("đơn", "vị", None)  # already a word
    assert not doubtful_in_context(None, "vi", None)  # no neighbour
    assert doubtful_in_context(None, "don", "vi")  # `đơn vị`: marks on both


def test_neighbours_are_the_adjacent_words_without_punctuation_between() -> None:
    assert neighbours(["các", "đơn", "vi."], 2) == ("đơn", None)
    assert neighbours(["đơn,", "vi", "bằng"], 1) == (None, "bằng")
    assert neighbours(["đơn", "(vi)"], 1) == (None, None)
    assert neighbours(["04/QĐ", "vi"], 1) == (None, None)


def test_the_second_opinion_changes_a_confident_valid_word_only_into_a_word_with_its_neighbour() -> None:
    assert better("vi.", 96.6, Opinion(" vị.", 1.0), _letters("vi."), ("đơn", None)) == "vị."
    assert better("vi.", 96.6, Opinion(" vị.", 1.0), _letters("vi.")) == "vi."  # no neighbour: kept
    assert better("vi.", 96.6, Opinion(" vị.", 0.6), _letters("vi."), ("đơn", None)) == "vi."  # unsure
    assert better("vi.", 96.6, Opinion(" vị.", 1.0), [["v"], ["i", "ì", "í"], ["."]], ("đơn", None)) == "vi."


def test_a_word_tesseract_read_is_never_undone() -> None:
    assert better("an", 80.0, Opinion("ăn", 0.99), _letters("an", {"a": ["ă"]}), (None, "ninh")) == "an"
    assert better("an", 80.0, Opinion("ăn", 0.99), _letters("an", {"a": ["ă"]}), (None, "cơm")) == "ăn"


def test_two_neighbours_take_new_marks_together_only_where_neither_made_a_word() -> None:
    assert both_better_in_context("trong", ("don", "vi"), None, ("đơn", "vị"))
    assert not both_better_in_context("trong", ("don", "vi"), None, ("đơn", "vi"))  # one change: not a pair
    assert not both_better_in_context(None, ("don", "vi"), None, ("đơn", "vì"))  # `đơn vì` is no word
    assert not both_better_in_context(None, ("an", "ninh"), None, ("ăn", "nình"))  # `an ninh` is a word


def _drawn_line(truth: list[str]) -> tuple[Image.Image, list[tuple[float, float, float, float]]]:
    font = ImageFont.truetype(str(FONT), 40)
    page = Image.new("L", (1400, 120), 255)
    draw = ImageDraw.Draw(page)
    boxes, x = [], 40.0
    for word in truth:
        draw.text((x, 30), word, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, 30), word, font=font)
        boxes.append((float(left), float(top), float(right), float(bottom)))
        x = right + font.getlength(" ")
    return page, boxes


def test_confident_words_that_make_no_word_are_read_again_and_take_the_recognisers_marks() -> None:
    """`don vi.` read with high confidence where the page says `đơn vị.`: both change, their neighbours stay."""
    truth = ["đoàn", "thể", "trong", "đơn", "vị."]
    read = ["đoàn", "thể", "trong", "don", "vi."]
    page, boxes = _drawn_line(truth)
    words = [
        ((text, box, 97.0), _letters(text, {"o": ["ơ"], "d": ["đ"]})) for text, box in zip(read, boxes, strict=True)
    ]
    rows = reconsider(page, [((0.0, 0.0), words)])
    assert [word[0] for word, _ in rows[0][1]] == truth


def _without_word_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(second_opinion, "_doubtful_in_context", lambda rows: [])
    monkeypatch.setattr(second_opinion, "better_in_context", lambda *args: None)
    monkeypatch.setattr(second_opinion, "both_better_in_context", lambda *args: False)
    monkeypatch.setattr(second_opinion, "forms_word", lambda *args: False)


@pytest.mark.needs_tesseract
def test_no_right_word_of_a_born_digital_page_read_by_ocr_is_changed_by_its_neighbours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = corpus_path("seed", "seed.pdf").read_bytes()
    right = set(" ".join(b.text for b in parse_document(data).blocks).split())
    image, dpi = PageRenderer(data).render(0)
    page = io.BytesIO()
    image.save(page, "PNG", dpi=(dpi, dpi))
    with_context = [w for b in parse_image(page.getvalue(), OcrSettings()).blocks for w in b.text.split()]
    _without_word_context(monkeypatch)
    without = [w for b in parse_image(page.getvalue(), OcrSettings()).blocks for w in b.text.split()]
    assert len(without) == len(with_context)
    changed = [(a, b) for a, b in zip(without, with_context, strict=True) if a != b]
    assert ("vi.", "vị.") in changed  # `trong đơn vi.`: the dot below was read as the full stop
    assert [(a, b) for a, b in changed if a in right and b not in right] == []
