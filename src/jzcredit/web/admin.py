"""``/admin`` (监管工作台): the home, the list review queue (名单审核) and court-data match candidates.

Every page goes through :mod:`jzcredit.web.auth` (signed in, the policy's role gate) and the API's policy
functions for scope, exactly as the API routes do: a regulator sees only what lies in its region, and an
id outside it answers with the same 404 page as an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import clock, settings_of
from jzcredit.api.policy import authorize_subject, subjects_in_scope
from jzcredit.api.workflow import IdPath, require_in_scope, visible
from jzcredit.common import audit
from jzcredit.config import Settings
from jzcredit.errors import Conflict, Forbidden, JzError, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.due import employers_of
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import service as lists_service
from jzcredit.lists.common import STATUS_LABELS
from jzcredit.lists.rules import lists_config
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord, MatchCandidate
from jzcredit.web.admin_nav import sections_for
from jzcredit.web.admin_support import (
    SHOWN,
    FormState,
    audit_worker_view,
    choice,
    done,
    render,
    run_step,
    subject_names,
    text,
    whole_number,
)
from jzcredit.web.auth import WebSession, form_requires, page_requires
from jzcredit.web.templates_common import actor_name

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_home(request: Request, web: WebSession = Depends(page_requires(None))) -> Response:
    """工作台: a link to each section the role may use; a role with none is refused."""
    if not sections_for(web.principal):
        raise Forbidden("auth.role", f"您的角色（{web.principal.role}）没有监管工作台的页面")
    return render(request, web, "admin/home.html", {"active": "/admin"})


# --- 名单审核 ---------------------------------------------------------------------------------------

REVIEW_DECISIONS = {"approve": "批准公布", "reject": "驳回"}


def _basis_records(session: Session, ids: set[int], now: datetime) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)))
    return {r.id: records_service.record_dict(r, now.date()) for r in rows}


def review_queue(session: Session, web: WebSession, now: datetime) -> tuple[int, list[dict[str, Any]]]:
    """How many candidates lie in the reviewer's scope, and the oldest :data:`SHOWN` with their basis records."""
    rows = lists_service.entries(session, status="candidate")
    in_scope = subjects_in_scope(session, web.principal, {r["subject_id"] for r in rows}, now)
    rows = [r for r in rows if r["subject_id"] in in_scope]
    total, rows = len(rows), rows[:SHOWN]
    records = _basis_records(session, {i for r in rows for i in r["basis"]}, now)
    names = subject_names(session, {r["subject_id"] for r in rows})
    return total, [r | {"name": names.get(r["subject_id"], ""),
                        "records": [records[i] for i in r["basis"] if i in records]} for r in rows]


def _review_page(request: Request, web: WebSession, now: datetime, state: FormState, *,
                 status: int = 200) -> Response:
    with request.app.state.sessions() as session:
        total, items = review_queue(session, web, now)
    audit_worker_view(request, web, now, "/admin/review", {e["subject_id"] for e in items})
    return render(request, web, "admin/review.html",
                  {"items": items, "total": total, "state": state, "decisions": REVIEW_DECISIONS,
                   "active": "/admin/review"}, status=status)


@router.get("/admin/review")
def review_page(request: Request, web: WebSession = Depends(page_requires("lists.review")),
                now: datetime = Depends(clock)) -> Response:
    """名单审核: the candidates in the region with their basis records, each with approve / reject."""
    return _review_page(request, web, now, FormState())


def _review_conflict(request: Request, entry_id: int, refusal: JzError) -> str:
    """What happened, in words: who decided first, and that nothing was done twice."""
    if not isinstance(refusal, Conflict) or refusal.code not in ("list_entry.changed", "list_entry.not_candidate"):
        return refusal.detail
    with request.app.state.sessions() as session:
        entry = lists_service.get_entry(session, entry_id=entry_id)
    if entry["status"] == "candidate":
        return f"{refusal.detail}。您的操作没有执行。"
    by = actor_name(entry["reviewed_by"])
    when = entry["reviewed_at"].strftime("%Y-%m-%d %H:%M") if entry["reviewed_at"] else ""
    return (f"名单条目 {entry_id} 已由{by}于 {when} 先行审核，当前状态：{STATUS_LABELS.get(entry['status'], '')}。"
            "您的操作没有执行，条目不会重复公布或驳回。")


