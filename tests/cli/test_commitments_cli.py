"""``commitments sign|fulfil|breach|list`` through the CLI, on both engines: every transition, every
refusal (exit 1, one line, nothing changed), the notification block lifted by a repair."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke, one_line_error
from tests.factories import add_company
from tests.repair.helpers import good_company, grade, penalty, snapshot

from jzcredit.cli import commitments as commitments_cmd
from jzcredit.cli import repairs as repairs_cmd
from jzcredit.cli import subjects as subjects_cmd
from jzcredit.common.crypto import Vault

DAY = "2026-06-30"


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(commitments_cmd.register, repairs_cmd.register, subjects_cmd.register)


def run(invoke: Invoke, app: typer.Typer, *args: str, as_of: str = DAY) -> Any:
    result = invoke(app, ["--as-of", as_of, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], words: str, *args: str) -> None:
    with sessions() as s:
        before = snapshot(s)
    one_line_error(invoke(app, ["--as-of", DAY, *args]), words)
    with sessions() as s:
        assert snapshot(s) == before


@pytest.fixture
def company(sessions: sessionmaker[Session], vault: Vault) -> str:
    with sessions() as s, s.begin():
        found = good_company(s, vault)
        assert grade(s, found.subject_id, date(2026, 6, 29)) == "A"
        return found.uscc


def factor_codes(file: dict[str, Any]) -> set[str]:
    return {f["code"].split(".")[-1] for f in file["evaluation"]["factors"]}


def test_sign_fulfil_and_breach_walk_the_state_machine(invoke: Invoke, app: typer.Typer, company: str) -> None:
    public = run(invoke, app, "commitments", "sign", company, "--kind", "voluntary", "--text", "明码标价，不乱收费",
                 "--public", "--by", "法定代表人")
    assert {k: public[k] for k in ("kind", "status", "public", "subject_key", "signed_by")} == {
        "kind": "voluntary", "status": "in_force", "public": True, "subject_key": company, "signed_by": "法定代表人"}
    file = run(invoke, app, "show", company)
    assert [(c["commitment_id"], c["public"]) for c in file["commitments"]] == [(public["commitment_id"], True)]
    record = next(r for r in file["records"] if r["record_id"] == public["record_id"])
    assert record["type"] == "commitment" and record["details"]["commitment_id"] == public["commitment_id"]
    assert "public_commitment" in factor_codes(file)

    fulfilled = run(invoke, app, "commitments", "fulfil", str(public["commitment_id"]), "--note", "年度履行完毕")
    assert (fulfilled["status"], fulfilled["end_note"], fulfilled["ended_by"]) == ("fulfilled", "年度履行完毕", "cli")
    file = run(invoke, app, "show", company)
    assert {r["record_id"]: r["status"] for r in file["records"]}[public["record_id"]] == "expired"
    assert "public_commitment" not in factor_codes(file)

    industry = run(invoke, app, "commitments", "sign", company, "--kind", "industry", "--text", "遵守行业公约")
    assert industry["public"] is False
    breached = run(invoke, app, "commitments", "breach", str(industry["commitment_id"]), "--reason", "违反行业公约",
                   "--by", "李监管")
    assert breached["status"] == "breached" and breached["ended_by"] == "李监管"
    file = run(invoke, app, "show", company)
    breach = next(r for r in file["records"] if r["record_id"] == breached["breach_record_id"])
    assert (breach["type"], breach["category"], breach["status"]) == ("commitment_breach", "negative", "active")
    assert breach["details"]["commitment_id"] == industry["commitment_id"]
    assert "commitment_breach" in factor_codes(file) and file["evaluation"]["grade"] == "B"

    listed = run(invoke, app, "commitments", "list", company)
    assert [(c["commitment_id"], c["status"]) for c in listed] == [
        (public["commitment_id"], "fulfilled"), (industry["commitment_id"], "breached")]
    assert [c["commitment_id"] for c in run(invoke, app, "commitments", "list", "--status", "breached")] == [
        industry["commitment_id"]]
    assert run(invoke, app, "commitments", "list", "--status", "in_force") == []


def test_notification_is_refused_naming_the_serious_record_until_it_is_repaired(
        invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        found = add_company(s)
        record = penalty(s, found.subject_id, date(2025, 3, 1), "serious")
        key, record_id, doc = found.uscc, record.id, record.doc_number
    sign = ["commitments", "sign", key, "--kind", "notification", "--text", "承诺符合备案条件",
            "--in-place-of", "家政服务机构备案证明"]
    refused(invoke, app, sessions, f"记录 {record_id}（行政处罚，文号 {doc}）", *sign)

    applied = run(invoke, app, "repairs", "apply", key, "--record", str(record_id), "--commitment", "--evidence",
                  "罚款已缴清", "--training")
    assert run(invoke, app, "repairs", "decide", str(applied["repair_id"]))["status"] == "approved"
    signed = run(invoke, app, *sign)
    assert (signed["kind"], signed["status"], signed["in_place_of"]) == (
        "notification", "in_force", "家政服务机构备案证明")


def test_refusals_exit_1_with_one_line_and_change_nothing(invoke: Invoke, app: typer.Typer,
                                                          sessions: sessionmaker[Session], company: str) -> None:
    kept = run(invoke, app, "commitments", "sign", company, "--kind", "voluntary", "--text", "承诺")
    run(invoke, app, "commitments", "fulfil", str(kept["commitment_id"]))
    broken = run(invoke, app, "commitments", "sign", company, "--kind", "voluntary", "--text", "承诺")
    run(invoke, app, "commitments", "breach", str(broken["commitment_id"]), "--reason", "违约")
    for done, label in ((kept, "已履行"), (broken, "已违背")):
        refused(invoke, app, sessions, label, "commitments", "fulfil", str(done["commitment_id"]))
        refused(invoke, app, sessions, label, "commitments", "breach", str(done["commitment_id"]), "--reason", "再犯")
    refused(invoke, app, sessions, "999", "commitments", "fulfil", "999")
    refused(invoke, app, sessions, "999", "commitments", "breach", "999", "--reason", "x")
    refused(invoke, app, sessions, "未知的承诺类型", "commitments", "sign", company, "--kind", "oath", "--text", "承诺")
    refused(invoke, app, sessions, "--text", "commitments", "sign", company, "--kind", "voluntary", "--text", " ")
    refused(invoke, app, sessions, "只有告知承诺", "commitments", "sign", company, "--kind", "industry",
            "--text", "承诺", "--in-place-of", "证明")
    refused(invoke, app, sessions, "无法识别", "commitments", "sign", "nobody", "--kind", "voluntary", "--text", "承诺")
    refused(invoke, app, sessions, "in_force", "commitments", "list", "--status", "done")
    live = run(invoke, app, "commitments", "sign", company, "--kind", "voluntary", "--text", "承诺")
    refused(invoke, app, sessions, "--reason", "commitments", "breach", str(live["commitment_id"]), "--reason", " ")
    assert invoke(app, ["commitments", "breach", str(live["commitment_id"])]).exit_code == 2  # --reason required


def test_human_output_without_json(invoke: Invoke, app: typer.Typer, company: str) -> None:
    result = invoke(app, ["commitments", "sign", company, "--kind", "voluntary", "--text", "承诺", "--public"],
                    json_output=False)
    assert result.exit_code == 0 and "主动承诺 1 已签署（公开）" in result.stdout
    result = invoke(app, ["commitments", "breach", "1", "--reason", "违约"], json_output=False)
    assert result.exit_code == 0 and "已登记为违背" in result.stdout
    result = invoke(app, ["commitments", "list"], json_output=False)
    assert result.exit_code == 0 and "信用承诺 1 件" in result.stdout
