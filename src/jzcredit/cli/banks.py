"""``banks list|authorise|revoke|authorisations|inquiries``: a company's authorisations of banks (企业授权银行查询)
and the log of bank inquiries (查询记录). Banks themselves look over the API (``/finance/companies/{uscc}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.common.clock import SHANGHAI
from jzcredit.errors import JzError
from jzcredit.finance import service as finance

banks_app = typer.Typer(help="Banks a company authorises, and who looked (企业授权银行查询、查询记录).",
                        no_args_is_help=True)

Uscc = Annotated[str, typer.Argument(help="The company's USCC.")]
BankUser = Annotated[int, typer.Option("--bank-user", min=1, help="The bank's user id (see banks list).")]


def _when(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else "—"


def _render_grant(console: Console, g: dict[str, Any], verb: str) -> None:
    console.print(f"{verb}：企业 {g['company_uscc']} → 银行「{g['bank_name']}」（用户 {g['bank_user_id']}），"
                  f"授权 {g['authorisation_id']}，{'生效中' if g['in_force'] else '已撤销'}", markup=False)


@banks_app.command("list")
def list_banks(ctx: typer.Context) -> None:
    """Bank users a company can authorise."""
    c = get_ctx(ctx)
    with c.sessions() as session:
        rows = finance.bank_users(session, now=c.now)

    def render(console: Console) -> None:
        if not rows:
            console.print("还没有银行用户（users add --role bank --name …）", markup=False)
        for r in rows:
            console.print(f"{r['bank_user_id']}\t{r['name']}", markup=False)

    c.emit(rows, render)


@banks_app.command("authorise")
def authorise(
    ctx: typer.Context,
    uscc: Uscc,
    bank_user: BankUser,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with the grant).")] = None,
) -> None:
    """The company authorises the bank to see its figures, from now until revoked."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            company_id = finance.require_company(session, uscc)
            grant = finance.authorise(session, company_id=company_id, bank_user_id=bank_user, actor=c.actor,
                                      now=c.now, note=note)
    except JzError as exc:
        fail_on(exc)
    c.emit(grant, lambda console: _render_grant(console, grant, "已授权"))


@banks_app.command("revoke")
def revoke(ctx: typer.Context, uscc: Uscc, bank_user: BankUser) -> None:
    """End the company's authorisation of the bank at once: its next inquiry is refused."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            company_id = finance.require_company(session, uscc)
            grant = finance.revoke(session, company_id=company_id, bank_user_id=bank_user, actor=c.actor, now=c.now)
    except JzError as exc:
        fail_on(exc)
    c.emit(grant, lambda console: _render_grant(console, grant, "已撤销授权"))


@banks_app.command("authorisations")
def authorisations(ctx: typer.Context, uscc: Uscc) -> None:
    """Every grant the company made, newest first."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = finance.authorisations(session, company_id=finance.require_company(session, uscc), now=c.now)
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        table = Table("授权", "银行", "授权时间", "撤销时间", "状态")
        for g in rows:
            bank = Text(f"{g['bank_name']}（{g['bank_user_id']}）")  # names are plain text, never markup
            state = "生效中" if g["in_force"] else "已撤销"
            table.add_row(str(g["authorisation_id"]), bank, _when(g["granted_at"]), _when(g["revoked_at"]), state)
        console.print(table if rows else f"企业 {uscc} 没有授权过银行", markup=False)

    c.emit(rows, render)


@banks_app.command("inquiries")
def inquiries(
    ctx: typer.Context,
    uscc: Uscc,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="The newest N.")] = 100,
) -> None:
    """Who looked at the company, when and why (newest first)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows, total = finance.inquiries(session, company_id=finance.require_company(session, uscc), limit=limit)
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        table = Table("时间", "银行", "目的")
        for q in rows:
            # the bank's own words: plain text, never read as markup
            table.add_row(_when(q["at"]), Text(f"{q['bank_name']}（{q['bank_user_id']}）"), Text(q["purpose"]))
        console.print(table if rows else f"没有银行查询过企业 {uscc}", markup=False)
        if total > len(rows):
            console.print(f"共 {total} 条，显示最新 {len(rows)} 条", markup=False)

    c.emit(rows, render)


def register(app: typer.Typer) -> None:
    app.add_typer(banks_app, name="banks")
