"""jinan-scale on both engines: the highest tier that holds, each month checked, every eligibility condition."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, set_grade
from tests.programs.helpers import RULES, add_entry, add_figures, by_key, months, rules_with, scope, stub

from jzcredit.errors import Misconfigured
from jzcredit.programs import jinan
from jzcredit.programs.common import Outcome, result
from jzcredit.registry.models import Company

YEAR = 2025


def run(s: Session, region: str | None = None) -> dict[str, Outcome]:
    return by_key(jinan.run_scale(s, year=YEAR, scope=scope(region), rules=RULES.jinan_scale))


def jinan_company(s: Session, **kwargs: object) -> Company:
    values: dict[str, object] = {"region_code": "370102", "established_on": date(2015, 5, 1)} | kwargs
    return add_company(s, **values)  # type: ignore[arg-type]


def test_one_month_short_lands_one_tier_lower_and_names_that_month(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        steady, dip = jinan_company(s), jinan_company(s)
        add_figures(s, steady, year=YEAR, revenue="120000000", payroll=1000)
        add_figures(s, dip, year=YEAR, revenue="120000000",
                    payroll=dict.fromkeys(months(YEAR), 1000) | {"2025-07": 980})
        out = run(s)
    held = out[steady.uscc]
    assert (held.tier, held.amount) == ("2", Decimal("2500000"))
    lower = out[dip.uscc]
    assert (lower.tier, lower.amount) == ("3", Decimal("1000000"))
    assert any(r.startswith("达到第3档") for r in lower.reasons)
    (missed_2,) = [r for r in lower.reasons if r.startswith("未达第2档")]
    assert "2025-07 代发工资人数 980 < 1000" in missed_2
    assert "2025-06" not in missed_2 and "营业收入" not in missed_2.split("：", 1)[1]  # only July fell short
    tier_2 = next(t for t in lower.extra["tiers"] if t["tier"] == "2")
    assert tier_2 == {"tier": "2", "held": False, "shortfalls": ["2025-07 代发工资人数 980 < 1000"]}
    assert result(lower)["amount"] == "1000000.00" and result(lower)["tier"] == "3"


def test_thresholds_hold_exactly_at_the_number(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        exact, cent_short, head_short = jinan_company(s), jinan_company(s), jinan_company(s)
        add_figures(s, exact, year=YEAR, revenue="150000000", payroll=2000)
        add_figures(s, cent_short, year=YEAR, revenue="149999999.99", payroll=2000)
        add_figures(s, head_short, year=YEAR, revenue="150000000",
                    payroll=dict.fromkeys(months(YEAR), 2000) | {"2025-12": 1999})
        lowest = jinan_company(s)
        add_figures(s, lowest, year=YEAR, revenue="3000000", payroll=100)
        out = run(s)
    assert (out[exact.uscc].tier, out[exact.uscc].amount) == ("1", Decimal("5000000"))
    assert out[cent_short.uscc].tier == "2"
    assert any("营业收入 149,999,999.99 元 < 150,000,000 元" in r for r in out[cent_short.uscc].reasons)
    assert out[head_short.uscc].tier == "2"
    assert any("2025-12 代发工资人数 1999 < 2000" in r for r in out[head_short.uscc].reasons)
    assert (out[lowest.uscc].tier, out[lowest.uscc].amount) == ("5", Decimal("200000"))


def test_a_missing_month_or_revenue_falls_short(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        gap, no_revenue, nothing = jinan_company(s), jinan_company(s), jinan_company(s)
        add_figures(s, gap, year=YEAR, revenue="60000000", payroll=dict.fromkeys(months(YEAR), 600) | {"2025-03": None})
        add_figures(s, no_revenue, year=YEAR, revenue=None, payroll=5000)
        out = run(s)
    assert out[gap.uscc].tier is None and out[gap.uscc].amount == 0
    assert out[gap.uscc].reasons[1] == "未达到任何一档，不予扶持"
    assert all("2025-03 无代发工资人数数据" in r for r in out[gap.uscc].reasons if r.startswith("未达第"))
    assert out[no_revenue.uscc].tier is None
    assert any("未报送 2025 年营业收入" in r for r in out[no_revenue.uscc].reasons)
    assert out[nothing.uscc].tier is None and out[nothing.uscc].extra["revenue"] is None
    assert out[nothing.uscc].extra["payroll"] == dict.fromkeys(months(YEAR))


def test_established_three_years_by_the_end_of_the_year_to_the_day(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        on_the_day = jinan_company(s, established_on=date(2022, 12, 31))
        a_day_late = jinan_company(s, established_on=date(2023, 1, 1))
        unknown = jinan_company(s, established_on=None)
        for c in (on_the_day, a_day_late, unknown):
            add_figures(s, c, year=YEAR, revenue="3000000", payroll=100)
        out = run(s)
    assert out[on_the_day.uscc].tier == "5"
    assert "成立于 2022-12-31，至 2025-12-31 已满 3 年" in out[on_the_day.uscc].reasons[0]
    late = out[a_day_late.uscc]
    assert (late.tier, late.amount, late.extra["eligible"]) == (None, Decimal(0), False)
    assert late.reasons == ["不符合申报条件：成立于 2023-01-01，至 2025-12-31 不满 3 年（满 3 年之日为 2026-01-01）"]
    assert out[unknown.uscc].reasons == ["不符合申报条件：成立日期未登记，无法确认至 2025-12-31 已满 3 年"]


def test_black_list_and_grade_d_make_a_company_ineligible(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        black, expired, grade_d, grade_c = (jinan_company(s) for _ in range(4))
        entry = add_entry(s, black)
        add_entry(s, expired, published_on=date(2023, 1, 5), expires_on=date(2026, 1, 4))
        set_grade(s, grade_d.subject_id, "D")
        set_grade(s, grade_c.subject_id, "C")
        for c in (black, expired, grade_d, grade_c):
            add_figures(s, c, year=YEAR, revenue="3000000", payroll=100)
        out = run(s)
    assert out[black.uscc].amount == 0 and out[black.uscc].tier is None
    assert out[black.uscc].reasons == [f"不符合申报条件：列入黑名单（名单条目 {entry.id}，规则 B1，"
                                       "有效期至 2029-01-04），按奖惩措施限制财政补贴"]
    assert out[expired.uscc].tier == "5"
    assert out[grade_d.uscc].reasons == ["不符合申报条件：信用等级 D，不予扶持"]
    assert out[grade_c.uscc].tier == "5" and "信用等级 C" in out[grade_c.uscc].reasons[0]


def test_only_companies_registered_in_jinan_qualify(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        qingdao = jinan_company(s, region_code="370202")
        add_figures(s, qingdao, year=YEAR, revenue="3000000", payroll=100)
        beijing_silent = jinan_company(s, region_code="110105")
        linked = stub(s, jinan_company(s))
        add_figures(s, linked, year=YEAR, revenue="3000000", payroll=100)
        jinan_silent = jinan_company(s)
        out = run(s)
        in_city = run(s, region="370100")
    assert beijing_silent.uscc not in out  # neither in Jinan nor reporting: not an applicant
    assert out[qingdao.uscc].reasons == ["不符合申报条件：注册地行政区划 370202，不在 3701 开头的区划内"]
    assert len(out[linked.uscc].reasons) == 2 and out[linked.uscc].amount == 0
    assert out[jinan_silent.uscc].reasons[1] == "未达到任何一档，不予扶持"
    assert set(in_city) == {jinan_silent.uscc}


def test_tiers_and_the_region_are_settings(sessions: sessionmaker[Session]) -> None:
    rules = rules_with(jinan_scale={"region_prefix": "3702", "min_years_established": 0, "excluded_grades": [],
                                    "tiers": [{"revenue": 1, "headcount": 1, "amount": "12.5"}]})
    with sessions() as s, s.begin():
        qingdao = jinan_company(s, region_code="370202", established_on=date(2025, 12, 31))
        set_grade(s, qingdao.subject_id, "D")
        add_figures(s, qingdao, year=YEAR, revenue="1", payroll=1)
        (out,) = jinan.run_scale(s, year=YEAR, scope=scope(), rules=rules.jinan_scale)
    assert (out.tier, out.amount) == ("1", Decimal("12.5")) and result(out)["amount"] == "12.50"


@pytest.mark.parametrize("tiers", [[], [{"revenue": 1, "headcount": -1, "amount": 1}], [{"revenue": "x",
                                                                                         "headcount": 1, "amount": 1}]])
def test_bad_tier_settings_are_refused_naming_the_setting(tiers: list[dict[str, object]]) -> None:
    with pytest.raises(Misconfigured, match=r"programs\.jinan_scale\.tiers"):
        rules_with(jinan_scale={"tiers": tiers})
