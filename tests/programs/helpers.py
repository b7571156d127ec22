"""Helpers for the program tests: the clock, figures, stores, list entries, complaints and loans."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jzcredit.common.audit import AuditEntry
from jzcredit.common.clock import SHANGHAI
from jzcredit.complaints.models import Complaint
from jzcredit.lists.models import ListEntry
from jzcredit.programs.common import Scope
from jzcredit.programs.models import ProgramRun, SupportedLoan
from jzcredit.programs.rules import ProgramsRules, programs_rules
from jzcredit.registry.models import Company, CompanyFigure, Region, Store
from jzcredit.rules import load_rules_dict

TODAY = date(2026, 6, 30)
NOW = datetime.combine(TODAY, time(10, 0), SHANGHAI)  # as the CLI tests' JZCREDIT_NOW
RULES = programs_rules()
_seq = itertools.count(1)


def scope(region: str | None = None) -> Scope:
    return Scope(region, NOW)


def rules_with(**sections: dict[str, Any]) -> ProgramsRules:
    """The shipped settings with ``programs.<section>`` keys replaced, e.g. ``rules_with(jinan_stores={"cap": 1})``."""
    data = load_rules_dict()
    for name, values in sections.items():
        data["programs"][name].update(values)
    return ProgramsRules.from_dict(data)


def months(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def add_figures(s: Session, company: Company, *, year: int, revenue: str | None,
                payroll: int | dict[str, int | None]) -> None:
    """The year's revenue and monthly head-counts (one number for every month, or per month; None = missing)."""
    per_month = dict.fromkeys(months(year), payroll) if isinstance(payroll, int) else payroll
    if revenue is not None:
        s.add(CompanyFigure(company_id=company.subject_id, figure="revenue", period=str(year), value=revenue,
                            source="test"))
    for month, count in per_month.items():
        if count is not None:
            s.add(CompanyFigure(company_id=company.subject_id, figure="payroll_headcount", period=month,
                                value=str(count), source="test"))
    s.flush()


def add_store(s: Session, company: Company, *, area: str, opened_on: date, address: str | None = None) -> Store:
    store = Store(company_id=company.subject_id, address=address or f"济南市历下区泉城路{next(_seq)}号",
                  area_m2=area, opened_on=opened_on, source="test")
    s.add(store)
    s.flush()
    return store


def add_entry(s: Session, company: Company, list_name: str = "black", *, status: str = "published",
              published_on: date = date(2026, 1, 5), expires_on: date = date(2029, 1, 4)) -> ListEntry:
    """A list entry as the lists service leaves it."""
    published = status == "published"
    entry = ListEntry(list_name=list_name, subject_id=company.subject_id, rule="B1", basis=[], status=status,
                      proposed_at=NOW, proposed_by="test", version=1, details={},
                      published_on=published_on if published else None, expires_on=expires_on if published else None)
    s.add(entry)
    s.flush()
    return entry


def add_complaint(s: Session, company: Company, *, filed_on: date, status: str = "filed", unanswered: bool = False,
                  finding: str | None = None) -> Complaint:
    n = next(_seq)
    complaint = Complaint(tracking_code=f"T{n:08d}", company_id=company.subject_id, category="quality",
                          description="服务质量差", filed_by="test", filed_on=filed_on, status=status,
                          unanswered=unanswered, finding=finding, version=1, created_at=NOW, updated_at=NOW)
    s.add(complaint)
    s.flush()
    return complaint


def add_region(s: Session, code: str, level: str, name: str = "某县") -> None:
    s.add(Region(region_code=code, name=name, poverty_level=level))
    s.flush()


def add_loan(s: Session, company: Company, *, amount: str, granted_on: date, lender: str = "建设银行济南分行",
             note: str | None = None) -> SupportedLoan:
    """A loan straight into the table (the service refuses future dates; tests sometimes need one)."""
    loan = SupportedLoan(company_id=company.subject_id, lender=lender, amount=Decimal(amount), granted_on=granted_on,
                         entered_on=TODAY, entered_by="test", note=note)
    s.add(loan)
    s.flush()
    return loan


def stub(s: Session, company: Company) -> Company:
    """Make the company a stub as ``registry.ensure_companies`` leaves one: known only from another
    department's record, not on the platform, without registry details."""
    company.created_by = "link:法院"
    company.region_code = company.established_on = company.onboarded_on = company.employment_model = None
    s.flush()
    return company


def counts(s: Session) -> tuple[int, int, int]:
    """Rows that a refused command must not have written: loans, runs, audit entries."""
    return (s.scalar(select(func.count()).select_from(SupportedLoan)) or 0,
            s.scalar(select(func.count()).select_from(ProgramRun)) or 0,
            s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def by_key(results: list[Any]) -> dict[str, Any]:
    """Outcomes or result dicts by USCC."""
    return {(r["subject_key"] if isinstance(r, dict) else r.company.uscc): r for r in results}
