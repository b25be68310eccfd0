"""The Block record checks its kind against the contract, and a table carries its rows of cells."""

from __future__ import annotations

import dataclasses

import pytest

from reportflow.parsers.text import table_block
from reportflow.schemas import Block
from reportflow.schemas.records import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_contract_kind_makes_a_block(kind: str) -> None:
    assert Block("x", kind=kind).kind == kind


@pytest.mark.parametrize("kind", ["paragraph", "Body", "", "list"])
def test_a_kind_outside_the_contract_is_refused(kind: str) -> None:
    with pytest.raises(ValueError, match=repr(kind)):
        Block("x", kind=kind)


def test_a_kind_changed_to_one_outside_the_contract_is_refused() -> None:
    with pytest.raises(ValueError, match="'signer'"):
        dataclasses.replace(Block("Nguyễn Văn A"), kind="signer")


def test_rows_belong_to_tables_only() -> None:
    with pytest.raises(ValueError, match="'body' block has table rows"):
        Block("a | b", rows=(("a", "b"),))
    table = table_block([["a", "b"]])
    assert table is not None
    with pytest.raises(ValueError, match="'recipients' block has table rows"):
        dataclasses.replace(table, kind="recipients")


def test_a_table_s_text_is_built_from_its_rows() -> None:
    table = table_block([["Tỉnh", "Số ca"], ["Lâm Đồng", ""], ["", ""], ["Đắk\u00a0Nông ", "98"]], page_number=2)
    assert table == Block(
        "Tỉnh | Số ca || Lâm Đồng | || Đắk Nông | 98",
        kind="table",
        page_number=2,
        rows=(("Tỉnh", "Số ca"), ("Lâm Đồng", ""), ("Đắk Nông", "98")),
    )


def test_a_cell_may_hold_the_separator_and_stays_one_cell() -> None:
    table = table_block([["Phòng A | Phòng B", "12"]])
    assert table is not None
    assert table.rows == (("Phòng A | Phòng B", "12"),)
    assert table.text == "Phòng A | Phòng B | 12"


def test_a_table_without_text_is_no_block() -> None:
    assert table_block([["", " "], ["\u200b"]]) is None
    assert table_block([]) is None
