from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jzcredit.common.dates import DateParseError, ParsedDate, iso_month, parse_date

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
# Spelled out rather than taken from strftime("%b"), which follows the locale.
_MONTH_ABBREVIATIONS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
MAY_13 = ParsedDate(date(2020, 5, 13), "day")

# The twenty forms of spec §3.1, each of which must read as 2020-05-13.
SPEC_FORMS: list[object] = [
    "2020-05-13",
    "2020/05/13",
    "2020/5/13",
    "2020.05.13",
    "2020.5.13",
    "20200513",
    "2020年5月13日",
    "2020年05月13日",
    "2020 年 5 月 13 日",
    "二〇二〇年五月十三日",
    "2020-05-13 10:30:00",
    "2020-05-13T10:30:00+08:00",
    "2020/5/13 10:30",
    "２０２０－０５－１３",
    "43964",
    datetime(2020, 5, 13, 0, 0),  # what openpyxl gives for a date cell
    "13-May-2020",
    "May 13, 2020",
    "2020-5-13",
    "2020年5月13号",
]


@pytest.mark.parametrize("value", SPEC_FORMS, ids=[str(v) for v in SPEC_FORMS])
def test_every_spec_form_parses_to_the_same_day(value: object) -> None:
    assert parse_date(value) == MAY_13  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        43964,
        43964.0,
        43964.75,
        "43964.5",
        20200513,
        date(2020, 5, 13),
        "2020-05-13T10:30:00.123+0800",
        "2020-05-13 10:30:00 +08:00",
        "13 May 2020",
        "13-may-2020",
        "May 13th, 2020",
        "２０２０年５月１３日",
        "二零二零年五月十三日",
        "2020年5月13日 10:30",
        "  2020-05-13  ",
        "13/05/2020",
        "13.05.2020",
        "13-05-2020 08:00",
    ],
)
def test_other_common_spellings_parse_too(value: str | int | float | date) -> None:
    assert parse_date(value) == MAY_13


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-05-12T20:00:00Z", date(2020, 5, 13)),
        ("2020-05-12T17:30:00-00:30", date(2020, 5, 13)),
        ("2020-05-13T23:30:00+09:00", date(2020, 5, 13)),
        ("2020-05-13T18:00:00+00:00", date(2020, 5, 14)),
        (datetime(2020, 5, 12, 16, 0, tzinfo=UTC), date(2020, 5, 13)),
        (datetime(2020, 5, 13, 1, 0, tzinfo=timezone(timedelta(hours=9))), date(2020, 5, 13)),
    ],
)
def test_aware_timestamps_give_the_day_in_shanghai(value: str | datetime, expected: date) -> None:
    assert parse_date(value) == ParsedDate(expected, "day")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13 Sept 2020", date(2020, 9, 13)),
        ("September 13, 2020", date(2020, 9, 13)),
        ("1-Jan-2021", date(2021, 1, 1)),
        ("Dec. 31, 2021", date(2021, 12, 31)),
    ],
)
def test_english_month_names_in_full_or_abbreviated(value: str, expected: date) -> None:
    assert parse_date(value) == ParsedDate(expected, "day")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("二〇二〇年十月一日", date(2020, 10, 1)),
        ("二〇二〇年十二月二十日", date(2020, 12, 20)),
        ("二〇二〇年一月三十一日", date(2020, 1, 31)),
        ("一九九九年二月二十八日", date(1999, 2, 28)),
        ("二〇〇八年八月八日", date(2008, 8, 8)),
    ],
)
def test_chinese_numeral_dates(value: str, expected: date) -> None:
    assert parse_date(value) == ParsedDate(expected, "day")


