"""Plans written as CSV and XLSX and read back; the suffix decides the format."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jzcredit.errors import Invalid
from jzcredit.supervision.export import HEADER, write_plan
from jzcredit.supervision.roster import Inspector, Roster
from jzcredit.supervision.service import Inspection, Plan, PlanCompany, StratumCount

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
PEOPLE = (Inspector("张三", "市场监管局", None, None), Inspector("李四", "", None, None))


def sample_plan(roster: Roster | None = Roster("r.csv", "f" * 64, PEOPLE)) -> Plan:
    black = PlanCompany(1, "91370102MA3C8Y1X2K", "济南甲家政有限公司", "370102", "A", ("black", "red"), "black")
    new = PlanCompany(2, "91370102MA3C8Y1X3L", "济南乙家政有限公司", "370102", None, (), "N")
    inspections = (Inspection(black, PEOPLE if roster else ()), Inspection(new, PEOPLE[::-1] if roster else ()))
    strata = (StratumCount("black", Decimal(100), 1, 1), StratumCount("N", Decimal(10), 4, 1))
    return Plan(year=2026, seed=42, region="370100", created_at=NOW, strata=strata, inspections=inspections,
                roster=roster)


EXPECTED = [
    ["黑名单", "91370102MA3C8Y1X2K", "济南甲家政有限公司", "370102", "A", "黑名单、红名单", "张三（市场监管局）",
     "李四"],
    ["未评级", "91370102MA3C8Y1X3L", "济南乙家政有限公司", "370102", "未评价", "", "李四", "张三（市场监管局）"],
]


def test_csv_has_comment_lines_then_a_chinese_header_and_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    assert write_plan(sample_plan(), path) == "csv"
    text = path.read_text(encoding="utf-8-sig")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "# 年度：2026" in comments and "# 随机种子：42" in comments and "# 区划范围：370100" in comments
    assert "# 黑名单：企业 1，比例 100%，抽取 1" in comments
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows == [HEADER, *EXPECTED]
    assert not (tmp_path / "plan.csv.partial").exists()


def test_xlsx_has_the_plan_sheet_and_an_about_sheet(tmp_path: Path) -> None:
    path = tmp_path / "Plan.XLSX"
    assert write_plan(sample_plan(), path) == "xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["抽查计划", "说明"]
    rows = [[v or "" for v in row] for row in wb["抽查计划"].iter_rows(values_only=True)]
    assert rows == [HEADER, *EXPECTED]
    about = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True) if row[0]}
    assert about["年度"] == 2026 and about["随机种子"] == 42 and about["区划范围"] == "370100"
    assert about["黑名单"] == 1 and about["未评级"] == 4
    assert about["计划摘要 SHA-256"] == sample_plan().digest()


def test_without_a_roster_the_inspector_cells_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    write_plan(sample_plan(roster=None), path)
    text = path.read_text(encoding="utf-8-sig")
    assert "# 检查人员名册：（未提供名册）" in text
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert [r[-2:] for r in rows[1:]] == [["", ""], ["", ""]]


@pytest.mark.parametrize(("name", "words"), [("plan.pdf", ".csv 或 .xlsx"), ("no/such/plan.csv", "不存在")])
def test_bad_output_paths_are_refused(tmp_path: Path, name: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        write_plan(sample_plan(), tmp_path / name)
