"""``objections file|decide|show|list``: the --json shapes, every transition and every refusal (exit 1, one
line, nothing changed), lateness under ``--as-of``, and what ``show KEY`` and the lists commands see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke
from tests.cli.conftest import json_ok as ok
from tests.cli.test_notices_cli import one_line_error
from tests.cli.test_tick_cli import staffed_company
from tests.factories import add_record
from tests.objections.helpers import counts

from jzcredit.cli import evaluate as evaluate_cmd
from jzcredit.cli import lists as lists_cmd
from jzcredit.cli import objections as objections_cmd
from jzcredit.cli import subjects as subjects_cmd
from jzcredit.common.crypto import Vault
from jzcredit.registry.models import Company


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(objections_cmd.register, lists_cmd.register, subjects_cmd.register, evaluate_cmd.register)


def snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as s:
        return counts(s)


@pytest.fixture
def company(sessions: sessionmaker[Session], vault: Vault) -> dict[str, Any]:
    """A graded company with a serious penalty (grade D, a B1 candidate to come) and a general one."""
    with sessions() as s, s.begin():
        subject_id = staffed_company(s, vault)
        serious = add_record(s, subject_id, "penalty", severity="serious", amount="150000",
                             decided_on=date(2026, 3, 1)).id
        general = add_record(s, subject_id, "penalty", amount="3000", decided_on=date(2026, 2, 1)).id
        return {"uscc": s.get_one(Company, subject_id).uscc, "serious": serious, "general": general}


def record_of(file: dict[str, Any], record_id: int) -> dict[str, Any]:
    return next(r for r in file["records"] if r["record_id"] == record_id)


def test_file_blocks_the_candidate_dismiss_restores_uphold_revokes_and_regrades(
        invoke: Invoke, app: typer.Typer, company: dict[str, Any]) -> None:
    uscc, serious = company["uscc"], str(company["serious"])
    ok(invoke, app, "2026-06-30", "evaluate", "--all")
    assert ok(invoke, app, "2026-06-30", "show", uscc)["evaluation"]["grade"] == "D"
    (b1,) = [e for e in ok(invoke, app, "2026-06-30", "lists", "propose") if e["rule"] == "B1"]

    filed = ok(invoke, app, "2026-06-30", "objections", "file", serious, "--reason", "处罚已被复议撤销",
               "--evidence", "复议决定书", "--by", "企业法人", "--role", "subject")
    assert {k: filed[k] for k in ("record_id", "status")} == {"record_id": company["serious"], "status": "filed"}
    oid = str(filed["objection_id"])
    file = ok(invoke, app, "2026-06-30", "show", uscc)
    assert record_of(file, company["serious"])["status"] == "under_objection"
    (objection,) = file["objections"]
    assert (objection["objection_id"], objection["status"], objection["late"]) == (filed["objection_id"], "filed",
                                                                                   False)
    one_line_error(invoke(app, ["--as-of", "2026-07-01", "lists", "review", str(b1["entry_id"]), "--approve",
                                "--by", "王审核"]), f"异议 {oid}（记录 {serious}）")

    dismissed = ok(invoke, app, "2026-07-02", "objections", "decide", oid, "--dismiss", "--note", "处罚认定无误")
    assert {k: dismissed[k] for k in ("objection_id", "record_id", "status", "record_status")} == {
        "objection_id": filed["objection_id"], "record_id": company["serious"], "status": "dismissed",
        "record_status": "active"}

    second = ok(invoke, app, "2026-07-03", "objections", "file", serious, "--reason", "新证据：复议决定书")
    upheld = ok(invoke, app, "2026-07-04", "objections", "decide", str(second["objection_id"]), "--uphold",
                "--note", "复议机关已撤销该处罚", "--by", "王监管")
    assert (upheld["status"], upheld["outcome"], upheld["record_status"]) == ("upheld", "revoked", "revoked")
    assert [(e["entry_id"], e["to_status"]) for e in upheld["list_entries_changed"]] == [(b1["entry_id"], "rejected")]
    file = ok(invoke, app, "2026-07-04", "show", uscc)
    assert record_of(file, company["serious"])["status"] == "revoked"
    assert file["evaluation"]["grade"] != "D"
    assert {o["objection_id"]: o["status"] for o in file["objections"]} == {
        filed["objection_id"]: "dismissed", second["objection_id"]: "upheld"}
    entry = next(e for e in file["lists"] if e["entry_id"] == b1["entry_id"])
    assert entry["status"] == "rejected" and "异议" in entry["transitions"][-1]["reason"]


def test_uphold_with_corrections_keeps_the_old_values(invoke: Invoke, app: typer.Typer,
                                                      company: dict[str, Any]) -> None:
    general = str(company["general"])
    oid = str(ok(invoke, app, "2026-06-30", "objections", "file", general, "--reason", "罚款金额有误")["objection_id"])
    decided = ok(invoke, app, "2026-07-01", "objections", "decide", oid, "--uphold", "--correct", "amount=300",
                 "--correct", "content=罚款 300 元（原录入 3000 元有误）")
    assert (decided["status"], decided["outcome"], decided["record_status"]) == ("upheld", "corrected", "active")
    assert decided["correction"]["amount"] == {"from": "3000.00", "to": "300.00"}
    shown = ok(invoke, app, "2026-07-01", "objections", "show", oid)
    assert shown["record"]["amount"] == "300.00" and shown["record"]["status"] == "active"
    assert shown["correction"] == decided["correction"]


def test_refused_commands_exit_1_with_one_line_and_change_nothing(invoke: Invoke, app: typer.Typer,
                                                                  company: dict[str, Any],
                                                                  sessions: sessionmaker[Session]) -> None:
    serious, general = str(company["serious"]), str(company["general"])
    done = str(ok(invoke, app, "2026-06-30", "objections", "file", general, "--reason", "有误")["objection_id"])
    ok(invoke, app, "2026-06-30", "objections", "decide", done, "--dismiss")
    open_id = str(ok(invoke, app, "2026-06-30", "objections", "file", serious, "--reason", "有误")["objection_id"])
    before = snapshot(sessions)
    refusals: list[tuple[list[str], str]] = [
        (["objections", "file", serious, "--reason", "再次异议"], f"已有未决的异议 {open_id}"),
        (["objections", "file", "999999", "--reason", "有误"], "没有编号为 999999 的信用记录"),
        (["objections", "file", general, "--reason", "有误", "--role", "neighbour"], "异议人身份"),
        (["objections", "file", general, "--reason", " "], "异议理由"),
        (["objections", "decide", done, "--uphold"], "不能再次决定"),
        (["objections", "decide", "999999", "--dismiss"], "没有编号为 999999 的异议"),
        (["objections", "decide", open_id, "--dismiss", "--correct", "amount=1"], "只有异议成立"),
        (["objections", "decide", open_id, "--uphold", "--correct", "amount"], "字段=值"),
        (["objections", "decide", open_id, "--uphold", "--correct", "type=license"], "不能更正字段 type"),
        (["objections", "decide", open_id, "--uphold", "--correct", "decided_on=2027-01-01"], "晚于今天"),
        (["objections", "list", "--status", "open"], "未知的异议状态"),
        (["objections", "show", "999999"], "999999"),
    ]
    for args, words in refusals:
        one_line_error(invoke(app, ["--as-of", "2026-06-30", *args]), words)
    both = invoke(app, ["objections", "decide", open_id, "--uphold", "--dismiss"])
    assert both.exit_code == 2 and "--uphold" in both.output
    assert snapshot(sessions) == before


def test_late_decisions_are_visible_to_regulators(invoke: Invoke, app: typer.Typer, company: dict[str, Any]) -> None:
    filed = ok(invoke, app, "2026-06-30", "objections", "file", str(company["general"]), "--reason", "有误",
               "--role", "regulator", "--by", "李监管")
    oid = str(filed["objection_id"])
    assert filed["decide_by"] == "2026-07-15"
    assert ok(invoke, app, "2026-07-15", "objections", "list", "--late") == []
    (waiting,) = ok(invoke, app, "2026-07-16", "objections", "list", "--late")
    assert (waiting["objection_id"], waiting["status"], waiting["late"]) == (filed["objection_id"], "filed", True)
    decided = ok(invoke, app, "2026-07-20", "objections", "decide", oid, "--dismiss")
    assert decided["late"] is True and decided["decided_on"] == "2026-07-20"
    (late,) = ok(invoke, app, "2026-08-01", "objections", "list", "--late", "--status", "dismissed")
    assert late["objection_id"] == filed["objection_id"]
    assert ok(invoke, app, "2026-08-01", "show", company["uscc"])["objections"][0]["late"] is True
    human = invoke(app, ["--as-of", "2026-08-01", "objections", "list", "--late"], json_output=False)
    assert human.exit_code == 0 and "异议 1 件" in human.stdout
