"""``/repairs``: credit repair (信用修复) over HTTP — apply, list, read, decide.

The subject applies for itself (a company not for its workers' records), a regulator or the admin on its
behalf; regulators decide inside their region. The outcome is the §3.6 conditions' (the same service as
``jzcredit repairs``): a regulator's ``approve`` stands only when every condition holds — otherwise it is
refused with each failed condition named and nothing written — and ``reject`` records the failed
conditions. An application, record or entry outside the scope answers exactly like an unknown one; every
step is audited with the principal as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock
from jzcredit.api.pagination import Page, PageParams, page_params
from jzcredit.api.policy import Principal, requires
from jzcredit.api.workflow import (
    IdPath,
    check_version,
    page,
    problems,
    record_subject,
    require_in_scope,
    rules_file,
    visible,
)
from jzcredit.common.clock import today
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.models import ListEntry
from jzcredit.repair import service as repairs
from jzcredit.repair.rules import repair_rules
from jzcredit.repair.schemas import Repair, RepairApply, RepairDecided, RepairDecision
from jzcredit.reports import documents

router = APIRouter(prefix="/repairs", tags=["repairs"])


def _hidden(repair_id: int) -> NotFound:
    """Word for word what the service says about an unknown application."""
    return NotFound("repair.not_found", f"没有编号为 {repair_id} 的信用修复申请")


def _entry_hidden(entry_id: int) -> NotFound:
    """As the repair service words an unknown list entry."""
    return NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目")


def _entry_subject(session: Session, principal: Principal, action: str, entry_id: int, *, now: datetime) -> int:
    # the columns alone: a loaded entry would shadow the service's own read
    row = session.execute(select(ListEntry.id, ListEntry.subject_id).where(ListEntry.id == entry_id)).first()
    if row is None:
        raise _entry_hidden(entry_id)
    require_in_scope(session, principal, action, [row.subject_id], now=now, hidden=_entry_hidden(entry_id),
                     own_only=True)
    subject_id: int = row.subject_id
    return subject_id


def _scoped(session: Session, principal: Principal, action: str, repair_id: int, *, now: datetime) -> dict[str, Any]:
    found = repairs.get(session, repair_id=repair_id, as_of=today(now))
    require_in_scope(session, principal, action, [found["subject_id"]], now=now, hidden=_hidden(repair_id))
    return found


@router.post("", status_code=201, response_model=Repair, responses=problems(401, 403, 404, 409, 422),
             summary="Apply for credit repair (the subject, or a regulator on its behalf)")
def apply_repair(body: RepairApply, request: Request, principal: Principal = Depends(requires("repairs.apply")),
                 session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """``submitted``, to be decided within 5 working days; ``commitment_signed`` signs a repair commitment."""
    if (body.record_id is None) == (body.list_entry_id is None):
        raise Invalid("repair.target",
                      "请给出 record_id 或 list_entry_id 之一：修复一条记录，或一个失信名单条目的全部依据")
    if body.record_id is not None:
        subject_id = record_subject(session, principal, "repairs.apply", body.record_id, now=now, own_only=True)
        if subject_id is None:  # only the admin reaches a record not yet linked to a subject
            raise Invalid("repair.not_subjects_record", f"记录 {body.record_id} 尚未关联到信用主体，不能申请修复")
    else:
        assert body.list_entry_id is not None
        subject_id = _entry_subject(session, principal, "repairs.apply", body.list_entry_id, now=now)
    config = rules_file(request)
    application = repairs.apply(session, subject_id=subject_id, by=principal.actor, now=now,
                                rules=repair_rules(config), record_id=body.record_id, entry_id=body.list_entry_id,
                                commitment=body.commitment_signed, evidence=body.evidence,
                                training=body.training_completed, models=load_models(config))
    return repairs.get(session, repair_id=application.id, as_of=today(now))


@router.get("", response_model=Page[Repair], responses=problems(401, 403, 422), summary="Applications in scope")
def list_repairs(status: str | None = Query(None, max_length=16, description="submitted, approved or rejected"),
                 late: bool = Query(False, description="Only those decided, or still open, past `decide_by`"),
                 paging: PageParams = Depends(page_params), principal: Principal = Depends(requires("repairs.read")),
                 session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first: a regulator's region, a company's own and its workers', a worker's own."""
    rows = repairs.applications(session, as_of=today(now), status=status, late=late)
    return page(visible(session, principal, rows, lambda r: [r["subject_id"]], now=now), paging)


