"""``stats [--region R]``: counts by region, grade, list, verification and poverty status (spec §4.3)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.errors import JzError
from jzcredit.reports import stats as stats_report

GRADE_LABELS = {"A": "A", "B": "B", "C": "C", "D": "D", "N": "N（信息不足）", "not_evaluated": "未评价"}
LIST_LABELS = {"red": "红名单", "black": "黑名单", "watch": "重点关注名单"}
STATUS_LABELS = {"published": "已公布", "active": "关注中", "candidates": "候选"}
POVERTY_LABELS = {"national_poor_county": "国家级贫困县", "provincial_poor_county": "省级贫困县",
                  "none": "非贫困县", "unknown": "籍贯区划未知"}


def _render(console: Console, data: dict[str, Any]) -> None:
    scope = data["region"] or "全国"
    console.print(f"统计（{scope}，截至 {data['as_of']}）：企业 {data['companies']} 家，"
                  f"家政服务员 {data['workers']} 人", markup=False)
    regions = Table("行政区划", "名称", "企业", "家政服务员", title="按地区")
    for r in data["by_region"]:
        regions.add_row(r["region_code"] or "（无区划）", r["name"] or "", str(r["companies"]), str(r["workers"]))
    console.print(regions)
    grades = Table("信用等级", "企业", "家政服务员", title="按信用等级")
    for key, label in GRADE_LABELS.items():
        grades.add_row(label, str(data["by_grade"]["companies"][key]), str(data["by_grade"]["workers"][key]))
    console.print(grades)
    lists = Table("名单", "状态", "主体数", title="按名单")
    for name, counts in data["by_list"].items():
        for status, n in counts.items():
            lists.add_row(LIST_LABELS[name], STATUS_LABELS[status], str(n))
    console.print(lists)
    v = data["verification"]
    console.print(f"人证核验：{v['verified']} / {v['workers']}；完成识别授权：{v['identified_authorised']}",
                  markup=False)
    poverty = Table("籍贯", "家政服务员", title="按贫困状况")
    for key, label in POVERTY_LABELS.items():
        poverty.add_row(label, str(data["poverty"]["native_region"][key]))
    poverty.add_row("建档立卡贫困劳动力", str(data["poverty"]["registered_poor"]))
    console.print(poverty)


def stats(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Option("--region", help="Scope: 370100 a city, 370000 a province …")] = None,
) -> None:
    """Counts by region, grade, list, identity verification and poverty status."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            data = stats_report.stats(session, region=region, now=c.now)
    except JzError as exc:
        fail_on(exc)
    c.emit(data, lambda console: _render(console, data))


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
