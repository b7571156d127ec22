"""``lists propose|review|show`` and ``check``: the --json shapes of spec §4.3 and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import one_line_error
from tests.factories import add_company, add_record, set_grade
from typer.testing import Result

from jzcredit.cli import lists as lists_cmd

Invoke = Callable[..., Result]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(lists_cmd.register)


@pytest.fixture
def companies(sessions: sessionmaker[Session]) -> dict[str, str]:
    """One company with a serious penalty (B1) and one graded A, onboarded in 2024 (R1): their USCCs."""
    with sessions() as s, s.begin():
        bad, good = add_company(s), add_company(s, onboarded_on=date(2024, 1, 1))
        add_record(s, bad.subject_id, "penalty", severity="serious", decided_on=date(2026, 3, 1))
        set_grade(s, good.subject_id, "A", score=900)
        return {"bad": bad.uscc, "good": good.uscc}


def test_propose_review_show_and_check_print_the_contract_shapes(invoke: Invoke, app: typer.Typer,
                                                                 companies: dict[str, str]) -> None:
    proposed = invoke(app, ["lists", "propose"])
    assert proposed.exit_code == 0, proposed.output
    new = json.loads(proposed.stdout)
    assert {(e["list"], e["rule"], e["subject_key"]) for e in new} == {("black", "B1", companies["bad"]),
                                                                       ("red", "R1", companies["good"])}
    assert all({"entry_id", "list", "rule", "subject_key"} <= e.keys() for e in new)
    assert json.loads(invoke(app, ["lists", "propose"]).stdout) == []

    for entry in new:
        reviewed = invoke(app, ["lists", "review", str(entry["entry_id"]), "--approve", "--by", "王审核",
                                "--note", "核实无误", "--version", "1"])
        assert reviewed.exit_code == 0, reviewed.output
        assert json.loads(reviewed.stdout)["status"] == "published"

    shown = json.loads(invoke(app, ["lists", "show", "--list", "black", "--status", "published"]).stdout)
    (black,) = shown
    assert {k: black[k] for k in ("list", "rule", "subject_key", "status", "published_on", "expires_on")} == {
        "list": "black", "rule": "B1", "subject_key": companies["bad"], "status": "published",
        "published_on": "2026-06-30", "expires_on": "2029-06-30"}
    assert len(json.loads(invoke(app, ["lists", "show"]).stdout)) == 2

    checked = invoke(app, ["check", companies["bad"], "--action", "government_procurement"])
    assert checked.exit_code == 0, checked.output
    (measure,) = json.loads(checked.stdout)
    assert {"measure_code", "list", "action", "effect", "reason"} <= measure.keys()
    assert (measure["list"], measure["effect"]) == ("black", "restrict") and "B1" in measure["reason"]
    assert json.loads(invoke(app, ["check", companies["good"], "--action", "government_procurement"]).stdout) == []


def test_a_conflicting_review_exits_1_with_one_line(invoke: Invoke, app: typer.Typer,
                                                    companies: dict[str, str]) -> None:
    new = json.loads(invoke(app, ["lists", "propose"]).stdout)
    entry_id = str(new[0]["entry_id"])
    one_line_error(invoke(app, ["lists", "review", entry_id, "--approve", "--by", "甲", "--version", "5"]), "版本")
    assert invoke(app, ["lists", "review", entry_id, "--approve", "--by", "甲", "--version", "1"]).exit_code == 0
    one_line_error(invoke(app, ["lists", "review", entry_id, "--reject", "--by", "乙", "--version", "1"]),
                   "只有待审核")
    one_line_error(invoke(app, ["lists", "review", "999", "--approve", "--by", "乙"]), "999")


def test_review_needs_exactly_one_of_approve_and_reject(invoke: Invoke, app: typer.Typer,
                                                        companies: dict[str, str]) -> None:
    for flags in ([], ["--approve", "--reject"]):
        result = invoke(app, ["lists", "review", "1", *flags, "--by", "甲"])
        assert result.exit_code == 2, result.output


def test_bad_filters_keys_and_actions_exit_1(invoke: Invoke, app: typer.Typer, companies: dict[str, str]) -> None:
    one_line_error(invoke(app, ["lists", "show", "--list", "grey"]), "未知的名单")
    one_line_error(invoke(app, ["check", companies["bad"], "--action", "parking"]), "government_procurement")
    one_line_error(invoke(app, ["check", "not-a-key", "--action", "financing"]), "无法识别")


def test_human_output_goes_to_stdout_without_json(invoke: Invoke, app: typer.Typer,
                                                  companies: dict[str, str]) -> None:
    result = invoke(app, ["lists", "propose"], json_output=False)
    assert result.exit_code == 0 and "新增 2 个名单条目" in result.stdout
    result = invoke(app, ["check", companies["bad"], "--action", "financing"], json_output=False)
    assert result.exit_code == 0 and "没有适用" in result.stdout
    assert invoke(app, ["lists", "review", "1", "--approve", "--by", "甲"], json_output=False).exit_code == 0
    result = invoke(app, ["check", companies["bad"], "--action", "financing"], json_output=False)
    assert result.exit_code == 0 and "black.financing.restrict" in result.stdout
