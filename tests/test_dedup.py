from reportflow.flows.steps.dedup import SeenIndex, dedup_key, flag_document
from reportflow.schemas import Block, ParsedDocument

LEAD = "Ngày 11 tháng 7 năm 2017, Đảng bộ Sở tổ chức Hội nghị sơ kết."


def _doc(*texts: str) -> ParsedDocument:
    return ParsedDocument("txt", "native", tuple(Block(t) for t in texts))


def test_key_folds_case_punctuation_spacing_and_tone_placement() -> None:
    assert dedup_key("Hoà bình,  THUÝ!") == dedup_key("hòa bình thúy")
    assert dedup_key("Lao động- Thương binh") == dedup_key("Lao động - Thương binh")


def test_key_keeps_different_words_apart() -> None:
    assert dedup_key("hòa") != dedup_key("hoa")
    assert dedup_key("hòa") != dedup_key("hóa")
    assert dedup_key("Đảng") != dedup_key("Dang")


def test_repeat_within_document_points_to_first() -> None:
    flagged = flag_document("d1", _doc("Tiêu đề", LEAD, "  " + LEAD.upper(), "Khác"), SeenIndex(), "r")
    second = flagged.paragraphs[2]
    assert (second.is_duplicate, second.duplicate_of, second.dup_scope, second.similarity) == (
        True,
        "d1:1",
        "document",
        1.0,
    )
    assert [p.is_duplicate for p in flagged.paragraphs] == [False, False, True, False]
    assert flagged.duplicate_of_doc_id is None


def test_repeat_across_documents_is_corpus_scope() -> None:
    index = SeenIndex()
    flag_document("d1", _doc("Tiêu đề", LEAD), index, "r")
    later = flag_document("d2", _doc("Một tiêu đề khác", LEAD, LEAD), index, "r")
    assert [(p.is_duplicate, p.duplicate_of, p.dup_scope) for p in later.paragraphs] == [
        (False, None, None),
        (True, "d1:1", "corpus"),
        (True, "d1:1", "corpus"),
    ]


def test_same_content_in_another_document() -> None:
    index = SeenIndex()
    first = flag_document("d1", _doc("Tiêu đề", LEAD), index, "r")
    copy = flag_document("d2", _doc("TIÊU ĐỀ", LEAD + " "), index, "r")
    assert copy.content_hash == first.content_hash
    assert copy.duplicate_of_doc_id == "d1"
    assert flag_document("d3", _doc("Tiêu đề"), index, "r").duplicate_of_doc_id is None
