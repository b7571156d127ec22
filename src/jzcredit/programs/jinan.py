"""济南市家政服务业发展专项资金 (seed 002): the scale-operation subsidy (规模化经营, ``jinan-scale``) and
the community store reward (社区家政网点, ``jinan-stores``).

Both read the year's figures as ingested (``revenue``, ``payroll_monthly``, ``stores``) and the
company's standing on the run date (black list, grade).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from jzcredit.programs.common import (
    GRADE_UNKNOWN,
    CompanyRow,
    ListMark,
    Outcome,
    Scope,
    cny,
    company_rows,
    grades,
    list_marks,
    money,
    year_end,
)
from jzcredit.programs.rules import JinanScaleRules, JinanStoresRules, ScaleTier
from jzcredit.records.policy import add_years
from jzcredit.registry.models import Company, CompanyFigure, Store

PER_STORE, CAPPED = "per_store", "capped"


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


# --- conditions both programs share ------------------------------------------------------------


def region_check(c: CompanyRow, prefix: str) -> tuple[bool, str]:
    if not c.region_code:
        return False, f"未登记注册地行政区划，无法确认在 {prefix} 开头的区划内注册"
    ok = c.region_code.startswith(prefix)
    return ok, f"注册地行政区划 {c.region_code}，{'在' if ok else '不在'} {prefix} 开头的区划内"


def black_check(marks: list[ListMark]) -> tuple[bool, str]:
    black = [m for m in marks if m.list_name == "black"]
    if not black:
        return True, "未列入黑名单"
    return False, "列入" + "；".join(m.describe() for m in black) + "，按奖惩措施限制财政补贴"


def _verdict(checks: list[tuple[bool, str]]) -> tuple[bool, list[str]]:
    """Eligible when every check holds: one line listing them all, or one line per failed check."""
    failed = [text for ok, text in checks if not ok]
    if failed:
        return False, [f"不符合申报条件：{text}" for text in failed]
    return True, ["符合申报条件：" + "；".join(text for _, text in checks)]


# --- jinan-scale ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleFigures:
    revenue: Decimal | None  # figure ``revenue`` for the year (includes payroll paid on behalf)
    payroll: dict[str, int | None]  # bank-paid payroll head-count per month YYYY-MM; None = not reported


def scale_figures(session: Session, scope: Scope, year: int) -> dict[int, ScaleFigures]:
    months = months_of(year)
    rows = session.execute(
        select(CompanyFigure.company_id, CompanyFigure.figure, CompanyFigure.period, CompanyFigure.value)
        .join(Company, Company.subject_id == CompanyFigure.company_id)
        .where(scope.company(), or_((CompanyFigure.figure == "revenue") & (CompanyFigure.period == str(year)),
                                    (CompanyFigure.figure == "payroll_headcount") & CompanyFigure.period.in_(months))))
    revenue: dict[int, Decimal] = {}
    payroll: dict[int, dict[str, int | None]] = defaultdict(lambda: dict.fromkeys(months))
    for cid, figure, period, value in rows:
        if figure == "revenue":
            revenue[cid] = Decimal(value)
        else:
            payroll[cid][period] = int(Decimal(value))
    return {cid: ScaleFigures(revenue.get(cid), dict(payroll[cid]) if cid in payroll else dict.fromkeys(months))
            for cid in set(revenue) | set(payroll)}


def established_check(c: CompanyRow, year: int, years: int) -> tuple[bool, str]:
    """Established at least ``years`` years by the end of the year (the anniversary itself counts)."""
    end = year_end(year)
    if c.established_on is None:
        return False, f"成立日期未登记，无法确认至 {end} 已满 {years} 年"
    due = add_years(c.established_on, years)
    if due <= end:
        return True, f"成立于 {c.established_on}，至 {end} 已满 {years} 年"
    return False, f"成立于 {c.established_on}，至 {end} 不满 {years} 年（满 {years} 年之日为 {due}）"


def grade_check(grade: str | None, excluded: tuple[str, ...]) -> tuple[bool, str]:
    if grade is None:
        return True, f"{GRADE_UNKNOWN}（不属于 {'、'.join(excluded)} 级）"
    ok = grade not in excluded
    return ok, f"信用等级 {grade}" + ("" if ok else "，不予扶持")


def tier_condition(tier: ScaleTier) -> str:
    return (f"{tier.label}（营业收入 ≥ {cny(tier.revenue)} 元、每月代发工资人数 ≥ {tier.headcount} 人，"
            f"扶持 {cny(tier.amount)} 元）")


def shortfalls(tier: ScaleTier, figures: ScaleFigures, year: int) -> list[str]:
    """Why the tier does not hold: the revenue and EACH month that fell short (a missing month falls short)."""
    out = []
    if figures.revenue is None:
        out.append(f"未报送 {year} 年营业收入")
    elif figures.revenue < tier.revenue:
        out.append(f"营业收入 {cny(figures.revenue)} 元 < {cny(tier.revenue)} 元")
    for month, count in figures.payroll.items():
        if count is None:
            out.append(f"{month} 无代发工资人数数据")
        elif count < tier.headcount:
            out.append(f"{month} 代发工资人数 {count} < {tier.headcount}")
    return out


def scale_tiers(figures: ScaleFigures, rules: JinanScaleRules, year: int) -> tuple[ScaleTier | None, list[str],
                                                                                    list[dict[str, Any]]]:
    """The highest tier that holds, the reasons (that tier, then every higher tier's shortfalls), and per tier."""
    held: ScaleTier | None = None
    missed: list[str] = []
    detail: list[dict[str, Any]] = []
    for tier in rules.tiers:
        short = shortfalls(tier, figures, year)
        detail.append({"tier": str(tier.rank), "held": not short, "shortfalls": short})
        if not short:
            held = tier
            break
        missed.append(f"未达{tier_condition(tier)}：" + "；".join(short))
    if held is None:
        return None, ["未达到任何一档，不予扶持", *missed], detail
    low = min((c for c in figures.payroll.values() if c is not None), default=0)
    low_month = next(m for m, c in figures.payroll.items() if c == low)
    head = (f"达到{tier_condition(held)}：营业收入 {cny(figures.revenue or Decimal(0))} 元，12 个月代发工资人数"
            f"最低 {low} 人（{low_month}）")
    return held, [head, *missed], detail


def _scale_outcome(c: CompanyRow, *, year: int, grade: str | None, marks: list[ListMark],
                   figures: ScaleFigures, rules: JinanScaleRules) -> Outcome:
    eligible, reasons = _verdict([region_check(c, rules.region_prefix),
                                  established_check(c, year, rules.min_years_established),
                                  black_check(marks), grade_check(grade, rules.excluded_grades)])
    extra: dict[str, Any] = {"eligible": eligible, "grade": grade,
                             "revenue": None if figures.revenue is None else money(figures.revenue),
                             "payroll": figures.payroll, "tier_label": None, "tiers": []}
    if not eligible:
        return Outcome(c, Decimal(0), None, reasons, extra)
    held, tier_reasons, detail = scale_tiers(figures, rules, year)
    extra |= {"tiers": detail, "tier_label": held.label if held else None}
    return Outcome(c, held.amount if held else Decimal(0), str(held.rank) if held else None,
                   [*reasons, *tier_reasons], extra)


def run_scale(session: Session, *, year: int, scope: Scope, rules: JinanScaleRules) -> list[Outcome]:
    """Companies registered inside the prefix, and any other company in scope that reported the year's figures."""
    figures = scale_figures(session, scope, year)
    reported = exists(select(CompanyFigure.id).where(
        CompanyFigure.company_id == Company.subject_id, CompanyFigure.figure.in_(("revenue", "payroll_headcount")),
        CompanyFigure.period.in_([str(year), *months_of(year)])))
    companies = company_rows(session, scope, or_(Company.region_code.startswith(rules.region_prefix), reported))
    graded, marks = grades(session, scope), list_marks(session, scope)
    empty = ScaleFigures(None, dict.fromkeys(months_of(year)))
    return [_scale_outcome(c, year=year, grade=graded.get(c.subject_id), marks=marks.get(c.subject_id, []),
                           figures=figures.get(c.subject_id, empty), rules=rules) for c in companies]


# --- jinan-stores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewStore:
    address: str
    area_m2: Decimal
    opened_on: date

    def describe(self) -> str:
        return f"门店 {self.address}（{self.area_m2.normalize():f} m²，{self.opened_on} 开业）"


def stores_opened(session: Session, scope: Scope, year: int) -> dict[int, list[NewStore]]:
    rows = session.execute(
        select(Store.company_id, Store.address, Store.area_m2, Store.opened_on)
        .join(Company, Company.subject_id == Store.company_id)
        .where(scope.company(), Store.opened_on >= date(year, 1, 1), Store.opened_on <= year_end(year))
        .order_by(Store.opened_on, Store.id))
    out: dict[int, list[NewStore]] = defaultdict(list)
    for cid, address, area, opened_on in rows:
        out[cid].append(NewStore(address, Decimal(area), opened_on))
    return out


def credit_record_check(c: CompanyRow, year: int) -> tuple[bool, str]:
    """在平台建立企业信用记录: on the platform (not a stub) and onboarded by the end of the year."""
    if not c.on_platform:
        return False, "未在平台建立企业信用档案（仅因其他部门的记录关联，未入驻平台）"
    if c.onboarded_on is None:
        return False, "未登记入驻平台日期，无法确认已在平台建立企业信用档案"
    if c.onboarded_on > year_end(year):
        return False, f"入驻平台日期 {c.onboarded_on} 晚于申报期末 {year_end(year)}"
    return True, f"已在平台建立企业信用档案（{c.onboarded_on} 入驻平台）"


def store_lines(stores: list[NewStore], eligible: bool, rules: JinanStoresRules) -> tuple[int, list[str],
                                                                                           list[dict[str, Any]]]:
    counted, lines, detail = 0, [], []
    for s in stores:
        if not eligible:
            ok, why = False, "企业不符合申报条件"
        elif s.area_m2 < rules.min_area_m2:
            ok, why = False, f"面积 {s.area_m2.normalize():f} m² < {rules.min_area_m2.normalize():f} m²"
        else:
            ok, why = True, f"奖励 {cny(rules.amount_per_store)} 元"
        counted += ok
        lines.append(f"{'计入' if ok else '不计入'}：{s.describe()}，{why}")
        detail.append({"address": s.address, "area_m2": f"{s.area_m2.normalize():f}", "opened_on": s.opened_on,
                       "counted": ok, "reason": why})
    return counted, lines, detail


def _stores_outcome(c: CompanyRow, *, year: int, marks: list[ListMark], stores: list[NewStore],
                    rules: JinanStoresRules) -> Outcome:
    checks = [region_check(c, rules.region_prefix), credit_record_check(c, year)]
    if rules.exclude_black_listed:
        checks.append(black_check(marks))
    eligible, reasons = _verdict(checks)
    counted, lines, detail = store_lines(stores, eligible, rules)
    extra = {"eligible": eligible, "stores_opened": len(stores), "stores_counted": counted, "stores": detail}
    reasons.extend(lines)
    if not eligible:
        return Outcome(c, Decimal(0), None, reasons, extra)
    if not stores:
        reasons.append(f"{year} 年无新开门店记录，奖励 0 元")
        return Outcome(c, Decimal(0), PER_STORE, reasons, extra)
    full = rules.amount_per_store * counted
    if full > rules.cap:
        reasons.append(f"计入 {counted} 个门店 × {cny(rules.amount_per_store)} 元 = {cny(full)} 元，超过每家企业上限 "
                       f"{cny(rules.cap)} 元，按上限 {cny(rules.cap)} 元")
        return Outcome(c, rules.cap, CAPPED, reasons, extra)
    reasons.append(f"计入 {counted} 个门店 × {cny(rules.amount_per_store)} 元 = {cny(full)} 元")
    return Outcome(c, full, PER_STORE, reasons, extra)


def run_stores(session: Session, *, year: int, scope: Scope, rules: JinanStoresRules) -> list[Outcome]:
    """Companies registered inside the prefix, and any other company in scope with a store opened in the year."""
    stores = stores_opened(session, scope, year)
    opened = exists(select(Store.id).where(Store.company_id == Company.subject_id,
                                           Store.opened_on >= date(year, 1, 1), Store.opened_on <= year_end(year)))
    companies = company_rows(session, scope, or_(Company.region_code.startswith(rules.region_prefix), opened))
    marks = list_marks(session, scope)
    return [_stores_outcome(c, year=year, marks=marks.get(c.subject_id, []), stores=stores.get(c.subject_id, []),
                            rules=rules) for c in companies]
