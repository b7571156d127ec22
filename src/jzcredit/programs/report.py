"""The quarterly report of supported enterprises (支持企业情况表, 附件2 of 商办服贸函〔2020〕136号).

Provincial commerce departments send it within five working days after each quarter. One row per
company with a loan granted in the quarter (from the loans a regulator entered): lenders, the
quarter's loans and amount, grant dates, the year's amount up to the quarter's end, and the figures
the notice screens by — counted, like the ``financing`` program, only among workers whose
``bank_aggregate`` consent is in force — on the quarter's last day (or today, inside the quarter).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common.clock import SHANGHAI
from jzcredit.common.regions import scope_filter
from jzcredit.errors import Invalid
from jzcredit.programs.common import Scope, check_year, money
from jzcredit.programs.export import output_format
from jzcredit.programs.financing import WorkerFigures, worker_figures
from jzcredit.programs.models import SupportedLoan
from jzcredit.registry.models import Company, Region

TITLE = "金融支持家政扶贫支持企业情况表"
HEADER = ["序号", "企业名称", "统一社会信用代码", "所在地区", "贷款银行", "贷款笔数", "本季度贷款金额（元）",
          "放款日期", "本年累计贷款金额（元）", "完成识别授权的家政服务员人数", "国家级贫困县劳动力人数",
          "省级贫困县劳动力人数", "建档立卡贫困劳动力人数", "备注"]
HEADER_ROW = 4  # 附件2, the title and the reporting line come first
MONEY_COLUMNS = (7, 9)  # 1-based: the two amounts


@dataclass
class ReportRow:
    uscc: str
    name: str
    region: str
    lenders: list[str] = field(default_factory=list)
    loans: int = 0
    amount: Decimal = Decimal(0)
    granted: list[date] = field(default_factory=list)
    year_to_date: Decimal = Decimal(0)
    figures: WorkerFigures = field(default_factory=WorkerFigures)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    year: int
    quarter: int
    region: str | None
    start: date
    end: date
    counted_on: date
    rows: list[ReportRow]

    def totals(self) -> dict[str, Any]:
        return {"companies": len(self.rows), "loans": sum(r.loans for r in self.rows),
                "amount": sum((r.amount for r in self.rows), Decimal(0)),
                "year_to_date": sum((r.year_to_date for r in self.rows), Decimal(0)),
                "identified_authorised": sum(r.figures.identified_authorised for r in self.rows),
                "national_poor_county": sum(r.figures.national_poor_county for r in self.rows),
                "provincial_poor_county": sum(r.figures.provincial_poor_county for r in self.rows),
                "registered_poor": sum(r.figures.registered_poor for r in self.rows)}


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if quarter not in (1, 2, 3, 4):
        raise Invalid("programs.quarter_invalid", f"季度 {quarter} 无效：应为 1、2、3 或 4")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def _region_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Region.region_code, Region.name).where(Region.region_code.in_(sorted(codes))))
    return {code: name for code, name in rows}


def build_report(session: Session, *, year: int, quarter: int, region: str | None, now: datetime) -> Report:
    """Loans granted in the quarter, grouped by company (by USCC), with the year-to-date amount and figures."""
    check_year(year)
    start, end = quarter_bounds(year, quarter)
    counted_at = min(now, datetime.combine(end, time(23, 59, 59), SHANGHAI))
    scope = Scope(region, counted_at)
    loans = session.execute(
        select(SupportedLoan, Company.subject_id, Company.uscc, Company.name, Company.region_code)
        .join(Company, Company.subject_id == SupportedLoan.company_id)
        .where(scope_filter(Company.region_code, scope.prefix), SupportedLoan.granted_on >= date(year, 1, 1),
               SupportedLoan.granted_on <= end)
        .order_by(Company.uscc, SupportedLoan.granted_on, SupportedLoan.id)).all()
    names = _region_names(session, {r.region_code for r in loans if r.region_code})
    figures = worker_figures(session, scope)
    rows: dict[int, ReportRow] = {}
    year_to_date: dict[int, Decimal] = defaultdict(Decimal)
    for loan, cid, uscc, name, region_code in loans:
        year_to_date[cid] += loan.amount
        if loan.granted_on < start:
            continue
        if cid not in rows:
            rows[cid] = ReportRow(uscc=uscc, name=name, figures=figures.get(cid, WorkerFigures()),
                                  region=" ".join(filter(None, [region_code, names.get(region_code or "")])))
        row = rows[cid]
        if loan.lender not in row.lenders:
            row.lenders.append(loan.lender)
        row.loans += 1
        row.amount += loan.amount
        row.granted.append(loan.granted_on)
        if loan.note:
            row.notes.append(loan.note)
    for cid, row in rows.items():
        row.year_to_date = year_to_date[cid]
    return Report(year=year, quarter=quarter, region=scope.region, start=start, end=end,
                  counted_on=scope.day, rows=list(rows.values()))


def table_rows(report: Report) -> list[list[Any]]:
    """Data rows, then the 合计 row (numbers as numbers; amounts exact to the cent)."""
    out: list[list[Any]] = []
    for n, r in enumerate(report.rows, start=1):
        f = r.figures
        out.append([n, r.name, r.uscc, r.region, "、".join(r.lenders), r.loans, r.amount,
                    "、".join(d.isoformat() for d in r.granted), r.year_to_date, f.identified_authorised,
                    f.national_poor_county, f.provincial_poor_county, f.registered_poor, "；".join(r.notes)])
    t = report.totals()
    out.append(["合计", f"{t['companies']} 家企业", "", "", "", t["loans"], t["amount"], "", t["year_to_date"],
                t["identified_authorised"], t["national_poor_county"], t["provincial_poor_county"],
                t["registered_poor"], ""])
    return out


def summary(report: Report) -> dict[str, Any]:
    """JSON-ready: the report's period, totals and rows."""
    t = report.totals()
    return {"year": report.year, "quarter": report.quarter, "region": report.region,
            "period_start": report.start, "period_end": report.end, "counted_on": report.counted_on,
            "companies": t["companies"], "loans": t["loans"], "amount": money(t["amount"]),
            "year_to_date": money(t["year_to_date"]),
            "rows": [{"subject_key": r.uscc, "name": r.name, "region": r.region, "lenders": r.lenders,
                      "loans": r.loans, "amount": money(r.amount), "granted_on": r.granted,
                      "year_to_date": money(r.year_to_date), "identified_authorised": r.figures.identified_authorised,
                      "national_poor_county": r.figures.national_poor_county,
                      "provincial_poor_county": r.figures.provincial_poor_county,
                      "registered_poor": r.figures.registered_poor, "notes": r.notes} for r in report.rows]}


