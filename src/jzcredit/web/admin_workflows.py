"""``/admin/notices`` (限期整改), ``/admin/objections`` (异议处理) and ``/admin/repairs`` (信用修复).

The same services and the same scope checks as the ``/api/v1`` workflow routers (``api.workflow``): a
regulator lists and decides only what belongs to subjects in its region, an id outside it is the same 404
page as an unknown one, and a decision names the version the page showed (409 on a stale one, shown on the
page with nothing done).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import clock, settings_of, vault
from jzcredit.api.workflow import IdPath, check_version, require_in_scope, subject_by_key, visible
from jzcredit.commitments import service as commitments_service
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.rules import lists_config
from jzcredit.objections import service as objections
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.rectification import service as rectification
from jzcredit.rectification.common import STATUS_LABELS as NOTICE_LABELS
from jzcredit.rectification.config import rectification_config
from jzcredit.repair import service as repairs
from jzcredit.repair.rules import CONDITIONS, Claim, Failure, Target, failed_conditions, repair_rules
from jzcredit.web.admin_support import (
    MAX_ID,
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

router = APIRouter(include_in_schema=False)
ISSUE = 0  # the issue form's target (no notice yet)
CONDITION_LABELS = {c.code: c.label for c in CONDITIONS} | {"not_in_force": "记录仍在公示期内"}


def _records(session: Session, ids: set[int], as_of: date) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    return {r.id: records_service.record_dict(r, as_of)
            for r in session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)))}


def _field_of(refusal: JzError, fields: Mapping[str, str]) -> str | None:
    """The form field a service's refusal is about (by its code's prefix), if any."""
    return next((name for prefix, name in fields.items() if refusal.code.startswith(prefix)), None)


def _refused(state: FormState, refusal: JzError, fields: Mapping[str, str] | None = None) -> int:
    name = _field_of(refusal, fields or {}) if isinstance(refusal, Invalid | NotFound) else None
    if name is not None:
        state.error(name, refusal.detail)
        return 422
    state.conflict = refusal.detail + "。您的操作没有执行。"
    return refusal.status


# --- 限期整改 ----------------------------------------------------------------------------------------

NOTICE_FILTERS = {"open": "整改中", "overdue": "已逾期", "all": "全部"}
VERIFY_DECISIONS = {"accept": "核验通过", "reject": "退回整改"}
ISSUE_FIELDS = {"subject.": "subject_key", "rectification.requirements": "requirements",
                "rectification.deadline": "deadline", "rectification.basis": "basis", "record.": "basis",
                "rectification.authority": "authority"}


def _notices_page(request: Request, web: WebSession, now: datetime, state: FormState, show: str, *,
                  status: int = 200) -> Response:
    as_of = today(now)
    with request.app.state.sessions() as session:
        rows = rectification.list_notices(session, as_of=as_of, overdue=show == "overdue")
        if show == "open":
            rows = [n for n in rows if n["status"] in ("issued", "submitted")]
        items = visible(session, web.principal, rows, lambda n: [n["subject_id"]], now=now)
        total, items = len(items), items[::-1][:SHOWN]  # the newest first
        names = subject_names(session, {n["subject_id"] for n in items})
    audit_worker_view(request, web, now, "/admin/notices", {n["subject_id"] for n in items})
    items = [n | {"name": names.get(n["subject_id"], ""), "status_label": NOTICE_LABELS.get(n["status"], "")}
             for n in items]
    return render(request, web, "admin/notices.html",
                  {"items": items, "total": total, "state": state, "show": show, "filters": NOTICE_FILTERS,
                   "issue_target": ISSUE, "decisions": VERIFY_DECISIONS, "active": "/admin/notices", "today": as_of},
                  status=status)


@router.get("/admin/notices")
def notices_page(request: Request, show: str = Query("open", max_length=16),
                 web: WebSession = Depends(page_requires("notices.issue")), now: datetime = Depends(clock)) -> Response:
    """限期整改: issue a notice; the notices in the region with status and overdue; verify submitted evidence."""
    return _notices_page(request, web, now, FormState(), show if show in NOTICE_FILTERS else "open")


def _basis_ids(state: FormState) -> list[int]:
    raw = state.values.get("basis", "").replace("，", ",").replace("、", ",")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > 200 or not all(p.isdigit() and 1 <= int(p) <= MAX_ID for p in parts):
        state.error("basis", "依据记录应为记录编号，用逗号分隔（最多 200 个）")
        return []
    return [int(p) for p in parts]


def _deadline(state: FormState, as_of: date) -> date | None:
    value = state.values.get("deadline", "")
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        state.error("deadline", "整改期限应为日期，如 2026-07-31")
        return None
    if day < as_of:
        state.error("deadline", f"整改期限不能早于今天（{as_of.isoformat()}）")
    return day


@router.post("/admin/notices")
def issue_notice(request: Request, subject_key: str = Form(""), requirements: str = Form(""),
                 deadline: str = Form(""), basis: str = Form(""), authority: str = Form(""),
                 web: WebSession = Depends(form_requires("notices.issue")), now: datetime = Depends(clock),
                 keys: Vault = Depends(vault)) -> Response:
    """下达限期整改通知 to a subject in the region (the number is unique per authority and year)."""
    state = FormState(target=ISSUE, values={"subject_key": subject_key.strip(), "requirements": requirements.strip(),
                                            "deadline": deadline.strip(), "basis": basis.strip(),
                                            "authority": authority.strip()})
    key = text(state, "subject_key", "主体（统一社会信用代码或服务员码）", required=True, limit=64)
    needs = text(state, "requirements", "整改要求", required=True, limit=20_000)
    last_day = _deadline(state, today(now))
    basis_ids = _basis_ids(state)
    who = text(state, "authority", "下达机关", required=False, limit=200)
    if not state.ok or key is None or needs is None:
        return _notices_page(request, web, now, state, "open", status=422)

    def step(session: Session) -> dict[str, Any]:
        try:
            subject_id = subject_by_key(session, web.principal, "notices.issue", key, vault=keys, now=now)
        except NotFound as exc:  # a field of the form, not a page: the key is what the person typed
            raise Invalid("subject.not_found", exc.detail) from None
        return rectification.issue_notice(session, subject_id=subject_id, requirements=needs, deadline=last_day,
                                          basis=basis_ids, authority=who, now=now, actor=web.principal.actor,
                                          cfg=rectification_config(request.app.state.settings.config))

    out = run_step(request, step)
    if isinstance(out, JzError):
        return _notices_page(request, web, now, state, "open", status=_refused(state, out, ISSUE_FIELDS))
    return done("/admin/notices", "issued", out["notice_id"])


@router.post("/admin/notices/{notice_id}/verification")
def verify_notice(request: Request, notice_id: IdPath, decision: str = Form(""), note: str = Form(""),
                  version: str = Form(""), web: WebSession = Depends(form_requires("notices.verify")),
                  now: datetime = Depends(clock)) -> Response:
    """核验整改材料: accept closes the notice; reject sends it back with the deadline unchanged."""
    state = FormState(target=notice_id, values={"decision": decision.strip(), "note": note.strip(),
                                                "version": version.strip()})
    chosen = choice(state, "decision", VERIFY_DECISIONS)
    seen = whole_number(state, "version", "版本号")
    remark = text(state, "note", "退回理由" if chosen == "reject" else "核验意见", required=chosen == "reject")
    if not state.ok or seen is None:
        return _notices_page(request, web, now, state, "open", status=422)

    def step(session: Session) -> dict[str, Any]:
        notice = rectification.show_notice(session, notice_id=notice_id, as_of=today(now))
        require_in_scope(session, web.principal, "notices.verify", [notice["subject_id"]], now=now,
                         hidden=NotFound("rectification.not_found", f"没有编号为 {notice_id} 的整改通知"))
        check_version(notice["version"], seen, code="rectification.stale", what=f"整改通知 {notice['notice_number']}")
        return rectification.verify_notice(session, notice_id=notice_id, accept=chosen == "accept", note=remark,
                                           now=now, actor=web.principal.actor)

    out = run_step(request, step)
    if isinstance(out, JzError):
        return _notices_page(request, web, now, state, "open", status=_refused(state, out))
    return done("/admin/notices", "verified" if chosen == "accept" else "returned", notice_id)


# --- 异议处理 ----------------------------------------------------------------------------------------

OBJECTION_DECISIONS = {"uphold": "异议成立（撤销记录）", "dismiss": "异议不成立"}


def _objections_page(request: Request, web: WebSession, now: datetime, state: FormState, *,
                     status: int = 200) -> Response:
    as_of = today(now)
    with request.app.state.sessions() as session:
        rows = objections.list_objections(session, as_of=as_of, status="filed")
        items = visible(session, web.principal, rows, lambda o: [o["subject_id"]], now=now)
        total, items = len(items), items[:SHOWN]
        records = _records(session, {o["record_id"] for o in items}, as_of)
        names = subject_names(session, {o["subject_id"] for o in items if o["subject_id"]})
    audit_worker_view(request, web, now, "/admin/objections", {o["subject_id"] for o in items if o["subject_id"]})
    items = [o | {"record": records.get(o["record_id"]), "name": names.get(o["subject_id"], "")} for o in items]
    return render(request, web, "admin/objections.html",
                  {"items": items, "total": total, "state": state, "decisions": OBJECTION_DECISIONS,
                   "active": "/admin/objections"}, status=status)


@router.get("/admin/objections")
def objections_page(request: Request, web: WebSession = Depends(page_requires("objections.decide")),
                    now: datetime = Depends(clock)) -> Response:
    """异议处理: objections filed on records in the region, each with its record, to uphold or dismiss."""
    return _objections_page(request, web, now, FormState())


@router.post("/admin/objections/{objection_id}")
def decide_objection(request: Request, objection_id: IdPath, decision: str = Form(""), note: str = Form(""),
                     version: str = Form(""), web: WebSession = Depends(form_requires("objections.decide")),
                     now: datetime = Depends(clock), settings: Settings = Depends(settings_of)) -> Response:
    """Uphold (the record is revoked and everything derived recomputed) or dismiss, with the reason."""
    state = FormState(target=objection_id, values={"decision": decision.strip(), "note": note.strip(),
                                                   "version": version.strip()})
    chosen = choice(state, "decision", OBJECTION_DECISIONS)
    seen = whole_number(state, "version", "版本号")
    reason = text(state, "note", "决定理由", required=True)
    if not state.ok or seen is None:
        return _objections_page(request, web, now, state, status=422)

    def step(session: Session) -> dict[str, Any]:
        found = objections.show_objection(session, objection_id=objection_id, as_of=today(now))
        require_in_scope(session, web.principal, "objections.decide", [found["subject_id"]], now=now,
                         hidden=NotFound("objection.not_found", f"没有编号为 {objection_id} 的异议"))
        check_version(found["version"], seen, code="objection.stale", what=f"异议 {objection_id}")
        return objections.decide_objection(session, objection_id=objection_id, uphold=chosen == "uphold",
                                           note=reason, now=now, actor=web.principal.actor,
                                           lists_cfg=lists_config(settings.config),
                                           models=load_models(settings.config))

    out = run_step(request, step)
    if isinstance(out, JzError):
        return _objections_page(request, web, now, state, status=_refused(state, out))
    return done("/admin/objections", "upheld" if chosen == "uphold" else "dismissed", objection_id)


# --- 信用修复 ----------------------------------------------------------------------------------------

REPAIR_DECISIONS = {"approve": "批准修复", "reject": "驳回"}


def preview_failures(session: Session, application: dict[str, Any], rules: Any, as_of: date) -> list[Failure]:
    """The §3.6 conditions that would fail if decided today (what ``repairs.decide`` checks, read only)."""
    rows = session.scalars(select(CreditRecord).where(CreditRecord.id.in_(application["record_ids"])))
    records = [r for r in rows if records_service.is_in_force(r, as_of)]
    if not records:
        return [Failure("not_in_force", "申请的记录已撤销、已修复或已过公示期，无需修复")]
    signed = application["commitment_signed"] and not (
        application["commitment_id"] is not None
        and commitments_service.get(session, application["commitment_id"]).status == "breached")
    claim = Claim(commitment_signed=signed, evidence=application["evidence"],
                  training_completed=application["training_completed"], decided_on=as_of)
    return failed_conditions([Target(r.id, r.type, r.severity, r.decided_on) for r in records], claim, rules)


def _repairs_page(request: Request, web: WebSession, now: datetime, state: FormState, *,
                  status: int = 200) -> Response:
    as_of = today(now)
    rules = repair_rules(request.app.state.settings.config)
    with request.app.state.sessions() as session:
        rows = visible(session, web.principal, repairs.applications(session, as_of=as_of), lambda r: [r["subject_id"]],
                       now=now)
        submitted = [r for r in rows if r["status"] == "submitted"]
        total = len(submitted)
        waiting = [r | {"preview": preview_failures(session, r, rules, as_of)} for r in submitted[:SHOWN]]
        decided = [r for r in rows if r["status"] != "submitted"][-20:][::-1]
        names = subject_names(session, {r["subject_id"] for r in rows})
    audit_worker_view(request, web, now, "/admin/repairs", {r["subject_id"] for r in rows})
    return render(request, web, "admin/repairs.html",
                  {"waiting": waiting, "total": total, "decided": decided, "names": names, "state": state,
                   "decisions": REPAIR_DECISIONS, "conditions": CONDITION_LABELS, "active": "/admin/repairs"},
                  status=status)


@router.get("/admin/repairs")
def repairs_page(request: Request, web: WebSession = Depends(page_requires("repairs.decide")),
                 now: datetime = Depends(clock)) -> Response:
    """信用修复: applications in the region with the §3.6 conditions that fail today; recent decisions."""
    return _repairs_page(request, web, now, FormState())


@router.post("/admin/repairs/{repair_id}")
def decide_repair(request: Request, repair_id: IdPath, decision: str = Form(""), version: str = Form(""),
                  web: WebSession = Depends(form_requires("repairs.decide")), now: datetime = Depends(clock),
                  settings: Settings = Depends(settings_of)) -> Response:
    """As ``POST /repairs/{id}/decision``: approve stands only when every condition holds, reject only when one
    fails; otherwise nothing is written and the failed conditions are named."""
    state = FormState(target=repair_id, values={"decision": decision.strip(), "version": version.strip()})
    chosen = choice(state, "decision", REPAIR_DECISIONS)
    seen = whole_number(state, "version", "版本号")
    if not state.ok or seen is None:
        return _repairs_page(request, web, now, state, status=422)

    def step(session: Session) -> dict[str, Any]:
        found = repairs.get(session, repair_id=repair_id, as_of=today(now))
        require_in_scope(session, web.principal, "repairs.decide", [found["subject_id"]], now=now,
                         hidden=NotFound("repair.not_found", f"没有编号为 {repair_id} 的信用修复申请"))
        check_version(found["version"], seen, code="repair.stale", what=f"信用修复申请 {repair_id}")
        out = repairs.decide(session, repair_id=repair_id, by=web.principal.actor, now=now,
                             rules=repair_rules(settings.config), models=load_models(settings.config))
        failed = "；".join(f"{r['code']}：{r['reason']}" for r in out["reasons"])
        if chosen == "approve" and out["status"] != "approved":  # raising rolls the decision back
            raise Conflict("repair.conditions_not_met", f"信用修复申请 {repair_id} 不符合信用修复条件，不能批准。"
                                                        f"未满足的条件：{failed}")
        if chosen == "reject" and out["status"] == "approved":
            raise Conflict("repair.conditions_met",
                           f"信用修复申请 {repair_id} 满足全部信用修复条件，应予批准，不能驳回")
        return out

    out = run_step(request, step)
    if isinstance(out, JzError):
        return _repairs_page(request, web, now, state, status=_refused(state, out))
    return done("/admin/repairs", "repaired" if chosen == "approve" else "repair_rejected", repair_id)
