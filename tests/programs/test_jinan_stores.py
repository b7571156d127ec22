"""jinan-stores on both engines: 20,000 per new store of at least 10 m², capped at 200,000, platform record only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company
from tests.programs.helpers import RULES, add_entry, add_store, by_key, rules_with, scope, stub

from jzcredit.programs import jinan
from jzcredit.programs.common import Outcome
from jzcredit.programs.rules import JinanStoresRules

YEAR = 2025


def run(s: Session, rules: JinanStoresRules = RULES.jinan_stores, region: str | None = None) -> dict[str, Outcome]:
    return by_key(jinan.run_stores(s, year=YEAR, scope=scope(region), rules=rules))


def test_each_store_of_at_least_ten_square_metres_opened_in_the_year_earns_the_reward(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        c = add_company(s)
        add_store(s, c, area="10", opened_on=date(2025, 1, 1), address="济南市历下区甲路1号")
        add_store(s, c, area="9.99", opened_on=date(2025, 6, 1), address="济南市历下区乙路2号")
        add_store(s, c, area="45.5", opened_on=date(2025, 12, 31), address="济南市历下区丙路3号")
        add_store(s, c, area="80", opened_on=date(2024, 12, 31), address="济南市历下区丁路4号")  # last year
        add_store(s, c, area="80", opened_on=date(2026, 1, 1), address="济南市历下区戊路5号")  # next year
        out = run(s)[c.uscc]
    assert (out.amount, out.tier) == (Decimal("40000"), jinan.PER_STORE)
    assert out.reasons[1:] == [
        "计入：门店 济南市历下区甲路1号（10 m²，2025-01-01 开业），奖励 20,000 元",
        "不计入：门店 济南市历下区乙路2号（9.99 m²，2025-06-01 开业），面积 9.99 m² < 10 m²",
        "计入：门店 济南市历下区丙路3号（45.5 m²，2025-12-31 开业），奖励 20,000 元",
        "计入 2 个门店 × 20,000 元 = 40,000 元"]
    assert (out.extra["stores_opened"], out.extra["stores_counted"]) == (3, 2)
    assert [st["counted"] for st in out.extra["stores"]] == [True, False, True]


def test_the_company_cap_applies_above_ten_stores(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        ten, eleven = add_company(s), add_company(s)
        for i in range(10):
            add_store(s, ten, area="12", opened_on=date(2025, 3, 1 + i))
        for i in range(11):
            add_store(s, eleven, area="12", opened_on=date(2025, 3, 1 + i))
        out = run(s)
    assert (out[ten.uscc].amount, out[ten.uscc].tier) == (Decimal("200000"), jinan.PER_STORE)
    assert out[ten.uscc].reasons[-1] == "计入 10 个门店 × 20,000 元 = 200,000 元"
    assert (out[eleven.uscc].amount, out[eleven.uscc].tier) == (Decimal("200000"), jinan.CAPPED)
    assert out[eleven.uscc].reasons[-1] == ("计入 11 个门店 × 20,000 元 = 220,000 元，超过每家企业上限 200,000 元，"
                                            "按上限 200,000 元")


def test_only_companies_with_a_platform_credit_record_in_jinan_qualify(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        linked = stub(s, add_company(s))
        late = add_company(s, onboarded_on=date(2026, 1, 1))
        never = add_company(s, onboarded_on=None)
        qingdao = add_company(s, region_code="370202")
        quiet = add_company(s)  # in Jinan, on the platform, no new store
        beijing = add_company(s, region_code="110105")  # neither in Jinan nor with a store: not listed
        for c in (linked, late, never, qingdao):
            add_store(s, c, area="20", opened_on=date(2025, 5, 5), address="济南市天桥区某路1号")
        out, in_city = run(s), run(s, region="370100")
    assert beijing.uscc not in out
    for c in (linked, late, never, qingdao):
        assert (out[c.uscc].amount, out[c.uscc].tier, out[c.uscc].extra["eligible"]) == (Decimal(0), None, False)
        assert out[c.uscc].reasons[-1] == ("不计入：门店 济南市天桥区某路1号（20 m²，2025-05-05 开业），"
                                           "企业不符合申报条件")
    assert "不符合申报条件：未在平台建立企业信用档案（仅因其他部门的记录关联，未入驻平台）" in out[linked.uscc].reasons
    assert out[late.uscc].reasons[0] == "不符合申报条件：入驻平台日期 2026-01-01 晚于申报期末 2025-12-31"
    assert out[never.uscc].reasons[0] == "不符合申报条件：未登记入驻平台日期，无法确认已在平台建立企业信用档案"
    assert out[qingdao.uscc].reasons[0] == "不符合申报条件：注册地行政区划 370202，不在 3701 开头的区划内"
    assert (out[quiet.uscc].amount, out[quiet.uscc].tier) == (Decimal(0), jinan.PER_STORE)
    assert out[quiet.uscc].reasons[-1] == "2025 年无新开门店记录，奖励 0 元"
    assert set(in_city) == {late.uscc, never.uscc, quiet.uscc}


def test_a_black_listed_company_gets_nothing_unless_the_setting_allows(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        c = add_company(s)
        entry = add_entry(s, c)
        add_store(s, c, area="20", opened_on=date(2025, 5, 5))
        refused = run(s)[c.uscc]
        allowed = run(s, rules_with(jinan_stores={"exclude_black_listed": False}).jinan_stores)[c.uscc]
    assert refused.amount == 0 and f"名单条目 {entry.id}" in refused.reasons[0]
    assert allowed.amount == Decimal("20000")


def test_amounts_area_and_cap_are_settings(sessions: sessionmaker[Session]) -> None:
    rules = rules_with(jinan_stores={"min_area_m2": "8.5", "amount_per_store": "1234.56", "cap": "2000"})
    with sessions() as s, s.begin():
        c = add_company(s)
        add_store(s, c, area="8.5", opened_on=date(2025, 5, 5))
        add_store(s, c, area="9", opened_on=date(2025, 5, 6))
        out = run(s, rules.jinan_stores)[c.uscc]
    assert (out.amount, out.tier) == (Decimal("2000"), jinan.CAPPED)
    assert "计入 2 个门店 × 1,234.56 元 = 2,469.12 元" in out.reasons[-1]
