"""``complaints file|forward|respond|resolve|mediate|close|show|track|list`` (投诉)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from jzcredit.cli.context import CliContext, fail_on, get_ctx
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.config import complaints_config
from jzcredit.complaints.models import Complaint
from jzcredit.complaints.parties import company_id_of
from jzcredit.complaints.steps import CATEGORY_LABELS, FINDING_LABELS, STATUS_LABELS
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models

complaints_app = typer.Typer(help="Complaints (投诉): file, forward, respond, resolve, mediate, close.",
                             no_args_is_help=True)

By = Annotated[str | None, typer.Option("--by", help="Who acts (recorded with the step).")]
ComplaintId = Annotated[int, typer.Argument(help="The complaint number.")]


def _step(c: CliContext, work: Callable[[Session], Complaint], done: str) -> None:
    """Run one step in one transaction; print the complaint (--json) or one line."""
    try:
        with c.sessions() as session, session.begin():
            complaint = work(session)
            doc = complaints_service.detail(session, complaint, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)
    c.emit(doc, lambda out: out.print(f"投诉 {doc['complaint_id']} {done}：{doc['status_label']}", markup=False))


@complaints_app.command("file")
def file_(
    ctx: typer.Context,
    category: Annotated[str, typer.Option("--category", help="quality, price, contract, damage, theft, abuse, "
                                                             "injury or other.")],
    description: Annotated[str, typer.Option("--description", help="What happened.")],
    company: Annotated[str | None, typer.Option("--company", help="USCC of the company complained about.")] = None,
    worker: Annotated[str | None, typer.Option("--worker", help="Worker code of the worker complained about.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Complainant's mobile (kept encrypted).")] = None,
    by: Annotated[str, typer.Option("--by", help="Complainant's name.")] = "匿名投诉人",
) -> None:
    """File a complaint; prints the tracking code for the complainant. A worker's complaint reaches the
    worker's current employer when --company is not given."""
    c = get_ctx(ctx)
    cfg = complaints_config(c.settings.config)
    try:
        with c.sessions() as session, session.begin():
            complaint = complaints_service.file_complaint(
                session, vault=c.vault, category=category, description=description, filed_by=by, now=c.now,
                actor=by, company_uscc=company, worker_code=worker, phone=phone, cfg=cfg)
            doc = complaints_service.detail(session, complaint, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)
    c.emit(doc, lambda out: out.print(f"投诉已受理，编号 {doc['complaint_id']}，查询码 {doc['tracking_code']}"
                                      f"（请投诉人妥善保存）", markup=False))


@complaints_app.command("forward")
def forward(ctx: typer.Context, complaint_id: ComplaintId, by: By = None) -> None:
    """Regulator: forward to the company, which then has complaints.response_days to respond."""
    c = get_ctx(ctx)
    cfg = complaints_config(c.settings.config)
    _step(c, lambda s: complaints_service.forward(s, complaint_id=complaint_id, now=c.now, actor=by or c.actor,
                                                  cfg=cfg), "已转企业办理")


@complaints_app.command("respond")
def respond(ctx: typer.Context, complaint_id: ComplaintId,
            text: Annotated[str, typer.Option("--text", help="The company's response.")], by: By = None) -> None:
    """Company: respond to a forwarded complaint (a late response is taken; the missed deadline stays)."""
    c = get_ctx(ctx)
    cfg, models = complaints_config(c.settings.config), load_models(c.settings.config)
    _step(c, lambda s: complaints_service.respond(s, complaint_id=complaint_id, text=text, now=c.now,
                                                  actor=by or c.actor, cfg=cfg, models=models), "已答复")


@complaints_app.command("resolve")
def resolve(
    ctx: typer.Context, complaint_id: ComplaintId,
    satisfied: Annotated[bool, typer.Option("--satisfied", help="The complainant is satisfied.")] = False,
    unsatisfied: Annotated[bool, typer.Option("--unsatisfied", help="The complainant is not satisfied.")] = False,
    by: By = None,
) -> None:
    """Complainant: satisfied with the response (resolved) or not (unresolved → mediation)."""
    if satisfied == unsatisfied:
        raise typer.BadParameter("请给出 --satisfied 或 --unsatisfied 之一", param_hint="--satisfied/--unsatisfied")
    c = get_ctx(ctx)
    _step(c, lambda s: complaints_service.resolve(s, complaint_id=complaint_id, satisfied=satisfied, now=c.now,
                                                  actor=by or c.actor), "已确认处理结果")


