"""Loans to supported companies (金融支持家政扶贫), entered by a regulator for the quarterly report 附件2."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit, ids
from jzcredit.common.clock import today
from jzcredit.common.dates import DateParseError, parse_date
from jzcredit.common.text import parse_amount
from jzcredit.errors import Invalid, NotFound
from jzcredit.programs.common import CENT, money
from jzcredit.programs.models import SupportedLoan
from jzcredit.registry.models import Company
from jzcredit.registry.service import STUB_PREFIX

MAX_AMOUNT = Decimal(10) ** 18  # Numeric(20, 2): 18 integer digits
MAX_TEXT = 200


def find_company(session: Session, uscc: str) -> Company:
    """A company on the platform by its USCC (a stub made from another department's record is refused)."""
    try:
        code = ids.validate_uscc(uscc.strip().upper())
    except ids.InvalidIdentifier:
        raise Invalid("programs.uscc_invalid", f"统一社会信用代码 {uscc!r} 无效") from None
    company = session.scalar(select(Company).where(Company.uscc == code))
    if company is None:
        raise NotFound("programs.company_unknown", f"平台上没有统一社会信用代码为 {code} 的企业")
    if company.created_by.startswith(STUB_PREFIX):
        raise Invalid("programs.company_not_onboarded",
                      f"企业 {code} 尚未入驻平台（仅因其他部门的记录关联），不能录入贷款")
    return company


def parse_loan_amount(text: str) -> Decimal:
    """A positive CNY amount with at most two decimals (``1500000``, ``1,500,000.00元``)."""
    try:
        amount = parse_amount(text)
    except (ValueError, InvalidOperation):
        amount = None
    if amount is None:
        raise Invalid("programs.amount_invalid", f"贷款金额 {text!r} 无法识别，应为以元计的数字，如 1500000")
    if amount <= 0:
        raise Invalid("programs.amount_not_positive", f"贷款金额应大于 0，实为 {text}")
    if amount != amount.quantize(CENT):
        raise Invalid("programs.amount_precision", f"贷款金额 {text} 最多两位小数（元到分）")
    if amount >= MAX_AMOUNT:
        raise Invalid("programs.amount_too_large", f"贷款金额 {text} 过大")
    return amount


def parse_grant_date(text: str, *, now: datetime) -> date:
    """A calendar day, not after today (a loan is entered once granted)."""
    try:
        parsed = parse_date(text)
    except DateParseError:
        parsed = None
    if parsed is None or parsed.precision != "day":
        raise Invalid("programs.date_invalid", f"放款日期 {text!r} 无法识别，应为 2026-07-01 这样的日期")
    if parsed.value > today(now):
        raise Invalid("programs.date_future", f"放款日期 {parsed.value} 晚于今天 {today(now)}，贷款发放后再录入")
    return parsed.value


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    clean = " ".join((value or "").split())
    if required and not clean:
        raise Invalid("programs.text_missing", f"{what}不能为空")
    if len(clean) > MAX_TEXT:
        raise Invalid("programs.text_too_long", f"{what}最多 {MAX_TEXT} 个字符，现为 {len(clean)} 个")
    return clean or None


def loan_dict(loan: SupportedLoan, company: Company) -> dict[str, Any]:
    return {"loan_id": loan.id, "subject_key": company.uscc, "name": company.name, "lender": loan.lender,
            "amount": money(loan.amount), "granted_on": loan.granted_on, "entered_on": loan.entered_on,
            "entered_by": loan.entered_by, "note": loan.note}


def add_loan(session: Session, *, uscc: str, lender: str, amount: str, granted_on: str, note: str | None,
             actor: str, now: datetime) -> dict[str, Any]:
    """Enter one loan; every input is checked before anything is written (audited)."""
    company = find_company(session, uscc)
    bank = _text(lender, "贷款银行（--lender）", required=True)
    assert bank is not None
    value = parse_loan_amount(amount)
    day = parse_grant_date(granted_on, now=now)
    loan = SupportedLoan(company_id=company.subject_id, lender=bank, amount=value, granted_on=day,
                         entered_on=today(now), entered_by=actor, note=_text(note, "备注（--note）", required=False))
    session.add(loan)
    session.flush()
    audit.append(session, actor=actor, action="programs.loan_add", obj=f"supported_loan:{loan.id}", now=now,
                 detail={"company": company.uscc, "lender": bank, "amount": money(value), "granted_on": day})
    return loan_dict(loan, company)


def list_loans(session: Session, *, year: int | None = None, uscc: str | None = None) -> list[dict[str, Any]]:
    """Loans entered, by grant date; optionally one year's or one company's."""
    query = select(SupportedLoan, Company).join(Company, Company.subject_id == SupportedLoan.company_id)
    if year is not None:
        query = query.where(SupportedLoan.granted_on >= date(year, 1, 1),
                            SupportedLoan.granted_on <= date(year, 12, 31))
    if uscc is not None:
        query = query.where(Company.subject_id == find_company(session, uscc).subject_id)
    rows = session.execute(query.order_by(SupportedLoan.granted_on, SupportedLoan.id))
    return [loan_dict(loan, company) for loan, company in rows]
