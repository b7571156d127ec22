from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jzcredit.common.text import (
    normalise_code,
    normalise_company_name,
    normalise_text,
    parse_amount,
    parse_bool,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  济南　诚信\t家政  ", "济南 诚信 家政"),
        ("２０２０（ABC）", "2020(ABC)"),
        ("a\u00a0\u00a0b", "a b"),
        ("line\nbreak", "line break"),
        ("", ""),
    ],
)
def test_normalise_text_applies_nfkc_trims_and_collapses_white_space(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_normalise_text_keeps_control_characters_verbatim() -> None:
    assert normalise_text("a\x00b") == "a\x00b"


@given(st.text())
def test_normalise_text_is_idempotent(s: str) -> None:
    assert normalise_text(normalise_text(s)) == normalise_text(s)


def test_normalise_code_removes_all_white_space_and_upper_cases() -> None:
    assert normalise_code(" ９１３１ ０１０４４ｊｈｑ３Ａ１Ｄ２Ｄ　") == "913101044JHQ3A1D2D"


@pytest.mark.parametrize(
    "raw",
    [
        "济南诚信家政服务有限公司（历下分公司）",
        "济南诚信家政服务有限公司(历下分公司)",
        "济南诚信家政服务有限公司 ( 历下分公司 ) ",
        "济南诚信家政服务有限公司（历下分公司)",
    ],
)
def test_company_names_use_chinese_full_width_brackets(raw: str) -> None:
    assert normalise_company_name(raw) == "济南诚信家政服务有限公司（历下分公司）"


def test_company_name_keeps_inner_spaces_away_from_brackets() -> None:
    assert normalise_company_name("ABC  Home　Services") == "ABC Home Services"


@pytest.mark.parametrize("raw", ["yes", "YES", "y", "true", "True", "1", "是", " 是 ", "有", 1, True])
def test_parse_bool_reads_true_words(raw: str | int | bool) -> None:
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["no", "N", "false", "0", "否", "无", "", "  ", None, 0, False])
def test_parse_bool_reads_false_words_and_empty_as_false(raw: str | int | bool | None) -> None:
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "是否", "ok", 2])
def test_parse_bool_refuses_anything_else(raw: str | int) -> None:
    with pytest.raises(ValueError):
        parse_bool(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("8000元", Decimal("8000")),
        ("人民币8000元", Decimal("8000")),
        ("￥1，000", Decimal("1000")),
        ("１２", Decimal("12")),
        ("0.8", Decimal("0.8")),
        (" 12 ", Decimal("12")),
        ("-5", Decimal("-5")),
        (12, Decimal("12")),
        (0.1, Decimal("0.1")),
        (Decimal("3.5"), Decimal("3.5")),
    ],
)
def test_parse_amount_reads_numbers_with_separators_and_units(
    raw: str | int | float | Decimal, expected: Decimal
) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "元", None])
def test_parse_amount_of_empty_is_none(raw: str | None) -> None:
    assert parse_amount(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12万", "NaN", "Infinity", "1e5", "1.2.3", float("nan"), True])
def test_parse_amount_refuses_what_is_not_a_plain_number(raw: str | float | bool) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw)
