"""``demo``: realistic synthetic data and demo users, loaded through the real ingest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from jzcredit.cli.context import err_console, get_ctx
from jzcredit.demo.load import DemoSize, has_data, load_demo
from jzcredit.ingest import service as ingest_service
from jzcredit.rules import ingest_rules


@contextmanager
def _bars() -> Iterator[Any]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:

        def progress_for(label: str) -> ingest_service.Progress:
            task = bar.add_task(label, total=None)
            return ingest_service.Progress(
                start=lambda total, name: bar.update(task, total=total or None, description=name),
                advance=lambda n: bar.advance(task, n))

        yield progress_for


def demo(
    ctx: typer.Context,
    companies: Annotated[int, typer.Option("--companies", min=1)] = 40,
    workers: Annotated[int, typer.Option("--workers", min=0)] = 400,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when data is already loaded.")] = False,
) -> None:
    """Load realistic synthetic data (valid IDs and USCCs, real region codes) and demo users."""
    c = get_ctx(ctx)
    if if_empty:
        with c.sessions() as session:
            if has_data(session):
                c.human.print("数据库中已有数据，跳过演示数据（去掉 --if-empty 可再加载一份）")
                c.emit({"skipped": True}, lambda _out: None)
                return
    with _bars() as progress_for:
        report = load_demo(c.sessions, c.vault, size=DemoSize(companies, workers, seed), now=c.now,
                           rules=ingest_rules(c.settings.config), actor="demo", progress_for=progress_for)

    def render(out: Any) -> None:
        out.print(f"已加载演示数据：{report['companies']} 家企业，{report['workers']} 名服务员，"
                  f"{report['records']} 条信用记录")
        out.print("演示用户的令牌（只显示这一次，请保存）：")
        for u in report["users"]:
            out.print(f"  {u['role']:<10} {u['name']}\n    {u['token']}", markup=False, soft_wrap=True)

    c.emit(report, render)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