@complaints_app.command("mediate")
def mediate(ctx: typer.Context, complaint_id: ComplaintId,
            note: Annotated[str, typer.Option("--note", help="What the mediation found or agreed.")],
            by: By = None) -> None:
    """Regulator: mediate an unresolved complaint, or one left unanswered past its deadline."""
    c = get_ctx(ctx)
    cfg, models = complaints_config(c.settings.config), load_models(c.settings.config)
    _step(c, lambda s: complaints_service.mediate(s, complaint_id=complaint_id, note=note, now=c.now,
                                                  actor=by or c.actor, cfg=cfg, models=models), "已调解")


@complaints_app.command("close")
def close(ctx: typer.Context, complaint_id: ComplaintId,
          finding: Annotated[str, typer.Option("--finding", help="substantiated or unsubstantiated.")],
          note: Annotated[str | None, typer.Option("--note", help="Closing note.")] = None, by: By = None) -> None:
    """Regulator: close a resolved or mediated complaint with its finding (substantiated → credit records)."""
    c = get_ctx(ctx)
    cfg, models = complaints_config(c.settings.config), load_models(c.settings.config)
    _step(c, lambda s: complaints_service.close(s, complaint_id=complaint_id, finding=finding, note=note, now=c.now,
                                                actor=by or c.actor, cfg=cfg, models=models), "已办结")


def _render_detail(doc: dict[str, Any], out: Console) -> None:
    out.print(f"投诉 {doc['complaint_id']}（查询码 {doc['tracking_code']}）：{doc['status_label']}", markup=False)
    out.print(f"  类别：{doc['category_label']}  被投诉企业：{doc['company_key'] or '—'}  "
              f"服务员：{doc['worker_key'] or '—'}", markup=False)
    out.print(f"  投诉人：{doc['filed_by']}  联系电话：{doc['contact_phone'] or '—'}  受理：{doc['filed_on']}",
              markup=False)
    out.print(f"  内容：{doc['description']}", markup=False)
    if doc["respond_by"]:
        late = "（逾期未答复）" if doc["unanswered"] else ""
        out.print(f"  答复期限：{doc['respond_by']}{late}  答复：{doc['response'] or '—'}", markup=False)
    if doc["finding"]:
        out.print(f"  结论：{doc['finding_label']}（{doc['closed_on']}）", markup=False)
    for s in doc["steps"]:
        at = s["at"].astimezone(SHANGHAI)
        out.print(f"  {at:%Y-%m-%d %H:%M} {s['action']} {s['from_status'] or '—'}→{s['to_status']} "
                  f"{s['actor']}{'：' + s['text'] if s['text'] else ''}", markup=False)


@complaints_app.command("show")
def show(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Complaint number or tracking code.")]) -> None:
    """A complaint with every step (the contact phone masked)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            doc = complaints_service.detail(session, complaints_service.find(session, key), as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)
    c.emit(doc, lambda out: _render_detail(doc, out))


@complaints_app.command("track")
def track(ctx: typer.Context, tracking_code: Annotated[str, typer.Argument(help="The complainant's code.")]) -> None:
    """What the complainant sees: status, dates and the response; no personal data."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            doc = complaints_service.track(session, tracking_code=tracking_code)
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        out.print(f"投诉查询码 {doc['tracking_code']}：{doc['status_label']}", markup=False)
        for t in doc["timeline"]:
            out.print(f"  {t['on']} {t['status_label']}", markup=False)
        if doc["respond_by"] and not doc["responded_on"]:
            out.print(f"  企业答复期限：{doc['respond_by']}", markup=False)
        if doc["response"]:
            out.print(f"  企业答复（{doc['responded_on']}）：{doc['response']}", markup=False)
        if doc["finding"]:
            out.print(f"  调查结论：{FINDING_LABELS[doc['finding']]}", markup=False)

    c.emit(doc, render)


@complaints_app.command("list")
def list_(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="Only this company's (USCC).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="filed, forwarded, responded, …")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only forwarded ones past respond_by unanswered.")] = False,
) -> None:
    """Complaints, oldest first."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            company_id = company_id_of(session, company) if company else None
            rows = complaints_service.list_complaints(session, as_of=today(c.now), company_id=company_id,
                                                      status=status, overdue=overdue)
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        table = Table("编号", "类别", "企业", "服务员", "状态", "受理", "答复期限", "逾期", "结论",
                      title=f"投诉 {len(rows)} 件")
        for r in rows:
            table.add_row(str(r["complaint_id"]), CATEGORY_LABELS[r["category"]], r["company_key"] or "",
                          r["worker_key"] or "", STATUS_LABELS[r["status"]], str(r["filed_on"]),
                          str(r["respond_by"] or ""), "是" if r["overdue"] or r["unanswered"] else "",
                          FINDING_LABELS.get(r["finding"] or "", ""))
        out.print(table)

    c.emit(rows, render)


def register(app: typer.Typer) -> None:
    app.add_typer(complaints_app, name="complaints")
