"""``stats [--region R]`` through the CLI: one JSON document, tables for people, exit 1 on a bad region."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, set_grade
from typer.testing import Result

from jzcredit.cli import stats as stats_cmd
from jzcredit.common.crypto import Vault
from jzcredit.lists.models import ListEntry

Invoke = Callable[..., Result]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(stats_cmd.register)


@pytest.fixture
def population(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        for i in range(30):
            company = add_company(s, region_code="370102" if i % 3 else "370202")
            set_grade(s, company.subject_id, "ABCD"[i % 4])
            add_worker(s, vault, employer=company)
        listed = add_company(s, region_code="370103")
        s.add(ListEntry(list_name="black", subject_id=listed.subject_id, rule="B1", basis=[], status="published",
                        proposed_at=listed.updated_at, proposed_by="test", version=1, details={},
                        published_on=date(2026, 1, 5), expires_on=date(2029, 1, 4)))


@pytest.mark.usefixtures("population")
def test_stats_json_and_region_scope(invoke: Invoke, app: typer.Typer) -> None:
    national = invoke(app, ["stats"])
    assert national.exit_code == 0, national.output
    data = json.loads(national.stdout)
    assert set(data) >= {"as_of", "region", "companies", "workers", "by_region", "by_grade", "by_list",
                         "verification", "poverty"}
    assert (data["as_of"], data["companies"], data["workers"]) == ("2026-06-30", 31, 30)
    assert data["by_list"]["black"]["published"] == 1
    city = json.loads(invoke(app, ["stats", "--region", "370100"]).stdout)
    assert (city["region"], city["companies"], city["workers"]) == ("370100", 21, 20)
    assert {r["region_code"] for r in city["by_region"]} == {"370102", "370103"}


@pytest.mark.usefixtures("population")
def test_stats_human_output_and_bad_region(invoke: Invoke, app: typer.Typer) -> None:
    human = invoke(app, ["stats", "--region", "370000"], json_output=False)
    assert human.exit_code == 0, human.output
    assert "按信用等级" in human.stdout and "完成识别授权" in human.stdout
    bad = invoke(app, ["stats", "--region", "abc"])
    assert bad.exit_code == 1 and bad.stdout == "" and "行政区划代码" in bad.stderr