@router.get("/{repair_id}", response_model=Repair, responses=problems(401, 403, 404, 422),
            summary="One application with its certificate")
def read_repair(repair_id: IdPath, principal: Principal = Depends(requires("repairs.read")),
                session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    return _scoped(session, principal, "repairs.read", repair_id, now=now)


CERTIFICATE_PDF: dict[int | str, dict[str, Any]] = {200: {
    "description": "The certificate as a PDF download (信用修复证书 XYXF-<year>-<id>)",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"},
                                    "example": "%PDF-1.7 … (信用修复证书 XYXF-2026-000123)"}},
    "headers": {"Content-Disposition": {"description": "attachment with the certificate's file name",
                                        "schema": {"type": "string"},
                                        "example": 'attachment; filename="repair-certificate-XYXF-2026-000123.pdf"'}},
}}


@router.get("/{repair_id}/certificate.pdf", response_class=Response,
            responses={**CERTIFICATE_PDF, **problems(401, 403, 404, 409, 422)},
            summary="The credit repair certificate of an approved application, as PDF")
def repair_certificate(repair_id: IdPath, principal: Principal = Depends(requires("repairs.read")),
                       session: Session = WriteSession, now: datetime = Depends(clock)) -> Response:
    """Whoever may read the application: the subject itself, its company, a regulator of its region, the admin.
    409 while the application has no certificate (not approved)."""
    _scoped(session, principal, "repairs.read", repair_id, now=now)
    doc = documents.repair_certificate(session, repair_id=repair_id, now=now)
    return Response(doc.render("pdf"), media_type=documents.MEDIA_TYPES["pdf"],
                    headers={"Content-Disposition": doc.content_disposition("pdf"), "Cache-Control": "no-store"})


def _failed(out: dict[str, Any]) -> str:
    return "；".join(f"{r['code']}：{r['reason']}" for r in out["reasons"])


@router.post("/{repair_id}/decision", response_model=RepairDecided, responses=problems(401, 403, 404, 409, 422),
             summary="Decide an application (regulator)")
def decide_repair(repair_id: IdPath, body: RepairDecision, request: Request,
                  principal: Principal = Depends(requires("repairs.decide")), session: Session = WriteSession,
                  now: datetime = Depends(clock)) -> dict[str, Any]:
    """``approve``: the records become ``repaired``, entries they grounded are removed, the subject re-graded,
    and the certificate number returned. ``reject``: the failed conditions are recorded."""
    found = _scoped(session, principal, "repairs.decide", repair_id, now=now)
    check_version(found["version"], body.version, code="repair.stale", what=f"信用修复申请 {repair_id}")
    config = rules_file(request)
    out = repairs.decide(session, repair_id=repair_id, by=principal.actor, now=now, rules=repair_rules(config),
                         models=load_models(config))
    # a refusal raises, so the request's transaction — the decision and its audit entry — is rolled back
    if body.decision == "approve" and out["status"] != "approved":
        raise Conflict("repair.conditions_not_met",
                       f"信用修复申请 {repair_id} 不符合信用修复条件，不能批准。未满足的条件：{_failed(out)}")
    if body.decision == "reject" and out["status"] == "approved":
        raise Conflict("repair.conditions_met",
                       f"信用修复申请 {repair_id} 满足全部信用修复条件，应予批准，不能驳回")
    subject_key = found["subject_key"]
    return out | {"subject_key": subject_key}
