"""``/complaints``: the authenticated side of complaints (投诉) — the inbox, one complaint, and the steps.

The public files and tracks complaints (``/public/complaints``). Here a company reads its inbox — the
complaints against itself and against its current workers — and answers those against itself within
``complaints.response_days`` (a late answer is taken; the missed deadline stays on its file). A regulator
works the complaints of its region: forwards, records the complainant's verdict on the answer, mediates
and closes with a finding; the admin everything. A complaint outside the scope answers exactly like an
unknown one. The complainant's phone is in no answer (not even masked), and a company sees neither the
complainant's name nor the tracking code. Each step is the same service as ``jzcredit complaints`` and
is audited with the principal as actor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock
from jzcredit.api.pagination import Page, PageParams, page_params
from jzcredit.api.policy import Principal, requires
from jzcredit.api.workflow import IdPath, check_version, page, problems, require_in_scope, rules_file, visible
from jzcredit.common.clock import today
from jzcredit.complaints import service as complaints
from jzcredit.complaints.config import ComplaintsConfig, complaints_config
from jzcredit.complaints.models import Complaint as ComplaintRow
from jzcredit.complaints.schemas import (
    Complaint,
    ComplaintClosure,
    ComplaintMediation,
    ComplaintResolution,
    ComplaintResponse,
    ComplaintStepIn,
)
from jzcredit.complaints.steps import CATEGORY_LABELS, FINDING_LABELS, STATUS_LABELS
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import Models, load_models

router = APIRouter(prefix="/complaints", tags=["complaints"])

COMPLAINANT = "投诉人"  # how a company's view names the complainant where a step was taken by them
PRIVILEGED = ("admin", "regulator")  # who sees the complainant's name and tracking code


def _hidden(complaint_id: int) -> NotFound:
    """Word for word what the service says about an unknown complaint."""
    return NotFound("complaint.not_found", f"没有编号为 {complaint_id} 的投诉")


def _parties(session: Session, complaint_id: int) -> Any:
    # the columns alone: a loaded complaint would shadow the service's locked read (FOR UPDATE)
    row = session.execute(select(ComplaintRow.company_id, ComplaintRow.worker_id, ComplaintRow.version)
                          .where(ComplaintRow.id == complaint_id)).first()
    if row is None:
        raise _hidden(complaint_id)
    return row


def _in_scope(session: Session, principal: Principal, action: str, complaint_id: int, version: int | None = None, *,
              now: datetime, own_only: bool = False) -> None:
    """Scope by the parties (the company, and the worker unless ``own_only``: answering is for the company
    complained about), then the version read."""
    row = _parties(session, complaint_id)
    subjects = [row.company_id] if own_only else [row.company_id, row.worker_id]
    require_in_scope(session, principal, action, subjects, now=now, hidden=_hidden(complaint_id), own_only=own_only)
    if version is not None:
        check_version(row.version, version, code="complaint.stale", what=f"投诉 {complaint_id}")


def _view(doc: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """What this principal may see of a complaint: never the phone; the name and tracking code for
    regulators and the admin only."""
    out = {key: value for key, value in doc.items() if key != "contact_phone"}
    out.setdefault("status_label", STATUS_LABELS[out["status"]])
    out.setdefault("category_label", CATEGORY_LABELS[out["category"]])
    out.setdefault("finding_label", FINDING_LABELS.get(out["finding"] or ""))
    if principal.role in PRIVILEGED:
        return out
    name = out.get("filed_by")
    out["filed_by"] = out["tracking_code"] = None
    if out.get("steps"):
        out["steps"] = [s | {"actor": COMPLAINANT} if s["action"] == "file" or s["actor"] == name else s
                        for s in out["steps"]]
    return out


def _detail(session: Session, principal: Principal, complaint: ComplaintRow, now: datetime) -> dict[str, Any]:
    return _view(complaints.detail(session, complaint, as_of=today(now)), principal)


def _config(request: Request) -> tuple[ComplaintsConfig, Models]:
    config = rules_file(request)
    return complaints_config(config), load_models(config)


@router.get("", response_model=Page[Complaint], responses=problems(401, 403, 422),
            summary="Complaints in scope (a company's inbox)")
def list_complaints(status: str | None = Query(None, max_length=16, description="filed, forwarded, responded, …"),
                    overdue: bool = Query(False, description="Only forwarded ones past respond_by, unanswered"),
                    paging: PageParams = Depends(page_params),
                    principal: Principal = Depends(requires("complaints.read")), session: Session = WriteSession,
                    now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first: a company's against itself and its current workers, a regulator's region, the admin's all."""
    rows = complaints.list_complaints(session, as_of=today(now), status=status, overdue=overdue)
    parties = {cid: (company, worker) for cid, company, worker in session.execute(
        select(ComplaintRow.id, ComplaintRow.company_id, ComplaintRow.worker_id))}
    shown = visible(session, principal, rows, lambda c: parties.get(c["complaint_id"], ()), now=now)
    return page([_view(c, principal) for c in shown], paging)


