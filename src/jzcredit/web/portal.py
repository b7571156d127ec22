"""``/portal`` (企业门户): a signed-in company answers complaints, issues service codes (服务评价码) and manages
its bank authorisations (授权银行查询) with the inquiry log (who looked, when, why).

Each page is the API route it mirrors, through the same policy calls: the role gate of the action
(``page_requires`` / ``form_requires``), then ``authorize_subject(..., own_only=True)`` for the company
itself, or ``require_in_scope`` for a complaint (its company, or its worker for reading). Anything of
another company answers exactly like an unknown id (404). A company never sees a complainant's name,
phone or tracking code — the API's company view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import clock, vault
from jzcredit.api.policy import Principal, authorize_subject
from jzcredit.api.workflow import MAX_ID, check_version, require_in_scope, visible
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import ratings
from jzcredit.complaints import service as complaints
from jzcredit.complaints.config import complaints_config
from jzcredit.complaints.models import Complaint
from jzcredit.complaints.steps import CATEGORY_LABELS, STATUS_LABELS
from jzcredit.errors import Forbidden, Invalid, JzError, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.finance import service as finance
from jzcredit.registry.models import Company
from jzcredit.web import templates
from jzcredit.web.admin_support import run_step
from jzcredit.web.auth import WebSession, form_requires, page_requires

router = APIRouter(include_in_schema=False)

ComplaintId = PathParam(ge=1, le=MAX_ID)  # one object per parameter name: FastAPI keeps the name on it
AuthorisationId = PathParam(ge=1, le=MAX_ID)
NO_STORE = {"Cache-Control": "no-store"}
INQUIRIES_SHOWN = 50
SECTIONS = [("/portal", "概览"), ("/portal/complaints", "投诉处理"), ("/portal/service-codes", "服务评价码"),
            ("/portal/banks", "银行授权")]
DONE = {"responded": "答复已提交。", "granted": "已授权该银行查询本企业的信用信息。",
        "revoked": "已撤销该银行的查询授权。"}
STEP_WORDS = {"file": "投诉登记", "forward": "转企业办理", "respond": "企业答复", "resolve": "投诉人确认",
              "mediate": "调解", "close": "办结", "unanswered": "逾期未答复"}


def local_time(at: datetime | None) -> str:
    """A stored instant as Beijing time, the way the company reads it (``2026-06-30 10:00``)."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _company_id(session: Session, principal: Principal, action: str, now: datetime) -> int:
    """The signed-in company itself, through the policy; other roles have no portal."""
    if principal.role != "company" or principal.subject_id is None:
        raise Forbidden("portal.role", "企业门户只供家政企业账号使用")
    return authorize_subject(session, principal, action, principal.subject_id, now=now, own_only=True)


def _context(web: WebSession, active: str, session: Session, company_id: int, **more: Any) -> dict[str, Any]:
    company = session.get_one(Company, company_id)
    return web.context() | {"portal_sections": SECTIONS, "active": active, "company": company} | more


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(request, f"portal/{name}", context, status_code=status, headers=NO_STORE)


