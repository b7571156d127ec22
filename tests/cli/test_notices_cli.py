"""``notices issue|submit|verify|show|list`` and ``tick`` for notices: the --json shapes, every transition
and every refusal (exit 1, one line, nothing changed), with ``--as-of`` instead of waiting."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke, one_line_error
from tests.cli.conftest import json_ok as ok
from tests.cli.test_tick_cli import staffed_company
from tests.factories import add_company, add_record
from tests.rectification.helpers import counts

from jzcredit.cli import evaluate as evaluate_cmd
from jzcredit.cli import lists as lists_cmd
from jzcredit.cli import notices as notices_cmd
from jzcredit.cli import subjects as subjects_cmd
from jzcredit.cli import tick as tick_cmd
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.registry.models import Company


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(notices_cmd.register, tick_cmd.register, lists_cmd.register, subjects_cmd.register,
                   evaluate_cmd.register)


def snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as s:
        return counts(s)


@pytest.fixture
def company(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """A company with a penalty (a basis), and another company's record (a foreign basis)."""
    with sessions() as s, s.begin():
        mine, other = add_company(s), add_company(s)
        penalty = add_record(s, mine.subject_id, "penalty", decided_on=date(2026, 6, 1)).id
        foreign = add_record(s, other.subject_id, "penalty", decided_on=date(2026, 6, 1)).id
        return {"uscc": mine.uscc, "penalty": penalty, "foreign": foreign}


def test_issue_submit_reject_resubmit_accept_show_and_list(invoke: Invoke, app: typer.Typer,
                                                           company: dict[str, Any]) -> None:
    issued = ok(invoke, app, "2026-06-30", "notices", "issue", company["uscc"], "--requirements", "补签家政服务合同",
                "--basis", str(company["penalty"]), "--by", "王监管")
    assert {k: issued[k] for k in ("notice_number", "deadline", "status")} == {
        "notice_number": "JZ-ZG-2026-000001", "deadline": "2026-07-30", "status": "issued"}
    assert isinstance(issued["notice_id"], int) and issued["basis"] == [company["penalty"]]
    nid = str(issued["notice_id"])
    submitted = ok(invoke, app, "2026-07-05", "notices", "submit", nid, "--evidence", "已补签 12 份")
    assert submitted["status"] == "submitted"
    rejected = ok(invoke, app, "2026-07-06", "notices", "verify", nid, "--reject", "--note", "缺 3 份")
    assert (rejected["status"], rejected["deadline"]) == ("issued", "2026-07-30")
    ok(invoke, app, "2026-07-20", "notices", "submit", nid, "--evidence", "已补齐")
    accepted = ok(invoke, app, "2026-07-30", "notices", "verify", nid, "--accept", "--by", "王监管")
    assert (accepted["status"], accepted["verified_on"]) == ("verified", "2026-07-30")

    shown = ok(invoke, app, "2026-08-01", "notices", "show", nid)
    assert [(s["action"], s["to_status"]) for s in shown["steps"]] == [
        ("issue", "issued"), ("submit", "submitted"), ("reject", "issued"), ("submit", "submitted"),
        ("accept", "verified")]
    assert [n["notice_id"] for n in ok(invoke, app, "2026-08-01", "notices", "list", "--status", "verified")] == [
        issued["notice_id"]]
    assert ok(invoke, app, "2026-08-01", "notices", "list", "--overdue") == []
    (in_file,) = ok(invoke, app, "2026-08-01", "show", company["uscc"])["notices"]
    assert {k: in_file[k] for k in ("notice_id", "notice_number", "issued_on", "deadline", "status")} == {
        "notice_id": issued["notice_id"], "notice_number": "JZ-ZG-2026-000001", "issued_on": "2026-06-30",
        "deadline": "2026-07-30", "status": "verified"}
    assert len(in_file["steps"]) == 5

    human = invoke(app, ["--as-of", "2026-08-01", "notices", "show", nid], json_output=False)
    assert human.exit_code == 0 and "JZ-ZG-2026-000001" in human.stdout and "已核验通过" in human.stdout


