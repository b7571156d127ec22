"""Loans entered by a regulator and the quarterly report 附件2 built from them, on both engines."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker
from tests.programs.helpers import NOW, add_loan, add_region, counts, stub

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid, JzError, NotFound
from jzcredit.programs import loans, service
from jzcredit.programs.models import ProgramRun, SupportedLoan
from jzcredit.programs.report import HEADER, HEADER_ROW, build_report, quarter_bounds, write_report


def add(s: Session, uscc: str, *, amount: str = "1500000", granted_on: str = "2026-06-01",
        lender: str = "建设银行济南分行", note: str | None = None) -> dict[str, object]:
    return loans.add_loan(s, uscc=uscc, lender=lender, amount=amount, granted_on=granted_on, note=note, actor="监管员",
                          now=NOW)


def test_a_loan_is_entered_and_audited(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        c = add_company(s, name="济南好帮手家政有限公司")
        loan = add(s, c.uscc.lower(), amount="1,500,000.50元", granted_on="2026年6月1日", note="  扶贫贷  ")
    assert {k: loan[k] for k in ("subject_key", "name", "lender", "amount", "granted_on", "entered_on", "note",
                                 "entered_by")} == {
        "subject_key": c.uscc, "name": "济南好帮手家政有限公司", "lender": "建设银行济南分行", "amount": "1500000.50",
        "granted_on": date(2026, 6, 1), "entered_on": date(2026, 6, 30), "note": "扶贫贷", "entered_by": "监管员"}
    with sessions() as s:
        stored = s.scalars(select(SupportedLoan)).one()
        assert stored.amount == Decimal("1500000.50")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "programs.loan_add")).one()
        assert entry.object == f"supported_loan:{stored.id}" and json.loads(entry.detail)["amount"] == "1500000.50"
        assert loans.list_loans(s, year=2026)[0]["loan_id"] == stored.id
        assert loans.list_loans(s, year=2025) == [] and len(loans.list_loans(s, uscc=c.uscc)) == 1


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"uscc": "91370102MA3C0000XX"}, Invalid, "统一社会信用代码"),
    ({"uscc": "unknown"}, NotFound, "平台上没有"),
    ({"amount": "0"}, Invalid, "应大于 0"),
    ({"amount": "-100"}, Invalid, "应大于 0"),
    ({"amount": "abc"}, Invalid, "无法识别"),
    ({"amount": "12.345"}, Invalid, "最多两位小数"),
    ({"amount": "1" + "0" * 18}, Invalid, "过大"),
    ({"granted_on": "2026-02-30"}, Invalid, "放款日期"),
    ({"granted_on": "2026-06"}, Invalid, "放款日期"),
    ({"granted_on": "2026-07-01"}, Invalid, "晚于今天"),
    ({"lender": "  "}, Invalid, "贷款银行"),
    ({"note": "长" * 201}, Invalid, "最多 200 个字符"),
    ({"stub": True}, Invalid, "尚未入驻平台"),
])
def test_bad_loans_are_refused_and_nothing_is_written(sessions: sessionmaker[Session], kwargs: dict[str, object],
                                                      error: type[JzError], words: str) -> None:
    kwargs = dict(kwargs)  # the parameter is shared by both engines' runs
    with sessions() as s, s.begin():
        c = add_company(s)
        if kwargs.pop("stub", False):
            stub(s, c)
        other = add_company(s)
        unknown = other.uscc
        s.delete(other)
    args = {"uscc": c.uscc} | kwargs
    if args["uscc"] == "unknown":
        args["uscc"] = unknown
    with sessions() as s, pytest.raises(error, match=words), s.begin():
        add(s, **args)  # type: ignore[arg-type]
    with sessions() as s:
        assert counts(s) == (0, 0, 0)


def test_quarter_bounds() -> None:
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds(2024, 1)[1] == date(2024, 3, 31)
    assert quarter_bounds(2026, 2) == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(Invalid, match="季度 5 无效"):
        quarter_bounds(2026, 5)


def report_data(s: Session, vault: Vault) -> dict[str, str]:
    add_region(s, "410225", "national", "兰考县")
    add_region(s, "370102", "none", "历下区")
    x = add_company(s, name="甲家政", region_code="370102")
    y = add_company(s, name="乙家政", region_code="370105")
    z = add_company(s, name="丙家政", region_code="370202")
    add_worker(s, vault, employer=x, consents=("collect", "bank_aggregate"), region_code="410225")
    add_worker(s, vault, employer=x, consents=("collect",), region_code="410225")  # not consented: not counted
    add_worker(s, vault, employer=y, consents=("bank_aggregate",), registered_poor=True)
    add_loan(s, x, amount="300000", granted_on=date(2026, 2, 1))  # earlier quarter: year to date only
    add_loan(s, x, amount="1000000", granted_on=date(2026, 4, 10), note="首贷")
    add_loan(s, x, amount="500000.50", granted_on=date(2026, 5, 20), lender="农业银行济南分行")
    add_loan(s, y, amount="2000000", granted_on=date(2026, 6, 30), lender="农业银行济南分行")
    add_loan(s, z, amount="700000", granted_on=date(2026, 5, 1))
    add_loan(s, y, amount="1", granted_on=date(2025, 5, 1))  # another year
    return {"x": x.uscc, "y": y.uscc, "z": z.uscc}


def test_the_quarterly_report_groups_the_quarters_loans_by_company(sessions: sessionmaker[Session], vault: Vault,
                                                                   tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        keys = report_data(s, vault)
        report = build_report(s, year=2026, quarter=2, region="370100", now=NOW)
        everywhere = build_report(s, year=2026, quarter=2, region=None, now=NOW)
    assert [r.uscc for r in report.rows] == sorted([keys["x"], keys["y"]])
    x = next(r for r in report.rows if r.uscc == keys["x"])
    assert (x.loans, x.amount, x.year_to_date) == (2, Decimal("1500000.50"), Decimal("1800000.50"))
    assert x.lenders == ["建设银行济南分行", "农业银行济南分行"] and x.region == "370102 历下区" and x.notes == ["首贷"]
    assert (x.figures.identified_authorised, x.figures.national_poor_county) == (1, 1)
    y = next(r for r in report.rows if r.uscc == keys["y"])
    assert (y.amount, y.year_to_date, y.figures.registered_poor, y.figures.identified_authorised) == (
        Decimal("2000000"), Decimal("2000000"), 1, 0)
    assert report.totals()["amount"] == Decimal("3500000.50") and len(everywhere.rows) == 3
    assert report.counted_on == date(2026, 6, 30)

    path = tmp_path / "附件2.xlsx"
    write_report(report, path, now=NOW)
    sheet = load_workbook(path)["附件2"]
    assert sheet["A1"].value == "附件2" and sheet["A2"].value == "金融支持家政扶贫支持企业情况表"
    assert "2026年第2季度（2026-04-01 至 2026-06-30）" in sheet["A3"].value
    assert [c.value for c in sheet[HEADER_ROW]] == HEADER
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    assert len(rows) == 3
    assert [r[0] for r in rows] == [1, 2, "合计"] and [r[2] for r in rows[:2]] == sorted([x.uscc, y.uscc])
    by_uscc = {r[2]: dict(zip(HEADER, r, strict=True)) for r in rows[:2]}
    got = by_uscc[keys["x"]]
    assert (got["企业名称"], got["贷款银行"], got["贷款笔数"], got["放款日期"]) == (
        "甲家政", "建设银行济南分行、农业银行济南分行", 2, "2026-04-10、2026-05-20")
    assert Decimal(str(got["本季度贷款金额（元）"])) == Decimal("1500000.5")
    assert Decimal(str(got["本年累计贷款金额（元）"])) == Decimal("1800000.5")
    assert (got["完成识别授权的家政服务员人数"], got["国家级贫困县劳动力人数"], got["备注"]) == (1, 1, "首贷")
    total = dict(zip(HEADER, rows[2], strict=True))
    assert (total["序号"], total["企业名称"], total["贷款笔数"]) == ("合计", "2 家企业", 3)
    assert Decimal(str(total["本季度贷款金额（元）"])) == Decimal("3500000.5")
    assert Decimal(str(total["本年累计贷款金额（元）"])) == Decimal("3800000.5")
    assert (total["完成识别授权的家政服务员人数"], total["建档立卡贫困劳动力人数"]) == (1, 1)


def test_the_report_is_stored_as_a_run_and_audited(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        report_data(s, vault)
        made, run = service.quarterly_report(s, year=2026, quarter=2, region=None, now=NOW, actor="监管员")
    with sessions() as s:
        stored = s.get_one(ProgramRun, run.id)
        assert (stored.name, stored.year, stored.parameters["quarter"]) == ("financing-report", 2026, 2)
        assert len(stored.results) == 3 and stored.results[0]["amount"] in {"1500000.50", "2000000.00", "700000.00"}
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "programs.report")).one()
        assert json.loads(entry.detail)["amount"] == "4200000.50" and entry.object == f"program_run:{run.id}"
    assert len(made.rows) == 3


def test_an_empty_quarter_still_gives_a_report_with_a_zero_total(sessions: sessionmaker[Session],
                                                                 tmp_path: Path) -> None:
    with sessions() as s:
        report = build_report(s, year=2026, quarter=1, region=None, now=NOW)
    path = tmp_path / "empty.xlsx"
    write_report(report, path, now=NOW)
    rows = list(load_workbook(path)["附件2"].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert len(rows) == 1 and rows[0][:2] == ("合计", "0 家企业") and rows[0][6] == 0
