"""``repairs apply|decide|list|show``: credit repair (信用修复), spec §3.6."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.cli.report import output_format, write_file
from jzcredit.common.clock import today
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.repair import service as repair_service
from jzcredit.repair.rules import repair_rules
from jzcredit.reports import documents

repairs_app = typer.Typer(help="Credit repair (信用修复): apply, decide, list, show.", no_args_is_help=True)
STATUS_LABELS = {"submitted": "待决定", "approved": "已批准", "rejected": "已驳回"}


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("申请", "主体", "记录", "状态", "申请日期", "决定期限", "决定日期", "逾期", "未满足条件", "证书编号",
                  title=title)
    for r in rows:
        table.add_row(str(r["repair_id"]), r.get("subject_key") or "", "、".join(map(str, r["record_ids"])),
                      STATUS_LABELS.get(r["status"], r["status"]), str(r["applied_on"]), str(r["decide_by"]),
                      str(r["decided_on"] or ""), "是" if r["late"] else "", "、".join(r["failed"]),
                      r["certificate_number"] or "")
    return table


@repairs_app.command("apply")
def apply(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number.")],
    record: Annotated[int | None, typer.Option("--record", help="The negative record to repair.")] = None,
    entry: Annotated[int | None, typer.Option("--entry", help="A published black-list entry: all its basis.")] = None,
    commitment: Annotated[bool, typer.Option("--commitment", help="Sign the repair commitment (信用承诺书).")] = False,
    evidence: Annotated[str | None, typer.Option("--evidence", help="Proof the penalty was fulfilled.")] = None,
    training: Annotated[bool, typer.Option("--training", help="Credit-repair training completed.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who applies.")] = None,
) -> None:
    """Apply for repair of one record (--record) or of a black-list entry's basis (--entry)."""
    if (record is None) == (entry is None):
        raise typer.BadParameter("请给出 --record 或 --entry 之一", param_hint="--record/--entry")
    c = get_ctx(ctx)
    try:
        rules, models = repair_rules(c.settings.config), load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
            application = repair_service.apply(
                session, subject_id=subject_id, record_id=record, entry_id=entry, commitment=commitment,
                evidence=evidence, training=training, by=by or c.actor, now=c.now, rules=rules, models=models)
            out = repair_service.get(session, repair_id=application.id, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        console.print(f"信用修复申请 {out['repair_id']} 已提交（记录 {'、'.join(map(str, out['record_ids']))}），"
                      f"应于 {out['decide_by']} 前决定" + (f"；已签署信用承诺 {out['commitment_id']}"
                                                       if out["commitment_id"] else ""), markup=False)

    c.emit(out, render)


@repairs_app.command("decide")
def decide(
    ctx: typer.Context,
    repair_id: Annotated[int, typer.Argument(help="The application.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides.")] = None,
) -> None:
    """Apply the §3.6 conditions: approved (certificate, record repaired) or rejected with each failed code."""
    c = get_ctx(ctx)
    try:
        rules, models = repair_rules(c.settings.config), load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            out = repair_service.decide(session, repair_id=repair_id, by=by or c.actor, now=c.now, rules=rules,
                                        models=models)
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        if out["status"] == "approved":
            console.print(f"信用修复申请 {repair_id} 已批准，证书编号 {out['certificate_number']}；"
                          f"移出名单条目 {len(out['list_entries_removed'])} 个，当前等级 {out['grade'] or '无'}",
                          markup=False)
            return
        console.print(f"信用修复申请 {repair_id} 已驳回，未满足的条件：", markup=False)
        for reason in out["reasons"]:
            console.print(f"  {reason['code']}：{reason['reason']}", markup=False)

    c.emit(out, render)


@repairs_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="submitted, approved or rejected.")] = None,
    late: Annotated[bool, typer.Option("--late", help="Only those past their decision deadline.")] = False,
) -> None:
    """Applications, oldest first; --late: still open past the deadline, or decided after it."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = repair_service.applications(session, as_of=today(c.now), status=status, late=late)
    except JzError as exc:
        fail_on(exc)
    c.emit(rows, lambda out: out.print(_table(rows, f"信用修复申请 {len(rows)} 件")))


@repairs_app.command("show")
def show(
    ctx: typer.Context,
    repair_id: Annotated[int, typer.Argument(help="The application.")],
) -> None:
    """One application with its certificate."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            row = repair_service.get(session, repair_id=repair_id, as_of=today(c.now))
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        lines = [f"信用修复申请 {repair_id}：{STATUS_LABELS.get(row['status'], row['status'])}",
                 f"主体 {row['subject_key'] or ''}，记录 {'、'.join(map(str, row['record_ids']))}",
                 f"申请日期 {row['applied_on']}（{row['applied_by']}），决定期限 {row['decide_by']}"
                 + ("，已逾期" if row["late"] else ""),
                 f"决定日期 {row['decided_on'] or '未决定'}（{row['decided_by'] or ''}）"]
        if row["failed"]:
            lines.append(f"未满足的条件：{'、'.join(row['failed'])}")
        if row["certificate"]:
            lines += [f"信用修复证书 {row['certificate_number']}", row["certificate"]["text"]]
        for line in lines:
            out.print(line, markup=False)

    c.emit(row, render)


@repairs_app.command("certificate")
def certificate(
    ctx: typer.Context,
    repair_id: Annotated[int, typer.Argument(help="An approved application.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write (.pdf or .html).")],
    fmt: Annotated[str | None, typer.Option("--format", help="pdf or html (default: from the file's suffix).")] = None,
) -> None:
    """The credit repair certificate (信用修复证书 XYXF-<year>-<id>) of an approved application, as PDF or HTML."""
    c = get_ctx(ctx)
    try:
        chosen = output_format(fmt, output)
        with c.sessions() as session:
            doc = documents.repair_certificate(session, repair_id=repair_id, now=c.now)
        content = doc.render(chosen)
        write_file(output, content)
    except JzError as exc:
        fail_on(exc)
    data = {"repair_id": repair_id, "title": doc.title, "format": chosen, "file": str(output), "bytes": len(content)}
    c.emit(data, lambda console: console.print(f"已写入 {output}（{doc.title}）", markup=False))


def register(app: typer.Typer) -> None:
    app.add_typer(repairs_app, name="repairs")
