import random
from datetime import date
from pathlib import Path

import pytest

from reportflow.flows.steps.dedup import DedupSettings, dedup_key, digits, flag_document
from reportflow.flows.steps.dedup_index import SeenIndex, load_index
from reportflow.flows.steps.store import Batch, DatasetStore
from reportflow.parsers import parse_document
from reportflow.schemas import Block, ParagraphRecord, ParsedDocument
from tests.helpers.corpus import corpus_path

LONG = (
    "Công an tỉnh tiếp tục phát huy vai trò thường trực tham mưu trong triển khai Đề án 06, đã phối hợp với "
    "các sở, ngành liên quan hoàn thành tham mưu Ủy ban nhân dân tỉnh ban hành 04 văn bản chỉ đạo, hướng dẫn "
    "thực hiện các nhiệm vụ trọng tâm trong tháng 10/2025."
)
OTHER = (
    "Sở Y tế chỉ đạo các cơ sở khám chữa bệnh tiếp tục sử dụng thẻ căn cước thay thẻ bảo hiểm y tế, bảo đảm "
    "quyền lợi của người bệnh, rút ngắn thời gian chờ đợi và giảm thủ tục giấy tờ khi đến khám tại cơ sở."
)


def _doc(*texts: str) -> ParsedDocument:
    return ParsedDocument("txt", "native", tuple(Block(t) for t in texts))


def _flags(records: list[ParagraphRecord]) -> list[tuple[bool, str | None, str | None, str | None]]:
    return [(p.is_duplicate, p.duplicate_of, p.dup_scope, p.similar_to) for p in records]


def _edit(text: str, positions: list[int]) -> str:
    chars = list(text)
    for i in positions:
        chars[i] = "x" if chars[i] != "x" else "y"
    return "".join(chars)


def test_ocr_noise_of_a_few_characters_is_a_near_duplicate() -> None:
    index = SeenIndex()
    flag_document("d1", _doc(LONG, OTHER), index, "r")
    noisy = _edit(LONG, [10, 50, 120])
    later = flag_document("d2", _doc("Tiêu đề khác hẳn", noisy), index, "r").paragraphs[1]
    assert (later.is_duplicate, later.duplicate_of, later.dup_scope) == (True, "d1:0", "corpus")
    assert later.similarity is not None and 0.97 < later.similarity < 1.0


@pytest.mark.parametrize(
    ("line", "edits"),
    [
        ("Đẩy mạnh phân cấp ủy quyền cho cấp xã ngay", [3, 30]),  # 42 characters, above the exact-only limit
        ("Đẩy mạnh phân cấp, ủy quyền, cắt giảm thủ tục hành chính các cấp trên địa bàn tỉnh", [3, 31, 60]),
    ],
)
def test_short_ocr_copy_a_few_characters_apart_is_flagged(line: str, edits: list[int]) -> None:
    index = SeenIndex()
    flag_document("d1", _doc(line), index, "r")
    later = flag_document("d2", _doc(_edit(line, edits)), index, "r").paragraphs[0]
    assert later.is_duplicate and later.duplicate_of == "d1:0"


def test_near_copy_within_a_document_has_document_scope() -> None:
    flagged = flag_document("d1", _doc(LONG, OTHER, _edit(LONG, [40])), SeenIndex(), "r")
    assert _flags(flagged.paragraphs)[2] == (True, "d1:0", "document", None)


def test_short_blocks_only_ever_match_exactly() -> None:
    index = SeenIndex()
    flag_document("d1", _doc("Ngày 17 tháng 7 năm 2017", "Lâm Văn Ảnh"), index, "r")
    later = flag_document("d2", _doc("Ngày 17 tháng 7 năm 2017.", "Lâm Văn Anh", "Lâm Văn Ánh"), index, "r")
    assert [p.is_duplicate for p in later.paragraphs] == [True, False, False]
    assert [p.similar_to for p in later.paragraphs] == [None, None, None]


def test_same_words_with_other_numbers_are_linked_never_flagged() -> None:
    index = SeenIndex()
    flag_document("oct", _doc(LONG), index, "r")
    november = LONG.replace("04 văn bản", "03 văn bản").replace("tháng 10/2025", "tháng 11/2025")
    later = flag_document("nov", _doc(november), index, "r").paragraphs[0]
    assert _flags([later]) == [(False, None, None, "oct:0")]
    assert later.similarity is not None and later.similarity > 0.98


