"""``/api/v1/objections``: file, list (late ones), read, decide — on both engines.

Each route: the roles allowed, a role denied (403), a record or objection outside the scope (404, word for
word an unknown one), refusals with the CLI's sentence, and nothing written by any refusal.
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
from tests.objections.helpers import counts

from jzcredit.config import Settings

OBJECTIONS = "/api/v1/objections"


def records(sessions: sessionmaker[Session], world: World) -> tuple[int, int, int]:
    """A penalty on each company and one on the worker."""
    with sessions() as s, s.begin():
        mine = add_record(s, world.company_id, "penalty", decided_on=date(2026, 3, 1), amount="5000").id
        theirs = add_record(s, world.other_company_id, "penalty", decided_on=date(2026, 3, 1)).id
        workers = add_record(s, world.worker_id, "penalty", decided_on=date(2026, 3, 1)).id
    return mine, theirs, workers


def file(api: TestClient, who: Any, record_id: int, reason: str = "该处罚已被复议撤销") -> Any:
    return api.post(OBJECTIONS, headers=who.headers, json={"record_id": record_id, "reason": reason})


def decide(api: TestClient, who: Any, objection_id: int, version: int, decision: str, **extra: Any) -> Any:
    return api.post(f"{OBJECTIONS}/{objection_id}/decision", headers=who.headers,
                    json={"decision": decision, "version": version, **extra})


def state(sessions: sessionmaker[Session]) -> Any:
    with sessions() as s:
        return counts(s)


def test_the_subject_and_a_regulator_file_audited_with_their_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, _, workers = records(sessions, world)
    filed = file(api, world.company, mine)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "filed" and body["record_status"] == "under_objection" and body["filer_role"] == "subject"
    assert body["filed_by"] == world.company.actor and body["decide_by"] == "2026-07-15" and body["version"] == 1
    by_regulator = file(api, world.regulator, workers)
    assert by_regulator.status_code == 201 and by_regulator.json()["filer_role"] == "regulator"
    assert file(api, world.worker, add_worker_record(sessions, world)).json()["filer_role"] == "subject"
    assert audit_actors(sessions, "objection.file") == [world.company.actor, world.regulator.actor, world.worker.actor]
    assert record_status(sessions, mine) == "under_objection"


def add_worker_record(sessions: sessionmaker[Session], world: World) -> int:
    with sessions() as s, s.begin():
        return add_record(s, world.worker_id, "penalty", decided_on=date(2026, 4, 1)).id


def test_filing_outside_the_scope_or_for_others_reads_like_an_unknown_record_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, theirs, workers = records(sessions, world)
    before = state(sessions)
    unknown = 10**9
    for who, record_id in ((world.company, workers), (world.other_company, mine), (world.far_regulator, mine),
                           (world.worker, mine), (world.regulator, theirs)):
        same_problem(file(api, who, record_id), file(api, who, unknown), (record_id, unknown))
    problem(file(api, world.far_regulator, mine), 404, code="record.not_found", detail=f"没有编号为 {mine} 的信用记录")
    problem(file(api, world.bank, mine), 403, code="auth.role")
    problem(api.post(OBJECTIONS, json={"record_id": mine, "reason": "x"}), 401)
    assert state(sessions) == before


def test_filing_refusals_carry_the_cli_sentence(api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, _, _ = records(sessions, world)
    problem(file(api, world.company, mine, reason=" "), 422, code="objection.text_required",
            detail="异议理由（--reason）不能为空")
    problem(api.post(OBJECTIONS, headers=world.company.headers, json={"record_id": mine, "reason": "x", "by": "me"}),
            422, code="invalid_request")
    first = file(api, world.company, mine).json()
    before = state(sessions)
    problem(file(api, world.regulator, mine), 409, code="objection.already_open",
            detail=f"记录 {mine} 已有未决的异议 {first['objection_id']}（2026-06-30 提出），处理完毕前不能再提出异议")
    assert state(sessions) == before


def test_regulator_decides_dismiss_and_uphold_with_a_correction(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, _, workers = records(sessions, world)
    one = file(api, world.company, mine).json()
    dismissed = decide(api, world.regulator, one["objection_id"], 1, "dismiss", note="处罚事实清楚")
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["record_status"] == "active"
    assert dismissed.json()["decided_by"] == world.regulator.actor and dismissed.json()["list_entries_changed"] == []
    two = file(api, world.regulator, workers).json()
    corrected = decide(api, world.admin, two["objection_id"], 1, "uphold", corrections={"severity": "serious"})
    assert corrected.json()["outcome"] == "corrected" and corrected.json()["record_status"] == "active"
    assert corrected.json()["correction"]["severity"]["to"] == "serious"
    three = file(api, world.company, mine).json()
    revoked = decide(api, world.regulator, three["objection_id"], 1, "uphold")
    assert revoked.json()["outcome"] == "revoked" and record_status(sessions, mine) == "revoked"
    assert audit_actors(sessions, "objection.dismiss") == [world.regulator.actor]
    assert audit_actors(sessions, "objection.uphold") == [world.admin.actor, world.regulator.actor]


def test_decision_refusals_are_4xx_with_the_cli_sentence_and_change_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    mine, _, _ = records(sessions, world)
    objection = file(api, world.company, mine).json()
    oid, unknown = objection["objection_id"], 999_999
    before = state(sessions)
    same_problem(decide(api, world.far_regulator, oid, 1, "uphold"),
                 decide(api, world.far_regulator, unknown, 1, "uphold"), (oid, unknown))
    problem(decide(api, world.far_regulator, oid, 1, "uphold"), 404, detail=f"没有编号为 {oid} 的异议")
    problem(decide(api, world.company, oid, 1, "uphold"), 403, code="auth.role")
    problem(decide(api, world.regulator, oid, 2, "uphold"), 409, code="objection.stale",
            detail=f"异议 {oid} 已被他人修改（当前版本 1，您提交的是版本 2），请刷新后查看最新状态再操作")
    problem(decide(api, world.regulator, oid, 1, "dismiss", corrections={"amount": "500"}), 422,
            code="objection.correct_needs_uphold", detail="只有异议成立（--uphold）时才能更正记录（--correct）")
    problem(decide(api, world.regulator, oid, 1, "uphold", corrections={"colour": "red"}), 422,
            code="objection.bad_correction")
    problem(decide(api, world.regulator, oid, 1, "overrule"), 422, code="invalid_request")
    assert state(sessions) == before
    assert decide(api, world.regulator, oid, 1, "dismiss").status_code == 200
    before = state(sessions)
    problem(decide(api, world.regulator, oid, 2, "uphold"), 409, code="objection.decided",
            detail=f"异议 {oid} 已于 2026-06-30 处理完毕（dismissed，异议不成立），不能再次决定")
    assert state(sessions) == before


def test_lists_and_reads_in_scope_with_late_ones_marked(
        api: TestClient, world: World, sessions: sessionmaker[Session], settings: Settings) -> None:
    mine, theirs, workers = records(sessions, world)
    a = file(api, world.company, mine).json()["objection_id"]
    b = file(api, world.far_regulator, theirs).json()["objection_id"]
    c = file(api, world.worker, workers).json()["objection_id"]

    def listed(who: Any, **params: Any) -> list[int]:
        response = api.get(OBJECTIONS, headers=who.headers, params=params)
        assert response.status_code == 200, response.text
        return [o["objection_id"] for o in response.json()["items"]]

    assert listed(world.admin) == [a, b, c]
    assert listed(world.regulator) == [a, c]
    assert listed(world.far_regulator) == [b]
    assert listed(world.company) == [a, c]
    assert listed(world.worker) == [c]
    assert listed(world.regulator, late="true") == []
    problem(api.get(OBJECTIONS, headers=world.bank.headers), 403)
    problem(api.get(OBJECTIONS, headers=world.admin.headers, params={"status": "open"}), 422,
            code="objection.bad_status")
    settings.now = "2026-07-16T09:00"
    assert listed(world.regulator, late="true") == [a, c]
    late = decide(api, world.regulator, a, 1, "dismiss").json()
    assert late["late"] is True
    one = api.get(f"{OBJECTIONS}/{a}", headers=world.company.headers)
    assert one.status_code == 200 and one.json()["record"]["record_id"] == mine and one.json()["late"] is True
    same_problem(api.get(f"{OBJECTIONS}/{a}", headers=world.worker.headers),
                 api.get(f"{OBJECTIONS}/999999", headers=world.worker.headers), (a, 999999))
