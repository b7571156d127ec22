"""``evaluate (--all | --due | KEY…)``: grade subjects with reasons, keeping every evaluation."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from jzcredit.cli.context import CliContext, err_console, fail, get_ctx
from jzcredit.common import audit
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.loading import subject_chunks
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject

CHUNK = {"company": 1000, "worker": 5000}
PARALLEL_FROM = 50_000  # subjects: below this a run is over before helper processes would pay off
MAX_JOBS = 4  # SQLite takes one writer at a time; more helpers than this mostly wait for it
DUE_CHUNK = 5000
GC_THRESHOLD = 100_000  # young-generation allocations between collections during a bulk run (default 700)


@contextmanager
def few_gc_pauses() -> Iterator[None]:
    """Collect cycles rarely during a bulk run.

    A run allocates millions of small objects that reference counting frees (facts, parts, rows);
    the cycle collector's default pace spent more time walking them than the model spent on them.
    What was loaded before the run is frozen out of the collector's walks; both are undone after.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


Job = tuple[str | None, list[int]]  # (kind, sorted subject ids), or (None, due ids of any kind): one transaction


def default_jobs(c: CliContext, total: int) -> int:
    """One process per CPU (at most 4) for a large run on a database file or server; else this process."""
    url = make_url(c.settings.database_url)
    if total < PARALLEL_FROM or (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
                      MAX_JOBS))


_HELPER: dict[str, Any] = {}


def _start_helper(url: str, models: Models, now: datetime) -> None:
    """A helper process's own engine: no connection is shared across processes."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    _HELPER.update(sessions=make_sessionmaker(make_engine(url)), models=models, now=now)


def _evaluate(session: Session, models: Models, job: Job, now: datetime) -> tuple[evaluation.RunSummary, int]:
    kind, ids = job
    if kind is None:
        return evaluation.evaluate_subjects(session, models=models, subject_ids=ids, now=now), len(ids)
    return evaluation.evaluate_chunk(session, models=models, kind=kind, ids=ids, now=now), len(ids)


def _evaluate_job(job: Job) -> tuple[evaluation.RunSummary, int]:
    with _HELPER["sessions"]() as session, session.begin():  # one transaction per chunk, as in one process
        return _evaluate(session, _HELPER["models"], job, _HELPER["now"])


@contextmanager
def _runner(c: CliContext, models: Models, jobs: int) -> Iterator[Callable[[list[Job]], Iterator[Any]]]:
    """Something that evaluates chunks and yields (summary, count) per chunk, in this process or in helpers.

    Each chunk is the same ``evaluate_chunk`` in its own transaction either way; helpers only run
    several at once (SQLite lets one write at a time, the busy timeout queues the others).
    """
    if jobs <= 1:
        def here(chunks: list[Job]) -> Iterator[Any]:
            for job in chunks:
                with c.sessions() as session, session.begin():  # one transaction per chunk
                    yield _evaluate(session, models, job, c.now)
        yield here
        return
    c.engine.dispose()  # no pooled connection crosses into the helpers
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(jobs, initializer=_start_helper, initargs=(c.settings.database_url, models, c.now)) as pool:
        yield lambda chunks: pool.imap_unordered(_evaluate_job, chunks)


def run_all(c: CliContext, models: Models, *, jobs: int | None = None) -> evaluation.RunSummary:
    summary = evaluation.RunSummary()
    with c.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Subject).where(Subject.kind.in_(CHUNK))) or 0
        chunks: list[Job] = [(kind, ids) for kind, size in CHUNK.items()
                             for ids in subject_chunks(session, kind=kind, size=size)]
    columns = (TextColumn("评价"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (few_gc_pauses(), _runner(c, models, jobs or default_jobs(c, total)) as run,
          Progress(*columns, console=err_console, transient=True) as bar):
        task = bar.add_task("evaluate", total=total)
        for chunk_summary, count in run(chunks):
            summary.add(chunk_summary)
            bar.advance(task, count)
    return summary


def run_due(c: CliContext, models: Models, *, jobs: int | None = None) -> evaluation.RunSummary:
    """Evaluate the due queue until it is empty.

    A large queue is listed once and shared out to helpers like ``run_all``'s chunks; whatever is
    marked while they run (and a small queue altogether) is done after, in this process.
    """
    summary = evaluation.RunSummary()
    with c.sessions() as session:
        queued: list[Job] = [(None, ids) for ids in evaluation.due_chunks(session, size=DUE_CHUNK)]
    with few_gc_pauses():
        helpers = jobs or default_jobs(c, sum(len(ids) for _, ids in queued))
        if helpers > 1:
            with _runner(c, models, helpers) as run:
                for chunk_summary, _count in run(queued):
                    summary.add(chunk_summary)
        while True:
            with c.sessions() as session, session.begin():
                ids = next(evaluation.due_chunks(session, size=DUE_CHUNK), [])
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
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="Processes for --all or --due (default: one per CPU, at most 4, from 50,000 subjects).")
    ] = None,
) -> None:
    """Evaluate; --json prints {"evaluated": n, "grades": {"A": n, …}}."""
    c = get_ctx(ctx)
    if sum((bool(keys), all_subjects, due)) != 1:
        fail("请指定要评价的主体（KEY…）、--all 或 --due 之一")
    models = load_models(c.settings.config)
    data: dict[str, Any]
    if all_subjects:
        data = run_all(c, models, jobs=jobs).as_dict()
    elif due:
        data = run_due(c, models, jobs=jobs).as_dict()
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
