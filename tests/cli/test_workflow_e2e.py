"""End to end through the real CLI (every command group as ``jzcredit`` registers them), on both engines:

a penalty arrives → the grade falls → a rectification notice is issued → missed → ``tick`` writes the
overdue record and the B3 black-list candidate → approved → repair refused with the named codes → the
conditions met after the minimum period → approved → the entry removed → the grade restored.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke
from tests.cli.test_tick_cli import staffed_company
from tests.factories import PENALTY_HEADER, write_csv

from jzcredit.cli import main as cli_main
from jzcredit.common.crypto import Vault
from jzcredit.registry.models import Company


def run(invoke: Invoke, as_of: str, *args: str) -> Any:
    result = invoke(cli_main.app, ["--as-of", as_of, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def grade(invoke: Invoke, as_of: str, key: str) -> str:
    return str(run(invoke, as_of, "show", key)["evaluation"]["grade"])


def test_penalty_rectification_black_list_repair_and_recovery(
        invoke: Invoke, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        subject_id = staffed_company(s, vault)
        uscc = s.get_one(Company, subject_id).uscc
    run(invoke, "2026-01-05", "evaluate", "--all")
    before = grade(invoke, "2026-01-05", uscc)
    assert before in ("A", "B")

    # a penalty arrives from the market regulator's file; ingest re-grades the company at once
    penalties = write_csv(tmp_path / "penalties.csv", PENALTY_HEADER, [
        [uscc, "测试家政服务有限公司", "济历市监罚〔2026〕15号", "2026-01-10", "罚款", "未按规定签订家政服务合同",
         "5000", "济南市历下区市场监督管理局", ""]])
    batch = run(invoke, "2026-01-12", "ingest", str(penalties), "--kind", "penalties", "--source", "历下区市场监管局")
    assert batch["accepted"] == 1
    file = run(invoke, "2026-01-12", "show", uscc)
    penalty_id = next(r["record_id"] for r in file["records"] if r["type"] == "penalty")
    fallen = file["evaluation"]["grade"]
    assert fallen != before and "ABCD".index(fallen) > "ABCD".index(before)

    # rectification issued, then missed
    notice = run(invoke, "2026-01-15", "notices", "issue", uscc, "--requirements", "三十日内补签全部家政服务合同",
                 "--basis", str(penalty_id))
    assert notice["status"] == "issued" and notice["deadline"] == "2026-02-14"
    assert run(invoke, "2026-02-14", "tick")["notices_overdue"] == []  # the deadline day itself is still in time
    report = run(invoke, "2026-02-15", "tick")
    assert [n["notice_id"] for n in report["notices_overdue"]] == [notice["notice_id"]]
    assert run(invoke, "2026-02-15", "tick")["changed"] is False
    file = run(invoke, "2026-02-15", "show", uscc)
    assert file["notices"][0]["status"] == "overdue"
    overdue_id = next(r["record_id"] for r in file["records"] if r["type"] == "rectification_overdue")
    candidates = run(invoke, "2026-02-15", "lists", "show", "--list", "black", "--status", "candidate")
    b3 = next(e for e in candidates if e["subject_key"] == uscc)
    assert b3["rule"] == "B3"
    assert not [e for e in run(invoke, "2026-02-15", "lists", "propose") if e["rule"] == "B3"]

    # approved: published, and the grade falls to D under the black-list cap
    run(invoke, "2026-02-16", "lists", "review", str(b3["entry_id"]), "--approve", "--by", "王审核")
    assert grade(invoke, "2026-02-16", uscc) == "D"

    # repair too early and without the papers: refused, naming every failed condition
    early = run(invoke, "2026-03-01", "repairs", "apply", uscc, "--record", str(overdue_id))
    decided = run(invoke, "2026-03-02", "repairs", "decide", str(early["repair_id"]))
    assert decided["status"] == "rejected"
    assert set(decided["failed"]) == {"min_period_not_served", "no_commitment", "no_evidence"}
    assert decided["certificate_number"] is None
    assert run(invoke, "2026-03-02", "lists", "show", "--list", "black", "--status", "published")

    # after the 90-day minimum period, with a signed commitment and evidence: approved, entry removed
    for record_id in (overdue_id, penalty_id):
        applied = run(invoke, "2026-05-20", "repairs", "apply", uscc, "--record", str(record_id), "--commitment",
                      "--evidence", "已补签全部合同并缴清罚款")
        approved = run(invoke, "2026-05-21", "repairs", "decide", str(applied["repair_id"]))
        assert approved["status"] == "approved" and approved["failed"] == []
        assert approved["certificate_number"]
    assert not [e for e in run(invoke, "2026-05-21", "lists", "show", "--list", "black", "--status", "published")
                if e["subject_key"] == uscc]
    file = run(invoke, "2026-05-21", "show", uscc)
    entry = next(e for e in file["lists"] if e["entry_id"] == b3["entry_id"])
    assert entry["status"] == "removed"
    assert {r["record_id"]: r["status"] for r in file["records"]}[overdue_id] == "repaired"
    assert file["evaluation"]["grade"] == before
    assert run(invoke, "2026-05-21", "audit", "verify")["ok"] is True
    assert date.fromisoformat(file["repairs"][0]["decided_on"]) == date(2026, 5, 21)
