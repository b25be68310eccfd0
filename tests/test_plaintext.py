import pytest

from reportflow.parsers.formats.plaintext import parse_text
from reportflow.schemas import EmptyFileError

SEED_SHAPED = "Tiêu đề\r\n\r\n\u00a0 \u00a0 Đoạn một.\n  \n\t\nĐoạn hai.\n\u00a0\u00a0Lâm Văn Ảnh"


def _texts(data: bytes) -> list[str]:
    return [b.text for b in parse_text(data).blocks]


def test_one_block_per_line_indentation_ignored() -> None:
    assert _texts(SEED_SHAPED.encode()) == ["Tiêu đề", "Đoạn một.", "Đoạn hai.", "Lâm Văn Ảnh"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks(encoding: str) -> None:
    assert _texts(SEED_SHAPED.encode(encoding))[0] == "Tiêu đề"


def test_legacy_windows_encoding_is_recognised() -> None:
    text = (
        "Le rapport annuel présente les activités réalisées pendant l’année écoulée.\n"
        "Les dépenses de fonctionnement ont été maîtrisées, malgré la hausse des coûts de l’énergie.\n"
        "Le conseil a approuvé à l’unanimité le budget révisé, qui prévoit des économies.\n"
        "Les élèves des écoles élémentaires bénéficieront d’une cantine gratuite dès la rentrée.\n"
    )
    assert _texts(text.encode("cp1252")) == text.splitlines()


def test_white_space_only_file_is_empty() -> None:
    with pytest.raises(EmptyFileError):
        parse_text(" \n\u00a0\n\t".encode())
