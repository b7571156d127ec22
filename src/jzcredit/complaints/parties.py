"""Whom a complaint or a service code names: a company by USCC, a worker by card code, and their employment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BindParameter, ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid, NotFound
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Employment, Subject


def company_id_of(session: Session, uscc: str) -> int:
    try:
        code = ids.validate_uscc(uscc)
    except ids.InvalidIdentifier:
        raise NotFound("company.bad_uscc", f"统一社会信用代码无效：{uscc.strip()[:40]}") from None
    found = session.scalar(select(Company.subject_id).where(Company.uscc == code))
    if found is None:
        raise NotFound("company.not_found", f"没有统一社会信用代码为 {code} 的企业")
    return found


def worker_id_of(session: Session, *, vault: Vault, key: str) -> int:
    """A worker by card code (or ID number, never echoed); a company's key is refused."""
    subject_id = registry.resolve_subject_key(session, vault=vault, key=key)
    if session.scalar(select(Subject.kind).where(Subject.id == subject_id)) != "worker":
        raise NotFound("worker.not_found", "给出的服务员编码不是家政服务员")
    return subject_id


def current_employment_clause(as_of: date | BindParameter[date]) -> ColumnElement[bool]:
    """An employment current on the date: started by then (or undated), not ended (the evaluation's D2 test)."""
    return and_(or_(Employment.start_on.is_(None), Employment.start_on <= as_of),
                or_(Employment.end_on.is_(None), Employment.end_on > as_of))


def current_employers(session: Session, worker_id: int, as_of: date) -> list[int]:
    """Companies employing the worker on the date (the same test as the evaluation's D2)."""
    return sorted(session.scalars(select(Employment.company_id).where(
        Employment.worker_id == worker_id, current_employment_clause(as_of))).unique())


def ever_employed(session: Session, worker_id: int, company_id: int) -> bool:
    return session.scalar(select(Employment.id).where(
        and_(Employment.worker_id == worker_id, Employment.company_id == company_id)).limit(1)) is not None


def complaint_parties(session: Session, *, vault: Vault, company_uscc: str | None, worker_code: str | None,
                      as_of: date) -> tuple[int, int | None]:
    """(company, worker) of a complaint. A complaint against a worker reaches the worker's current employer;
    naming a company the worker never worked for is refused (the pair cannot describe one service)."""
    if not (company_uscc or worker_code):
        raise Invalid("complaint.no_party", "请用 --company 或 --worker 指明被投诉的企业或服务员")
    company_id = company_id_of(session, company_uscc) if company_uscc else None
    if not worker_code:
        assert company_id is not None
        return company_id, None
    worker_id = worker_id_of(session, vault=vault, key=worker_code)
    if company_id is not None:
        if not ever_employed(session, worker_id, company_id):
            raise Invalid("complaint.not_employer", "该服务员从未受雇于所填企业：请核对企业或服务员编码")
        return company_id, worker_id
    employers = current_employers(session, worker_id, as_of)
    if not employers:
        raise Invalid("complaint.no_employer", "该服务员当前没有受雇企业：请用 --company 指明提供服务的企业")
    if len(employers) > 1:
        usccs = registry.subject_keys(session, employers)
        raise Invalid("complaint.many_employers", "该服务员当前受雇于多家企业，请用 --company 指明其中一家："
                      + "、".join(usccs[e] for e in employers))
    return employers[0], worker_id