def _workbook(report: Report, generated_at: datetime) -> Any:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "附件2"
    sheet.append(["附件2"])
    sheet.append([TITLE])
    sheet.append([f"填报范围：{report.region or '000000（全国）'}　报告期：{report.year}年第{report.quarter}季度"
                  f"（{report.start} 至 {report.end}）　人数统计日：{report.counted_on}"])
    sheet.append(HEADER)
    for row in table_rows(report):
        sheet.append(row)
    last = sheet.max_row
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    sheet["A2"].font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(horizontal="center")
    for cell in (*sheet[HEADER_ROW], *sheet[last]):
        cell.font = Font(bold=True)
    for column in MONEY_COLUMNS:
        for row_number in range(HEADER_ROW + 1, last + 1):
            sheet.cell(row=row_number, column=column).number_format = "#,##0.00"
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    for letter, width in zip("ABCDEFGHIJKLMN", (6, 30, 22, 16, 24, 8, 16, 24, 16, 14, 14, 14, 14, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = wb.create_sheet("说明")
    for key, value in (
            ("依据", "商办服贸函〔2020〕136号《商务部办公厅关于金融支持家政扶贫工作的通知》附件2"),
            ("行", "本季度有放款的企业，每家一行；贷款由监管部门录入（programs loans add）"),
            ("人数", "只计同意向银行提供汇总信息（bank_aggregate）的在职家政服务员，每人只计一次"),
            ("生成时间", generated_at.astimezone(SHANGHAI).isoformat(timespec="seconds"))):
        notes.append([key, value])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 80
    return wb


def write_report(report: Report, path: Path, *, now: datetime) -> None:
    """Write the XLSX beside its target and rename it into place."""
    output_format(path, (".xlsx",))
    partial = path.with_name(path.name + ".partial")
    try:
        _workbook(report, now).save(partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("programs.output_unwritable", f"无法写入 {path.name}：{exc.strerror or exc}") from exc
