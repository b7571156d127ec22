"""``ingest``, ``batches show|export|resubmit`` and ``matches list|confirm|reject``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from jzcredit.cli.context import CliContext, err_console, fail, get_ctx
from jzcredit.cli.evaluate import run_due
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.due import employers_of, mark_batches_due
from jzcredit.evaluation.rulesets import load_models
from jzcredit.ingest import service as ingest_service
from jzcredit.records import service as records_service
from jzcredit.rules import ingest_rules

batches_app = typer.Typer(help="Ingest batches (导入批次).", no_args_is_help=True)
matches_app = typer.Typer(help="Court-data match candidates (法院数据匹配候选).", no_args_is_help=True)


@contextmanager
def _progress() -> Iterator[ingest_service.Progress]:
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("导入", total=None)

        def start(total: int, name: str) -> None:
            bar.update(task, total=total or None, description=f"导入 {name}")

        yield ingest_service.Progress(start=start, advance=lambda n: bar.advance(task, n))


def _print_summary(c: CliContext, data: dict[str, Any]) -> None:
    c.human.print(
        f"批次 {data['batch_id']}：共 {data['total']} 行 — 接收 {data['accepted']}，重复 {data['duplicates']}，"
        f"隔离 {data['quarantined']}"
        + (f"；未匹配 {data['unmatched']}" if data.get("unmatched") else "")
        + (f"；待确认匹配 {data['match_candidates']}" if data.get("match_candidates") else "")
        + (f"；新建企业 {data['companies_created']}" if data.get("companies_created") else ""))
    if data.get("unmapped_columns"):
        kept = "已保留在各条记录的详情 details.extra 中" if ingest_service.keeps_unmapped(data["kind"]) else "未导入"
        c.human.print(f"未映射的列（{kept}）：{'、'.join(data['unmapped_columns'])}")
    if data.get("quarantined"):
        c.human.print(f"查看隔离行：jzcredit batches show {data['batch_id']}")
    if data.get("evaluation"):
        ev = data["evaluation"]
        c.human.print(f"已重新评价受影响的 {ev['evaluated']} 个主体，其中 {ev['changed']} 个结果有变化")


def reevaluate_after(c: CliContext, batch_id: int) -> dict[str, Any]:
    """Incremental re-evaluation: only the subjects this batch changed (and their employers)."""
    models = load_models(c.settings.config)
    with c.sessions() as session, session.begin():
        mark_batches_due(session, batch_ids=[batch_id], now=c.now)
    return run_due(c, models).as_dict()


NO_EVALUATE = typer.Option("--no-evaluate", help="Leave re-evaluation to a later `evaluate --due`.")


def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSONL file.")],
    kind: Annotated[str, typer.Option("--kind", help="What the file holds (spec §4.3).")],
    source: Annotated[str, typer.Option("--source", help="Who sent it, e.g. 济南市商务局.")],
    profile: Annotated[str | None, typer.Option("--profile", help="Real-world header layout.")] = None,
    no_evaluate: Annotated[bool, NO_EVALUATE] = False,
) -> None:
    """Load a file; every row is accepted, a duplicate, or quarantined with its reason."""
    c = get_ctx(ctx)
    with _progress() as progress:
        batch = ingest_service.ingest_file(
            c.sessions, c.vault, path=file, kind=kind, source=source, profile=profile, actor=c.actor, now=c.now,
            rules=ingest_rules(c.settings.config), progress=progress)
    data = ingest_service.summary(batch)
    if not no_evaluate:
        data["evaluation"] = reevaluate_after(c, batch.id)
    c.emit(data, lambda _out: None)
    _print_summary(c, data)


@batches_app.command("show")
def show(ctx: typer.Context, batch_id: int) -> None:
    """Counts plus the quarantined rows (ID and phone numbers masked)."""
    c = get_ctx(ctx)
    with c.sessions() as session:
        report = ingest_service.batch_report(session, batch_id)

    def render(out: Any) -> None:
        _print_summary(c, report)
        table = Table("行", "原因", "说明", "状态", "原始数据")
        for q in report["quarantined_rows"]:
            table.add_row(str(q["row"]), q["reason"], q["detail"] or "", q["status"],
                          "，".join(f"{k}={v}" for k, v in q["data"].items())[:200])
        out.print(table)

    c.emit(report, render)


@batches_app.command("export")
def export(ctx: typer.Context, batch_id: int,
           output: Annotated[Path, typer.Option("-o", "--output", help="CSV to correct and resubmit.")]) -> None:
    """Write the open quarantined rows verbatim (a private, audited view) for correction."""
    c = get_ctx(ctx)
    written = False
    try:
        with c.sessions() as session, session.begin():
            header, rows = ingest_service.export_quarantined(session, c.vault, batch_id=batch_id, actor=c.actor,
                                                             now=c.now)
            _write_rows(output, header, rows)  # the private.read entry commits only once the file is written
            written = True
    except BaseException as exc:
        if written:  # the audit entry did not commit: leave no unaudited copy behind
            output.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            fail(f"无法写入 {output}：{exc.strerror or exc}")
        raise
    c.emit({"batch_id": batch_id, "rows": len(rows), "file": output.name},
           lambda out: out.print(f"已导出 {len(rows)} 行待更正数据到 {output.name}（含个人信息，请妥善保管）"))


def _write_rows(output: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    """Write to ``FILE.partial`` and rename, so a failed export leaves no half-written file."""
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


@batches_app.command("resubmit")
def resubmit(ctx: typer.Context, batch_id: int, file: Path,
             no_evaluate: Annotated[bool, NO_EVALUATE] = False) -> None:
    """Corrected quarantined rows back in (the file needs a ``row`` column naming the original row)."""
    c = get_ctx(ctx)
    with _progress() as progress:
        batch = ingest_service.resubmit(c.sessions, c.vault, batch_id=batch_id, path=file, actor=c.actor,
                                        now=c.now, rules=ingest_rules(c.settings.config), progress=progress)
    data = ingest_service.summary(batch)
    if not no_evaluate:
        data["evaluation"] = reevaluate_after(c, batch.id)
    c.emit(data, lambda _out: None)
    _print_summary(c, data)


@matches_app.command("list")
def matches_list(ctx: typer.Context,
                 status: Annotated[str, typer.Option(help="pending, confirmed, rejected or all.")] = "pending") -> None:
    """Court records with masked ID numbers that fit exactly one worker."""
    c = get_ctx(ctx)
    with c.sessions() as session:
        items = records_service.list_matches(session, status=None if status == "all" else status)

    def render(out: Any) -> None:
        table = Table("编号", "状态", "记录", "案号", "法院公布", "家政服务员")
        for m in items:
            table.add_row(str(m["match_id"]), m["status"], str(m["record_id"]), m["doc_number"] or "",
                          f"{m['court_name']} {m['court_id_masked']}", f"{m['worker_name']} {m['worker_id_masked']}")
        out.print(table)

    c.emit(items, render)


def _decide(ctx: typer.Context, match_id: int, confirm: bool, note: str | None) -> None:
    c = get_ctx(ctx)
    from jzcredit.common import audit

    with c.sessions() as session, session.begin():
        match = records_service.decide_match(session, match_id=match_id, confirm=confirm, actor=c.actor,
                                             now=c.now, note=note)
        audit.append(session, actor=c.actor, action="match." + match.status, obj=f"match:{match_id}", now=c.now,
                     detail={"record_id": match.record_id, "note": note})
        data: dict[str, Any] = {"match_id": match.id, "record_id": match.record_id, "status": match.status}
        if confirm:  # the court record is now the worker's: grade the worker (and employers) on it
            data["evaluation"] = evaluation.evaluate_subjects(
                session, models=load_models(c.settings.config), now=c.now,
                subject_ids=[match.worker_id, *employers_of(session, [match.worker_id])]).as_dict()
    c.emit(data, lambda out: out.print(f"匹配候选 {match_id}：{'已确认并关联' if confirm else '已驳回'}"))


@matches_app.command("confirm")
def matches_confirm(ctx: typer.Context, match_id: int,
                    note: Annotated[str | None, typer.Option("--note")] = None) -> None:
    """Confirm: the court record is linked to the worker."""
    _decide(ctx, match_id, True, note)


@matches_app.command("reject")
def matches_reject(ctx: typer.Context, match_id: int,
                   note: Annotated[str | None, typer.Option("--note")] = None) -> None:
    """Reject: the record stays unlinked."""
    _decide(ctx, match_id, False, note)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(batches_app, name="batches")
    app.add_typer(matches_app, name="matches")
