"""What the three programs share: the companies in scope, grades, lists in force, money and years.

Companies are looked up with the same scope as the statistics (``reports.stats``): active companies
whose region code lies inside ``--region`` (national when none), and workers as the statistics count
them (an employment current on the day). Every figure is one grouped query over that scope, never a
query per company.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, not_, select
from sqlalchemy.orm import Session

from jzcredit.errors import Invalid
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company
from jzcredit.registry.service import STUB_PREFIX
from jzcredit.reports.stats import _Scope as Scope
from jzcredit.supervision.export import LIST_LABELS
from jzcredit.supervision.service import YEARS, lists_in_force

__all__ = ["CENT", "Company", "CompanyRow", "ListMark", "Scope", "check_year", "cny", "company_rows", "grades",
           "list_marks", "money", "on_platform", "result"]

CENT = Decimal("0.01")
GRADE_UNKNOWN = "尚无信用评价"


def check_year(year: int) -> int:
    if year not in YEARS:
        raise Invalid("programs.year_invalid", f"年度 {year} 无效：应为 {YEARS.start}–{YEARS.stop - 1} 之间的年份")
    return year


def money(amount: Decimal) -> str:
    """An amount as printed in JSON and stored: CNY with two decimals, as text (like record amounts)."""
    return str(amount.quantize(CENT))


def cny(amount: Decimal) -> str:
    """An amount for people: thousands separated, decimals only when there are any."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount.quantize(CENT):,}"


def on_platform() -> ColumnElement[bool]:
    """A company entered from a registry file, not a stub made when another department's record named it."""
    return not_(Company.created_by.startswith(STUB_PREFIX, autoescape=True))


@dataclass(frozen=True)
class CompanyRow:
    subject_id: int
    uscc: str
    name: str
    region_code: str | None
    established_on: date | None
    onboarded_on: date | None
    employment_model: str | None
    on_platform: bool


def company_rows(session: Session, scope: Scope, *conditions: ColumnElement[bool]) -> list[CompanyRow]:
    """Active companies inside the scope meeting ``conditions``, by USCC."""
    rows = session.execute(
        select(Company.subject_id, Company.uscc, Company.name, Company.region_code, Company.established_on,
               Company.onboarded_on, Company.employment_model, on_platform())
        .where(scope.company(), *conditions).order_by(Company.uscc))
    return [CompanyRow(*row) for row in rows]


def grades(session: Session, scope: Scope) -> dict[int, str]:
    """The current grade of every company in scope that has been evaluated."""
    rows = session.execute(select(EvaluationHead.subject_id, EvaluationHead.grade)
                           .join(Company, Company.subject_id == EvaluationHead.subject_id).where(scope.company()))
    return {sid: grade for sid, grade in rows}


@dataclass(frozen=True)
class ListMark:
    """One list entry that puts a company on a list on the day."""

    list_name: str
    entry_id: int
    rule: str
    expires_on: date | None

    def describe(self) -> str:
        until = f"，有效期至 {self.expires_on}" if self.expires_on else ""
        return f"{LIST_LABELS.get(self.list_name, self.list_name)}（名单条目 {self.entry_id}，规则 {self.rule}{until}）"


def list_marks(session: Session, scope: Scope) -> dict[int, list[ListMark]]:
    """Entries in force on the day (published red/black inside their window, active watch), per company."""
    rows = session.execute(select(ListEntry.subject_id, ListEntry.list_name, ListEntry.id, ListEntry.rule,
                                  ListEntry.expires_on)
                           .join(Company, Company.subject_id == ListEntry.subject_id)
                           .where(lists_in_force(scope.day), scope.company()).order_by(ListEntry.id))
    out: dict[int, list[ListMark]] = defaultdict(list)
    for sid, list_name, entry_id, rule, expires_on in rows:
        out[sid].append(ListMark(list_name, entry_id, rule, expires_on))
    return out


@dataclass
class Outcome:
    """One company's answer: the amount, the tier and every reason, plus program-specific keys."""

    company: CompanyRow
    amount: Decimal
    tier: str | None
    reasons: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def result(o: Outcome) -> dict[str, Any]:
    """JSON-ready (spec §4.3: ``subject_key, name, amount, tier, reasons``; more keys added)."""
    c = o.company
    return {"subject_key": c.uscc, "name": c.name, "amount": money(o.amount), "tier": o.tier,
            "reasons": list(o.reasons), "region_code": c.region_code, **o.extra}


def year_end(year: int) -> date:
    return date(year, 12, 31)
