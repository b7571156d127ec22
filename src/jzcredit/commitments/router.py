"""``/commitments``: credit commitments (信用承诺) over HTTP — sign, list, read, fulfilment, breach.

A company signs its own; a regulator (or the admin) may record one for a subject in its region, and
records fulfilment or breach there. A notification commitment (告知承诺) is refused while the subject has
an unrepaired serious negative record, naming it. A subject or commitment outside the scope answers
exactly like an unknown one. The same services as ``jzcredit commitments``; every step audited with the
principal as actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
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
from jzcredit.commitments import service as commitments
from jzcredit.commitments.models import Commitment as CommitmentRow
from jzcredit.commitments.schemas import Commitment, CommitmentBreach, CommitmentFulfilment, CommitmentSign
from jzcredit.common.crypto import Vault
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry

router = APIRouter(prefix="/commitments", tags=["commitments"])


def _hidden(commitment_id: int) -> NotFound:
    """Word for word what the service says about an unknown commitment."""
    return NotFound("commitment.not_found", f"没有编号为 {commitment_id} 的信用承诺")


def _shown(session: Session, commitment_id: int) -> dict[str, Any]:
    found = commitments.get(session, commitment_id)
    keys = registry.subject_keys(session, [found.subject_id])
    return commitments.commitment_dict(found) | {"subject_key": keys.get(found.subject_id)}


def _scoped(session: Session, principal: Principal, action: str, commitment_id: int, version: int | None = None, *,
            now: datetime) -> None:
    # the columns alone: a loaded commitment would shadow the service's guarded update
    row = session.execute(select(CommitmentRow.subject_id, CommitmentRow.version)
                          .where(CommitmentRow.id == commitment_id)).first()
    if row is None:
        raise _hidden(commitment_id)
    require_in_scope(session, principal, action, [row.subject_id], now=now, hidden=_hidden(commitment_id))
    if version is not None:
        check_version(row.version, version, code="commitment.stale", what=f"承诺 {commitment_id}")


@router.post("", status_code=201, response_model=Commitment, responses=problems(401, 403, 404, 409, 422),
             summary="Sign a commitment (the company; a regulator may record one)")
def sign_commitment(body: CommitmentSign, request: Request,
                    principal: Principal = Depends(requires("commitments.sign")), session: Session = WriteSession,
                    now: datetime = Depends(clock), keys: Vault = Depends(vault)) -> dict[str, Any]:
    """``in_force``; a ``commitment`` credit record is written and the subject re-graded."""
    subject_id = subject_by_key(session, principal, "commitments.sign", body.subject_key, vault=keys, now=now,
                                own_only=True)
    signed = commitments.sign(session, subject_id=subject_id, kind=body.kind, text=body.text, by=principal.actor,
                              now=now, public=body.public, in_place_of=body.in_place_of,
                              models=load_models(rules_file(request)))
    return _shown(session, signed.id)


@router.get("", response_model=Page[Commitment], responses=problems(401, 403, 422), summary="Commitments in scope")
def list_commitments(status: str | None = Query(None, max_length=16, description="in_force, fulfilled or breached"),
                     paging: PageParams = Depends(page_params),
                     principal: Principal = Depends(requires("commitments.read")), session: Session = WriteSession,
                     now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first: a regulator's region, a company's own and its workers', a worker's own."""
    rows = commitments.commitments(session, status=status)
    owners = {cid: sid for cid, sid in session.execute(select(CommitmentRow.id, CommitmentRow.subject_id))}
    return page(visible(session, principal, rows, lambda c: [owners.get(c["commitment_id"])], now=now), paging)


@router.get("/{commitment_id}", response_model=Commitment, responses=problems(401, 403, 404, 422),
            summary="One commitment")
def read_commitment(commitment_id: IdPath, principal: Principal = Depends(requires("commitments.read")),
                    session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    _scoped(session, principal, "commitments.read", commitment_id, now=now)
    return _shown(session, commitment_id)


@router.post("/{commitment_id}/fulfilment", response_model=Commitment, responses=problems(401, 403, 404, 409, 422),
             summary="Record that a commitment was kept (regulator)")
def fulfil_commitment(commitment_id: IdPath, body: CommitmentFulfilment, request: Request,
                      principal: Principal = Depends(requires("commitments.fulfil")),
                      session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """``in_force`` → ``fulfilled``; its record ends (kept as history) and the subject is re-graded."""
    _scoped(session, principal, "commitments.fulfil", commitment_id, body.version, now=now)
    commitments.fulfil(session, commitment_id=commitment_id, by=principal.actor, now=now, note=body.note,
                       models=load_models(rules_file(request)))
    return _shown(session, commitment_id)


@router.post("/{commitment_id}/breach", response_model=Commitment, responses=problems(401, 403, 404, 409, 422),
             summary="Record that a commitment was broken (regulator)")
def breach_commitment(commitment_id: IdPath, body: CommitmentBreach, request: Request,
                      principal: Principal = Depends(requires("commitments.breach")),
                      session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """``in_force`` → ``breached``: a ``commitment_breach`` negative record is written and the subject re-graded."""
    _scoped(session, principal, "commitments.breach", commitment_id, body.version, now=now)
    config = rules_file(request)
    commitments.breach(session, commitment_id=commitment_id, reason=body.reason, by=principal.actor, now=now,
                       rules=commitments.commitment_rules(config), models=load_models(config))
    return _shown(session, commitment_id)
