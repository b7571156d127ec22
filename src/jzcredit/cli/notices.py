"""``notices issue|submit|verify|show|list``: rectification notices (限期整改)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.errors import JzError
from jzcredit.rectification import service as rectification
from jzcredit.rectification.common import STATUS_LABELS, parse_day
from jzcredit.rectification.config import rectification_config
from jzcredit.registry import service as registry

notices_app = typer.Typer(help="Rectification notices (限期整改).", no_args_is_help=True)


def _summary(out: Console, n: dict[str, Any]) -> None:
    out.print(f"整改通知 {n['notice_number']}（编号 {n['notice_id']}）：{STATUS_LABELS.get(n['status'], n['status'])}，"
              f"{n['issued_on']} 下达，期限 {n['deadline']}", markup=False)


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("编号", "通知书编号", "主体", "下达日期", "期限", "状态", "逾期", title=title)
    for n in rows:
        table.add_row(str(n["notice_id"]), n["notice_number"], n["subject_key"] or "", str(n["issued_on"]),
                      str(n["deadline"]), STATUS_LABELS.get(n["status"], n["status"]),
                      "是" if n["past_deadline"] else "")
    return table


@notices_app.command("issue")
def issue(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number of the subject.")],
    requirements: Annotated[str, typer.Option("--requirements", help="What must be rectified.")],
    deadline: Annotated[str | None, typer.Option("--deadline", help="Last day (default: issue + deadline_days).")]
    = None,
    basis: Annotated[list[int] | None, typer.Option("--basis", help="A record id the notice rests on (repeat).")]
    = None,
    authority: Annotated[str | None, typer.Option("--authority", help="Issuing authority (in the number).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who issues it.")] = None,
) -> None:
    """Issue a notice: prints its number and deadline."""
    c = get_ctx(ctx)
    try:
        cfg = rectification_config(c.settings.config)
        day = parse_day(deadline, "整改期限（--deadline）")
        with c.sessions() as session, session.begin():
            subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
            notice = rectification.issue_notice(session, subject_id=subject_id, requirements=requirements,
                                                deadline=day, basis=basis or [], authority=authority,
                                                now=c.now, actor=by or c.actor, cfg=cfg)
    except JzError as exc:
        fail_on(exc)
    c.emit(notice, lambda out: _summary(out, notice))


@notices_app.command("submit")
def submit(
    ctx: typer.Context,
    notice_id: Annotated[int, typer.Argument(help="The notice.")],
    evidence: Annotated[str, typer.Option("--evidence", help="The rectification evidence.")],
    by: Annotated[str | None, typer.Option("--by", help="Who submits it.")] = None,
) -> None:
    """The subject submits its evidence (issued → submitted)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            notice = rectification.submit_evidence(session, notice_id=notice_id, evidence=evidence, now=c.now,
                                                   actor=by or c.actor)
    except JzError as exc:
        fail_on(exc)
    c.emit(notice, lambda out: _summary(out, notice))


@notices_app.command("verify")
def verify(
    ctx: typer.Context,
    notice_id: Annotated[int, typer.Argument(help="The notice.")],
    accept: Annotated[bool, typer.Option("--accept", help="Rectification done: close the notice.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Not done: back to issued, same deadline.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="The verifier's note.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who verifies.")] = None,
) -> None:
    """Verify submitted evidence: --accept (→ verified) or --reject (→ issued, deadline unchanged)."""
    if accept == reject:
        raise typer.BadParameter("请给出 --accept 或 --reject 之一", param_hint="--accept/--reject")
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            notice = rectification.verify_notice(session, notice_id=notice_id, accept=accept, note=note,
                                                 now=c.now, actor=by or c.actor)
    except JzError as exc:
        fail_on(exc)
    c.emit(notice, lambda out: _summary(out, notice))


@notices_app.command("show")
def show(ctx: typer.Context, notice_id: Annotated[int, typer.Argument(help="The notice.")]) -> None:
    """One notice with every step."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            notice = rectification.show_notice(session, notice_id=notice_id, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        _summary(out, notice)
        out.print(f"  整改要求：{notice['requirements']}", markup=False)
        for s in notice["steps"]:
            out.print(f"  {s['at'].astimezone(SHANGHAI):%Y-%m-%d %H:%M} {s['actor']} {s['action']}："
                      f"{s['from_status'] or '—'} → "
                      f"{s['to_status']} {s['text'] or ''}", markup=False)

    c.emit(notice, render)


@notices_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="issued, submitted, verified or overdue.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past the deadline, unverified.")] = False,
) -> None:
    """Notices for regulators, oldest first."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = rectification.list_notices(session, as_of=today(c.now), status=status, overdue=overdue)
    except JzError as exc:
        fail_on(exc)
    c.emit(rows, lambda out: out.print(_table(rows, f"整改通知 {len(rows)} 件")))


def register(app: typer.Typer) -> None:
    app.add_typer(notices_app, name="notices")
