"""Writing a program run's list: CSV (UTF-8 with BOM, ``#`` lines first) or XLSX (list sheet + 说明).

Like the inspection plan, the file is written as ``FILE.partial`` and renamed, so a failed write
never leaves half a list under the real name.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from jzcredit.errors import Invalid
from jzcredit.supervision.export import LIST_LABELS

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
COMMON = ["统一社会信用代码", "企业名称", "行政区划", "金额（元）", "档次", "理由"]
TIER_LABELS = {"recommended": "推荐", "not_recommended": "不推荐", "per_store": "按门店计", "capped": "按上限"}


def output_format(path: Path, allowed: tuple[str, ...] = (".csv", ".xlsx")) -> str:
    """``csv`` or ``xlsx`` by the suffix; the folder must exist."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise Invalid("programs.output_format", f"输出文件 {path.name} 的扩展名应为 {' 或 '.join(allowed)}")
    if not path.parent.is_dir():
        raise Invalid("programs.output_folder", f"目录 {path.parent} 不存在：请先创建它")
    return FORMATS[suffix]


def tier_label(name: str, tier: str | None) -> str:
    """``tier`` for people: 第2档 (jinan-scale), 推荐 / 不推荐 (financing), 按门店计 / 按上限 (jinan-stores)."""
    if name == "jinan-scale":
        return f"第{tier}档" if tier else ""
    return TIER_LABELS.get(tier or "", tier or "")


def _yes(value: Any) -> str:
    return "是" if value else "否"


def _financing(r: dict[str, Any]) -> list[Any]:
    f, c = r["figures"], r["complaints"]
    return [_yes(r["recommended"]), r["grade"] or "未评价", "、".join(LIST_LABELS[x] for x in r["lists"]),
            f["workers"], f["identified_authorised"], f["national_poor_county"], f["provincial_poor_county"],
            f["registered_poor"], f["poor_workers"], f["not_counted"], c["total"], c["unanswered"], c["substantiated"],
            r["loans"]]


def _scale(r: dict[str, Any]) -> list[Any]:
    return [_yes(r["eligible"]), r["grade"] or "未评价", r["revenue"] or "", *(
        "" if v is None else v for v in r["payroll"].values())]


def _stores(r: dict[str, Any]) -> list[Any]:
    return [_yes(r["eligible"]), r["stores_opened"], r["stores_counted"]]


def columns(name: str, year: int) -> tuple[list[str], Callable[[dict[str, Any]], list[Any]]]:
    """The program's own columns after the common ones, and how to fill them from a result."""
    if name == "financing":
        return ["是否推荐", "信用等级", "所在名单", "计入的在职家政服务员", "完成识别授权人数", "国家级贫困县籍",
                "省级贫困县籍", "建档立卡贫困劳动力", "贫困劳动力合计", "未授权不计入", "近期投诉", "逾期未答复",
                "查实投诉", f"{year}年贷款笔数"], _financing
    if name == "jinan-scale":
        return ["符合申报条件", "信用等级", f"{year}年营业收入（元）",
                *(f"{year}-{m:02d}代发工资人数" for m in range(1, 13))], _scale
    return ["符合申报条件", f"{year}年新开门店", "计入门店"], _stores


def rows(name: str, year: int, results: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    extra_header, fill = columns(name, year)
    body = [[r["subject_key"], r["name"], r["region_code"] or "", r["amount"], tier_label(name, r["tier"]),
             "\n".join(r["reasons"]), *fill(r)] for r in results]
    return [*COMMON, *extra_header], body


def _write_csv(path: Path, about: list[tuple[str, Any]], header: list[str], body: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        for key, value in about:
            fh.write(f"# {key}：{value}\n")
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(body)


def _write_xlsx(path: Path, about: list[tuple[str, Any]], header: list[str], body: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "测算结果"
    sheet.append(header)
    for row in body:
        sheet.append([*row[:3], Decimal(row[3]), *row[4:]])  # the amount as a number, to the cent
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_cells in sheet.iter_rows(min_row=2):
        row_cells[3].number_format = "#,##0.00"
        row_cells[5].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    for column, width in zip("ABCDEF", (22, 30, 10, 16, 10, 80), strict=True):
        sheet.column_dimensions[column].width = width
    notes = wb.create_sheet("说明")
    for key, value in about:
        notes.append([key, str(value)])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    wb.save(path)


def write_list(path: Path, *, name: str, year: int, results: list[dict[str, Any]], about: list[tuple[str, Any]]) -> str:
    """Write the run's list in the format the suffix names; returns that format."""
    fmt = output_format(path)
    header, body = rows(name, year, results)
    partial = path.with_name(path.name + ".partial")
    try:
        (_write_xlsx if fmt == "xlsx" else _write_csv)(partial, about, header, body)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("programs.output_unwritable", f"无法写入 {path.name}：{exc.strerror or exc}") from exc
    return fmt
