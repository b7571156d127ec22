"""``/api/v1/notices``: issue, list and read with scope, submit evidence, verify — on both engines.

Each route: the roles allowed, a role denied (403), a subject or notice outside the scope (404, the same
answer as an unknown one), refusals with the CLI's sentence, and nothing written by any refusal.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import (  # noqa: F401  (fixtures)
    World,
    api_fixture,
    audit_actors,
    problem,
    same_problem,
    world_fixture,
)
from tests.factories import add_record
from tests.rectification.helpers import counts

from jzcredit.common.ids import make_uscc
from jzcredit.config import Settings

NOTICES = "/api/v1/notices"
UNKNOWN_USCC = make_uscc(random.Random(987_654), region_code="370102")


def issue(api: TestClient, who: Any, key: str, **extra: Any) -> Any:
    return api.post(NOTICES, headers=who.headers,
                    json={"subject_key": key, "requirements": "三十日内补签全部家政服务合同", **extra})


def state(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as s:
        return counts(s)


def test_regulator_and_admin_issue_notices_audited_with_their_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    response = issue(api, world.regulator, world.uscc, deadline="2026-07-30")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "issued" and body["deadline"] == "2026-07-30" and body["issued_on"] == "2026-06-30"
    assert body["subject_key"] == world.uscc and body["issued_by"] == world.regulator.actor and body["version"] == 1
    assert [s["action"] for s in body["steps"]] == ["issue"] and body["notice_number"] == "JZ-ZG-2026-000001"
    assert "subject_id" not in body
    by_admin = issue(api, world.admin, world.worker_code)
    assert by_admin.status_code == 201 and by_admin.json()["deadline"] == "2026-07-30"  # default 30 days
    assert audit_actors(sessions, "rectification.issue") == [world.regulator.actor, world.admin.actor]


def test_issue_is_refused_for_other_roles_and_outside_the_region_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    before = state(sessions)
    problem(issue(api, world.company, world.uscc), 403, code="auth.role")
    problem(api.post(NOTICES, json={"subject_key": world.uscc, "requirements": "x"}), 401, code="auth.required")
    far = issue(api, world.far_regulator, world.uscc)
    problem(far, 404, code="subject.not_found", detail="没有找到这个信用主体，或您无权查看")
    same_problem(far, issue(api, world.regulator, UNKNOWN_USCC))
    same_problem(far, issue(api, world.far_regulator, world.worker_code))
    assert state(sessions) == before


def test_issue_refusals_carry_the_cli_sentence(api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        foreign = add_record(s, world.other_company_id, "penalty", decided_on=date(2026, 6, 30)).id
    before = state(sessions)
    problem(issue(api, world.regulator, world.uscc, deadline="2026-06-01"), 422, code="rectification.deadline",
            detail="整改期限 2026-06-01 早于下达日期 2026-06-30")
    problem(api.post(NOTICES, headers=world.regulator.headers, json={"subject_key": world.uscc, "requirements": "  "}),
            422, code="rectification.requirements", detail="整改要求（--requirements）不能为空")
    problem(issue(api, world.regulator, world.uscc, basis=[foreign]), 422, code="rectification.basis_foreign",
            detail=f"记录 {foreign} 不是该主体的记录，不能作为整改依据")
    problem(issue(api, world.regulator, world.uscc, basis=[10**9]), 404, code="rectification.basis_not_found")
    problem(issue(api, world.regulator, world.uscc, colour="red"), 422, code="invalid_request")
    problem(issue(api, world.regulator, world.uscc, deadline="明天"), 422, code="invalid_request")
    assert state(sessions) == before


def test_lists_and_reads_show_only_what_is_in_scope(api: TestClient, world: World) -> None:
    mine = issue(api, world.regulator, world.uscc).json()
    theirs = issue(api, world.admin, world.other_uscc).json()
    workers = issue(api, world.regulator, world.worker_code).json()

    def listed(who: Any, **params: Any) -> list[int]:
        response = api.get(NOTICES, headers=who.headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"]) or params.get("size")
        return [n["notice_id"] for n in body["items"]]

    assert listed(world.admin) == [mine["notice_id"], theirs["notice_id"], workers["notice_id"]]
    assert listed(world.regulator) == [mine["notice_id"], workers["notice_id"]]
    assert listed(world.far_regulator) == [theirs["notice_id"]]
    assert listed(world.company) == [mine["notice_id"], workers["notice_id"]]  # itself and its worker
    assert listed(world.worker) == [workers["notice_id"]]
    assert listed(world.other_company, status="issued") == [theirs["notice_id"]]
    assert listed(world.admin, size=1, page=2) == [theirs["notice_id"]]
    problem(api.get(NOTICES, headers=world.bank.headers), 403, code="auth.role")
    problem(api.get(NOTICES, headers=world.admin.headers, params={"status": "done"}), 422,
            code="rectification.bad_status")

    one = api.get(f"{NOTICES}/{mine['notice_id']}", headers=world.company.headers)
    assert one.status_code == 200 and one.json()["steps"][0]["actor"] == world.regulator.actor
    hidden = api.get(f"{NOTICES}/{mine['notice_id']}", headers=world.other_company.headers)
    problem(hidden, 404, code="rectification.not_found", detail=f"没有编号为 {mine['notice_id']} 的整改通知")
    same_problem(hidden, api.get(f"{NOTICES}/999999", headers=world.other_company.headers), (mine["notice_id"], 999999))
    problem(api.get(f"{NOTICES}/{mine['notice_id']}", headers=world.worker.headers), 404)
    problem(api.get(f"{NOTICES}/{2**63}", headers=world.admin.headers), 422, code="invalid_request")


def submit(api: TestClient, who: Any, notice: dict[str, Any], version: int, evidence: str = "已补签全部合同") -> Any:
    return api.post(f"{NOTICES}/{notice['notice_id']}/evidence", headers=who.headers,
                    json={"evidence": evidence, "version": version})


def verify(api: TestClient, who: Any, notice: dict[str, Any], version: int, decision: str) -> Any:
    return api.post(f"{NOTICES}/{notice['notice_id']}/verification", headers=who.headers,
                    json={"decision": decision, "note": "核验", "version": version})


def test_the_company_submits_and_the_regulator_verifies(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    notice = issue(api, world.regulator, world.uscc).json()
    submitted = submit(api, world.company, notice, 1)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["version"] == 2
    rejected = verify(api, world.regulator, notice, 2, "reject")
    assert rejected.json()["status"] == "issued" and rejected.json()["deadline"] == notice["deadline"]
    assert submit(api, world.company, notice, 3).json()["status"] == "submitted"
    accepted = verify(api, world.admin, notice, 4, "accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "verified"
    assert accepted.json()["verified_on"] == "2026-06-30"
    assert audit_actors(sessions, "rectification.submit") == [world.company.actor] * 2
    assert audit_actors(sessions, "rectification.reject") == [world.regulator.actor]
    assert audit_actors(sessions, "rectification.accept") == [world.admin.actor]


def test_a_worker_submits_for_itself_but_its_employer_cannot_for_it(api: TestClient, world: World) -> None:
    notice = issue(api, world.regulator, world.worker_code).json()
    problem(submit(api, world.company, notice, 1), 404, code="rectification.not_found")
    assert submit(api, world.worker, notice, 1).json()["status"] == "submitted"


def test_step_refusals_are_4xx_with_the_cli_sentence_and_change_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session], settings: Settings) -> None:
    notice = issue(api, world.regulator, world.uscc, deadline="2026-07-10").json()
    number = notice["notice_number"]
    before = state(sessions)
    ids = (notice["notice_id"], 999999)
    unknown = submit(api, world.other_company, {"notice_id": ids[1]}, 1)
    same_problem(submit(api, world.other_company, notice, 1), unknown, ids)
    same_problem(verify(api, world.far_regulator, notice, 1, "accept"),
                 verify(api, world.far_regulator, {"notice_id": ids[1]}, 1, "accept"), ids)
    problem(verify(api, world.company, notice, 1, "accept"), 403, code="auth.role")
    problem(submit(api, world.bank, notice, 1), 403, code="auth.role")
    problem(verify(api, world.regulator, notice, 1, "accept"), 409, code="rectification.not_submitted",
            detail=f"整改通知 {number} 的状态是 issued（已下达），只有已提交整改材料（submitted）的通知可以核验")
    problem(submit(api, world.company, notice, 1, evidence=" "), 422, code="rectification.evidence",
            detail="整改材料（--evidence）不能为空")
    problem(verify(api, world.regulator, notice, 1, "maybe"), 422, code="invalid_request")
    assert state(sessions) == before

    assert submit(api, world.company, notice, 1).status_code == 200
    before = state(sessions)
    problem(submit(api, world.company, notice, 1), 409, code="rectification.stale",
            detail=f"整改通知 {number} 已被他人修改（当前版本 2，您提交的是版本 1），请刷新后查看最新状态再操作")
    problem(submit(api, world.company, notice, 2), 409, code="rectification.not_issued",
            detail=f"整改通知 {number} 的状态是 submitted（已提交整改材料）：已提交整改材料，等待核验")
    settings.now = "2026-07-11T09:00"
    problem(verify(api, world.regulator, notice, 2, "accept"), 409, code="rectification.past_deadline",
            detail=f"整改通知 {number} 的整改期限 2026-07-10 已过，已逾期（将由 tick 标记），"
                   "不能再核验；逾期后可申请信用修复")
    assert state(sessions) == before
    listed = api.get(NOTICES, headers=world.regulator.headers, params={"overdue": "true"}).json()
    assert [n["past_deadline"] for n in listed["items"]] == [True]