@router.post("/admin/review/{entry_id}")
def review_entry(request: Request, entry_id: IdPath, decision: str = Form(""), note: str = Form(""),
                 version: str = Form(""), web: WebSession = Depends(form_requires("lists.review")),
                 now: datetime = Depends(clock), settings: Settings = Depends(settings_of)) -> Response:
    """Approve (publish) or reject the version shown; a stale version is refused with who decided first."""
    state = FormState(target=entry_id, values={"decision": decision.strip(), "note": note.strip(),
                                               "version": version.strip()})
    chosen = choice(state, "decision", REVIEW_DECISIONS)
    seen = whole_number(state, "version", "版本号")
    reason = text(state, "note", "驳回理由" if chosen == "reject" else "审核意见", required=chosen == "reject")
    if not state.ok or seen is None:
        return _review_page(request, web, now, state, status=422)

    def step(session: Session) -> dict[str, Any]:
        entry = lists_service.get_entry(session, entry_id=entry_id)
        try:
            authorize_subject(session, web.principal, "lists.review", entry["subject_id"], now=now)
        except NotFound:
            raise NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目") from None
        return lists_service.review(session, entry_id=entry_id, approve=chosen == "approve", by=web.principal.actor,
                                    note=reason, expected_version=seen, now=now,
                                    rules=lists_config(settings.config), models=load_models(settings.config))

    out = run_step(request, step)
    if isinstance(out, JzError):
        state.conflict = _review_conflict(request, entry_id, out)
        return _review_page(request, web, now, state, status=out.status)
    return done("/admin/review", "approved" if chosen == "approve" else "rejected", entry_id)


# --- 法院数据匹配 -----------------------------------------------------------------------------------

MATCH_DECISIONS = {"confirm": "确认匹配", "reject": "驳回"}


def _match_hidden(match_id: int) -> NotFound:
    """Word for word what the records service says about an unknown candidate."""
    return NotFound("match.not_found", f"没有编号为 {match_id} 的匹配候选")


def _matches_page(request: Request, web: WebSession, now: datetime, state: FormState, *,
                  status: int = 200) -> Response:
    with request.app.state.sessions() as session:
        rows = records_service.list_matches(session, status="pending")
        workers = {match_id: worker_id for match_id, worker_id in session.execute(
            select(MatchCandidate.id, MatchCandidate.worker_id)
            .where(MatchCandidate.id.in_([r["match_id"] for r in rows])))}
        rows = [r | {"worker_id": workers.get(r["match_id"])} for r in rows]
        items = visible(session, web.principal, rows, lambda r: [r["worker_id"]], now=now)
        total, items = len(items), items[:SHOWN]
    audit_worker_view(request, web, now, "/admin/matches", {m["worker_id"] for m in items})
    return render(request, web, "admin/matches.html",
                  {"items": items, "total": total, "state": state, "decisions": MATCH_DECISIONS,
                   "active": "/admin/matches"}, status=status)


@router.get("/admin/matches")
def matches_page(request: Request, web: WebSession = Depends(page_requires("matches.decide")),
                 now: datetime = Depends(clock)) -> Response:
    """法院数据匹配: court records with a masked ID that fit exactly one worker in the region."""
    return _matches_page(request, web, now, FormState())


@router.post("/admin/matches/{match_id}")
def decide_match(request: Request, match_id: IdPath, decision: str = Form(""), note: str = Form(""),
                 web: WebSession = Depends(form_requires("matches.decide")), now: datetime = Depends(clock),
                 settings: Settings = Depends(settings_of)) -> Response:
    """Confirm (the record becomes the worker's, who is graded again with the employers) or reject."""
    state = FormState(target=match_id, values={"decision": decision.strip(), "note": note.strip()})
    chosen = choice(state, "decision", MATCH_DECISIONS)
    remark = text(state, "note", "说明", required=chosen == "reject")
    if not state.ok:
        return _matches_page(request, web, now, state, status=422)

    def step(session: Session) -> None:
        worker_id = session.scalar(select(MatchCandidate.worker_id).where(MatchCandidate.id == match_id))
        if worker_id is None:
            raise _match_hidden(match_id)
        require_in_scope(session, web.principal, "matches.decide", [worker_id], now=now,
                         hidden=_match_hidden(match_id))
        match = records_service.decide_match(session, match_id=match_id, confirm=chosen == "confirm",
                                             actor=web.principal.actor, now=now, note=remark)
        audit.append(session, actor=web.principal.actor, action="match." + match.status, obj=f"match:{match_id}",
                     now=now, detail={"record_id": match.record_id, "note": remark})
        if chosen == "confirm":  # as `matches confirm`: the worker (and employers) graded on the record now
            evaluation.evaluate_subjects(session, models=load_models(settings.config), now=now,
                                         subject_ids=[match.worker_id, *employers_of(session, [match.worker_id])])

    out = run_step(request, step)
    if isinstance(out, JzError):
        state.conflict = out.detail + "。您的操作没有执行。"
        return _matches_page(request, web, now, state, status=out.status)
    return done("/admin/matches", "confirmed" if chosen == "confirm" else "match_rejected", match_id)
