"""``servicecodes issue|list`` (服务评价码) and ``ratings add|list`` (消费者评价): no code, no rating."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.common.clock import today
from jzcredit.complaints import ratings as ratings_service
from jzcredit.complaints.config import complaints_config
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry

codes_app = typer.Typer(help="Service codes (服务评价码): one per service order, single use, expiring.",
                        no_args_is_help=True)
ratings_app = typer.Typer(help="Consumer ratings (消费者评价), accepted only with a service code.",
                          no_args_is_help=True)
CODE_STATUS = {"unused": "未使用", "used": "已使用", "expired": "已过期"}


@codes_app.command("issue")
def issue(
    ctx: typer.Context,
    uscc: Annotated[str, typer.Argument(help="The issuing company's USCC.")],
    worker: Annotated[str | None, typer.Option("--worker", help="Worker code of who served.")] = None,
    order: Annotated[str | None, typer.Option("--order", help="The company's own order number.")] = None,
    count: Annotated[int, typer.Option("--count", help="How many codes (one per service order).")] = 1,
) -> None:
    """Issue service codes; each expires complaints.service_code_days after today."""
    c = get_ctx(ctx)
    try:
        cfg = complaints_config(c.settings.config)
        with c.sessions() as session, session.begin():
            rows = ratings_service.issue_codes(session, vault=c.vault, company_uscc=uscc, now=c.now, actor=c.actor,
                                               count=count, worker_key=worker, order_ref=order, cfg=cfg)
            keys = registry.subject_keys(session, {r.company_id for r in rows} | {r.worker_id for r in rows
                                                                                  if r.worker_id})
            out = [ratings_service.code_dict(r, keys, today(c.now)) for r in rows]
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        console.print(f"已发放服务评价码 {len(out)} 个，有效期至 {out[0]['expires_on']}：", markup=False)
        for row in out:
            console.print(f"  {row['code']}", markup=False)

    c.emit(out, render)


@codes_app.command("list")
def list_codes(
    ctx: typer.Context,
    uscc: Annotated[str, typer.Argument(help="The company's USCC.")],
    status: Annotated[str | None, typer.Option("--status", help="unused, used or expired.")] = None,
) -> None:
    """A company's service codes with their status today."""
    c = get_ctx(ctx)
    try:
        if status is not None and status not in CODE_STATUS:
            raise typer.BadParameter("只能是 unused、used 或 expired", param_hint="--status")
        with c.sessions() as session:
            rows = ratings_service.list_codes(session, company_uscc=uscc, as_of=today(c.now), status=status)
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        table = Table("评价码", "订单号", "服务员", "有效期至", "状态", "使用时间", title=f"服务评价码 {len(rows)} 个")
        for r in rows:
            table.add_row(r["code"], r["order_ref"] or "", r["worker_key"] or "", str(r["expires_on"]),
                          CODE_STATUS[r["status"]], str(r["used_at"] or ""))
        console.print(table)

    c.emit(rows, render)


@ratings_app.command("add")
def add(
    ctx: typer.Context,
    company: Annotated[str, typer.Option("--company", help="USCC of the company rated.")],
    stars: Annotated[int, typer.Option("--stars", help="1 to 5.")],
    code: Annotated[str | None, typer.Option("--code", help="The service code the company issued.")] = None,
    worker: Annotated[str | None, typer.Option("--worker", help="Worker code (must be the code's worker).")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Optional comment.")] = None,
) -> None:
    """Rate a service with its code: once per code, before it expires; the company and worker are re-graded."""
    c = get_ctx(ctx)
    try:
        cfg, models = complaints_config(c.settings.config), load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            rating = ratings_service.add_rating(session, vault=c.vault, company_uscc=company, code=code, stars=stars,
                                                now=c.now, actor=c.actor, worker_key=worker, comment=comment,
                                                cfg=cfg, models=models)
            keys = registry.subject_keys(session, [s for s in (rating.company_id, rating.worker_id) if s])
            doc = ratings_service.rating_dict(rating, keys) | {"service_code": rating.service_code}
    except JzError as exc:
        fail_on(exc)
    c.emit(doc, lambda out: out.print(f"评价已记录（{doc['stars']} 星），编号 {doc['rating_id']}", markup=False))


@ratings_app.command("list")
def list_ratings(ctx: typer.Context,
                 key: Annotated[str, typer.Argument(help="USCC, worker code or ID number.")]) -> None:
    """Ratings on a company or worker, newest first; imported (历史导入) ones are marked."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
            doc = ratings_service.ratings_for(session, subject_id=subject_id)
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        table = Table("编号", "企业", "服务员", "星级", "日期", "来源", "评价", title=(
            f"评价 {doc['count']} 条（其中历史导入 {doc['imported']} 条），平均 {doc['average'] or '—'} 星"))
        for r in doc["ratings"]:
            table.add_row(str(r["rating_id"]), r["company_key"] or "", r["worker_key"] or "", str(r["stars"]),
                          str(r["rated_on"]), "历史导入" if r["imported"] else "凭码评价", r["comment"] or "")
        out.print(table)

    c.emit(doc, render)


def register(app: typer.Typer) -> None:
    app.add_typer(codes_app, name="servicecodes")
    app.add_typer(ratings_app, name="ratings")
