"""Banks and companies (企业授权银行查询): a company grants and revokes a bank's authorisation; a bank looks
at an authorising company's §3.8 figures (银行查询); every look is logged and the company sees the log.

The figures are the financing program's own (``programs.financing``), computed for one company and
counting only workers whose ``bank_aggregate`` consent is in force. A bank sees a company only while the
company's authorisation of that bank is in force (``api.policy.bank_authorised``, the one policy
function); a refused look answers exactly like an unknown company and writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jzcredit.api.policy import bank_authorised
from jzcredit.common import audit, ids
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.regions import scope_filter
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.finance.models import BankAuthorisation, BankInquiry
from jzcredit.programs import financing
from jzcredit.programs.common import Scope, grades, list_marks
from jzcredit.programs.rules import FinancingRules
from jzcredit.registry.models import Company
from jzcredit.registry.service import STUB_PREFIX
from jzcredit.users.models import User

PURPOSE_MIN, PURPOSE_MAX = 2, 200
NOTE_MAX = 500
BANK_LISTS = ("red", "black")  # the watch list is internal to regulators (spec 02, Lists)
ANSWERED = "answered"  # the only outcome stored: a refused look writes no row


def hidden_company() -> NotFound:
    """What a bank is told about a company it may not see: the policy's answer for any subject outside a
    scope, word for word the answer for an unknown one (``api.policy.authorize_subject``)."""
    return NotFound("subject.not_found", "没有找到这个信用主体，或您无权查看")


class OneCompany(Scope):
    """The statistics scope narrowed to one company (whatever its status), so the financing program's
    grouped queries compute the figures of just this company."""

    def __init__(self, company_id: int, now: datetime) -> None:
        super().__init__(None, now)
        self.company_id = company_id

    def company(self) -> ColumnElement[bool]:
        return Company.subject_id == self.company_id


# --- banks and authorisations ------------------------------------------------------------


def bank_users(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """The banks a company can authorise: users with the ``bank`` role whose token is not revoked."""
    rows = session.scalars(select(User).where(User.role == "bank").order_by(User.id))
    return [{"bank_user_id": u.id, "name": u.name} for u in rows if u.revoked_at is None or u.revoked_at > now]


def _bank(session: Session, bank_user_id: int, now: datetime) -> User:
    user = session.get(User, bank_user_id)
    if user is None or user.role != "bank" or (user.revoked_at is not None and user.revoked_at <= now):
        raise NotFound("finance.bank_unknown",
                       f"没有编号为 {bank_user_id} 的银行用户（用 banks list 查看可授权的银行）")
    return user


def _company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("finance.company_unknown", f"没有编号为 {company_id} 的企业")
    return company


def _is_uscc(code: str) -> bool:
    try:
        ids.validate_uscc(code)
    except ids.InvalidIdentifier:
        return False
    return True


def company_id_of(session: Session, uscc: str) -> int | None:
    """The company a USCC names, or ``None`` (an ill-formed code names none)."""
    code = uscc.strip().upper()
    if not _is_uscc(code):
        return None
    return session.scalar(select(Company.subject_id).where(Company.uscc == code))


def require_company(session: Session, uscc: str) -> int:
    """For commands: the company a USCC names, or a one-line refusal."""
    found = company_id_of(session, uscc)
    if found is None:
        raise NotFound("finance.company_unknown", f"没有统一社会信用代码为 {uscc.strip()} 的企业")
    return found


def authorisation_dict(a: BankAuthorisation, bank_name: str, uscc: str, now: datetime) -> dict[str, Any]:
    in_force = a.granted_at <= now and (a.revoked_at is None or a.revoked_at > now)
    return {"authorisation_id": a.id, "company_uscc": uscc, "bank_user_id": a.bank_user_id, "bank_name": bank_name,
            "granted_at": a.granted_at, "granted_by": a.granted_by, "revoked_at": a.revoked_at,
            "revoked_by": a.revoked_by, "note": a.note, "in_force": in_force}


def _shanghai(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _note(note: str | None) -> str | None:
    clean = " ".join((note or "").split())
    if len(clean) > NOTE_MAX:
        raise Invalid("finance.note_too_long", f"备注过长：最多 {NOTE_MAX} 个字符")
    return clean or None


def authorise(session: Session, *, company_id: int, bank_user_id: int, actor: str, now: datetime,
              note: str | None = None) -> dict[str, Any]:
    """The company authorises the bank to see its figures, from now until revoked (one open grant per bank)."""
    company = _company(session, company_id)
    if company.created_by.startswith(STUB_PREFIX):  # nobody of the company has signed up to consent
        raise Invalid("finance.company_not_onboarded", f"企业 {company.uscc} 尚未入驻平台（仅因其他部门的记录关联），"
                                                        "不能授权银行查询：请先登记入驻")
    bank = _bank(session, bank_user_id, now)
    clean_note = _note(note)
    open_grant = session.scalar(select(BankAuthorisation.id).where(
        BankAuthorisation.company_id == company_id, BankAuthorisation.bank_user_id == bank_user_id,
        BankAuthorisation.revoked_at.is_(None)))
    already = Conflict("finance.already_authorised",
                       f"企业 {company.uscc} 已授权银行「{bank.name}」（授权 {open_grant}），无需重复授权")
    if open_grant is not None:
        raise already
    grant = BankAuthorisation(company_id=company_id, bank_user_id=bank_user_id, granted_at=now, granted_by=actor,
                              note=clean_note)
    session.add(grant)
    try:
        session.flush()
    except IntegrityError:  # a concurrent grant met the one-open-grant index; the caller rolls back
        raise already from None
    audit.append(session, actor=actor, action="finance.authorise", obj=f"bank_authorisation:{grant.id}", now=now,
                 detail={"company": company.uscc, "bank_user_id": bank_user_id, "bank": bank.name})
    return authorisation_dict(grant, bank.name, company.uscc, now)


def revoke(session: Session, *, company_id: int, actor: str, now: datetime, authorisation_id: int | None = None,
           bank_user_id: int | None = None) -> dict[str, Any]:
    """End the company's authorisation (by its id, or the open one of a bank) at once."""
    company = _company(session, company_id)
    query = select(BankAuthorisation).where(BankAuthorisation.company_id == company_id).with_for_update()
    if authorisation_id is not None:
        grant = session.scalar(query.where(BankAuthorisation.id == authorisation_id))
        missing = f"企业 {company.uscc} 没有编号为 {authorisation_id} 的银行授权"
    else:
        grant = session.scalar(query.where(BankAuthorisation.bank_user_id == bank_user_id,
                                           BankAuthorisation.revoked_at.is_(None)))
        missing = f"企业 {company.uscc} 没有对银行用户 {bank_user_id} 的有效授权"
    if grant is None:
        raise NotFound("finance.authorisation_unknown", missing)
    if grant.revoked_at is not None:
        raise Conflict("finance.already_revoked", f"银行授权 {grant.id} 已于 {_shanghai(grant.revoked_at)} 撤销")
    grant.revoked_at, grant.revoked_by = now, actor
    bank = session.get_one(User, grant.bank_user_id)
    audit.append(session, actor=actor, action="finance.revoke", obj=f"bank_authorisation:{grant.id}", now=now,
                 detail={"company": company.uscc, "bank_user_id": grant.bank_user_id, "bank": bank.name})
    return authorisation_dict(grant, bank.name, company.uscc, now)


