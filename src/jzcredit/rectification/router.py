"""``/notices``: rectification notices (限期整改) over HTTP — issue, list, read, submit evidence, verify.

Regulators issue and verify inside their region; the subject (a company or worker) submits evidence for
its own notices; everyone reads the notices in their scope. A notice outside the scope answers exactly
like an unknown one. Each step calls the same service as ``jzcredit notices`` and is audited with the
principal as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock, vault
from jzcredit.api.pagination import Page, PageParams, page_params
from jzcredit.api.policy import Principal, requires
from jzcredit.api.workflow import (
    IdPath,
    check_version,
    page,
    problems,
    require_in_scope,
    rules_file,
    subject_by_key,
    visible,
)
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.errors import NotFound
from jzcredit.rectification import service as rectification
from jzcredit.rectification.config import rectification_config
from jzcredit.rectification.schemas import Notice, NoticeEvidence, NoticeIssue, NoticeVerification

router = APIRouter(prefix="/notices", tags=["notices"])


def _hidden(notice_id: int) -> NotFound:
    """Word for word what the service says about an unknown notice."""
    return NotFound("rectification.not_found", f"没有编号为 {notice_id} 的整改通知")


def _scoped(session: Session, principal: Principal, action: str, notice_id: int, *, now: datetime,
            own_only: bool = False) -> dict[str, Any]:
    notice = rectification.show_notice(session, notice_id=notice_id, as_of=today(now))
    require_in_scope(session, principal, action, [notice["subject_id"]], now=now, hidden=_hidden(notice_id),
                     own_only=own_only)
    return notice


def _current(session: Session, principal: Principal, action: str, notice_id: int, version: int, *,
             now: datetime, own_only: bool = False) -> None:
    notice = _scoped(session, principal, action, notice_id, now=now, own_only=own_only)
    check_version(notice["version"], version, code="rectification.stale", what=f"整改通知 {notice['notice_number']}")


@router.post("", status_code=201, response_model=Notice, responses=problems(401, 403, 404, 409, 422),
             summary="Issue a notice (regulator)")
def issue_notice(body: NoticeIssue, request: Request, principal: Principal = Depends(requires("notices.issue")),
                 session: Session = WriteSession, now: datetime = Depends(clock),
                 keys: Vault = Depends(vault)) -> dict[str, Any]:
    """下达限期整改通知 to a subject in the regulator's region; the number is unique per authority and year."""
    subject_id = subject_by_key(session, principal, "notices.issue", body.subject_key, vault=keys, now=now)
    return rectification.issue_notice(session, subject_id=subject_id, requirements=body.requirements,
                                      deadline=body.deadline, basis=body.basis, authority=body.authority, now=now,
                                      actor=principal.actor, cfg=rectification_config(rules_file(request)))


@router.get("", response_model=Page[Notice], responses=problems(401, 403, 422), summary="Notices in scope")
def list_notices(status: str | None = Query(None, max_length=16, description="issued, submitted, verified, overdue"),
                 overdue: bool = Query(False, description="Only those past the deadline, unverified"),
                 paging: PageParams = Depends(page_params), principal: Principal = Depends(requires("notices.read")),
                 session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first: a regulator's region, a company's own and its workers', a worker's own."""
    rows = rectification.list_notices(session, as_of=today(now), status=status, overdue=overdue)
    return page(visible(session, principal, rows, lambda n: [n["subject_id"]], now=now), paging)


@router.get("/{notice_id}", response_model=Notice, responses=problems(401, 403, 404, 422), summary="One notice")
def read_notice(notice_id: IdPath, principal: Principal = Depends(requires("notices.read")),
                session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """The notice with every step."""
    return _scoped(session, principal, "notices.read", notice_id, now=now)


@router.post("/{notice_id}/evidence", response_model=Notice, responses=problems(401, 403, 404, 409, 422),
             summary="Submit rectification evidence (the subject)")
def submit_evidence(notice_id: IdPath, body: NoticeEvidence,
                    principal: Principal = Depends(requires("notices.submit")), session: Session = WriteSession,
                    now: datetime = Depends(clock)) -> dict[str, Any]:
    """``issued`` → ``submitted``: a company or worker for its own notice (a regulator for one in its region)."""
    _current(session, principal, "notices.submit", notice_id, body.version, now=now, own_only=True)
    return rectification.submit_evidence(session, notice_id=notice_id, evidence=body.evidence, now=now,
                                         actor=principal.actor)


@router.post("/{notice_id}/verification", response_model=Notice, responses=problems(401, 403, 404, 409, 422),
             summary="Verify submitted evidence (regulator)")
def verify_notice(notice_id: IdPath, body: NoticeVerification,
                  principal: Principal = Depends(requires("notices.verify")), session: Session = WriteSession,
                  now: datetime = Depends(clock)) -> dict[str, Any]:
    """``accept`` → ``verified``; ``reject`` → back to ``issued`` with the deadline unchanged."""
    _current(session, principal, "notices.verify", notice_id, body.version, now=now)
    return rectification.verify_notice(session, notice_id=notice_id, accept=body.decision == "accept",
                                       note=body.note, now=now, actor=principal.actor)
