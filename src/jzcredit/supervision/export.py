"""Writing a plan: CSV (UTF-8 with BOM, ``#`` comment lines first) or XLSX (plan sheet + 说明 sheet).

The file is written beside its target as ``FILE.partial`` and renamed, so a failed write never leaves
half a plan under the real name.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from jzcredit.common.clock import SHANGHAI
from jzcredit.errors import Invalid
from jzcredit.supervision.rules import STRATUM_LABELS
from jzcredit.supervision.service import Inspection, Plan

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
HEADER = ["抽查层级", "统一社会信用代码", "企业名称", "行政区划", "信用等级", "所在名单", "检查人员1", "检查人员2"]
LIST_LABELS = {"red": "红名单", "black": "黑名单", "watch": "重点关注名单"}
NOT_EVALUATED = "未评价"
NO_ROSTER = "（未提供名册）"


def plan_format(path: Path) -> str:
    """``csv`` or ``xlsx`` by the file suffix; the folder must exist."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise Invalid("supervision.output_format", f"输出文件 {path.name} 的扩展名应为 .csv 或 .xlsx")
    if not path.parent.is_dir():
        raise Invalid("supervision.output_folder", f"目录 {path.parent} 不存在：请先创建它")
    return fmt


def plan_rows(plan: Plan) -> list[list[str]]:
    return [_row(i) for i in plan.inspections]


def _row(inspection: Inspection) -> list[str]:
    c = inspection.company
    people = [p.label for p in inspection.inspectors] or ["", ""]
    return [STRATUM_LABELS[c.stratum], c.uscc, c.name, c.region_code or "", c.grade or NOT_EVALUATED,
            "、".join(LIST_LABELS[x] for x in c.lists), *people]


def _about(plan: Plan) -> list[tuple[str, Any]]:
    roster = plan.roster
    return [
        ("年度", plan.year),
        ("随机种子", plan.seed),
        ("区划范围", plan.region or "000000（全国）"),
        ("生成时间", plan.created_at.astimezone(SHANGHAI).isoformat(timespec="seconds")),
        ("检查人员名册", f"{roster.file_name}（{len(roster.inspectors)} 人，SHA-256 {roster.sha256}）"
         if roster else NO_ROSTER),
        ("计划摘要 SHA-256", plan.digest()),
        ("抽取规则", "各层级按比例向上取整抽取；企业归入适用层级中比例最高者"),
    ]


def _write_csv(plan: Plan, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        for key, value in _about(plan):
            fh.write(f"# {key}：{value}\n")
        for s in plan.strata:
            fh.write(f"# {STRATUM_LABELS[s.stratum]}：企业 {s.companies}，比例 {s.rate_percent}%，抽取 {s.drawn}\n")
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(plan_rows(plan))


def _write_xlsx(plan: Plan, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "抽查计划"
    sheet.append(HEADER)
    for row in plan_rows(plan):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (14, 22, 36, 10, 10, 18, 22, 22), strict=True):
        sheet.column_dimensions[column].width = width
    about = wb.create_sheet("说明")
    for key, value in _about(plan):
        about.append([key, value])
    about.append([])
    about.append(["抽查层级", "企业数", "抽查比例（%）", "抽取数"])
    for s in plan.strata:
        about.append([STRATUM_LABELS[s.stratum], s.companies, float(s.rate_percent), s.drawn])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 60
    wb.save(path)


def write_plan(plan: Plan, path: Path) -> str:
    """Write the plan in the format its suffix names; returns that format."""
    fmt = plan_format(path)
    partial = path.with_name(path.name + ".partial")
    try:
        (_write_xlsx if fmt == "xlsx" else _write_csv)(plan, partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("supervision.output_unwritable", f"无法写入 {path.name}：{exc.strerror or exc}") from exc
    return fmt
