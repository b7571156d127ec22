"""``supervise plan`` through the CLI: JSON shapes, files, refusals with exit 1 and one line."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, set_grade
from typer.testing import Result

from jzcredit.cli import supervise as supervise_cmd
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.lists.models import ListEntry
from jzcredit.supervision.export import HEADER

Invoke = Callable[..., Result]
STRATA = ["black", "watch", "D", "C", "N", "B", "A", "red"]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(supervise_cmd.register)


@pytest.fixture
def population(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        for i in range(30):
            company = add_company(s, region_code="370102" if i % 3 else "370202")
            set_grade(s, company.subject_id, "ABCD"[i % 4])
            add_worker(s, vault, employer=company)
        listed = add_company(s, region_code="370103")
        set_grade(s, listed.subject_id, "A")
        s.add(ListEntry(list_name="black", subject_id=listed.subject_id, rule="B1", basis=[], status="published",
                        proposed_at=listed.updated_at, proposed_by="test", version=1, details={},
                        published_on=date(2026, 1, 5), expires_on=date(2029, 1, 4)))


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("姓名,部门\n张三,市场监管局\n李四,商务局\n王五,人社局\n", encoding="utf-8")
    return path


def csv_rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return list(csv.reader(line for line in lines if not line.startswith("#")))


def plan_args(out: Path, *extra: str, seed: str = "42") -> list[str]:
    return ["supervise", "plan", "--year", "2026", "--seed", seed, "-o", str(out), *extra]


@pytest.mark.usefixtures("population")
def test_plan_json_summary_and_csv_file(invoke: Invoke, app: typer.Typer, tmp_path: Path, roster: Path,
                                        sessions: sessionmaker[Session]) -> None:
    out = tmp_path / "plan.csv"
    result = invoke(app, plan_args(out, "--roster", str(roster)))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("year", "seed", "region", "companies", "drawn", "format", "inspectors_assigned")} \
        == {"year": 2026, "seed": 42, "region": None, "companies": 31, "drawn": 8, "format": "csv",
            "inspectors_assigned": True}
    assert list(data["strata"]) == STRATA
    assert data["strata"]["black"] == {"companies": 1, "rate": 1.0, "drawn": 1}
    assert data["strata"]["D"] == {"companies": 7, "rate": 0.4, "drawn": 3}
    assert data["roster"]["inspectors"] == 3 and data["file"] == str(out)
    rows = csv_rows(out)
    assert rows[0] == HEADER and len(rows) == 1 + data["drawn"]
    assert rows[1][0] == "黑名单" and rows[1][4] == "A" and rows[1][5] == "黑名单"
    assert all(r[6] and r[7] and r[6] != r[7] for r in rows[1:])
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "supervision.plan")).one()
    assert '"seed":42' in entry.detail and entry.actor == "cli"


@pytest.mark.usefixtures("population")
def test_plan_is_reproducible_and_scoped_and_written_as_xlsx(invoke: Invoke, app: typer.Typer,
                                                             tmp_path: Path, roster: Path) -> None:
    files = [tmp_path / name for name in ("a.xlsx", "b.xlsx", "c.xlsx")]
    for path, seed in zip(files, ("7", "7", "8"), strict=True):
        result = invoke(app, plan_args(path, "--region", "370100", "--roster", str(roster), seed=seed))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["region"] == "370100"

    def rows(path: Path) -> list[tuple[object, ...]]:
        return list(load_workbook(path)["抽查计划"].iter_rows(values_only=True))

    first, again, other = (rows(p) for p in files)
    assert first == again and first != other
    assert list(first[0]) == HEADER
    assert {r[3] for r in first[1:]} <= {"370102", "370103"}  # Qingdao (370202) is outside the city
    about = {r[0]: r[1] for r in load_workbook(files[0])["说明"].iter_rows(values_only=True) if r[0]}
    assert about["随机种子"] == 7 and about["年度"] == 2026


@pytest.mark.usefixtures("population")
def test_plan_without_a_roster_leaves_inspectors_empty(invoke: Invoke, app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    result = invoke(app, plan_args(out))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inspectors_assigned"] is False and "--roster" in result.stderr
    assert all(r[6:] == ["", ""] for r in csv_rows(out)[1:])


@pytest.mark.usefixtures("population")
def test_plan_human_output_is_a_table(invoke: Invoke, app: typer.Typer, tmp_path: Path, roster: Path) -> None:
    result = invoke(app, plan_args(tmp_path / "p.csv", "--roster", str(roster)), json_output=False)
    assert result.exit_code == 0, result.output
    assert "黑名单" in result.stdout and "合计" in result.stdout and "p.csv" in result.stdout


@pytest.mark.parametrize(("extra", "name", "words"), [
    (["--region", "3701"], "p.csv", "行政区划代码"),
    ([], "p.pdf", ".csv 或 .xlsx"),
    (["--roster", "nobody.csv"], "p.csv", "找不到文件"),
    (["--roster", "one.csv"], "p.csv", "只有 1 名"),
    (["--roster", "noname.csv"], "p.csv", "缺少姓名列"),
])
def test_plan_refusals_exit_1_with_one_line(invoke: Invoke, app: typer.Typer, tmp_path: Path,
                                            sessions: sessionmaker[Session], extra: list[str], name: str,
                                            words: str) -> None:
    (tmp_path / "one.csv").write_text("name\n张三\n", encoding="utf-8")
    (tmp_path / "noname.csv").write_text("部门\n商务局\n人社局\n", encoding="utf-8")
    extra = [str(tmp_path / e) if e.endswith(".csv") else e for e in extra]
    result = invoke(app, plan_args(tmp_path / name, *extra))
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and words in result.stderr and result.stderr.strip().count("\n") == 0
    assert not (tmp_path / name).exists()
    with sessions() as s:
        assert s.scalars(select(AuditEntry)).first() is None


def test_plan_bad_year_exit_1_and_missing_seed_is_a_usage_error(invoke: Invoke, app: typer.Typer,
                                                                 tmp_path: Path) -> None:
    bad = invoke(app, ["supervise", "plan", "--year", "99", "--seed", "1", "-o", str(tmp_path / "p.csv")])
    assert bad.exit_code == 1 and "年度" in bad.stderr
    usage = invoke(app, ["supervise", "plan", "--year", "2026", "-o", str(tmp_path / "p.csv")])
    assert usage.exit_code == 2
