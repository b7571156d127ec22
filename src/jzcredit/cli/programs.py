"""``programs run|report|loans|runs``: policy programs (政策测算, spec §3.8, §4.3)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import err_console, fail_on, get_ctx
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.jsontext import jsonable
from jzcredit.errors import Invalid, JzError
from jzcredit.programs import loans as loans_service
from jzcredit.programs import service as programs_service
from jzcredit.programs.export import output_format, tier_label, write_list
from jzcredit.programs.models import ProgramRun
from jzcredit.programs.report import summary, write_report
from jzcredit.programs.rules import programs_rules

programs_app = typer.Typer(help="Policy programs (政策测算): financing, jinan-scale, jinan-stores.",
                           no_args_is_help=True)
loans_app = typer.Typer(help="Loans to supported companies, for the financing report (附件2).", no_args_is_help=True)
runs_app = typer.Typer(help="Stored program runs.", no_args_is_help=True)
programs_app.add_typer(loans_app, name="loans")
programs_app.add_typer(runs_app, name="runs")

Region = Annotated[str | None, typer.Option("--region", help="Scope: 370100 a city, 370000 a province …")]


def _render_run(console: Console, run: ProgramRun, output: Path | None) -> None:
    label = programs_service.program_label(run.name)
    scope = run.parameters.get("region") or "全国"
    console.print(f"{run.year} 年 {label}（{scope}）", markup=False)
    for r in run.results:  # one block per company: the reasons are the point, so they get the full width
        console.print(f"\n{r['subject_key']}  {r['name']}  {Decimal(r['amount']):,.2f} 元  "
                      f"{tier_label(run.name, r['tier']) or '—'}", markup=False)
        for reason in r["reasons"]:
            console.print(f"  · {reason}", markup=False)
    total = sum((Decimal(r["amount"]) for r in run.results), Decimal(0))
    console.print(f"共 {len(run.results)} 家企业，金额合计 {total:,.2f} 元；测算记录 {run.id}", markup=False)
    if output is not None:
        console.print(f"已写入 {output}", markup=False)


def _about(run: ProgramRun) -> list[tuple[str, Any]]:
    total = sum((Decimal(r["amount"]) for r in run.results), Decimal(0))
    return [("测算项目", f"{run.name}（{programs_service.program_label(run.name)}）"), ("年度", run.year),
            ("区划范围", run.parameters.get("region") or "000000（全国）"),
            ("筛选", "仅推荐名单" if run.parameters.get("recommended") else "全部企业"),
            ("测算时间", run.run_at.astimezone(SHANGHAI).isoformat(timespec="seconds")),
            ("测算记录", run.id), ("企业数", len(run.results)), ("金额合计（元）", f"{total:.2f}")]


@programs_app.command("run")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="financing, jinan-scale or jinan-stores.")],
    year: Annotated[int, typer.Option("--year", help="The program year.")],
    region: Region = None,
    recommended: Annotated[bool, typer.Option("--recommended", help="financing: only the recommended list.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the list: .csv or .xlsx.")] = None,
) -> None:
    """Amounts with reasons for every company in scope; the run is stored and audited."""
    c = get_ctx(ctx)
    try:
        if output is not None:
            output_format(output)
        rules = programs_rules(c.settings.config)
        with c.sessions() as session, session.begin():
            done = programs_service.run_program(session, name=name, year=year, region=region,
                                                recommended_only=recommended, rules=rules, now=c.now, actor=c.actor)
            if output is not None:
                fmt = write_list(output, name=name, year=year, results=done.results, about=_about(done))
                programs_service.record_export(session, run=done, file=output, fmt=fmt, actor=c.actor, now=c.now)
    except JzError as exc:
        fail_on(exc)
    c.emit(done.results, lambda console: _render_run(console, done, output))
    if c.json_output:
        err_console.print(f"测算记录 {done.id}：{len(done.results)} 家企业", markup=False)


@programs_app.command("report")
def report(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="financing (the only program with a quarterly report).")],
    year: Annotated[int, typer.Option("--year", help="The report year.")],
    quarter: Annotated[int, typer.Option("--quarter", help="1–4.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The report: .xlsx.")],
    region: Region = None,
) -> None:
    """附件2: the quarterly report of supported enterprises, from the loans entered."""
    c = get_ctx(ctx)
    try:
        if name != "financing":
            programs_service.program_label(name)
            raise Invalid("programs.report_financing_only",
                                           f"只有 financing 有季度报送表（附件2），{name} 没有")
        output_format(output, (".xlsx",))
        with c.sessions() as session, session.begin():
            made, stored = programs_service.quarterly_report(session, year=year, quarter=quarter, region=region,
                                                             now=c.now, actor=c.actor)
            write_report(made, output, now=c.now)
    except JzError as exc:
        fail_on(exc)
    data = {**jsonable(summary(made)), "run_id": stored.id, "file": str(output)}

    def render(console: Console) -> None:
        console.print(f"{year} 年第 {quarter} 季度支持企业情况表：{data['companies']} 家企业，{data['loans']} 笔贷款，"
                      f"合计 {Decimal(data['amount']):,.2f} 元", markup=False)
        console.print(f"已写入 {output}", markup=False)

    c.emit(data, render)


@loans_app.command("add")
def loans_add(
    ctx: typer.Context,
    uscc: Annotated[str, typer.Argument(help="The company's USCC.")],
    lender: Annotated[str, typer.Option("--lender", help="The lending bank.")],
    amount: Annotated[str, typer.Option("--amount", help="CNY, e.g. 1500000.")],
    granted_on: Annotated[str, typer.Option("--granted-on", help="The grant date, e.g. 2026-07-01.")],
    note: Annotated[str | None, typer.Option("--note", help="A note for the report.")] = None,
) -> None:
    """Enter a loan a bank granted to a company (for the quarterly report 附件2)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            loan = loans_service.add_loan(session, uscc=uscc, lender=lender, amount=amount, granted_on=granted_on,
                                          note=note, actor=c.actor, now=c.now)
    except JzError as exc:
        fail_on(exc)
    c.emit(loan, lambda console: console.print(
        f"已录入贷款 {loan['loan_id']}：{loan['name']}（{loan['subject_key']}），{loan['lender']}，"
        f"{Decimal(loan['amount']):,.2f} 元，{loan['granted_on']} 放款", markup=False))