def authorisations(session: Session, *, company_id: int, now: datetime) -> list[dict[str, Any]]:
    """Every grant the company made, newest first, with whether it is in force now."""
    company = _company(session, company_id)
    rows = session.execute(select(BankAuthorisation, User.name).join(User, User.id == BankAuthorisation.bank_user_id)
                           .where(BankAuthorisation.company_id == company_id).order_by(BankAuthorisation.id.desc()))
    return [authorisation_dict(a, name, company.uscc, now) for a, name in rows]


# --- the bank view and its log ------------------------------------------------------------


def check_purpose(purpose: str | None) -> str:
    clean = " ".join((purpose or "").split())
    if len(clean) < PURPOSE_MIN:
        raise Invalid("finance.purpose_required",
                      f"请说明查询目的（purpose，{PURPOSE_MIN}–{PURPOSE_MAX} 个字），"
                      "如“贷款申请审查”；企业能看到这项说明")
    if len(clean) > PURPOSE_MAX:
        raise Invalid("finance.purpose_too_long", f"查询目的过长：最多 {PURPOSE_MAX} 个字")
    return clean


def company_view(session: Session, *, company_id: int, now: datetime, rules: FinancingRules) -> dict[str, Any]:
    """§3.8 per company, as a bank sees it: consented workers only, red/black lists only."""
    company = _company(session, company_id)
    scope = OneCompany(company_id, now)
    workers = financing.worker_figures(session, scope).get(company_id, financing.WorkerFigures())
    complaints = financing.complaint_figures(session, scope, rules.complaint_window_days).get(
        company_id, financing.ComplaintFigures())
    marks = [m for m in list_marks(session, scope).get(company_id, []) if m.list_name in BANK_LISTS]
    # ``not_counted`` stays out: the bank learns nothing about workers who did not consent
    counted = {k: v for k, v in asdict(workers).items() if k not in ("not_counted", "workers")}
    return {
        "uscc": company.uscc, "name": company.name, "region_code": company.region_code, "status": company.status,
        "employment_model": company.employment_model, "established_on": company.established_on,
        "as_of": scope.day, "grade": grades(session, scope).get(company_id),
        "lists": [{"list": m.list_name, "rule": m.rule, "expires_on": m.expires_on} for m in marks],
        "workers": {"current": workers.workers, **counted},
        "complaints": {**asdict(complaints), "window_days": rules.complaint_window_days},
    }


