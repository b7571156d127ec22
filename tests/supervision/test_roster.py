"""检查人员名册: read from CSV (any of the ingest encodings) or XLSX; every problem is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from jzcredit.errors import Invalid
from jzcredit.supervision.roster import load_roster


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_roster_with_english_headers(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path, "name,department,region\n张三,市场监管局,370100\n李四,商务局,\n"))
    assert [(p.name, p.department, p.region, p.prefix) for p in roster.inspectors] == [
        ("张三", "市场监管局", "370100", "3701"), ("李四", "商务局", None, None)]
    assert roster.inspectors[0].label == "张三（市场监管局）" and len(roster.sha256) == 64


def test_roster_with_chinese_headers_in_gb18030_and_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "姓名,所属部门,联系电话\n王五,人社局,0531-1\n赵六,,0531-2\n", encoding="gb18030")
    roster = load_roster(path)
    assert [p.label for p in roster.inspectors] == ["王五（人社局）", "赵六"]


def test_roster_from_xlsx_with_numeric_region(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "辖区"])
    wb.active.append(["张三", 370000])
    wb.active.append(["李四", None])
    wb.save(path)
    roster = load_roster(path)
    assert [(p.name, p.prefix) for p in roster.inspectors] == [("张三", "37"), ("李四", None)]


def test_same_name_in_two_departments_is_two_people(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path, "name,department\n张伟,市场监管局\n张伟,商务局\n"))
    assert len(roster.inspectors) == 2


@pytest.mark.parametrize(("text", "words"), [
    ("", "空文件"),
    ("name,department\n", "只有 0 名"),
    ("name\n张三\n", "只有 1 名"),
    ("department,region\n市场监管局,370100\n商务局,\n", "缺少姓名列"),
    ("name,region\n张三,370100\n,370100\n", "第 2 行没有姓名"),
    ("name,region\n张三,3701\n李四,\n", "第 1 行辖区 '3701' 无效"),
    ("name,department\n张三,市场监管局\n李四,\n张三,市场监管局\n", "第 3 行与前面重复"),
])
def test_bad_rosters_are_refused_with_one_line(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(Invalid) as err:
        load_roster(write(tmp_path, text))
    assert words in err.value.detail and "\n" not in err.value.detail
    assert err.value.detail.startswith("检查人员名册 roster.csv：")


def test_a_missing_roster_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match=r"找不到文件 nobody\.csv"):
        load_roster(tmp_path / "nobody.csv")
