import pytest

from reportflow.parsers.vietnamese.legacy_fonts import (
    TCVN3,
    VNI,
    decode,
    detect_encoding,
    encode,
    font_encoding,
    is_vietnamese_syllable,
)
from tests.helpers.legacy_fonts import LOWER, TCVN3_OWN_UPPER, UPPER

SENTENCE = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Nước, người, đánh giá, khuyến khích."


def test_every_letter_and_tone_is_in_both_tables() -> None:
    assert len(LOWER) == 73
    special = [letter for letter in LOWER + UPPER if not letter.isascii()]
    assert all(encode(letter, VNI) != letter for letter in special if letter not in "ìíÌÍ")
    assert all(encode(letter, TCVN3) != letter for letter in special if letter.islower() and letter != "ý")


@pytest.mark.parametrize("letter", LOWER + list(TCVN3_OWN_UPPER))
def test_tcvn3_round_trip_lower_case_and_own_capitals(letter: str) -> None:
    encoded = encode(letter, TCVN3)
    assert len(encoded) == 1 and ord(encoded) <= 0xFF
    assert decode(encoded, TCVN3) == letter


@pytest.mark.parametrize("letter", UPPER)
def test_tcvn3_capitals_through_an_all_caps_font(letter: str) -> None:
    assert decode(encode(letter, TCVN3), TCVN3, all_caps=True) == letter


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_vni_round_trip_both_cases(letter: str) -> None:
    encoded = encode(letter, VNI)
    assert all(ord(c) <= 0xFF for c in encoded) and 1 <= len(encoded) <= 2
    assert decode(encoded, VNI) == letter


def test_codes_are_distinct() -> None:
    assert len({encode(c, TCVN3) for c in LOWER + list(TCVN3_OWN_UPPER)}) == len(LOWER) + 7
    assert len({encode(c, VNI) for c in LOWER + UPPER}) == len(LOWER) * 2


def test_text_round_trips_in_both_encodings() -> None:
    assert decode(encode(SENTENCE, VNI), VNI) == SENTENCE
    assert decode(encode(SENTENCE, TCVN3), TCVN3) == SENTENCE


def test_well_known_mojibake_from_the_references() -> None:
    # How these two lines look when a TCVN3 or VNI file is opened without its font.
    assert decode("Céng hoµ x· héi chñ nghÜa ViÖt Nam", TCVN3) == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert decode("§éc lËp - Tù do - H¹nh phóc", TCVN3) == "Độc lập - Tự do - Hạnh phúc"
    assert decode("n\xad\xedc ng\xad\xeai", TCVN3) == "nước người"
    assert decode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", VNI) == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert decode("ÑOÄC LAÄP - TÖÏ DO - HAÏNH PHUÙC", VNI) == "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"
    assert decode("nöôùc ngöôøi khuyeán khích", VNI) == "nước người khuyến khích"


def test_all_caps_font_capitalises_plain_letters_too() -> None:
    assert decode("céng hoµ", TCVN3, all_caps=True) == "CỘNG HOÀ"


def test_symbol_font_private_use_area_is_read_as_latin_1() -> None:
    assert decode("".join(chr(0xF000 + ord(c)) for c in "ViÖt"), TCVN3) == "Việt"


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", (TCVN3, False)),
        (".VnTimeH", (TCVN3, True)),
        (".VnArial", (TCVN3, False)),
        (".VnArial NarrowH", (TCVN3, True)),
        (".VnBook-Antiqua", (TCVN3, False)),
        ("ABCDEF+.VnTime", (TCVN3, False)),
        ("ABCDEF+.VnTimeH,Bold", (TCVN3, True)),
        ("VnTime-BoldItalic", (TCVN3, False)),
        ("VNI-Times", (VNI, False)),
        ("VNI-Helve", (VNI, False)),
        ("QWERTY+VNI-Times-Bold", (VNI, False)),
        ("Times New Roman", None),
        ("Arial", None),
        ("Verdana", None),
        ("+theme", None),
        (None, None),
    ],
)
def test_font_names(font: str | None, expected: tuple[str, bool] | None) -> None:
    assert font_encoding(font) == expected


def test_detects_tcvn3_and_vni_when_the_font_is_lost() -> None:
    text = SENTENCE * 2
    assert detect_encoding(encode(text, TCVN3)) == TCVN3
    assert detect_encoding(encode(text, VNI)) == VNI


@pytest.mark.parametrize(
    "text",
    [
        SENTENCE * 2,  # already Unicode
        "Le président a déclaré à la presse que la réforme était prête et que les élèves déjà inscrits suivront.",
        "Größere Veränderungen für die Bevölkerung, über die Straße hinweg, äußerst schön und natürlich.",
        "El niño pidió más información sobre la canción, la educación y la situación económica del año.",
        "Plain English text without a single accent, long enough to count words in it for sure.",
        "Céng hoµ x· héi",  # too short to be sure
    ],
)
def test_does_not_decode_unless_sure(text: str) -> None:
    assert detect_encoding(text) is None


def test_syllables() -> None:
    assert all(map(is_vietnamese_syllable, ["nghiêng", "người", "khuyến", "gì", "quá", "hoà", "thuý", "đ" + "ạo"]))
    assert not any(map(is_vietnamese_syllable, ["ộtộ", "grửòe", "fỹr", "prêt"]))
