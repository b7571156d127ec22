"""``evaluate (--all | --due | KEY…)``: grade subjects with reasons, keeping every evaluation."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from jzcredit.cli.context import CliContext, err_console, fail, get_ctx
from jzcredit.common import audit
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.loading import subject_chunks
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject

CHUNK = {"company": 1000, "worker": 5000}


def run_all(c: CliContext, models: Models) -> evaluation.RunSummary:
    summary = evaluation.RunSummary()
    with c.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Subject).where(Subject.kind.in_(CHUNK))) or 0
    columns = (TextColumn("评价"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("evaluate", total=total)
        for kind, size in CHUNK.items():
            with c.sessions() as reader:
                chunks = list(subject_chunks(reader, kind=kind, size=size))
            for ids in chunks:
                with c.sessions() as session, session.begin():  # one transaction per chunk
                    summary.add(evaluation.evaluate_chunk(session, models=models, kind=kind, ids=ids, now=c.now))
                bar.advance(task, len(ids))
    return summary


def _run_due(c: CliContext, models: Models) -> evaluation.RunSummary:
    summary = evaluation.RunSummary()
    while True:
        with c.sessions() as session, session.begin():
            ids = next(evaluation.due_chunks(session, size=5000), [])
            if not ids:
                return summary
            summary.add(evaluation.evaluate_subjects(session, models=models, subject_ids=ids, now=c.now))


def _render(c: CliContext, data: dict[str, Any]) -> None:
    grades = "，".join(f"{g} {n}" for g, n in data["grades"].items())
    c.human.print(f"已评价 {data['evaluated']} 个主体（结果有变化 {data['changed']} 个）：{grades}")
    for s in data.get("subjects", []):
        c.human.print(f"\n[bold]{s['subject_key']}[/bold]  {s['model']}  得分 {s['score']}  等级 {s['grade']}")
        for f in s["factors"]:
            c.human.print(f"  {f['points']:+5d}  {f['label']}（{f['code']}）", markup=False, soft_wrap=True)
        for i, imp in enumerate(s["improvements"], 1):
            steps = "；".join(a["label"] for a in imp["actions"])
            c.human.print(f"  提升建议 {i}：{steps} → {imp['grade']}（{imp['score']} 分）",
                          markup=False, soft_wrap=True)


def evaluate(
    ctx: typer.Context,
    keys: Annotated[list[str] | None, typer.Argument(help="USCC, worker code or ID number.")] = None,
    all_subjects: Annotated[bool, typer.Option("--all", help="Every company and worker.")] = False,
    due: Annotated[bool, typer.Option("--due", help="Only subjects whose facts changed since.")] = False,
) -> None:
    """Evaluate; --json prints {"evaluated": n, "grades": {"A": n, …}}."""
    c = get_ctx(ctx)
    if sum((bool(keys), all_subjects, due)) != 1:
        fail("请指定要评价的主体（KEY…）、--all 或 --due 之一")
    models = load_models(c.settings.config)
    data: dict[str, Any]
    if all_subjects:
        data = run_all(c, models).as_dict()
    elif due:
        data = _run_due(c, models).as_dict()
    else:
        with c.sessions() as session, session.begin():
            ids = [registry.resolve_subject_key(session, vault=c.vault, key=k) for k in keys or []]
            data = evaluation.evaluate_subjects(session, models=models, subject_ids=ids, now=c.now).as_dict()
            keys_by_id = registry.subject_keys(session, ids)
            data["subjects"] = [{"subject_key": keys_by_id.get(i)}
                                | evaluation.explain(session, models=models, subject_id=i, now=c.now) for i in ids]
    with c.sessions() as session, session.begin():
        audit.append(session, actor=c.actor, action="evaluation.run", obj="evaluations", now=c.now,
                     detail={"evaluated": data["evaluated"], "changed": data["changed"], "grades": data["grades"],
                             "scope": "all" if all_subjects else "due" if due else "subjects"})
    c.emit(data, lambda _out: None)
    _render(c, data)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
