"""``supervise plan``: the year's 双随机 inspection plan by stratum (spec §3.7, §4.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import err_console, fail_on, get_ctx
from jzcredit.errors import JzError
from jzcredit.supervision import service as supervision_service
from jzcredit.supervision.export import plan_format, write_plan
from jzcredit.supervision.roster import load_roster
from jzcredit.supervision.rules import STRATUM_LABELS, supervision_rules

supervise_app = typer.Typer(help="Graded supervision (分级分类监管, 双随机抽查).", no_args_is_help=True)


def _render(console: Console, data: dict[str, Any], output: Path) -> None:
    scope = data["region"] or "全国"
    console.print(f"{data['year']} 年度双随机抽查计划（{scope}，随机种子 {data['seed']}）：", markup=False)
    table = Table("抽查层级", "企业数", "抽查比例", "抽取数")
    for stratum, s in data["strata"].items():
        table.add_row(STRATUM_LABELS[stratum], str(s["companies"]), f"{s['rate'] * 100:g}%", str(s["drawn"]))
    table.add_row("合计", str(data["companies"]), "", str(data["drawn"]))
    console.print(table)
    console.print(f"已写入 {output}", markup=False)


@supervise_app.command("plan")
def plan(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="The plan's year.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed and data give the same plan.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Plan file: .csv or .xlsx.")],
    region: Annotated[str | None, typer.Option("--region", help="Scope: 370100 a city, 370000 a province …")] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", help="Inspectors (CSV/XLSX: name, optional department, region); two are drawn per inspection."
    )] = None,
) -> None:
    """Draw companies per stratum at the stratum's yearly rate and assign two inspectors to each."""
    c = get_ctx(ctx)
    try:
        plan_format(output)
        rules = supervision_rules(c.settings.config)
        people = load_roster(roster) if roster is not None else None
        with c.sessions() as session, session.begin():
            made = supervision_service.make_plan(session, rules=rules, year=year, seed=seed, region=region,
                                                 roster=people, now=c.now)
            fmt = write_plan(made, output)
            supervision_service.record_plan(session, plan=made, file_name=output.name, actor=c.actor, now=c.now)
    except JzError as exc:
        fail_on(exc)
    data = {**supervision_service.summary(made), "file": str(output), "format": fmt}
    c.emit(data, lambda console: _render(console, data, output))
    if people is None:
        err_console.print("提示：未提供检查人员名册（--roster），计划中的检查人员栏为空。", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(supervise_app, name="supervise")
