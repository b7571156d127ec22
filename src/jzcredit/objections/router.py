"""``/objections``: objections (异议) over HTTP — file, list (late ones marked), read, decide.

The subject files against its own records (a company not for its workers'), a regulator against any
record in its region; regulators decide inside their region. An objection or record outside the scope
answers exactly like an unknown one. The same services as ``jzcredit objections``; every step audited with
the principal as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
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
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.rules import lists_config
from jzcredit.objections import service as objections
from jzcredit.objections.config import objections_config
from jzcredit.objections.schemas import Objection, ObjectionDecided, ObjectionDecision, ObjectionFile

router = APIRouter(prefix="/objections", tags=["objections"])


def _hidden(objection_id: int) -> NotFound:
    """Word for word what the service says about an unknown objection."""
    return NotFound("objection.not_found", f"没有编号为 {objection_id} 的异议")


def _scoped(session: Session, principal: Principal, action: str, objection_id: int, *,
            now: datetime) -> dict[str, Any]:
    found = objections.show_objection(session, objection_id=objection_id, as_of=today(now))
    require_in_scope(session, principal, action, [found["subject_id"]], now=now, hidden=_hidden(objection_id))
    return found


@router.post("", status_code=201, response_model=Objection, responses=problems(401, 403, 404, 409, 422),
             summary="File an objection (the subject, or a regulator)")
def file_objection(body: ObjectionFile, request: Request,
                   principal: Principal = Depends(requires("objections.file")), session: Session = WriteSession,
                   now: datetime = Depends(clock)) -> dict[str, Any]:
    """The record shows ``under_objection`` until decided and is no basis for new list candidates."""
    record_subject(session, principal, "objections.file", body.record_id, now=now, own_only=True)
    role = "regulator" if principal.role in ("admin", "regulator") else "subject"
    return objections.file_objection(session, record_id=body.record_id, reason=body.reason, evidence=body.evidence,
                                     role=role, now=now, actor=principal.actor,
                                     cfg=objections_config(rules_file(request)))


@router.get("", response_model=Page[Objection], responses=problems(401, 403, 422), summary="Objections in scope")
def list_objections(status: str | None = Query(None, max_length=16, description="filed, upheld or dismissed"),
                    late: bool = Query(False, description="Only those decided late or still open past the limit"),
                    paging: PageParams = Depends(page_params),
                    principal: Principal = Depends(requires("objections.read")), session: Session = WriteSession,
                    now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first; ``late`` marks a decision later than ``objections.decision_days`` after filing."""
    rows = objections.list_objections(session, as_of=today(now), status=status, late=late)
    return page(visible(session, principal, rows, lambda o: [o["subject_id"]], now=now), paging)


@router.get("/{objection_id}", response_model=Objection, responses=problems(401, 403, 404, 422),
            summary="One objection with its record")
def read_objection(objection_id: IdPath, principal: Principal = Depends(requires("objections.read")),
                   session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    return _scoped(session, principal, "objections.read", objection_id, now=now)


@router.post("/{objection_id}/decision", response_model=ObjectionDecided,
             responses=problems(401, 403, 404, 409, 422), summary="Decide an objection (regulator)")
def decide_objection(objection_id: IdPath, body: ObjectionDecision, request: Request,
                     principal: Principal = Depends(requires("objections.decide")), session: Session = WriteSession,
                     now: datetime = Depends(clock)) -> dict[str, Any]:
    """``uphold``: the record is revoked (or corrected with ``corrections``), list entries without a basis are
    rejected or removed and grades recomputed; ``dismiss``: the record's earlier status comes back."""
    found = _scoped(session, principal, "objections.decide", objection_id, now=now)
    check_version(found["version"], body.version, code="objection.stale", what=f"异议 {objection_id}")
    config = rules_file(request)
    return objections.decide_objection(session, objection_id=objection_id, uphold=body.decision == "uphold",
                                       note=body.note, corrections=body.corrections, now=now, actor=principal.actor,
                                       lists_cfg=lists_config(config), models=load_models(config))