def inquire(session: Session, *, bank_user_id: int, company_id: int, purpose: str | None, now: datetime,
            actor: str, rules: FinancingRules) -> dict[str, Any]:
    """A bank looks at a company's figures: answered, logged (the company sees it) and audited.

    Only while the company's authorisation of the bank is in force; otherwise the same "not found" as an
    unknown company, and nothing is written (a refused look is no inquiry: the bank saw nothing).
    """
    clean = check_purpose(purpose)
    if not bank_authorised(session, bank_user_id=bank_user_id, company_id=company_id, now=now):
        raise hidden_company()
    view = company_view(session, company_id=company_id, now=now, rules=rules)
    inquiry = BankInquiry(bank_user_id=bank_user_id, company_id=company_id, at=now, purpose=clean, outcome=ANSWERED)
    session.add(inquiry)
    session.flush()
    audit.append(session, actor=actor, action="finance.inquiry", obj=f"company:{company_id}", now=now,
                 detail={"inquiry_id": inquiry.id, "bank_user_id": bank_user_id, "purpose": clean})
    return {**view, "inquiry_id": inquiry.id, "purpose": clean}


def inquiries(session: Session, *, company_id: int | None = None, region_prefix: str | None = None,
              offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Who looked at which company, when and why, newest first; with the total."""
    where: list[ColumnElement[bool]] = [scope_filter(Company.region_code, region_prefix),
                                        BankInquiry.outcome == ANSWERED]
    if company_id is not None:
        where.append(BankInquiry.company_id == company_id)
    total = session.scalar(select(func.count()).select_from(BankInquiry)
                           .join(Company, Company.subject_id == BankInquiry.company_id).where(*where)) or 0
    rows = session.execute(
        select(BankInquiry, User.name, Company.uscc, Company.name)
        .join(User, User.id == BankInquiry.bank_user_id).join(Company, Company.subject_id == BankInquiry.company_id)
        .where(*where).order_by(BankInquiry.id.desc()).offset(offset).limit(limit))
    items = [{"inquiry_id": q.id, "at": q.at, "company_uscc": uscc, "company_name": cname,
              "bank_user_id": q.bank_user_id, "bank_name": bname, "purpose": q.purpose}
             for q, bname, uscc, cname in rows]
    return items, int(total)