@loans_app.command("list")
def loans_list(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="Loans granted in this year.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="One company's USCC.")] = None,
) -> None:
    """Loans entered, by grant date."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            rows = loans_service.list_loans(session, year=year, uscc=company)
    except JzError as exc:
        fail_on(exc)

    def render(console: Console) -> None:
        table = Table("编号", "统一社会信用代码", "企业名称", "贷款银行", "金额（元）", "放款日期", "录入日期", "备注")
        for r in rows:
            table.add_row(str(r["loan_id"]), r["subject_key"], r["name"], r["lender"], r["amount"],
                          str(r["granted_on"]), str(r["entered_on"]), r["note"] or "")
        console.print(table)

    c.emit(rows, render)


@runs_app.command("list")
def runs_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Only this program's runs.")] = None,
) -> None:
    """The latest stored runs, newest first."""
    c = get_ctx(ctx)
    with c.sessions() as session:
        rows = programs_service.list_runs(session, name=name)

    def render(console: Console) -> None:
        table = Table("编号", "项目", "年度", "时间", "操作人", "企业数", "金额合计（元）")
        for r in rows:
            table.add_row(str(r["run_id"]), r["name"], str(r["year"]), str(r["run_at"]), r["actor"],
                          str(r["companies"]), r["total_amount"])
        console.print(table)

    c.emit(rows, render)


@runs_app.command("show")
def runs_show(ctx: typer.Context, run_id: Annotated[int, typer.Argument(help="The run's number.")]) -> None:
    """One stored run with every result as it was printed."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            stored = programs_service.get_run(session, run_id)
            data = {**programs_service.run_summary(stored), "results": stored.results}
    except JzError as exc:
        fail_on(exc)
    c.emit(data)


def register(app: typer.Typer) -> None:
    app.add_typer(programs_app, name="programs")
