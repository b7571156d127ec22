"""``lists propose|review|show`` and ``check KEY --action A`` (凡办必查)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import measures
from jzcredit.lists import service as lists_service
from jzcredit.lists.common import LIST_LABELS, STATUS_LABELS
from jzcredit.lists.rules import lists_config
from jzcredit.registry import service as registry

lists_app = typer.Typer(help="Red, black and watch lists (红黑名单与重点关注名单).", no_args_is_help=True)


def _entries_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("条目", "名单", "规则", "主体", "状态", "公布日期", "到期日期", "版本", title=title)
    for r in rows:
        table.add_row(str(r["entry_id"]), r["list"], r["rule"], r["subject_key"] or "",
                      STATUS_LABELS.get(r["status"], r["status"]), str(r.get("published_on") or ""),
                      str(r.get("expires_on") or ""), str(r.get("version") or ""))
    return table


@lists_app.command("propose")
def propose(ctx: typer.Context) -> None:
    """Apply the list rules for today; prints the new candidates (watch entries start active)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            created = lists_service.propose(session, now=c.now, actor=c.actor,
                                            rules=lists_config(c.settings.config))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        if not created:
            out.print("没有新的名单候选。")
            return
        out.print(_entries_table(created, f"新增 {len(created)} 个名单条目"))

    c.emit([{k: e[k] for k in ("entry_id", "list", "rule", "subject_key", "status", "basis")} for e in created],
           render)


@lists_app.command("review")
def review(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help="The entry to review.")],
    by: Annotated[str, typer.Option("--by", help="Reviewer's name.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve and publish.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Review note.")] = None,
    version: Annotated[int | None, typer.Option("--version", help="The entry version you reviewed.")] = None,
) -> None:
    """Review a candidate: --approve publishes it, --reject closes it (exactly one of them)."""
    if approve == reject:
        raise typer.BadParameter("请给出 --approve 或 --reject 之一", param_hint="--approve/--reject")
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            entry = lists_service.review(session, entry_id=entry_id, approve=approve, by=by, note=note,
                                         expected_version=version, now=c.now, rules=lists_config(c.settings.config),
                                         models=load_models(c.settings.config))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        if entry["status"] == "published":
            out.print(f"名单条目 {entry_id} 已批准并公布：{LIST_LABELS[entry['list']]}，"
                      f"公布日期 {entry['published_on']}，到期日期 {entry['expires_on']}")
        else:
            out.print(f"名单条目 {entry_id} 已驳回")

    c.emit(entry, render)


@lists_app.command("show")
def show(
    ctx: typer.Context,
    list_name: Annotated[str | None, typer.Option("--list", help="red, black or watch.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="candidate, published, active …")] = None,
) -> None:
    """List entries, oldest first."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = lists_service.entries(session, list_name=list_name, status=status)
    except JzError as exc:
        fail_on(exc)
    c.emit(rows, lambda out: out.print(_entries_table(rows, f"名单条目 {len(rows)} 个")))


def check(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number.")],
    action: Annotated[str, typer.Option("--action", help="government_procurement, financing, inspection …")],
) -> None:
    """凡办必查: the reward and sanction measures that apply to this subject for ACTION now, with reasons."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
            rows = measures.check(session, subject_id=subject_id, action=action, now=c.now, actor=c.actor,
                                  rules=lists_config(c.settings.config))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        if not rows:
            out.print(f"当前没有适用于事项 {action} 的奖惩措施（该主体不在名单上，或所在名单对此事项无措施）。")
        for r in rows:
            out.print(f"[bold]{r['measure_code']}[/bold]（{r['list']}，{r['effect']}）", markup=True)
            out.print(f"  {r['reason']}", markup=False)

    c.emit(rows, render)


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")
    app.command("check")(check)