@pytest.mark.parametrize("value", ["05/06/2025", "01/02/2020", "12/12/2020", "05/13/2020", "5-6-2025"])
def test_day_month_order_is_never_guessed(value: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(value)
    assert caught.value.reason == "ambiguous_date"


def test_dayfirst_profile_reads_day_before_month() -> None:
    assert parse_date("05/06/2025", dayfirst=True) == ParsedDate(date(2025, 6, 5), "day")
    assert parse_date("13/05/2020", dayfirst=True) == MAY_13


def test_dayfirst_does_not_change_year_first_forms() -> None:
    assert parse_date("2020/05/06", dayfirst=True) == ParsedDate(date(2020, 5, 6), "day")


@pytest.mark.parametrize(
    "value",
    [
        "2020-02-30",
        "2025-02-29",
        "2020-13-01",
        "2020/00/10",
        "20201301",
        "2020年2月30日",
        "二〇二〇年二月三十日",
        "31/04/2020",
        "30-Feb-2020",
        "2020-05-13 24:00",
        "2020-05-13 10:61",
        "2020-13",
        "2020年13月",
        20201301,
    ],
)
def test_impossible_dates_are_invalid(value: str | int) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(value)
    assert caught.value.reason == "invalid_date"


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2020-05-13-01",
        "13-Mai-2020",
        "12345",
        "99999",
        "200513",
        "2020/05-13",
        "20-05-13",
        12345,
        99999,
        float("nan"),
        float("inf"),
        True,
    ],
)
def test_anything_else_is_unparseable(value: str | int | float) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(value)
    assert caught.value.reason == "unparseable_date"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_empty_is_none(value: str | None) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["2020年5月", "2020-05", "2020/5", "2020.5", "2020年05月份", "二〇二〇年五月", "May 2020"]
)
def test_month_only_values_keep_month_precision(value: str) -> None:
    assert parse_date(value) == ParsedDate(date(2020, 5, 1), "month")


def test_error_carries_reason_original_value_and_chinese_message() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date("２０２０－０２－３０")
    assert isinstance(caught.value, ValueError)
    assert caught.value.value == "２０２０－０２－３０"
    assert "日期不存在" in str(caught.value)


@pytest.mark.parametrize("value", ["2020-5", "2020-05", "2020/5", "2020年5月", "202005", "２０２０年５月"])
def test_iso_month_reads_month_forms(value: str) -> None:
    assert iso_month(value) == "2020-05"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2020-13", "invalid_date"), ("202013", "invalid_date"), ("May", "unparseable_date"), ("", "unparseable_date")],
)
def test_iso_month_refuses_other_values(value: str, reason: str) -> None:
    with pytest.raises(DateParseError) as caught:
        iso_month(value)
    assert caught.value.reason == reason


@given(st.dates(min_value=date(1954, 10, 3), max_value=date(2119, 1, 10)))
def test_excel_serials_round_trip(day: date) -> None:
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial) == ParsedDate(day, "day")
    assert parse_date(str(serial)) == ParsedDate(day, "day")


@given(st.dates(min_value=date(1000, 1, 1)), st.booleans())
def test_unambiguous_forms_of_any_day_round_trip(day: date, dayfirst: bool) -> None:
    expected = ParsedDate(day, "day")
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
        f"{day.day:02d}-{_MONTH_ABBREVIATIONS[day.month - 1]}-{day.year}",
    ):
        assert parse_date(text, dayfirst=dayfirst) == expected


@given(st.dates(min_value=date(1900, 1, 1)))
def test_day_month_year_is_ambiguous_unless_day_above_twelve_or_dayfirst(day: date) -> None:
    text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    assert parse_date(text, dayfirst=True) == ParsedDate(day, "day")
    if day.day > 12:
        assert parse_date(text) == ParsedDate(day, "day")
    else:
        with pytest.raises(DateParseError):
            parse_date(text)


def _penalty_dates() -> list[str]:
    path = DATA / "penalties-shuanggongshi.gb18030.csv"
    if not path.exists():
        pytest.skip(f"sample data not found at {DATA}")
    with path.open(encoding="gb18030", newline="") as handle:
        return [row["处罚决定日期"] for row in csv.DictReader(handle)]


def test_sample_penalty_dates_parse_except_the_ambiguous_and_the_impossible_one() -> None:
    reasons: list[str] = []
    for value in _penalty_dates():
        try:
            assert parse_date(value) is not None
        except DateParseError as error:
            reasons.append(error.reason)
    assert sorted(reasons) == ["ambiguous_date", "invalid_date"]


def test_sample_court_filing_dates_parse() -> None:
    path = DATA / "court-dishonest.csv"
    if not path.exists():
        pytest.skip(f"sample data not found at {DATA}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    filed = [parse_date(r["立案时间"]) for r in rows]
    assert filed[0] == ParsedDate(date(2025, 2, 10), "day")
    assert all(parsed is not None for parsed in filed)
    assert all(parse_date(r["发布时间"]) is not None for r in rows)
