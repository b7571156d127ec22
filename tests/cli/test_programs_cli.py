"""``programs run|report|loans|runs`` through the CLI: the --json shapes, the files read back, and every
refusal with exit 1, one line on stderr and nothing written."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import one_line_error
from tests.factories import add_company, add_worker, set_grade
from tests.programs.helpers import add_figures, add_region, add_store, counts, months
from typer.testing import Result

from jzcredit.cli import programs as programs_cmd
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.programs.report import HEADER, HEADER_ROW

Invoke = Callable[..., Result]
CONTRACT = {"subject_key", "name", "amount", "tier", "reasons"}


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(programs_cmd.register)


@pytest.fixture
def companies(sessions: sessionmaker[Session], vault: Vault) -> dict[str, str]:
    """Two Jinan companies (one dips below 1000 in 2025-07), one in Qingdao; workers for financing."""
    with sessions() as s, s.begin():
        add_region(s, "410225", "national")
        steady = add_company(s, established_on=date(2015, 1, 1), name="济南稳健家政有限公司")
        dip = add_company(s, established_on=date(2015, 1, 1), name="济南起伏家政有限公司", region_code="370105")
        qingdao = add_company(s, region_code="370202", name="青岛家政有限公司")
        add_figures(s, steady, year=2025, revenue="120000000", payroll=1000)
        add_figures(s, dip, year=2025, revenue="120000000",
                    payroll=dict.fromkeys(months(2025), 1000) | {"2025-07": 980})
        for i in range(12):
            add_store(s, steady, area="10" if i else "9.5", opened_on=date(2025, 2, 1 + i))
        for c in (steady, qingdao):
            set_grade(s, c.subject_id, "A")
            for n in range(5):
                add_worker(s, vault, employer=c, consents=("collect", "bank_aggregate"),
                           region_code="410225" if n == 0 else "370102")
        return {"steady": steady.uscc, "dip": dip.uscc, "qingdao": qingdao.uscc}


def ok(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_jinan_scale_prints_the_contract_and_one_short_month_lands_a_tier_lower(
        invoke: Invoke, app: typer.Typer, companies: dict[str, str]) -> None:
    out = ok(invoke(app, ["programs", "run", "jinan-scale", "--year", "2025", "--region", "370100"]))
    assert isinstance(out, list) and all(CONTRACT <= r.keys() for r in out)
    by_key = {r["subject_key"]: r for r in out}
    assert set(by_key) == {companies["steady"], companies["dip"]}
    assert (by_key[companies["steady"]]["amount"], by_key[companies["steady"]]["tier"]) == ("2500000.00", "2")
    dip = by_key[companies["dip"]]
    assert (dip["amount"], dip["tier"]) == ("1000000.00", "3")
    assert dip["reasons"][1].startswith("达到第3档")
    assert any(r.startswith("未达第2档") and "2025-07 代发工资人数 980 < 1000" in r for r in dip["reasons"])


def test_financing_and_stores_print_amounts_with_reasons(invoke: Invoke, app: typer.Typer,
                                                         companies: dict[str, str]) -> None:
    financing = ok(invoke(app, ["programs", "run", "financing", "--year", "2026"]))
    assert isinstance(financing, list) and all(CONTRACT <= r.keys() for r in financing)
    assert {r["subject_key"]: r["tier"] for r in financing} == {
        companies["steady"]: "recommended", companies["qingdao"]: "recommended", companies["dip"]: "not_recommended"}
    assert all(r["amount"] == "0.00" for r in financing)
    recommended = ok(invoke(app, ["programs", "run", "financing", "--year", "2026", "--recommended",
                                  "--region", "370100"]))
    assert [r["subject_key"] for r in recommended] == [companies["steady"]]  # type: ignore[index]

    stores = ok(invoke(app, ["programs", "run", "jinan-stores", "--year", "2025"]))
    by_key = {r["subject_key"]: r for r in stores}  # type: ignore[union-attr]
    steady = by_key[companies["steady"]]
    assert (steady["amount"], steady["tier"], steady["stores_counted"]) == ("200000.00", "capped", 11)
    assert "面积 9.5 m² < 10 m²" in steady["reasons"][1] and "上限" in steady["reasons"][-1]


def test_the_list_is_exported_as_csv_and_xlsx(invoke: Invoke, app: typer.Typer, companies: dict[str, str],
                                              tmp_path: Path) -> None:
    path = tmp_path / "推荐名单.csv"
    printed = ok(invoke(app, ["programs", "run", "financing", "--year", "2026", "--recommended", "-o", str(path)]))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("# 测算项目：financing（金融支持家政扶贫）")
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert [r["统一社会信用代码"] for r in rows] == [r["subject_key"] for r in printed]  # type: ignore[union-attr]
    assert {r["是否推荐"] for r in rows} == {"是"} and {r["档次"] for r in rows} == {"推荐"}
    assert rows[0]["完成识别授权人数"] == "5" and rows[0]["国家级贫困县籍"] == "1"

    xlsx = tmp_path / "scale.xlsx"
    human = invoke(app, ["programs", "run", "jinan-scale", "--year", "2025", "-o", str(xlsx)], json_output=False)
    assert human.exit_code == 0, human.output
    assert "已写入" in human.stdout and "测算记录" in human.stdout
    sheet = load_workbook(xlsx)["测算结果"]
    got = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert got[companies["dip"]][3] == 1000000 and got[companies["dip"]][4] == "第3档"
    assert "2025-07 代发工资人数 980 < 1000" in got[companies["dip"]][5]
    assert got[companies["dip"]][6 + 3 + 6] == 980  # 符合申报条件, 信用等级, 营业收入, then 2025-01 … 2025-07


@pytest.mark.parametrize(("args", "words"), [
    (["programs", "run", "loans", "--year", "2025"], "未知的测算项目"),
    (["programs", "run", "financing", "--year", "1800"], "年度 1800 无效"),
    (["programs", "run", "financing", "--year", "2025", "--region", "99"], "行政区划代码"),
    (["programs", "run", "jinan-scale", "--year", "2025", "--recommended"], "只适用于 financing"),
    (["programs", "run", "financing", "--year", "2025", "-o", "list.txt"], "扩展名应为 .csv 或 .xlsx"),
    (["programs", "run", "financing", "--year", "2025", "-o", "/nonexistent/dir/x.csv"], "不存在"),
    (["programs", "report", "financing", "--year", "2026", "--quarter", "5", "-o", "r.xlsx"], "季度 5 无效"),
    (["programs", "report", "financing", "--year", "2026", "--quarter", "2", "-o", "r.csv"], "扩展名应为 .xlsx"),
    (["programs", "report", "jinan-scale", "--year", "2026", "--quarter", "2", "-o", "r.xlsx"], "只有 financing"),
    (["programs", "report", "nothing", "--year", "2026", "--quarter", "2", "-o", "r.xlsx"], "未知的测算项目"),
    (["programs", "runs", "show", "999"], "没有编号为 999 的测算记录"),
])
def test_bad_program_commands_exit_1_with_one_line_and_write_nothing(
        invoke: Invoke, app: typer.Typer, companies: dict[str, str], sessions: sessionmaker[Session],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    one_line_error(invoke(app, args), words)
    with sessions() as s:
        assert counts(s) == (0, 0, 0)
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("command", [["run", "financing"], ["report", "financing", "--quarter", "2"]])
def test_a_file_that_cannot_be_written_stores_no_run(invoke: Invoke, app: typer.Typer, companies: dict[str, str],
                                                     sessions: sessionmaker[Session], tmp_path: Path,
                                                     command: list[str]) -> None:
    taken = tmp_path / "taken.xlsx"
    taken.mkdir()  # a folder where the file should go: the rename fails
    one_line_error(invoke(app, ["programs", *command, "--year", "2026", "-o", str(taken)]), "无法写入 taken.xlsx")
    with sessions() as s:
        assert counts(s) == (0, 0, 0)
    assert list(tmp_path.glob("*.partial")) == []


def test_loans_are_entered_listed_and_reported(invoke: Invoke, app: typer.Typer, companies: dict[str, str],
                                               tmp_path: Path) -> None:
    added = ok(invoke(app, ["programs", "loans", "add", companies["steady"], "--lender", "建设银行济南分行",
                            "--amount", "1500000", "--granted-on", "2026-05-20", "--note", "扶贫贷"]))
    assert {k: added[k] for k in ("subject_key", "lender", "amount", "granted_on", "entered_on")} == {  # type: ignore[index]
        "subject_key": companies["steady"], "lender": "建设银行济南分行", "amount": "1500000.00",
        "granted_on": "2026-05-20", "entered_on": "2026-06-30"}
    ok(invoke(app, ["programs", "loans", "add", companies["qingdao"], "--lender", "农业银行",
                    "--amount", "250000.50", "--granted-on", "2026-04-01"]))
    listed = ok(invoke(app, ["programs", "loans", "list", "--year", "2026"]))
    assert [r["subject_key"] for r in listed] == [companies["qingdao"], companies["steady"]]  # type: ignore[union-attr]

    financing = ok(invoke(app, ["programs", "run", "financing", "--year", "2026"]))
    amounts = {r["subject_key"]: r["amount"] for r in financing}  # type: ignore[union-attr]
    assert amounts[companies["steady"]] == "1500000.00" and amounts[companies["dip"]] == "0.00"

    path = tmp_path / "附件2.xlsx"
    report = ok(invoke(app, ["programs", "report", "financing", "--year", "2026", "--quarter", "2",
                             "-o", str(path)]))
    assert {k: report[k] for k in ("year", "quarter", "companies", "loans", "amount")} == {  # type: ignore[index]
        "year": 2026, "quarter": 2, "companies": 2, "loans": 2, "amount": "1750000.50"}
    sheet = load_workbook(path)["附件2"]
    assert sheet["A1"].value == "附件2" and [c.value for c in sheet[HEADER_ROW]] == HEADER
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [r[2] for r in rows[:-1]] == sorted([companies["steady"], companies["qingdao"]])
    assert rows[-1][0] == "合计" and rows[-1][5] == 2 and rows[-1][6] == 1750000.5 and rows[-1][9] == 10

    runs = ok(invoke(app, ["programs", "runs", "list"]))
    assert [r["name"] for r in runs] == ["financing-report", "financing"]  # type: ignore[union-attr]
    shown = ok(invoke(app, ["programs", "runs", "show", str(runs[1]["run_id"])]))  # type: ignore[index]
    assert shown["results"] == financing  # type: ignore[index]


@pytest.mark.parametrize(("change", "words"), [
    ({"uscc": "91370102MA3C0000XX"}, "统一社会信用代码"),
    ({"uscc": "UNKNOWN"}, "平台上没有"),
    ({"amount": "0"}, "应大于 0"),
    ({"amount": "-5"}, "应大于 0"),
    ({"amount": "一百万"}, "无法识别"),
    ({"granted-on": "2026-13-01"}, "放款日期"),
    ({"granted-on": "next week"}, "放款日期"),
    ({"granted-on": "2026-07-01"}, "晚于今天"),
    ({"lender": " "}, "贷款银行"),
])
def test_bad_loans_exit_1_with_one_line_and_change_nothing(
        invoke: Invoke, app: typer.Typer, companies: dict[str, str], sessions: sessionmaker[Session],
        change: dict[str, str], words: str) -> None:
    values = {"uscc": companies["steady"], "lender": "建设银行", "amount": "1000", "granted-on": "2026-06-01"} | change
    if values["uscc"] == "UNKNOWN":  # a valid code no company has
        values["uscc"] = make_uscc(random.Random(99), region_code="370102")
    argv = ["programs", "loans", "add", values["uscc"],
            *(f"--{option}={values[option]}" for option in ("lender", "amount", "granted-on"))]
    one_line_error(invoke(app, argv), words)
    with sessions() as s:
        assert counts(s) == (0, 0, 0)
