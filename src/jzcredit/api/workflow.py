"""What the workflow routers share (notices, objections, repairs, commitments, complaints; issue 5).

Every scope decision is still :mod:`jzcredit.api.policy`'s (``authorize_subject``, ``in_scope_of``); this
module only applies it the way these routers need it:

- a subject named by a key (USCC, worker code or ID number) in a request body, where an unknown subject
  answers exactly like one outside the scope;
- an object (a notice, an objection …) that belongs to subjects: outside the scope it answers with the
  object's own "not found", word for word what an unknown id gets, so ids cannot be probed;
- lists: the service's rows, kept where a subject of the row is in scope, then one page of them;
- optimistic locking: the ``version`` a client read must still be the current one (409 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.pagination import PageParams
from jzcredit.api.policy import Principal, authorize, authorize_subject, in_scope_of
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, NotFound
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry

MAX_ID = 2**63 - 1  # BIGINT: a larger id would be a database error, not a "not found"
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, PathParam(ge=1, le=MAX_ID, description="The id")]
Version = Annotated[int, Field(ge=1, le=MAX_ID, description="The version as read: 409 when it has changed since")]

PROBLEM_TEXT = {
    401: "No token, or a bad, unknown or revoked one",
    403: "The role may not take this action",
    404: "Unknown, or outside the principal's scope (the same answer)",
    409: "The state does not allow the step, or the version is stale",
    422: "The request or a value in it is not acceptable",
}


class ProblemDoc(BaseModel):
    """RFC 9457 problem (``application/problem+json``)."""

    type: str = Field(description="`/problems/{code}`")
    title: str
    status: int
    detail: str = Field(description="One zh-CN sentence saying what is wrong")
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code")
    errors: list[dict[str, Any]] | None = Field(None, description="Validation problems, one per field (422)")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problems a route may answer with."""
    schema = ProblemDoc.model_json_schema()
    return {status: {"description": PROBLEM_TEXT[status], "content": {"application/problem+json": {"schema": schema}}}
            for status in statuses}


def rules_file(request: Request) -> Path | None:
    """The ``JZCREDIT_CONFIG`` override in effect for this app (the CLI's ``--config``)."""
    config: Path | None = request.app.state.settings.config
    return config


def subject_by_key(session: Session, principal: Principal, action: str, key: str, *, vault: Vault, now: datetime,
                   own_only: bool = False) -> int:
    """The subject a key names, inside the principal's scope; an unknown subject reads like a hidden one."""
    authorize(principal, action)  # the role gate before any look-up
    try:
        subject_id: int | None = registry.resolve_subject_key(session, vault=vault, key=key)
    except NotFound as exc:
        if exc.code != "subject.not_found":  # a key of no known shape says so; it reveals nothing
            raise
        subject_id = None
    return authorize_subject(session, principal, action, subject_id, now=now, own_only=own_only)


def require_in_scope(session: Session, principal: Principal, action: str, subject_ids: Iterable[int | None], *,
                     now: datetime, hidden: NotFound, own_only: bool = False) -> None:
    """The object belongs to ``subject_ids``; unless one of them is in scope, raise ``hidden`` (the object's
    own not-found). ``own_only``: a company or worker acts only on what is its own, not its workers'."""
    authorize(principal, action)
    if principal.role == "admin":  # everything, also what belongs to no subject yet (an unmatched record)
        return
    for subject_id in subject_ids:
        if subject_id is None:
            continue
        try:
            authorize_subject(session, principal, action, subject_id, now=now, own_only=own_only)
        except NotFound:
            continue
        return
    raise hidden


def record_not_found(record_id: int) -> NotFound:
    """As ``objections``/``repair`` word it for an unknown record."""
    return NotFound("record.not_found", f"没有编号为 {record_id} 的信用记录")


def record_subject(session: Session, principal: Principal, action: str, record_id: int, *, now: datetime,
                   own_only: bool = False) -> int | None:
    """The subject of a credit record in the principal's scope (a record not yet linked to a subject is in
    nobody's scope but the admin's); otherwise the same 404 as an unknown record."""
    authorize(principal, action)
    # the columns alone: a loaded record would shadow the fresh, locked read the objection service makes
    row = session.execute(select(CreditRecord.id, CreditRecord.subject_id).where(CreditRecord.id == record_id)).first()
    if row is None:
        raise record_not_found(record_id)
    require_in_scope(session, principal, action, [row.subject_id], now=now, hidden=record_not_found(record_id),
                     own_only=own_only)
    subject_id: int | None = row.subject_id
    return subject_id


def visible(session: Session, principal: Principal, rows: Sequence[dict[str, Any]],
            subjects: Callable[[dict[str, Any]], Iterable[int | None]], *, now: datetime) -> list[dict[str, Any]]:
    """The rows with at least one subject in the principal's scope (each subject checked once)."""
    if principal.role == "admin":
        return list(rows)
    seen: dict[int, bool] = {}

    def ok(subject_id: int | None) -> bool:
        if subject_id is None:
            return False
        if subject_id not in seen:
            seen[subject_id] = in_scope_of(session, principal, subject_id, now)
        return seen[subject_id]

    return [row for row in rows if any(ok(s) for s in subjects(row))]


def page(rows: Sequence[dict[str, Any]], params: PageParams) -> dict[str, Any]:
    """One page of an already filtered list (``items``, ``total``, ``page``, ``size``)."""
    return {"items": list(rows[params.offset:params.offset + params.size]), "total": len(rows),
            "page": params.page, "size": params.size}


def check_version(current: int, expected: int, *, code: str, what: str) -> None:
    """Optimistic locking: the client acted on version ``expected``; someone has changed it since → 409."""
    if current != expected:
        raise Conflict(code, f"{what} 已被他人修改（当前版本 {current}，您提交的是版本 {expected}），"
                             "请刷新后查看最新状态再操作")
