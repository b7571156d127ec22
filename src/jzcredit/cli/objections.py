"""``objections file|decide|show|list``: objections (异议) against credit records."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.common.clock import today
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.rules import lists_config
from jzcredit.objections import service as objections
from jzcredit.objections.config import objections_config
from jzcredit.objections.corrections import parse_assignments
from jzcredit.objections.service import STATUS_LABELS

objections_app = typer.Typer(help="Objections (异议) against credit records.", no_args_is_help=True)


def _summary(out: Console, o: dict[str, Any]) -> None:
    late = "（逾期决定）" if o["late"] and o["status"] != "filed" else "（已超过决定期限）" if o["late"] else ""
    out.print(f"异议 {o['objection_id']}（记录 {o['record_id']}）：{STATUS_LABELS.get(o['status'], o['status'])}"
              f"{late}，{o['filed_on']} 提出，应于 {o['decide_by']} 前决定", markup=False)


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("异议", "记录", "主体", "提出日期", "决定期限", "状态", "决定日期", "逾期", title=title)
    for o in rows:
        table.add_row(str(o["objection_id"]), str(o["record_id"]), o["subject_key"] or "", str(o["filed_on"]),
                      str(o["decide_by"]), STATUS_LABELS.get(o["status"], o["status"]), str(o["decided_on"] or ""),
                      "是" if o["late"] else "")
    return table


@objections_app.command("file")
def file(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="The record objected to.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the record is wrong.")],
    evidence: Annotated[str | None, typer.Option("--evidence", help="Supporting evidence.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who files it.")] = None,
    role: Annotated[str, typer.Option("--role", help="subject, named or regulator.")] = "subject",
) -> None:
    """File an objection: the record shows under_objection until it is decided."""
    c = get_ctx(ctx)
    try:
        cfg = objections_config(c.settings.config)
        with c.sessions() as session, session.begin():
            filed = objections.file_objection(session, record_id=record_id, reason=reason, evidence=evidence,
                                              role=role, now=c.now, actor=by or c.actor, cfg=cfg)
    except JzError as exc:
        fail_on(exc)
    c.emit(filed, lambda out: _summary(out, filed))


@objections_app.command("decide")
def decide(
    ctx: typer.Context,
    objection_id: Annotated[int, typer.Argument(help="The objection.")],
    uphold: Annotated[bool, typer.Option("--uphold", help="The record is wrong: revoke (or correct) it.")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="The record stands: restore it.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="The decision's reasons.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who decides.")] = None,
    correct: Annotated[list[str] | None, typer.Option(
        "--correct", help="With --uphold: FIELD=VALUE to correct instead of revoking (repeat).")] = None,
) -> None:
    """Decide an objection: --uphold (revoke, or correct with --correct) or --dismiss."""
    if uphold == dismiss:
        raise typer.BadParameter("请给出 --uphold 或 --dismiss 之一", param_hint="--uphold/--dismiss")
    c = get_ctx(ctx)
    try:
        corrections = parse_assignments(correct or [])
        lists_cfg, models = lists_config(c.settings.config), load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            decided = objections.decide_objection(session, objection_id=objection_id, uphold=uphold, note=note,
                                                  corrections=corrections, now=c.now, actor=by or c.actor,
                                                  lists_cfg=lists_cfg, models=models)
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        _summary(out, decided)
        out.print(f"  记录 {decided['record_id']} 现为 {decided['record_status']}", markup=False)
        for e in decided["list_entries_changed"]:
            out.print(f"  名单条目 {e['entry_id']}（{e['list']} {e['rule']}）：{e['from_status']} → {e['to_status']}",
                      markup=False)

    c.emit(decided, render)


@objections_app.command("show")
def show(ctx: typer.Context, objection_id: Annotated[int, typer.Argument(help="The objection.")]) -> None:
    """One objection with the record as it stands now."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            found = objections.show_objection(session, objection_id=objection_id, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        _summary(out, found)
        out.print(f"  理由：{found['reason']}", markup=False)
        if found["decision_note"]:
            out.print(f"  决定意见：{found['decision_note']}", markup=False)

    c.emit(found, render)


@objections_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="filed, upheld or dismissed.")] = None,
    late: Annotated[bool, typer.Option("--late", help="Only those decided late or still open past the limit.")]
    = False,
) -> None:
    """Objections for regulators, oldest first (late ones marked)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = objections.list_objections(session, as_of=today(c.now), status=status, late=late)
    except JzError as exc:
        fail_on(exc)
    c.emit(rows, lambda out: out.print(_table(rows, f"异议 {len(rows)} 件")))


def register(app: typer.Typer) -> None:
    app.add_typer(objections_app, name="objections")
