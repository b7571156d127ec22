"""``/companies/{uscc}/service-codes``: service codes (服务评价码) over HTTP — issue and list.

A company issues codes for its own service orders (one per order, single use, expiring after
``complaints.service_code_days``) and lists its own; a regulator lists those of a company in its region,
the admin any company's. Another company, or one outside the region, answers exactly like an unknown USCC.
The same service as ``jzcredit servicecodes``; issuing is audited with the principal as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock, vault
from jzcredit.api.pagination import Page, PageParams, page_params
from jzcredit.api.policy import Principal, authorize_subject, requires
from jzcredit.api.workflow import page, problems, rules_file, subject_by_key
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import ratings
from jzcredit.complaints.config import complaints_config
from jzcredit.complaints.schemas import ServiceCode, ServiceCodeIssue, ServiceCodesIssued
from jzcredit.errors import Invalid
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company

router = APIRouter(prefix="/companies", tags=["service codes"])

Uscc = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$",
                           description="统一社会信用代码 of the company")]
STATUSES = ("unused", "used", "expired")


def _company(session: Session, principal: Principal, action: str, uscc: str, *, keys: Vault, now: datetime) -> str:
    """The company's USCC as stored, if it is in scope (a company: itself only); otherwise the same 404 as
    an unknown one — also for a key that names a worker."""
    subject_id = subject_by_key(session, principal, action, uscc, vault=keys, now=now, own_only=True)
    company = session.get(Company, subject_id)
    if company is None:  # a worker's code or ID number: no company by that key
        authorize_subject(session, principal, action, None, now=now)  # raises the "not found" of an unknown key
    assert company is not None
    return company.uscc


@router.post("/{uscc}/service-codes", status_code=201, response_model=ServiceCodesIssued,
             responses=problems(401, 403, 404, 409, 422), summary="Issue service codes (the company itself)")
def issue_codes(uscc: Uscc, body: ServiceCodeIssue, request: Request,
                principal: Principal = Depends(requires("servicecodes.issue")), session: Session = WriteSession,
                now: datetime = Depends(clock), keys: Vault = Depends(vault)) -> dict[str, Any]:
    """Codes for the company's service orders, each valid through ``complaints.service_code_days`` after today;
    ``worker_key`` names who served (a current employee), ``order_ref`` the order (one code per order)."""
    company = _company(session, principal, "servicecodes.issue", uscc, keys=keys, now=now)
    rows = ratings.issue_codes(session, vault=keys, company_uscc=company, now=now, actor=principal.actor,
                               count=body.count, worker_key=body.worker_key, order_ref=body.order_ref,
                               cfg=complaints_config(rules_file(request)))
    names = registry.subject_keys(session, {r.company_id for r in rows} | {r.worker_id for r in rows if r.worker_id})
    codes = [ratings.code_dict(r, names, today(now)) for r in rows]
    return {"company_key": company, "expires_on": codes[0]["expires_on"], "count": len(codes), "codes": codes}


@router.get("/{uscc}/service-codes", response_model=Page[ServiceCode], responses=problems(401, 403, 404, 422),
            summary="A company's service codes (the company itself; a regulator in its region)")
def list_codes(uscc: Uscc, status: str | None = Query(None, max_length=16, description="unused, used or expired"),
               paging: PageParams = Depends(page_params), principal: Principal = Depends(requires("servicecodes.read")),
               session: Session = WriteSession, now: datetime = Depends(clock),
               keys: Vault = Depends(vault)) -> dict[str, Any]:
    """Oldest first, each with its status today."""
    if status is not None and status not in STATUSES:
        raise Invalid("servicecode.bad_status", f"未知的服务评价码状态 {status}，可选：{'、'.join(STATUSES)}")
    company = _company(session, principal, "servicecodes.read", uscc, keys=keys, now=now)
    return page(ratings.list_codes(session, company_uscc=company, as_of=today(now), status=status), paging)