@pytest.mark.parametrize(
    "other",
    [
        # shares a long phrase, says something else
        "Công an tỉnh tiếp tục phát huy vai trò thường trực tham mưu trong triển khai Đề án 06, nhưng việc cấp "
        "tài khoản định danh điện tử mức độ 2 cho người dân vùng sâu còn chậm do thiếu thiết bị và đường truyền.",
        # the same sentence frame, other subjects
        "Sở Tư pháp tiếp tục phát huy vai trò đầu mối tham mưu trong triển khai số hóa hộ tịch, đã phối hợp với "
        "các xã, phường liên quan hoàn thành tham mưu Ủy ban nhân dân tỉnh ban hành 04 văn bản chỉ đạo, hướng dẫn.",
        # the first half of the paragraph only
        LONG[: len(LONG) // 2],
    ],
)
def test_near_miss_is_not_flagged(other: str) -> None:
    index = SeenIndex()
    flag_document("d1", _doc(LONG), index, "r")
    later = flag_document("d2", _doc(other), index, "r").paragraphs[0]
    assert _flags([later]) == [(False, None, None, None)]


def test_flags_do_not_depend_on_how_documents_are_split_into_batches(tmp_path: Path) -> None:
    rng = random.Random(5)
    texts = [LONG, OTHER, _edit(LONG, [7]), OTHER.upper(), _edit(OTHER, [20, 90]), LONG.replace("04", "05")]
    docs = [_doc(*rng.sample(texts, 4)) for _ in range(6)]
    one = SeenIndex()
    expected = [flag_document(f"d{i}", d, one, "r") for i, d in enumerate(docs)]
    store = DatasetStore(tmp_path)
    got = []
    for i, d in enumerate(docs):  # every document in its own committed batch, the index reloaded each time
        with store.locked():
            index = load_index(store)
            flagged = flag_document(f"d{i}", d, index, "r")
            store.commit(f"b{i}", date(2026, 11, 26), Batch(paragraphs=flagged.paragraphs, index=index.unwritten()))
        got.append(flagged)
    assert [_flags(f.paragraphs) for f in got] == [_flags(f.paragraphs) for f in expected]
    assert [p.similarity for f in got for p in f.paragraphs] == [p.similarity for f in expected for p in f.paragraphs]


def test_index_persists_across_runs_and_reads_only_candidate_text(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    with store.locked():
        index = load_index(store)
        first = flag_document("night1", _doc("Báo cáo tháng", LONG, OTHER), index, "r1")
        store.commit("r1-0", date(2026, 11, 25), Batch(paragraphs=first.paragraphs, index=index.unwritten()))
    assert list((tmp_path / "_reportflow" / "index" / "ingest_date=2026-11-25").glob("part-r1-0.parquet"))
    with store.locked():
        index = load_index(store)
        assert index.frozen.size == 3
        later = flag_document("night2", _doc(_edit(LONG, [33, 99]), "Một đoạn mới hoàn toàn khác."), index, "r2")
    assert _flags(later.paragraphs) == [(True, "night1:1", "corpus", None), (False, None, None, None)]
    assert index.frozen._keys.keys() == {1}  # only the candidate's text was read back


def test_document_that_is_almost_all_another_is_marked_as_its_copy() -> None:
    index = SeenIndex()
    flag_document("docx", _doc("Báo cáo kết quả", LONG, OTHER, LONG.replace("04", "07")), index, "r")
    scan = _doc("Báo cáo kết quả", _edit(LONG, [5]), _edit(OTHER, [8, 60]), _edit(LONG.replace("04", "07"), [9]))
    assert flag_document("scan", scan, index, "r").duplicate_of_doc_id == "docx"
    assert flag_document("part", _doc(LONG), index, "r").duplicate_of_doc_id is None


def test_key_folds_tone_placement_in_words_with_two_marks() -> None:
    assert dedup_key("hoà hoạch") == dedup_key("hòa họach")
    assert dedup_key("ụ́a") == dedup_key("úạ")
    assert digits(dedup_key("ban hành 2.184 dịch vụ, 76,3%")) == ["2", "184", "76", "3"]


def test_settings_validate_themselves() -> None:
    with pytest.raises(ValueError, match="threshold"):
        DedupSettings(threshold=1.2)


def test_october_then_november_de_an_06(tmp_path: Path) -> None:
    folder = ("public", "vn-vbai-lamdong")
    october = parse_document(corpus_path(*folder, "BÁO CÁO ĐỀ ÁN 06 tháng 10.docx").read_bytes())
    november = parse_document(corpus_path(*folder, "BÁO CÁO ĐỀ ÁN 06 THÁNG 11.docx").read_bytes())
    store = DatasetStore(tmp_path)
    with store.locked():
        index = load_index(store)
        flagged = flag_document("oct", october, index, "r1")
        store.commit("r1-0", date(2025, 11, 1), Batch(paragraphs=flagged.paragraphs, index=index.unwritten()))
    with store.locked():
        nov = flag_document("nov", november, load_index(store), "r2").paragraphs
    october_keys = {dedup_key(b.text): b.text for b in october.blocks}
    word_for_word = [p for p in nov if dedup_key(p.text) in october_keys]
    assert len(word_for_word) >= 50 and len([p for p in word_for_word if len(p.text) > 200]) >= 10
    assert all(p.is_duplicate and p.dup_scope == "corpus" and p.similarity == 1.0 for p in word_for_word)
    other_numbers = [p for p in nov if p.similar_to is not None]
    assert len(other_numbers) >= 15
    assert not any(p.is_duplicate for p in other_numbers)
    near = [p for p in nov if p.is_duplicate and p.similarity is not None and p.similarity < 1.0]
    by_id = {f"oct:{i}": dedup_key(b.text) for i, b in enumerate(october.blocks)}
    assert all(digits(dedup_key(p.text)) == digits(by_id[str(p.duplicate_of)]) for p in near)
