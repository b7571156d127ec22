"""``/api/v1/repairs``: apply, list and read in scope, decide by the §3.6 conditions — on both engines.

Each route: the roles allowed, a role denied (403), a record, entry or application outside the scope (404,
word for word an unknown one), refusals with the CLI's sentence, and nothing written by any refusal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import (  # noqa: F401  (fixtures)
    World,
    api_fixture,
    audit_actors,
    problem,
    record_status,
    same_problem,
    world_fixture,
)
from tests.factories import add_record
from tests.repair.helpers import black_list, snapshot

from jzcredit.records.models import CreditRecord
from jzcredit.repair.models import RepairApplication

REPAIRS = "/api/v1/repairs"
EVIDENCE = "罚款已缴清，整改到位"


def penalty(sessions: sessionmaker[Session], subject_id: int, decided_on: date = date(2026, 1, 10),
            severity: str = "general") -> int:
    with sessions() as s, s.begin():
        return add_record(s, subject_id, "penalty", severity=severity, decided_on=decided_on).id


def apply(api: TestClient, who: Any, record_id: int | None = None, *, papers: bool = True, **extra: Any) -> Any:
    body: dict[str, Any] = {"commitment_signed": papers, **extra}
    if record_id is not None:
        body["record_id"] = record_id
    if papers:
        body.setdefault("evidence", EVIDENCE)
    return api.post(REPAIRS, headers=who.headers, json=body)


def decide(api: TestClient, who: Any, repair_id: int, version: int, decision: str) -> Any:
    return api.post(f"{REPAIRS}/{repair_id}/decision", headers=who.headers,
                    json={"decision": decision, "version": version})


def state(sessions: sessionmaker[Session]) -> Any:
    with sessions() as s:
        return snapshot(s)


def test_the_subject_and_a_regulator_apply_audited_with_their_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, workers = penalty(sessions, world.company_id), penalty(sessions, world.worker_id)
    applied = apply(api, world.company, mine)
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert body["status"] == "submitted" and body["record_ids"] == [mine] and body["subject_key"] == world.uscc
    assert body["applied_by"] == world.company.actor and body["applied_on"] == "2026-06-30"
    assert body["decide_by"] == "2026-07-07" and body["version"] == 1 and body["commitment_id"] is not None
    assert body["evidence"] == EVIDENCE and body["certificate_number"] is None and "subject_id" not in body
    by_regulator = apply(api, world.regulator, workers, papers=False)
    assert by_regulator.status_code == 201 and by_regulator.json()["commitment_id"] is None
    assert by_regulator.json()["subject_key"] == world.worker_code
    assert audit_actors(sessions, "repair.apply") == [world.company.actor, world.regulator.actor]
    assert audit_actors(sessions, "commitment.sign") == [world.company.actor]


def test_applying_outside_the_scope_or_for_others_reads_like_an_unknown_target_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, theirs = penalty(sessions, world.company_id), penalty(sessions, world.other_company_id)
    workers = penalty(sessions, world.worker_id)
    before = state(sessions)
    unknown = 10**9
    for who, record_id in ((world.company, workers), (world.other_company, mine), (world.far_regulator, mine),
                           (world.worker, mine), (world.regulator, theirs)):
        same_problem(apply(api, who, record_id), apply(api, who, unknown), (record_id, unknown))
    problem(apply(api, world.far_regulator, mine), 404, code="record.not_found", detail=f"没有编号为 {mine} 的信用记录")
    problem(apply(api, world.bank, mine), 403, code="auth.role")
    problem(api.post(REPAIRS, json={"record_id": mine}), 401, code="auth.required")
    assert state(sessions) == before


def test_apply_refusals_carry_the_cli_sentence_and_write_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine = penalty(sessions, world.company_id)
    with sessions() as s, s.begin():
        training = add_record(s, world.company_id, "training", decided_on=date(2026, 3, 1)).id
    before = state(sessions)
    problem(apply(api, world.company), 422, code="repair.target",
            detail="请给出 record_id 或 list_entry_id 之一：修复一条记录，或一个失信名单条目的全部依据")
    problem(apply(api, world.company, mine, list_entry_id=1), 422, code="repair.target")
    problem(apply(api, world.company, training), 422, code="repair.not_negative",
            detail=f"记录 {training}（training，文号 {_doc(sessions, training)}）不是失信记录"
                   "（类别 positive），无需修复")
    problem(apply(api, world.company, mine, evidence="  "), 422, code="repair.evidence_empty",
            detail="--evidence 不能为空：请写明履行处罚或整改到位的证明")
    problem(apply(api, world.company, mine, evidence="a\x00b"), 422, code="invalid_request")
    problem(apply(api, world.company, mine, colour="red"), 422, code="invalid_request")
    assert state(sessions) == before
    first = apply(api, world.company, mine).json()
    before = state(sessions)
    problem(apply(api, world.regulator, mine), 409, code="repair.open_application",
            detail=f"记录 {mine} 已有待决定的修复申请 {first['repair_id']}（2026-06-30 提交），请等待决定")
    assert state(sessions) == before


def _doc(sessions: sessionmaker[Session], record_id: int) -> str | None:
    with sessions() as s:
        return s.get_one(CreditRecord, record_id).doc_number


def test_an_entry_target_in_scope_and_its_refusals(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    serious = penalty(sessions, world.company_id, date(2025, 6, 1), "serious")
    penalty(sessions, world.other_company_id, date(2025, 6, 1), "serious")
    with sessions() as s, s.begin():
        entry = black_list(s, world.company_id, date(2026, 6, 30)).id
        theirs = black_list(s, world.other_company_id, date(2026, 6, 30)).id
    before = state(sessions)
    unknown = 10**9
    for who, entry_id in ((world.other_company, entry), (world.worker, entry), (world.far_regulator, entry),
                          (world.regulator, theirs)):
        same_problem(apply(api, who, list_entry_id=entry_id), apply(api, who, list_entry_id=unknown),
                     (entry_id, unknown))
    problem(apply(api, world.regulator, list_entry_id=theirs), 404, code="list_entry.not_found",
            detail=f"没有编号为 {theirs} 的名单条目")
    assert state(sessions) == before
    applied = apply(api, world.company, list_entry_id=entry, training_completed=True)
    assert applied.status_code == 201, applied.text
    assert applied.json()["list_entry_id"] == entry and applied.json()["record_ids"] == [serious]
    approved = decide(api, world.regulator, applied.json()["repair_id"], 1, "approve")
    assert approved.status_code == 200, approved.text
    assert [e["entry_id"] for e in approved.json()["list_entries_removed"]] == [entry]
    assert record_status(sessions, serious) == "repaired"


def test_approval_repairs_the_record_and_returns_the_certificate_number(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine = penalty(sessions, world.company_id)
    repair_id = apply(api, world.company, mine).json()["repair_id"]
    approved = decide(api, world.regulator, repair_id, 1, "approve")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["certificate_number"] == f"XYXF-2026-{repair_id:06d}"
    assert body["failed"] == [] and body["reasons"] == [] and body["decided_by"] == world.regulator.actor
    assert body["version"] == 2 and body["subject_key"] == world.uscc and body["grade"] is not None
    assert record_status(sessions, mine) == "repaired"
    assert audit_actors(sessions, "repair.approve") == [world.regulator.actor]
    shown = api.get(f"{REPAIRS}/{repair_id}", headers=world.company.headers).json()
    assert shown["certificate"]["certificate_number"] == body["certificate_number"]
    assert shown["certificate"]["records"][0]["record_id"] == mine


def test_approve_is_refused_naming_every_failed_condition_and_reject_records_them(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    recent = penalty(sessions, world.company_id, date(2026, 6, 1), "serious")
    repair_id = apply(api, world.company, recent, papers=False).json()["repair_id"]
    before = state(sessions)
    failed = [("min_period_not_served", f"记录 {recent} 最早可于 2027-06-01 修复（严重失信须满 365 天）"),
              ("no_commitment", "未签署信用修复承诺书"), ("no_evidence", "未提交履行处罚或整改到位的证明材料"),
              ("training_required", f"记录 {recent} 为严重失信，须完成信用修复培训")]
    problem(decide(api, world.regulator, repair_id, 1, "approve"), 409, code="repair.conditions_not_met",
            detail=f"信用修复申请 {repair_id} 不符合信用修复条件，不能批准。未满足的条件："
                   + "；".join(f"{code}：{reason}" for code, reason in failed))
    assert state(sessions) == before
    rejected = decide(api, world.admin, repair_id, 1, "reject")
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["status"] == "rejected" and body["failed"] == [code for code, _ in failed]
    assert [(r["code"], r["reason"]) for r in body["reasons"]] == failed and body["certificate_number"] is None
    assert record_status(sessions, recent) == "active"
    assert audit_actors(sessions, "repair.reject") == [world.admin.actor]


def test_decision_refusals_are_4xx_with_the_cli_sentence_and_change_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine = penalty(sessions, world.company_id)
    repair_id, unknown = apply(api, world.company, mine).json()["repair_id"], 999_999
    before = state(sessions)
    same_problem(decide(api, world.far_regulator, repair_id, 1, "approve"),
                 decide(api, world.far_regulator, unknown, 1, "approve"), (repair_id, unknown))
    problem(decide(api, world.far_regulator, repair_id, 1, "approve"), 404, code="repair.not_found",
            detail=f"没有编号为 {repair_id} 的信用修复申请")
    problem(decide(api, world.company, repair_id, 1, "approve"), 403, code="auth.role")
    problem(decide(api, world.regulator, repair_id, 2, "approve"), 409, code="repair.stale",
            detail=f"信用修复申请 {repair_id} 已被他人修改（当前版本 1，您提交的是版本 2），请刷新后查看最新状态再操作")
    problem(decide(api, world.regulator, repair_id, 1, "reject"), 409, code="repair.conditions_met",
            detail=f"信用修复申请 {repair_id} 满足全部信用修复条件，应予批准，不能驳回")
    problem(decide(api, world.regulator, repair_id, 1, "maybe"), 422, code="invalid_request")
    assert state(sessions) == before
    assert decide(api, world.regulator, repair_id, 1, "approve").status_code == 200
    before = state(sessions)
    problem(decide(api, world.regulator, repair_id, 2, "approve"), 409, code="repair.decided",
            detail=f"信用修复申请 {repair_id} 已于 2026-06-30 决定（approved），不能再次决定")
    assert state(sessions) == before


def test_lists_and_reads_show_only_what_is_in_scope(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    a = apply(api, world.company, penalty(sessions, world.company_id)).json()["repair_id"]
    b = apply(api, world.far_regulator, penalty(sessions, world.other_company_id)).json()["repair_id"]
    c = apply(api, world.worker, penalty(sessions, world.worker_id)).json()["repair_id"]

    def listed(who: Any, **params: Any) -> list[int]:
        response = api.get(REPAIRS, headers=who.headers, params=params)
        assert response.status_code == 200, response.text
        return [r["repair_id"] for r in response.json()["items"]]

    assert listed(world.admin) == [a, b, c]
    assert listed(world.regulator) == [a, c]
    assert listed(world.far_regulator) == [b]
    assert listed(world.company) == [a, c]  # itself and its worker
    assert listed(world.worker) == [c]
    assert listed(world.admin, size=1, page=3) == [c]
    assert listed(world.regulator, late="true") == []
    problem(api.get(REPAIRS, headers=world.bank.headers), 403, code="auth.role")
    problem(api.get(REPAIRS, headers=world.admin.headers, params={"status": "open"}), 422, code="repair.bad_status")
    one = api.get(f"{REPAIRS}/{c}", headers=world.company.headers)
    assert one.status_code == 200 and one.json()["applied_by"] == world.worker.actor
    same_problem(api.get(f"{REPAIRS}/{a}", headers=world.worker.headers),
                 api.get(f"{REPAIRS}/999999", headers=world.worker.headers), (a, 999999))
    with sessions() as s:
        assert s.get_one(RepairApplication, a).status == "submitted"
