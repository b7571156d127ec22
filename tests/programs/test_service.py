"""run_program on both engines: every run stored with its results and settings, audited; refusals write nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, set_grade
from tests.programs.helpers import NOW, RULES, add_figures, add_store, counts

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid
from jzcredit.programs import service
from jzcredit.programs.export import rows, write_list
from jzcredit.programs.models import ProgramRun


def run(s: Session, name: str, *, year: int = 2025, region: str | None = None,
        recommended: bool = False) -> ProgramRun:
    return service.run_program(s, name=name, year=year, region=region, recommended_only=recommended, rules=RULES,
                               now=NOW, actor="监管员")


def test_a_run_is_stored_with_its_results_and_audited(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        c = add_company(s, established_on=date(2015, 1, 1))
        add_figures(s, c, year=2025, revenue="20000000", payroll=300)
        add_store(s, c, area="10", opened_on=date(2025, 3, 3))
        scale, stores = run(s, "jinan-scale", region="370100"), run(s, "jinan-stores")
    with sessions() as s:
        stored = s.get_one(ProgramRun, scale.id)
        assert (stored.name, stored.year, stored.actor, stored.run_at) == ("jinan-scale", 2025, "监管员", NOW)
        assert stored.parameters["region"] == "370100" and stored.parameters["as_of"] == "2026-06-30"
        assert stored.parameters["settings"]["tiers"][0] == {"rank": 1, "revenue": "150000000", "headcount": 2000,
                                                             "amount": "5000000"}
        (only,) = stored.results
        assert {k: only[k] for k in ("subject_key", "amount", "tier")} == {"subject_key": c.uscc,
                                                                           "amount": "500000.00", "tier": "4"}
        assert s.get_one(ProgramRun, stores.id).results[0]["stores"][0]["opened_on"] == "2025-03-03"
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "programs.run")
                                 .order_by(AuditEntry.id)))
        assert [e.object for e in entries] == [f"program_run:{scale.id}", f"program_run:{stores.id}"]
        detail = json.loads(entries[0].detail)
        assert {k: detail[k] for k in ("program", "year", "region", "companies", "total_amount")} == {
            "program": "jinan-scale", "year": 2025, "region": "370100", "companies": 1, "total_amount": "500000.00"}
        assert detail["digest"] == service.digest(stored.results)
        listed = service.list_runs(s)
        assert [r["run_id"] for r in listed] == [stores.id, scale.id] and listed[1]["total_amount"] == "500000.00"
        assert "settings" not in listed[0]["parameters"]


def test_recommended_only_keeps_the_recommended_financing_list(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        good, other = add_company(s), add_company(s)
        for c in (good, other):
            set_grade(s, c.subject_id, "A")
            for _ in range(5):
                add_worker(s, vault, employer=c, consents=("collect", "bank_aggregate"), registered_poor=True)
        other.employment_model = "intermediary"
        everyone, recommended = run(s, "financing", year=2026), run(s, "financing", year=2026, recommended=True)
    assert len(everyone.results) == 2
    assert [r["subject_key"] for r in recommended.results] == [good.uscc]
    assert recommended.parameters["recommended"] is True


@pytest.mark.parametrize(("name", "kwargs", "words"), [
    ("loans", {}, "未知的测算项目 'loans'"),
    ("financing", {"year": 1999}, "年度 1999 无效"),
    ("financing", {"region": "12"}, "行政区划代码 '12' 无效"),
    ("jinan-scale", {"recommended": True}, "--recommended 只适用于 financing"),
])
def test_bad_runs_are_refused_and_nothing_is_written(sessions: sessionmaker[Session], name: str,
                                                     kwargs: dict[str, object], words: str) -> None:
    with sessions() as s, pytest.raises(Invalid, match=words), s.begin():
        add_company(s)
        run(s, name, **kwargs)  # type: ignore[arg-type]
    with sessions() as s:
        assert counts(s) == (0, 0, 0)


def test_the_list_is_written_as_csv_or_xlsx(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        c = add_company(s, established_on=date(2015, 1, 1), name="济南规模家政有限公司")
        add_figures(s, c, year=2025, revenue="20000000", payroll=300)
        done = run(s, "jinan-scale")
    header, body = rows("jinan-scale", 2025, done.results)
    assert header[:6] == ["统一社会信用代码", "企业名称", "行政区划", "金额（元）", "档次", "理由"]
    assert header[-1] == "2025-12代发工资人数" and body[0][:5] == [c.uscc, "济南规模家政有限公司", "370102",
                                                                 "500000.00", "第4档"]
    xlsx = tmp_path / "scale.xlsx"
    assert write_list(xlsx, name="jinan-scale", year=2025, results=done.results, about=[("年度", 2025)]) == "xlsx"
    book = load_workbook(xlsx)
    sheet = book["测算结果"]
    assert [c.value for c in sheet[1]] == header
    assert sheet["D2"].value == 500000 and sheet["E2"].value == "第4档" and "达到第4档" in sheet["F2"].value
    assert book["说明"]["A1"].value == "年度"
    csv_path = tmp_path / "scale.csv"
    write_list(csv_path, name="jinan-scale", year=2025, results=done.results, about=[("年度", 2025)])
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.startswith("# 年度：2025\n统一社会信用代码,企业名称")
    assert not list(tmp_path.glob("*.partial"))
    for bad, words in ((tmp_path / "x.txt", "扩展名应为 .csv 或 .xlsx"), (tmp_path / "no" / "x.csv", "不存在")):
        with pytest.raises(Invalid, match=words):
            write_list(bad, name="jinan-scale", year=2025, results=done.results, about=[])
