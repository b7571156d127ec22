"""Banks over HTTP (issue 5): the bank view with its inquiry log, and a company's authorisations of banks.

- ``GET /finance/companies/{uscc}?purpose=`` — a bank sees the §3.8 figures of a company only while that
  company's authorisation of the bank is in force; every answered inquiry is logged and audited; a refusal
  answers exactly like an unknown company (404, same words) and writes nothing.
- ``GET /finance/inquiries`` — who looked, when and why: a company its own, a regulator its region.
- ``GET|POST /companies/{uscc}/bank-authorisations``, ``DELETE …/{authorisation_id}`` — the company grants
  and revokes (at once); ``GET /finance/banks`` lists the banks it can choose from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock, settings_of
from jzcredit.api.pagination import PageParams, page_params
from jzcredit.api.policy import Principal, authorize_subject, listing_scope, requires
from jzcredit.config import Settings
from jzcredit.finance import service as finance
from jzcredit.finance.schemas import AuthorisationOut, AuthoriseIn, BankOut, BankView, InquiryPage
from jzcredit.programs.rules import programs_rules

router = APIRouter(tags=["finance"])

USCC_PATH = Path(min_length=18, max_length=18, description="The company's unified social credit code",
                 examples=["91370102MA3C5EXL0X"])
HIDDEN: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such company, or it has not authorised you (the same answer)"}}


@router.get("/finance/companies/{uscc}", response_model=BankView, summary="A bank's view of a company (银行查询)",
            responses=HIDDEN)
def bank_view(
    uscc: str = USCC_PATH,
    purpose: str = Query(description=f"Why you look, {finance.PURPOSE_MIN}–{finance.PURPOSE_MAX} characters "
                                     "(the company sees it in its inquiry log)", examples=["贷款申请审查"]),
    principal: Principal = Depends(requires("finance.read")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """The financing figures of a company that authorised you, counting only consented workers. Logged."""
    assert principal.user_id is not None  # every bank is a user
    clean = finance.check_purpose(purpose)  # bad input is refused alike whichever company is asked
    company_id = authorize_subject(session, principal, "finance.read", finance.company_id_of(session, uscc), now=now)
    return finance.inquire(session, bank_user_id=principal.user_id, company_id=company_id, purpose=clean, now=now,
                           actor=principal.actor, rules=programs_rules(settings.config).financing)


@router.get("/finance/inquiries", response_model=InquiryPage, summary="Who looked at a company (查询记录)",
            responses=HIDDEN)
def inquiries(
    uscc: str | None = Query(None, min_length=18, max_length=18, description="Only this company"),
    paging: PageParams = Depends(page_params),
    principal: Principal = Depends(requires("finance.inquiries")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
) -> dict[str, Any]:
    """Bank inquiries, newest first: a company sees its own, a regulator those about companies in its region."""
    company_id, prefix = listing_scope(principal, "finance.inquiries")
    if uscc is not None:
        company_id = authorize_subject(session, principal, "finance.inquiries", finance.company_id_of(session, uscc),
                                       now=now, own_only=True)
    items, total = finance.inquiries(session, company_id=company_id, region_prefix=prefix, offset=paging.offset,
                                     limit=paging.size)
    return {"items": items, "total": total, "page": paging.page, "size": paging.size}


@router.get("/finance/banks", response_model=list[BankOut], summary="Banks a company can authorise")
def banks(
    principal: Principal = Depends(requires("finance.authorise")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
) -> list[dict[str, Any]]:
    """Every bank user whose token is in force."""
    return finance.bank_users(session, now=now)


@router.get("/companies/{uscc}/bank-authorisations", response_model=list[AuthorisationOut],
            summary="A company's authorisations of banks", responses=HIDDEN)
def authorisations(
    uscc: str = USCC_PATH,
    principal: Principal = Depends(requires("finance.authorisations")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
) -> list[dict[str, Any]]:
    """Every grant, newest first, and whether it is in force (the company itself, regulators in region)."""
    company_id = authorize_subject(session, principal, "finance.authorisations", finance.company_id_of(session, uscc),
                                   now=now, own_only=True)
    return finance.authorisations(session, company_id=company_id, now=now)


@router.post("/companies/{uscc}/bank-authorisations", response_model=AuthorisationOut, status_code=201,
             summary="Authorise a bank (授权银行查询)",
             responses={**HIDDEN, 409: {"description": "This bank is already authorised"}})
def authorise(
    body: AuthoriseIn,
    uscc: str = USCC_PATH,
    principal: Principal = Depends(requires("finance.authorise")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
) -> dict[str, Any]:
    """The bank may see the company's figures from now until the authorisation is revoked."""
    company_id = authorize_subject(session, principal, "finance.authorise", finance.company_id_of(session, uscc),
                                   now=now, own_only=True)
    return finance.authorise(session, company_id=company_id, bank_user_id=body.bank_user_id, actor=principal.actor,
                             now=now, note=body.note)


@router.delete("/companies/{uscc}/bank-authorisations/{authorisation_id}", response_model=AuthorisationOut,
               summary="Revoke a bank's authorisation (at once)",
               responses={**HIDDEN, 409: {"description": "Already revoked"}})
def revoke(
    uscc: str = USCC_PATH,
    authorisation_id: int = Path(ge=1, le=2**62),
    principal: Principal = Depends(requires("finance.authorise")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
) -> dict[str, Any]:
    """The bank's next inquiry is refused."""
    company_id = authorize_subject(session, principal, "finance.authorise", finance.company_id_of(session, uscc),
                                   now=now, own_only=True)
    return finance.revoke(session, company_id=company_id, authorisation_id=authorisation_id, actor=principal.actor,
                          now=now)
