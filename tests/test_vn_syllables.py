"""Vietnamese syllables after OCR: valid spellings kept, invalid ones put right only from what OCR offered."""

from __future__ import annotations

import pytest

from reportflow.parsers.vietnamese.names import official_spelling
from reportflow.parsers.vietnamese.syllables import correct_word, is_valid_syllable, known_syllables
from tests.helpers.corpus import load_truth

VALID = [
    "quyết", "thuế", "hòa", "hoà", "thủy", "thuỷ", "gì", "giữa", "kỳ", "nghị", "QUẢNG", "NGÃI", "TỈNH",
    "khuya", "khuỷu", "rượu", "gửi", "yên", "xoong", "Đồng", "hoạch", "được", "the", "Nam", "DINH",
]  # fmt: skip
INVALID = [
    "quyét",  # a rhyme `-yet` needs its circumflex
    "viêc",  # a syllable ending in -c takes only the sắc or nặng tone
    "đưọc",  # `ưo` is no nucleus
    "ci",  # /k/ before i is spelled k
    "ka",  # and c before a
    "ngê",  # /ŋ/ before ê is spelled ngh
    "hòá",  # two tones
    "report",
]


@pytest.mark.parametrize("word", VALID)
def test_valid_syllables(word: str) -> None:
    assert is_valid_syllable(word)


@pytest.mark.parametrize("word", INVALID)
def test_invalid_syllables(word: str) -> None:
    assert not is_valid_syllable(word)


@pytest.mark.parametrize("word", [*VALID, "ngảy", "thảng", "nám", "UBND", "QĐ-BCĐ", "2025", "Số:", "ThS"])
def test_a_valid_word_or_no_syllable_is_never_changed(word: str) -> None:
    assert correct_word(word) == word


@pytest.mark.parametrize(
    ("word", "expected"),
    [("quyét", "quyết"), ("Quyét,", "Quyết,"), ("QUYET", "QUYẾT"), ("viẹc", "việc"), ("đưọc", "được"), ("hoc", "học")],
)
def test_an_invalid_syllable_gets_the_nearest_diacritics(word: str, expected: str) -> None:
    assert correct_word(word) == expected


def test_tesseract_s_alternatives_come_before_diacritic_guesses() -> None:
    # `Bac` alone is nearest to `Bác` (one mark); Tesseract's second choice for its `a` says `Bắc`.
    assert correct_word("Bac") == "Bác"
    assert correct_word("Bac", [["B"], ["a", "ắ"], ["c"]]) == "Bắc"


def test_alternatives_that_change_more_than_one_letter_spell_another_word() -> None:
    assert correct_word("XII,", [["X", "K"], ["I", "H"], ["I"], [","]]) == "XII,"  # no `KHI`
    assert correct_word("PAKN", [["P", "T"], ["A", "R"], ["K", "Ấ"], ["N"]]) == "PAKN"


def test_alternatives_that_spell_no_known_syllable_are_ignored() -> None:
    assert correct_word("quyét", [["q"], ["u"], ["y"], ["é", "x"], ["t"]]) == "quyết"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Ill", "III"), ("Il.", "II."), ("VIl", "VII"), ("Xl", "XI"), ("(Vl)", "(VI)"), ("VlII", "VIII")],
)
def test_a_roman_numeral_read_with_an_l_for_its_i_gets_its_i_back(word: str, expected: str) -> None:
    assert correct_word(word) == expected


@pytest.mark.parametrize("word", ["ll", "lll", "l", "IlX", "Lil", "IIlI", "III", "Ilo"])
def test_what_is_no_numeral_once_its_l_is_an_i_stays(word: str) -> None:
    assert correct_word(word) == word


def test_an_invalid_word_with_no_near_known_syllable_stays() -> None:
    assert correct_word("report") == "report"
    assert correct_word("Vietcombank") == "Vietcombank"