def test_refused_commands_exit_1_with_one_line_and_change_nothing(invoke: Invoke, app: typer.Typer,
                                                                  company: dict[str, Any],
                                                                  sessions: sessionmaker[Session]) -> None:
    verified = ok(invoke, app, "2026-06-30", "notices", "issue", company["uscc"], "--requirements", "整改")
    vid = str(verified["notice_id"])
    ok(invoke, app, "2026-06-30", "notices", "submit", vid, "--evidence", "材料")
    ok(invoke, app, "2026-06-30", "notices", "verify", vid, "--accept")
    issued = str(ok(invoke, app, "2026-06-30", "notices", "issue", company["uscc"], "--requirements", "整改",
                    "--deadline", "2026-07-01")["notice_id"])
    before = snapshot(sessions)
    uscc, unknown = company["uscc"], make_uscc(random.Random(7), region_code="370102")
    refusals: list[tuple[list[str], str]] = [
        (["notices", "issue", unknown, "--requirements", "整改"], f"没有统一社会信用代码为 {unknown} 的企业"),
        (["notices", "issue", "NOT-A-KEY", "--requirements", "整改"], "无法识别的主体标识"),
        (["notices", "issue", uscc, "--requirements", "整改", "--deadline", "2026-06-29"], "早于下达日期"),
        (["notices", "issue", uscc, "--requirements", "   "], "整改要求"),
        (["notices", "issue", uscc, "--requirements", "整改", "--basis", str(company["foreign"])], "不是该主体的记录"),
        (["notices", "issue", uscc, "--requirements", "整改", "--deadline", "下个月"], "整改期限"),
        (["notices", "submit", vid, "--evidence", "再交一次"], "已核验通过"),
        (["notices", "submit", "999999", "--evidence", "材料"], "没有编号为 999999 的整改通知"),
        (["notices", "verify", issued, "--accept"], "只有已提交整改材料"),
        (["notices", "verify", vid, "--reject"], "只有已提交整改材料"),
        (["notices", "list", "--status", "closed"], "未知的整改通知状态"),
        (["notices", "show", "999999"], "999999"),
    ]
    for args, words in refusals:
        one_line_error(invoke(app, ["--as-of", "2026-06-30", *args]), words)
    one_line_error(invoke(app, ["--as-of", "2026-07-02", "notices", "submit", issued, "--evidence", "迟交"]), "已过")
    both = invoke(app, ["notices", "verify", issued, "--accept", "--reject"])
    assert both.exit_code == 2 and "--accept" in both.output
    assert snapshot(sessions) == before


def test_tick_marks_a_missed_notice_overdue_once_and_lists_propose_adds_no_second_b3(
        invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        uscc = s.get_one(Company, staffed_company(s, vault)).uscc
    ok(invoke, app, "2026-01-15", "evaluate", "--all")
    issued = ok(invoke, app, "2026-01-15", "notices", "issue", uscc, "--requirements", "建立服务合同台账")
    assert ok(invoke, app, "2026-02-14", "tick")["notices_overdue"] == []
    assert ok(invoke, app, "2026-02-14", "notices", "list", "--overdue") == []

    report = ok(invoke, app, "2026-02-15", "tick")
    (overdue,) = report["notices_overdue"]
    assert {k: overdue[k] for k in ("notice_id", "notice_number", "deadline", "overdue_on", "subject_key")} == {
        "notice_id": issued["notice_id"], "notice_number": issued["notice_number"], "deadline": "2026-02-14",
        "overdue_on": "2026-02-15", "subject_key": uscc}
    before = snapshot(sessions)
    again = ok(invoke, app, "2026-02-15", "tick")
    assert again["notices_overdue"] == [] and again["changed"] is False
    assert snapshot(sessions) == before

    (listed,) = ok(invoke, app, "2026-02-16", "notices", "list", "--overdue")
    assert (listed["status"], listed["overdue_record_id"]) == ("overdue", overdue["record_id"])
    (b3,) = ok(invoke, app, "2026-02-16", "lists", "show", "--list", "black", "--status", "candidate")
    assert (b3["rule"], b3["entry_id"], b3["basis"]) == ("B3", overdue["list_entry_id"], [overdue["record_id"]])
    assert [e for e in ok(invoke, app, "2026-02-16", "lists", "propose") if e["rule"] == "B3"] == []
    one_line_error(invoke(app, ["--as-of", "2026-02-16", "notices", "submit", str(issued["notice_id"]),
                                "--evidence", "补交"]), "已逾期")
    file = ok(invoke, app, "2026-02-16", "show", uscc)
    assert file["notices"][0]["status"] == "overdue"
    record = next(r for r in file["records"] if r["record_id"] == overdue["record_id"])
    assert (record["type"], record["decided_on"], record["status"]) == ("rectification_overdue", "2026-02-15",
                                                                        "active")
    assert any(f["code"] == "D3.rectification_overdue" for f in file["evaluation"]["factors"])