def _flash(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


@router.get("/portal")
def portal_home(request: Request, web: WebSession = Depends(page_requires("complaints.read")),
                now: datetime = Depends(clock)) -> Response:
    """概览: what waits for the company (complaints to answer), its codes and its banks at a glance."""
    with request.app.state.sessions() as session:
        company_id = _company_id(session, web.principal, "complaints.read", now)
        inbox = _inbox(session, web.principal, now)
        company = session.get_one(Company, company_id)
        codes = ratings.list_codes(session, company_uscc=company.uscc, as_of=today(now))
        grants = finance.authorisations(session, company_id=company_id, now=now)
        context = _context(web, "/portal", session, company_id, to_answer=[c for c in inbox if c["can_answer"]],
                           complaints=len(inbox), unused_codes=sum(c["status"] == "unused" for c in codes),
                           banks=sum(g["in_force"] for g in grants))
    return _render(request, "home.html", context)


# --- complaints -----------------------------------------------------------------------------------


def _inbox(session: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The API's inbox: complaints against the company and its current workers, newest first."""
    rows = complaints.list_complaints(session, as_of=today(now))
    parties = {cid: (company, worker) for cid, company, worker in session.execute(
        select(Complaint.id, Complaint.company_id, Complaint.worker_id))}
    shown = visible(session, principal, rows, lambda c: parties.get(c["complaint_id"], ()), now=now)
    return [c | {"can_answer": c["status"] == "forwarded" and parties[c["complaint_id"]][0] == principal.subject_id,
                 "status_label": STATUS_LABELS[c["status"]],
                 "category_label": CATEGORY_LABELS[c["category"]]} for c in reversed(shown)]


def _hidden(complaint_id: int) -> NotFound:
    return NotFound("complaint.not_found", f"没有编号为 {complaint_id} 的投诉")


def _complaint(session: Session, principal: Principal, action: str, complaint_id: int, now: datetime, *,
               own_only: bool = False) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise _hidden(complaint_id)
    subjects = [complaint.company_id] if own_only else [complaint.company_id, complaint.worker_id]
    require_in_scope(session, principal, action, subjects, now=now, hidden=_hidden(complaint_id), own_only=own_only)
    return complaint


def _company_view(session: Session, complaint: Complaint, now: datetime) -> dict[str, Any]:
    """The complaint as a company sees it: no complainant's name, phone or tracking code; steps without actors."""
    doc = complaints.detail(session, complaint, as_of=today(now))
    steps = [{"at": local_time(s["at"])[:10], "what": STEP_WORDS.get(s["action"], s["action"]), "text": s["text"]
              if s["action"] in ("respond", "close") else None} for s in doc["steps"]]
    hidden = ("filed_by", "tracking_code", "contact_phone", "steps")
    return {k: v for k, v in doc.items() if k not in hidden} | {"steps": steps}


@router.get("/portal/complaints")
def complaint_list(request: Request, web: WebSession = Depends(page_requires("complaints.read")),
                   now: datetime = Depends(clock)) -> Response:
    """投诉处理: the inbox; those forwarded to the company wait for its answer."""
    with request.app.state.sessions() as session:
        company_id = _company_id(session, web.principal, "complaints.read", now)
        context = _context(web, "/portal/complaints", session, company_id, items=_inbox(session, web.principal, now))
    return _render(request, "complaints.html", context)


def _complaint_page(request: Request, web: WebSession, complaint_id: int, now: datetime, *, status: int = 200,
                    error: str | None = None, typed: str = "") -> Response:
    with request.app.state.sessions() as session:
        company_id = _company_id(session, web.principal, "complaints.read", now)
        complaint = _complaint(session, web.principal, "complaints.read", complaint_id, now)
        can_answer = complaint.status == "forwarded" and complaint.company_id == company_id
        context = _context(web, "/portal/complaints", session, company_id, c=_company_view(session, complaint, now),
                           can_answer=can_answer, error=error, typed=typed, flash=_flash(request),
                           max_chars=complaints_config(request.app.state.settings.config).text_max_chars)
    return _render(request, "complaint.html", context, status)


@router.get("/portal/complaints/{complaint_id}")
def complaint_page(request: Request, complaint_id: int = ComplaintId,
                   web: WebSession = Depends(page_requires("complaints.read")),
                   now: datetime = Depends(clock)) -> Response:
    """One complaint, its steps, and the answer form while it waits for the company."""
    return _complaint_page(request, web, complaint_id, now)


@router.post("/portal/complaints/{complaint_id}/response")
async def answer_complaint(request: Request, complaint_id: int = ComplaintId,
                           web: WebSession = Depends(form_requires("complaints.respond")),
                           now: datetime = Depends(clock)) -> Response:
    """答复 (``POST /complaints/{id}/response``): the company's own complaint only, on the version it read."""
    form = await request.form()
    text, version = str(form.get("text", "")), str(form.get("version", ""))
    config = request.app.state.settings.config

    def work(session: Session) -> None:
        _company_id(session, web.principal, "complaints.respond", now)
        complaint = _complaint(session, web.principal, "complaints.respond", complaint_id, now, own_only=True)
        check_version(complaint.version, int(version) if version.isdigit() else 0, code="complaint.stale",
                      what=f"投诉 {complaint_id}")
        complaints.respond(session, complaint_id=complaint_id, text=text, now=now, actor=web.principal.actor,
                           cfg=complaints_config(config), models=load_models(config))

    return _step(request, work, f"/portal/complaints/{complaint_id}?done=responded",
                 lambda error: _complaint_page(request, web, complaint_id, now, status=error.status,
                                               error=error.detail, typed=text))


def _run(request: Request, work: Callable[[Session], None]) -> JzError | None:
    """:func:`~jzcredit.web.admin_support.run_step` for the portal: a wrong role still answers the 403 page."""
    refused = run_step(request, work)
    if isinstance(refused, JzError) and refused.code == "portal.role":
        raise refused
    return refused


def _step(request: Request, work: Callable[[Session], None], done: str,
          again: Callable[[JzError], Response]) -> Response:
    """One step in its own transaction: done → 303 to ``done``; refused (not a 404) → the page with the sentence."""
    if (refused := _run(request, work)) is not None:
        return again(refused)
    return RedirectResponse(done, status_code=303)


# --- service codes --------------------------------------------------------------------------------


def _codes_page(request: Request, web: WebSession, now: datetime, keys: Vault, *, status: int = 200,
                issued: list[dict[str, Any]] | None = None, error: str | None = None,
                typed: dict[str, str] | None = None) -> Response:
    with request.app.state.sessions() as session:
        company_id = _company_id(session, web.principal, "servicecodes.read", now)
        company = session.get_one(Company, company_id)
        codes = ratings.list_codes(session, company_uscc=company.uscc, as_of=today(now))
        cfg = complaints_config(request.app.state.settings.config)
        context = _context(web, "/portal/service-codes", session, company_id, codes=list(reversed(codes)),
                           issued=issued or [], error=error, typed=typed or {}, batch_max=cfg.service_code_batch_max,
                           days=cfg.service_code_days)
    return _render(request, "service_codes.html", context, status)


@router.get("/portal/service-codes")
def service_codes(request: Request, web: WebSession = Depends(page_requires("servicecodes.read")),
                  now: datetime = Depends(clock), keys: Vault = Depends(vault)) -> Response:
    """服务评价码: the codes issued (newest first, each with its status today) and the form to issue more."""
    return _codes_page(request, web, now, keys)


@router.post("/portal/service-codes")
async def issue_service_codes(request: Request, web: WebSession = Depends(form_requires("servicecodes.issue")),
                              now: datetime = Depends(clock), keys: Vault = Depends(vault)) -> Response:
    """发放 (``POST /companies/{uscc}/service-codes``): for the company's own orders."""
    form = await request.form()
    typed = {name: str(form.get(name, "")).strip()[:200] for name in ("count", "worker_key", "order_ref")}
    issued: list[dict[str, Any]] = []

    def work(session: Session) -> None:
        company_id = _company_id(session, web.principal, "servicecodes.issue", now)
        company = session.get_one(Company, company_id)
        count = int(typed["count"]) if typed["count"].isdigit() else 0
        rows = ratings.issue_codes(session, vault=keys, company_uscc=company.uscc, now=now,
                                   actor=web.principal.actor, count=count, worker_key=typed["worker_key"] or None,
                                   order_ref=typed["order_ref"] or None,
                                   cfg=complaints_config(request.app.state.settings.config))
        issued.extend({"code": r.code, "expires_on": r.expires_on} for r in rows)

    if (refused := _run(request, work)) is not None:
        return _codes_page(request, web, now, keys, status=refused.status, error=refused.detail, typed=typed)
    return _codes_page(request, web, now, keys, status=201, issued=issued)


# --- banks ------------------------------------------------------------------------------------------


def _banks_page(request: Request, web: WebSession, now: datetime, *, status: int = 200,
                error: str | None = None) -> Response:
    with request.app.state.sessions() as session:
        company_id = _company_id(session, web.principal, "finance.authorisations", now)
        grants = [g | {"granted": local_time(g["granted_at"]), "revoked": local_time(g["revoked_at"])}
                  for g in finance.authorisations(session, company_id=company_id, now=now)]
        found, total = finance.inquiries(session, company_id=company_id, limit=INQUIRIES_SHOWN)
        inquiries = [q | {"when": local_time(q["at"])} for q in found]
        granted = {g["bank_user_id"] for g in grants if g["in_force"]}
        banks = [b for b in finance.bank_users(session, now=now) if b["bank_user_id"] not in granted]
        context = _context(web, "/portal/banks", session, company_id, grants=grants, inquiries=inquiries,
                           inquiries_total=total, banks=banks, error=error, flash=_flash(request))
    return _render(request, "banks.html", context, status)


@router.get("/portal/banks")
def banks_page(request: Request, web: WebSession = Depends(page_requires("finance.authorisations")),
               now: datetime = Depends(clock)) -> Response:
    """银行授权: the grants, the banks that can be authorised, and every answered inquiry (who, when, why)."""
    return _banks_page(request, web, now)


@router.post("/portal/banks")
async def grant_bank(request: Request, web: WebSession = Depends(form_requires("finance.authorise")),
                     now: datetime = Depends(clock)) -> Response:
    """授权 (``POST /companies/{uscc}/bank-authorisations``): the bank may look from now until revoked."""
    form = await request.form()
    bank, note = str(form.get("bank_user_id", "")), str(form.get("note", "")).strip() or None

    def work(session: Session) -> None:
        company_id = _company_id(session, web.principal, "finance.authorise", now)
        if not bank.isdigit() or int(bank) > MAX_ID:
            raise Invalid("portal.bank_missing", "请选择要授权的银行")
        finance.authorise(session, company_id=company_id, bank_user_id=int(bank), actor=web.principal.actor, now=now,
                          note=note)

    return _step(request, work, "/portal/banks?done=granted",
                 lambda error: _banks_page(request, web, now, status=error.status, error=error.detail))


@router.post("/portal/banks/{authorisation_id}/revoke")
async def revoke_bank(request: Request, authorisation_id: int = AuthorisationId,
                      web: WebSession = Depends(form_requires("finance.authorise")),
                      now: datetime = Depends(clock)) -> Response:
    """撤销 (``DELETE …/bank-authorisations/{id}``): at once; another company's grant reads as unknown (404)."""

    def work(session: Session) -> None:
        company_id = _company_id(session, web.principal, "finance.authorise", now)
        finance.revoke(session, company_id=company_id, authorisation_id=authorisation_id, actor=web.principal.actor,
                       now=now)

    return _step(request, work, "/portal/banks?done=revoked",
                 lambda error: _banks_page(request, web, now, status=error.status, error=error.detail))