def test_known_syllables_come_from_the_shipped_word_list() -> None:
    known = known_syllables()
    assert len(known) > 3000
    assert known["thuế"] == 3 and "quyét" not in known


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("UY BAN NHAN DAN TINH QUANG NGAI", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"),
        ("UBND TỈNH QUẢNG NGAI", "UBND TỈNH QUẢNG NGÃI"),
        ("BAN CHÍ ĐẠO 138", "BAN CHỈ ĐẠO 138"),
        ("VIỆN KIEM SÁT NHÂN DAN TÓI CAO", "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO"),
        ("Quang Ngai, ngày 05 tháng 3 năm 2025", "Quảng Ngãi, ngày 05 tháng 3 năm 2025"),
        ("Doc lap - Tu do - Hanh phuc", "Độc lập - Tự do - Hạnh phúc"),
        ("Hà Nội, ngay 08 thang 3 nam 2019", "Hà Nội, ngày 08 tháng 3 năm 2019"),
        ("Số: 04/QD-BCD138", "Số: 04/QĐ-BCĐ138"),
        ("Số: 286/QD-VKSTC", "Số: 286/QĐ-VKSTC"),
        ("Tran Hoang Tuấn", "Trần Hoàng Tuấn"),
        ("‘Tran Ngọc Căng", "‘Trần Ngọc Căng"),
        ("NGUYEN VAN AN", "NGUYỄN VĂN AN"),
        ("UBND tinh Quang Ngai", "UBND tỉnh Quảng Ngãi"),  # a sentence's `tỉnh` stays in lower case
        ("Ho Dinh Tùng", "Hồ Đình Tùng"),
        # districts and communes, from the shipped list
        ("UBND HUYEN BINH SON", "UBND HUYỆN BÌNH SƠN"),
        ("Ủy ban nhân dân huyện Ba To", "Ủy ban nhân dân huyện Ba Tơ"),
        ("Xã Tinh An Tay, huyện Sơn Tịnh", "Xã Tịnh Ấn Tây, huyện Sơn Tịnh"),
        # the motto read with a few letters wrong, on a blurred photo
        ("0y Ma, CONG HOA XÃ HỘI CHÍ: NGHĨA VIDE NAM", "0y Ma, CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("Độc lập - tự do - Hạnh pho", "Độc lập - tự do - Hạnh phúc"),  # only the words read wrong change
        ("Độc lập – Tự do – Hạnh phíc.", "Độc lập – Tự do – Hạnh phúc."),
        ("ĐỘC LẬP - TỰ DO - HẠNH PHÚT", "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"),
        ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAN", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),  # HOÀ as printed
    ],
)
def test_official_names_get_their_diacritics_back(line: str, expected: str) -> None:
    assert official_spelling(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",  # the tone on another vowel is no error
        "Tỉnh Khánh Hoà",
        "ông về bình định lại",  # a sentence's words, not a name
        "Số: 575/UBND-KTTH",  # the D of UBND is dân's
        "Thực hiện Công văn số 4625/BNV-CCHC ngày 02/7/2025",
        "Tran and Hoang wrote this report",  # no name line
        "UBND tỉnh Quảng Ngãi",
        "leo lên cái thang 2 nam",  # no date
        "nước Cộng hòa xã hội chủ nghĩa Việt Nan",  # the nation's name in a sentence is no motto
        "Độc lập - Tự chủ - Hạnh phúc",  # a word away from the slogan is other words
        "nền độc lập, tự do, hạnh phước cho đất nước.",  # the slogan's words in a sentence
        "Vì Độc lập, Tự do, Hạnh phước của nhân dân",  # not apart by dashes
        "Chủ tịch UBND các huyện: Bình Sơn, Sơn Tịnh, Ba Tơ",  # what lies between words stays
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",  # not the whole name
        "Bộ Lao động - Thương binh và Xã hội",  # `Xã` before a word of a commune's letters, read with its marks
        "các xã, thị trấn và huyện binh son",  # a sentence's words
        "Phường 1, Quận 3",
    ],
)
def test_right_spellings_and_other_words_stay(line: str) -> None:
    assert official_spelling(line) == line


@pytest.mark.parametrize(
    "line",
    [
        "Huyện Thanh Tri",  # Thanh Trì (Hà Nội) and Thạnh Trị (Sóc Trăng): which one OCR read is not known
        "Xã Quang Tien",  # Quảng Tiên, Quảng Tiến, Quang Tiến
        "Xã Tịnh Ân Tây",  # a commune read with a wrong mark: too many communes share letters with words
    ],
)
def test_a_place_the_list_does_not_name_alone_stays_as_read(line: str) -> None:
    assert official_spelling(line) == line


@pytest.mark.parametrize("name", ["seed.docx", "seed.pdf", "seed.txt", "seed_scan.png"])
def test_the_truth_of_the_seed_documents_is_left_as_it_is(name: str) -> None:
    """Right Vietnamese text goes through both steps unchanged, word by word and line by line."""
    blocks = load_truth(name)["blocks"]
    words = [word for block in blocks for word in block["text"].split()]
    assert len(words) > 300
    assert [correct_word(word) for word in words] == words
    assert [official_spelling(block["text"]) for block in blocks] == [block["text"] for block in blocks]