@router.get("/{complaint_id}", response_model=Complaint, responses=problems(401, 403, 404, 422),
            summary="One complaint with every step")
def read_complaint(complaint_id: IdPath, principal: Principal = Depends(requires("complaints.read")),
                   session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    _in_scope(session, principal, "complaints.read", complaint_id, now=now)
    return _detail(session, principal, session.get_one(ComplaintRow, complaint_id), now)


def _step(session: Session, principal: Principal, action: str, complaint_id: int, version: int, now: datetime,
          work: Callable[[], ComplaintRow], *, own_only: bool = False) -> dict[str, Any]:
    _in_scope(session, principal, action, complaint_id, version, now=now, own_only=own_only)
    return _detail(session, principal, work(), now)


@router.post("/{complaint_id}/forward", response_model=Complaint, responses=problems(401, 403, 404, 409, 422),
             summary="Forward to the company (regulator)")
def forward_complaint(complaint_id: IdPath, body: ComplaintStepIn, request: Request,
                      principal: Principal = Depends(requires("complaints.manage")), session: Session = WriteSession,
                      now: datetime = Depends(clock)) -> dict[str, Any]:
    """``filed`` → ``forwarded``; the company must respond by forwarding date + ``complaints.response_days``."""
    cfg, _ = _config(request)
    return _step(session, principal, "complaints.manage", complaint_id, body.version, now,
                 lambda: complaints.forward(session, complaint_id=complaint_id, now=now, actor=principal.actor,
                                            cfg=cfg))


@router.post("/{complaint_id}/response", response_model=Complaint, responses=problems(401, 403, 404, 409, 422),
             summary="Respond (the company complained about)")
def respond_complaint(complaint_id: IdPath, body: ComplaintResponse, request: Request,
                      principal: Principal = Depends(requires("complaints.respond")), session: Session = WriteSession,
                      now: datetime = Depends(clock)) -> dict[str, Any]:
    """``forwarded`` → ``responded``. After ``respond_by`` the answer is still taken, but the complaint is marked
    ``unanswered`` first (a record on the company, as ``tick`` would have written)."""
    cfg, models = _config(request)
    return _step(session, principal, "complaints.respond", complaint_id, body.version, now,
                 lambda: complaints.respond(session, complaint_id=complaint_id, text=body.text, now=now,
                                            actor=principal.actor, cfg=cfg, models=models), own_only=True)


@router.post("/{complaint_id}/resolution", response_model=Complaint, responses=problems(401, 403, 404, 409, 422),
             summary="Record the complainant's verdict on the response (regulator)")
def resolve_complaint(complaint_id: IdPath, body: ComplaintResolution,
                      principal: Principal = Depends(requires("complaints.manage")), session: Session = WriteSession,
                      now: datetime = Depends(clock)) -> dict[str, Any]:
    """``responded`` → ``resolved`` (satisfied) or ``unresolved`` (not: for mediation)."""
    return _step(session, principal, "complaints.manage", complaint_id, body.version, now,
                 lambda: complaints.resolve(session, complaint_id=complaint_id, satisfied=body.satisfied, now=now,
                                            actor=principal.actor))


@router.post("/{complaint_id}/mediation", response_model=Complaint, responses=problems(401, 403, 404, 409, 422),
             summary="Mediate (regulator)")
def mediate_complaint(complaint_id: IdPath, body: ComplaintMediation, request: Request,
                      principal: Principal = Depends(requires("complaints.manage")), session: Session = WriteSession,
                      now: datetime = Depends(clock)) -> dict[str, Any]:
    """``unresolved`` → ``mediated``, or ``forwarded`` and left unanswered past ``respond_by`` → ``mediated``."""
    cfg, models = _config(request)
    return _step(session, principal, "complaints.manage", complaint_id, body.version, now,
                 lambda: complaints.mediate(session, complaint_id=complaint_id, note=body.note, now=now,
                                            actor=principal.actor, cfg=cfg, models=models))


@router.post("/{complaint_id}/closure", response_model=Complaint, responses=problems(401, 403, 404, 409, 422),
             summary="Close with a finding (regulator)")
def close_complaint(complaint_id: IdPath, body: ComplaintClosure, request: Request,
                    principal: Principal = Depends(requires("complaints.manage")), session: Session = WriteSession,
                    now: datetime = Depends(clock)) -> dict[str, Any]:
    """``resolved`` or ``mediated`` → ``closed``; ``substantiated`` writes ``complaint`` records on the company
    and the worker and re-grades them."""
    cfg, models = _config(request)
    return _step(session, principal, "complaints.manage", complaint_id, body.version, now,
                 lambda: complaints.close(session, complaint_id=complaint_id, finding=body.finding, note=body.note,
                                          now=now, actor=principal.actor, cfg=cfg, models=models))
