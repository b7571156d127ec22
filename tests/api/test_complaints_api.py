"""``/api/v1/complaints``: the company inbox, one complaint, and every step — on both engines.

Each route: the roles allowed, a role denied (403), a complaint outside the scope (404, word for word an
unknown one), refusals with the CLI's sentence, nothing written by any refusal, the principal recorded as
the audit actor, and never the complainant's phone in any answer (masked or not).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    api_fixture,
    audit_actors,
    problem,
    same_problem,
    world_fixture,
)
from tests.complaints.helpers import snapshot

from jzcredit.common.crypto import Vault
from jzcredit.complaints import service
from jzcredit.complaints.config import complaints_config
from jzcredit.config import Settings
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Employment

COMPLAINTS = "/api/v1/complaints"
PHONE, MASKED = "13912345678", "139****5678"
COMPLAINANT = "王女士"


def file(sessions: sessionmaker[Session], vault: Vault, *, company: str | None = None,
         worker: str | None = None) -> int:
    with sessions() as s, s.begin():
        return service.file_complaint(s, vault=vault, category="quality", description="约定 4 小时保洁，只做了 2 小时",
                                      filed_by=COMPLAINANT, now=NOW, actor=COMPLAINANT, company_uscc=company,
                                      worker_code=worker, phone=PHONE, cfg=complaints_config()).id


def no_phone(response: httpx.Response) -> httpx.Response:
    assert PHONE not in response.text and MASKED not in response.text and "contact_phone" not in response.text
    return response


def step(api: TestClient, who: Any, complaint_id: int, path: str, version: int, **body: Any) -> httpx.Response:
    return no_phone(api.post(f"{COMPLAINTS}/{complaint_id}/{path}", headers=who.headers,
                             json={"version": version, **body}))


def state(sessions: sessionmaker[Session]) -> Any:
    with sessions() as s:
        return snapshot(s)


def complaint_records(sessions: sessionmaker[Session]) -> list[tuple[int | None, str]]:
    with sessions() as s:
        return [(r.subject_id, r.details.get("finding")) for r in s.scalars(
            select(CreditRecord).where(CreditRecord.type == "complaint").order_by(CreditRecord.id))]


def test_the_full_way_regulator_company_regulator_each_step_audited_with_its_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault) -> None:
    cid = file(sessions, vault, worker=world.worker_code)  # reaches the worker's employer
    forwarded = step(api, world.regulator, cid, "forward", 1)
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["status"] == "forwarded" and forwarded.json()["respond_by"] == "2026-07-07"
    responded = step(api, world.company, cid, "response", 2, text="已退还 2 小时服务费")
    assert responded.status_code == 200, responded.text
    body = responded.json()
    assert body["status"] == "responded" and body["response"] == "已退还 2 小时服务费" and body["unanswered"] is False
    assert body["filed_by"] is None and body["tracking_code"] is None  # the company sees neither
    unresolved = step(api, world.regulator, cid, "resolution", 3, satisfied=False)
    assert unresolved.json()["status"] == "unresolved" and unresolved.json()["filed_by"] == COMPLAINANT
    assert step(api, world.regulator, cid, "mediation", 4, note="双方同意调解").json()["status"] == "mediated"
    closed = step(api, world.admin, cid, "closure", 5, finding="substantiated", note="经核实服务时长不足")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["finding"] == "substantiated"
    assert [s["action"] for s in closed.json()["steps"]] == ["file", "forward", "respond", "resolve", "mediate",
                                                            "close"]
    assert complaint_records(sessions) == [(world.company_id, "substantiated"), (world.worker_id, "substantiated")]
    assert audit_actors(sessions, "complaint.forward") == [world.regulator.actor]
    assert audit_actors(sessions, "complaint.respond") == [world.company.actor]
    assert audit_actors(sessions, "complaint.resolve") == [world.regulator.actor]
    assert audit_actors(sessions, "complaint.mediate") == [world.regulator.actor]
    assert audit_actors(sessions, "complaint.close") == [world.admin.actor]


def test_a_response_after_the_seven_days_is_taken_and_the_missed_deadline_stays(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault, settings: Settings) -> None:
    on_time, late = file(sessions, vault, company=world.uscc), file(sessions, vault, company=world.uscc)
    step(api, world.regulator, on_time, "forward", 1)
    step(api, world.regulator, late, "forward", 1)
    settings.now = "2026-07-07T18:00"  # the deadline day itself is in time
    assert step(api, world.company, on_time, "response", 2, text="已处理").json()["unanswered"] is False
    listed = api.get(COMPLAINTS, headers=world.regulator.headers, params={"overdue": "true"}).json()
    assert listed["items"] == []
    settings.now = "2026-07-08T09:00"
    listed = no_phone(api.get(COMPLAINTS, headers=world.regulator.headers, params={"overdue": "true"})).json()
    assert [c["complaint_id"] for c in listed["items"]] == [late] and listed["items"][0]["overdue"] is True
    answered = step(api, world.company, late, "response", 2, text="迟到的答复")
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "responded" and body["unanswered"] is True and body["version"] == 4
    assert [s["action"] for s in body["steps"]][-2:] == ["unanswered", "respond"]
    assert complaint_records(sessions) == [(world.company_id, "unanswered")]


def test_an_unanswered_complaint_is_mediated_only_after_its_deadline(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault, settings: Settings) -> None:
    cid = file(sessions, vault, company=world.uscc)
    step(api, world.regulator, cid, "forward", 1)
    before = state(sessions)
    problem(step(api, world.regulator, cid, "mediation", 2, note="企业未答复"), 409, code="complaint.not_overdue",
            detail=f"投诉 {cid} 仍在企业答复期限内（2026-07-07），不能调解（已转办的投诉须逾期未答复才能调解）")
    assert state(sessions) == before
    settings.now = "2026-07-10T09:00"
    mediated = step(api, world.regulator, cid, "mediation", 2, note="企业未答复")
    assert mediated.json()["status"] == "mediated" and mediated.json()["unanswered"] is True


def test_the_inbox_holds_complaints_against_the_company_and_its_current_workers(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():  # the worker once served for the other company
        s.add(Employment(worker_id=world.worker_id, company_id=world.other_company_id, start_on=date(2025, 1, 1),
                         end_on=date(2025, 12, 31), source="test"))
    own = file(sessions, vault, company=world.uscc)
    workers = file(sessions, vault, worker=world.worker_code)
    theirs = file(sessions, vault, company=world.other_uscc)
    old_job = file(sessions, vault, company=world.other_uscc, worker=world.worker_code)

    def listed(who: Any, **params: Any) -> list[int]:
        response = no_phone(api.get(COMPLAINTS, headers=who.headers, params=params))
        assert response.status_code == 200, response.text
        return [c["complaint_id"] for c in response.json()["items"]]

    assert listed(world.admin) == [own, workers, theirs, old_job]
    assert listed(world.company) == [own, workers, old_job]  # its current worker's complaint from an old job
    assert listed(world.other_company) == [theirs, old_job]
    assert listed(world.regulator) == [own, workers, old_job]
    assert listed(world.far_regulator) == [theirs, old_job]
    assert listed(world.admin, status="filed", size=2, page=2) == [theirs, old_job]
    problem(api.get(COMPLAINTS, headers=world.worker.headers), 403, code="auth.role")
    problem(api.get(COMPLAINTS, headers=world.bank.headers), 403, code="auth.role")
    problem(api.get(COMPLAINTS), 401, code="auth.required")
    problem(api.get(COMPLAINTS, headers=world.admin.headers, params={"status": "open"}), 422,
            code="complaint.bad_status")
    inbox = api.get(COMPLAINTS, headers=world.company.headers).json()["items"]
    assert {c["tracking_code"] for c in inbox} == {None} and {c["filed_by"] for c in inbox} == {None}
    assert all(c["tracking_code"] for c in api.get(COMPLAINTS, headers=world.regulator.headers).json()["items"])

    one = no_phone(api.get(f"{COMPLAINTS}/{old_job}", headers=world.company.headers))
    assert one.status_code == 200 and one.json()["description"] == "约定 4 小时保洁，只做了 2 小时"
    assert one.json()["steps"][0]["actor"] == "投诉人" and COMPLAINANT not in one.text
    full = no_phone(api.get(f"{COMPLAINTS}/{old_job}", headers=world.regulator.headers)).json()
    assert full["filed_by"] == COMPLAINANT and full["steps"][0]["actor"] == COMPLAINANT and full["tracking_code"]
    same_problem(api.get(f"{COMPLAINTS}/{theirs}", headers=world.company.headers),
                 api.get(f"{COMPLAINTS}/999999", headers=world.company.headers), (theirs, 999999))
    problem(api.get(f"{COMPLAINTS}/{own}", headers=world.far_regulator.headers), 404, code="complaint.not_found",
            detail=f"没有编号为 {own} 的投诉")

    # the company reads its worker's old-job complaint but answers only those against itself
    step(api, world.regulator, old_job, "forward", 1)
    before = state(sessions)
    same_problem(step(api, world.company, old_job, "response", 2, text="与本公司无关"),
                 step(api, world.company, 999999, "response", 2, text="与本公司无关"), (old_job, 999999))
    assert state(sessions) == before
    assert step(api, world.other_company, old_job, "response", 2, text="已处理").status_code == 200


def test_step_refusals_are_4xx_with_the_cli_sentence_and_change_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault) -> None:
    cid, unknown = file(sessions, vault, company=world.uscc), 999_999
    before = state(sessions)
    same_problem(step(api, world.far_regulator, cid, "forward", 1),
                 step(api, world.far_regulator, unknown, "forward", 1), (cid, unknown))
    same_problem(step(api, world.other_company, cid, "response", 1, text="x"),
                 step(api, world.other_company, unknown, "response", 1, text="x"), (cid, unknown))
    for path, body in (("forward", {}), ("resolution", {"satisfied": True}), ("mediation", {"note": "x"}),
                       ("closure", {"finding": "unsubstantiated"})):
        problem(step(api, world.company, cid, path, 1, **body), 403, code="auth.role")
    problem(step(api, world.regulator, cid, "response", 1, text="x"), 403, code="auth.role")
    problem(step(api, world.worker, cid, "response", 1, text="x"), 403, code="auth.role")
    problem(step(api, world.company, cid, "response", 1, text="已处理"), 409, code="complaint.wrong_status",
            detail=f"投诉 {cid} 当前为「已受理」，不能答复（只有「已转企业办理」的投诉可以答复）")
    problem(step(api, world.regulator, cid, "forward", 2), 409, code="complaint.stale",
            detail=f"投诉 {cid} 已被他人修改（当前版本 1，您提交的是版本 2），请刷新后查看最新状态再操作")
    problem(step(api, world.regulator, cid, "closure", 1, finding="maybe"), 422, code="complaint.bad_finding",
            detail="未知的调查结论 maybe，可选：substantiated、unsubstantiated")
    problem(step(api, world.regulator, cid, "forward", 1, note="x"), 422, code="invalid_request")
    assert state(sessions) == before
    step(api, world.regulator, cid, "forward", 1)
    before = state(sessions)
    problem(step(api, world.company, cid, "response", 2, text="  "), 422, code="complaint.text_missing",
            detail="答复内容不能为空")
    problem(step(api, world.company, cid, "response", 2, text="a\x01b"), 422, code="complaint.text_control",
            detail="答复内容含有不可见的控制字符")
    problem(step(api, world.company, cid, "response", 2, text="a\x00b"), 422, code="invalid_request",
            detail="请求体：文本中不能含有空字符（NUL）")  # refused for every body before any service
    problem(step(api, world.company, cid, "response", 2, text="长" * 2001), 422, code="complaint.text_too_long",
            detail="答复内容过长：2001 字，最多 2000 字")
    problem(step(api, world.regulator, cid, "closure", 2, finding="substantiated"), 409,
            code="complaint.wrong_status",
            detail=f"投诉 {cid} 当前为「已转企业办理」，不能办结（只有「已解决（投诉人满意）、已调解」的投诉可以办结）")
    assert state(sessions) == before
