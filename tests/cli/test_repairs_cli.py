"""``repairs apply|decide|list|show`` through the CLI, on both engines: the §4.3 shapes, every transition,
every refusal (exit 1, one line, nothing changed), with ``--as-of`` instead of waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke, one_line_error
from tests.cli.conftest import json_ok as run
from tests.factories import add_company, add_record
from tests.repair.helpers import at, black_list, good_company, grade, penalty, snapshot

from jzcredit.cli import lists as lists_cmd
from jzcredit.cli import repairs as repairs_cmd
from jzcredit.cli import subjects as subjects_cmd
from jzcredit.common.crypto import Vault
from jzcredit.records.models import CreditRecord
from jzcredit.records.service import change_status


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(repairs_cmd.register, lists_cmd.register, subjects_cmd.register)


def refused(invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], words: str, *args: str) -> None:
    with sessions() as s:
        before = snapshot(s)
    one_line_error(invoke(app, ["--as-of", "2026-07-03", *args]), words)
    with sessions() as s:
        assert snapshot(s) == before


@pytest.fixture
def blacklisted(sessions: sessionmaker[Session], vault: Vault) -> dict[str, Any]:
    """A good company brought down to D by a serious penalty and black-listed (B1) for it."""
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        before = grade(s, company.subject_id, date(2026, 6, 29))
        record = penalty(s, company.subject_id, date(2025, 5, 10), "serious")
        grade(s, company.subject_id, date(2026, 6, 29))
        entry = black_list(s, company.subject_id, date(2026, 6, 29))
        return {"key": company.uscc, "record": record.id, "entry": entry.id, "before": before}


def test_rejected_then_approved_removes_the_entry_and_restores_the_grade(
        invoke: Invoke, app: typer.Typer, blacklisted: dict[str, Any]) -> None:
    key, record = blacklisted["key"], str(blacklisted["record"])
    assert run(invoke, app, "2026-07-03", "show", key)["evaluation"]["grade"] == "D"

    # a Friday: five working days run to the next Friday
    applied = run(invoke, app, "2026-07-03", "repairs", "apply", key, "--record", record)
    assert {"repair_id", "status"} <= applied.keys()
    assert (applied["status"], applied["decide_by"], applied["record_ids"]) == (
        "submitted", "2026-07-10", [blacklisted["record"]])
    assert applied["commitment_id"] is None
    assert run(invoke, app, "2026-07-10", "repairs", "list", "--late") == []
    late = run(invoke, app, "2026-07-13", "repairs", "list", "--late", "--status", "submitted")
    assert [r["repair_id"] for r in late] == [applied["repair_id"]] and late[0]["subject_key"] == key
    assert run(invoke, app, "2026-07-13", "show", key)["repairs"][0]["late"] is True

    rejected = run(invoke, app, "2026-07-13", "repairs", "decide", str(applied["repair_id"]), "--by", "李监管")
    assert {k: rejected[k] for k in ("repair_id", "status", "failed", "certificate_number")} == {
        "repair_id": applied["repair_id"], "status": "rejected",
        "failed": ["no_commitment", "no_evidence", "training_required"], "certificate_number": None}

    again = run(invoke, app, "2026-07-14", "repairs", "apply", key, "--record", record, "--commitment",
                "--evidence", "罚款已缴清，整改报告已提交", "--training", "--by", "张经理")
    assert again["commitment_id"] and again["applied_by"] == "张经理"
    approved = run(invoke, app, "2026-07-15", "repairs", "decide", str(again["repair_id"]), "--by", "李监管")
    assert (approved["status"], approved["failed"]) == ("approved", [])
    assert approved["certificate_number"] == f"XYXF-2026-{again['repair_id']:06d}"
    assert [e["entry_id"] for e in approved["list_entries_removed"]] == [blacklisted["entry"]]

    shown = run(invoke, app, "2026-07-15", "repairs", "show", str(again["repair_id"]))
    assert shown["certificate"]["certificate_number"] == approved["certificate_number"]
    assert shown["certificate"]["subject"]["subject_key"] == key and shown["late"] is False
    file = run(invoke, app, "2026-07-15", "show", key)
    assert file["evaluation"]["grade"] == blacklisted["before"]
    assert {r["record_id"]: r["status"] for r in file["records"]}[blacklisted["record"]] == "repaired"
    assert next(e for e in file["lists"] if e["entry_id"] == blacklisted["entry"])["status"] == "removed"
    assert [(r["repair_id"], r["status"]) for r in file["repairs"]] == [
        (again["repair_id"], "approved"), (applied["repair_id"], "rejected")]
    assert [c["kind"] for c in file["commitments"]] == ["repair"]
    assert run(invoke, app, "2026-07-15", "lists", "show", "--list", "black", "--status", "published") == []


def test_an_entry_target_through_the_cli(invoke: Invoke, app: typer.Typer, blacklisted: dict[str, Any]) -> None:
    applied = run(invoke, app, "2026-07-03", "repairs", "apply", blacklisted["key"], "--entry",
                  str(blacklisted["entry"]), "--commitment", "--evidence", "证明", "--training")
    assert applied["list_entry_id"] == blacklisted["entry"] and applied["record_ids"] == [blacklisted["record"]]
    approved = run(invoke, app, "2026-07-06", "repairs", "decide", str(applied["repair_id"]))
    assert approved["status"] == "approved" and approved["decided_by"] == "cli"
    assert approved["grade"] == blacklisted["before"]


@pytest.mark.parametrize(("record_type", "severity", "decided_on", "flags", "failed"), [
    ("dishonest_debtor", "serious", date(2024, 1, 1), ["--commitment", "--evidence", "证明", "--training"],
     ["not_repairable"]),
    ("penalty", "general", date(2026, 4, 5), ["--commitment", "--evidence", "证明"], ["min_period_not_served"]),
    ("penalty", "general", date(2026, 1, 5), ["--evidence", "证明"], ["no_commitment"]),
    ("penalty", "general", date(2026, 1, 5), ["--commitment"], ["no_evidence"]),
    ("penalty", "serious", date(2025, 1, 5), ["--commitment", "--evidence", "证明"], ["training_required"]),
    ("dishonest_debtor", "serious", date(2026, 6, 1), [],
     ["not_repairable", "min_period_not_served", "no_commitment", "no_evidence", "training_required"]),
])
def test_each_code_alone_and_all_together(invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session],
                                          record_type: str, severity: str, decided_on: date, flags: list[str],
                                          failed: list[str]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = add_record(s, company.subject_id, record_type, severity=severity, decided_on=decided_on)
        key, record_id = company.uscc, record.id
    applied = run(invoke, app, "2026-07-03", "repairs", "apply", key, "--record", str(record_id), *flags)
    decided = run(invoke, app, "2026-07-03", "repairs", "decide", str(applied["repair_id"]))
    assert (decided["status"], decided["failed"], decided["certificate_number"]) == ("rejected", failed, None)
    assert [r["code"] for r in decided["reasons"]] == failed


def test_refusals_exit_1_with_one_line_and_change_nothing(invoke: Invoke, app: typer.Typer,
                                                          sessions: sessionmaker[Session],
                                                          blacklisted: dict[str, Any]) -> None:
    with sessions() as s, s.begin():
        other = add_company(s)
        theirs = penalty(s, other.subject_id, date(2026, 1, 5)).id
        licence = add_record(s, other.subject_id, "license", decided_on=date(2025, 1, 1)).id
        gone = add_record(s, other.subject_id, "penalty", decided_on=date(2025, 1, 1), status="revoked").id
        other_key = other.uscc
    key, record = blacklisted["key"], str(blacklisted["record"])
    refused(invoke, app, sessions, "999999", "repairs", "apply", key, "--record", "999999")
    refused(invoke, app, sessions, "不是该主体", "repairs", "apply", key, "--record", str(theirs))
    refused(invoke, app, sessions, "不是失信记录", "repairs", "apply", other_key, "--record", str(licence))
    refused(invoke, app, sessions, "已撤销", "repairs", "apply", other_key, "--record", str(gone))
    refused(invoke, app, sessions, "无法识别", "repairs", "apply", "not-a-key", "--record", record)
    refused(invoke, app, sessions, "不是该主体", "repairs", "apply", other_key, "--entry", str(blacklisted["entry"]))
    refused(invoke, app, sessions, "--evidence", "repairs", "apply", key, "--record", record, "--evidence", " ")
    first = run(invoke, app, "2026-07-03", "repairs", "apply", key, "--record", record)
    refused(invoke, app, sessions, f"修复申请 {first['repair_id']}", "repairs", "apply", key, "--record", record)
    refused(invoke, app, sessions, f"修复申请 {first['repair_id']}", "repairs", "apply", key, "--entry",
            str(blacklisted["entry"]))
    run(invoke, app, "2026-07-03", "repairs", "decide", str(first["repair_id"]))
    refused(invoke, app, sessions, "不能再次决定", "repairs", "decide", str(first["repair_id"]))
    refused(invoke, app, sessions, "999", "repairs", "decide", "999")
    refused(invoke, app, sessions, "999", "repairs", "show", "999")
    refused(invoke, app, sessions, "submitted", "repairs", "list", "--status", "open")


def test_a_target_is_required_exactly_once(invoke: Invoke, app: typer.Typer, blacklisted: dict[str, Any]) -> None:
    for flags in ([], ["--record", str(blacklisted["record"]), "--entry", str(blacklisted["entry"])]):
        assert invoke(app, ["repairs", "apply", blacklisted["key"], *flags]).exit_code == 2


def test_human_output_without_json(invoke: Invoke, app: typer.Typer, blacklisted: dict[str, Any]) -> None:
    key, record = blacklisted["key"], str(blacklisted["record"])
    result = invoke(app, ["--as-of", "2026-07-03", "repairs", "apply", key, "--record", record], json_output=False)
    assert result.exit_code == 0 and "已提交" in result.stdout and "2026-07-10" in result.stdout
    result = invoke(app, ["--as-of", "2026-07-03", "repairs", "decide", "1"], json_output=False)
    assert result.exit_code == 0 and "已驳回" in result.stdout and "no_evidence" in result.stdout
    run(invoke, app, "2026-07-03", "repairs", "apply", key, "--record", record, "--commitment", "--evidence", "证明",
        "--training")
    result = invoke(app, ["--as-of", "2026-07-03", "repairs", "decide", "2"], json_output=False)
    assert result.exit_code == 0 and "XYXF-2026-000002" in result.stdout
    result = invoke(app, ["--as-of", "2026-07-03", "repairs", "list"], json_output=False)
    assert result.exit_code == 0 and "信用修复申请 2 件" in result.stdout
    result = invoke(app, ["--as-of", "2026-07-03", "repairs", "show", "2"], json_output=False)
    assert result.exit_code == 0 and "信用修复证书 XYXF-2026-000002" in result.stdout


def set_status(sessions: sessionmaker[Session], record_id: int, to: str) -> None:
    with sessions() as s, s.begin():
        record = s.get_one(CreditRecord, record_id)
        change_status(s, record=record, to=to, actor="异议处理", reason="测试", now=at(date(2026, 7, 3)))


def test_objections_hold_repairs_back_and_closed_targets_are_refused_or_rejected(
        invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], blacklisted: dict[str, Any]) -> None:
    key, record_id, entry = blacklisted["key"], blacklisted["record"], str(blacklisted["entry"])
    papers = ["--commitment", "--evidence", "证明", "--training"]
    set_status(sessions, record_id, "under_objection")
    refused(invoke, app, sessions, "异议处理中", "repairs", "apply", key, "--record", str(record_id))
    refused(invoke, app, sessions, "异议处理中", "repairs", "apply", key, "--entry", entry)
    set_status(sessions, record_id, "active")
    applied = run(invoke, app, "2026-07-03", "repairs", "apply", key, "--record", str(record_id), *papers)
    set_status(sessions, record_id, "under_objection")
    refused(invoke, app, sessions, "异议处理中", "repairs", "decide", str(applied["repair_id"]))
    set_status(sessions, record_id, "revoked")  # the objection is upheld: nothing left to repair
    decided = run(invoke, app, "2026-07-03", "repairs", "decide", str(applied["repair_id"]))
    assert (decided["status"], decided["failed"]) == ("rejected", ["not_in_force"])
    refused(invoke, app, sessions, "已撤销", "repairs", "apply", key, "--record", str(record_id))
    # the entry is still published here (nothing recomputed it), but its basis is gone
    refused(invoke, app, sessions, "没有需要修复的记录", "repairs", "apply", key, "--entry", entry)
