"""``/api/v1/commitments``: sign, list and read in scope, fulfilment, breach — on both engines.

Each route: the roles allowed, a role denied (403), a subject or commitment outside the scope (404, word
for word an unknown one), refusals with the CLI's sentence, and nothing written by any refusal.
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
from tests.repair.helpers import snapshot

from jzcredit.common.ids import make_uscc
from jzcredit.records.models import CreditRecord

COMMITMENTS = "/api/v1/commitments"
UNKNOWN_USCC = make_uscc(random.Random(123_457), region_code="370102")


def sign(api: TestClient, who: Any, key: str, kind: str = "voluntary", **extra: Any) -> Any:
    return api.post(COMMITMENTS, headers=who.headers,
                    json={"subject_key": key, "kind": kind, "text": "守法诚信经营，明码标价", **extra})


def fulfil(api: TestClient, who: Any, commitment_id: int, version: int, **extra: Any) -> Any:
    return api.post(f"{COMMITMENTS}/{commitment_id}/fulfilment", headers=who.headers,
                    json={"version": version, **extra})


def breach(api: TestClient, who: Any, commitment_id: int, version: int, reason: str = "经查实存在价外加价") -> Any:
    return api.post(f"{COMMITMENTS}/{commitment_id}/breach", headers=who.headers,
                    json={"reason": reason, "version": version})


def state(sessions: sessionmaker[Session]) -> Any:
    with sessions() as s:
        return snapshot(s)


def record(sessions: sessionmaker[Session], record_id: int) -> CreditRecord:
    with sessions() as s:
        found = s.get_one(CreditRecord, record_id)
        s.expunge(found)
        return found


def test_the_company_signs_its_own_and_a_regulator_records_one_audited_with_their_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    signed = sign(api, world.company, world.uscc, public=True)
    assert signed.status_code == 201, signed.text
    body = signed.json()
    assert body["status"] == "in_force" and body["kind_label"] == "主动承诺" and body["public"] is True
    assert body["subject_key"] == world.uscc and body["signed_by"] == world.company.actor and body["version"] == 1
    assert body["signed_on"] == "2026-06-30" and "subject_id" not in body
    assert record(sessions, body["record_id"]).type == "commitment"
    by_regulator = sign(api, world.regulator, world.worker_code, "industry")
    assert by_regulator.status_code == 201 and by_regulator.json()["subject_key"] == world.worker_code
    notification = sign(api, world.admin, world.other_uscc, "notification", in_place_of="从业资格证明")
    assert notification.status_code == 201 and notification.json()["in_place_of"] == "从业资格证明"
    assert audit_actors(sessions, "commitment.sign") == [world.company.actor, world.regulator.actor,
                                                         world.admin.actor]


def test_signing_for_others_or_outside_the_scope_reads_like_an_unknown_subject_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    before = state(sessions)
    for who, key in ((world.company, world.worker_code), (world.company, world.other_uscc),
                     (world.other_company, world.uscc), (world.far_regulator, world.uscc),
                     (world.regulator, world.other_uscc)):
        hidden = sign(api, who, key)
        problem(hidden, 404, code="subject.not_found", detail="没有找到这个信用主体，或您无权查看")
        same_problem(hidden, sign(api, who, UNKNOWN_USCC))
    problem(sign(api, world.worker, world.worker_code), 403, code="auth.role")
    problem(sign(api, world.bank, world.uscc), 403, code="auth.role")
    problem(api.post(COMMITMENTS, json={"subject_key": world.uscc, "kind": "voluntary", "text": "x"}), 401)
    assert state(sessions) == before


def test_sign_refusals_carry_the_cli_sentence_and_a_notification_names_the_serious_record(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        serious = add_record(s, world.company_id, "penalty", severity="serious", decided_on=date(2026, 5, 1))
        serious_id, doc = serious.id, serious.doc_number
    before = state(sessions)
    problem(sign(api, world.company, world.uscc, "notification"), 409, code="commitment.serious_record",
            detail=f"该主体有尚未修复的严重失信记录，不能签署告知承诺：记录 {serious_id}（行政处罚，文号 {doc}）。"
                   "请先完成信用修复")
    problem(sign(api, world.company, world.uscc, "pinky"), 422, code="commitment.bad_kind",
            detail="未知的承诺类型 pinky，可选：notification、voluntary、industry、repair")
    problem(sign(api, world.company, world.uscc, text="  "), 422, code="commitment.text_required",
            detail="承诺内容不能为空，请用 --text 写明承诺事项")
    problem(sign(api, world.company, world.uscc, in_place_of="营业执照"), 422, code="commitment.in_place_of",
            detail="只有告知承诺（notification）可以用 --in-place-of 替代证明材料")
    problem(sign(api, world.company, world.uscc, text="a\x00b"), 422, code="invalid_request")
    problem(sign(api, world.company, world.uscc, colour="red"), 422, code="invalid_request")
    assert state(sessions) == before


def test_a_regulator_records_fulfilment_and_the_admin_a_breach(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    one = sign(api, world.company, world.uscc).json()
    two = sign(api, world.company, world.uscc, public=True).json()
    fulfilled = fulfil(api, world.regulator, one["commitment_id"], 1, note="承诺期内无违法违规行为")
    assert fulfilled.status_code == 200, fulfilled.text
    body = fulfilled.json()
    assert body["status"] == "fulfilled" and body["version"] == 2 and body["ended_by"] == world.regulator.actor
    assert body["end_note"] == "承诺期内无违法违规行为" and body["ended_on"] == "2026-06-30"
    assert record(sessions, one["record_id"]).status == "expired"
    breached = breach(api, world.admin, two["commitment_id"], 1)
    assert breached.status_code == 200, breached.text
    assert breached.json()["status"] == "breached" and breached.json()["end_note"] == "经查实存在价外加价"
    made = record(sessions, breached.json()["breach_record_id"])
    assert (made.type, made.category, made.subject_id) == ("commitment_breach", "negative", world.company_id)
    assert audit_actors(sessions, "commitment.fulfil") == [world.regulator.actor]
    assert audit_actors(sessions, "commitment.breach") == [world.admin.actor]


def test_step_refusals_are_4xx_with_the_cli_sentence_and_change_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    cid = sign(api, world.company, world.uscc).json()["commitment_id"]
    unknown = 999_999
    before = state(sessions)
    same_problem(breach(api, world.far_regulator, cid, 1), breach(api, world.far_regulator, unknown, 1),
                 (cid, unknown))
    same_problem(fulfil(api, world.far_regulator, cid, 1), fulfil(api, world.far_regulator, unknown, 1),
                 (cid, unknown))
    problem(fulfil(api, world.far_regulator, cid, 1), 404, code="commitment.not_found",
            detail=f"没有编号为 {cid} 的信用承诺")
    problem(fulfil(api, world.company, cid, 1), 403, code="auth.role")
    problem(breach(api, world.company, cid, 1), 403, code="auth.role")
    problem(breach(api, world.regulator, cid, 2), 409, code="commitment.stale",
            detail=f"承诺 {cid} 已被他人修改（当前版本 1，您提交的是版本 2），请刷新后查看最新状态再操作")
    problem(breach(api, world.regulator, cid, 1, reason=" "), 422, code="commitment.reason_required",
            detail="请用 --reason 写明违背承诺的事实")
    problem(fulfil(api, world.regulator, cid, 1, colour="red"), 422, code="invalid_request")
    assert state(sessions) == before
    assert fulfil(api, world.regulator, cid, 1).status_code == 200
    before = state(sessions)
    problem(breach(api, world.regulator, cid, 2), 409, code="commitment.not_in_force",
            detail=f"承诺 {cid} 的状态是已履行（fulfilled），只有履行中（in_force）的承诺可以登记违背")
    assert state(sessions) == before


def test_lists_and_reads_show_only_what_is_in_scope(api: TestClient, world: World) -> None:
    a = sign(api, world.company, world.uscc).json()["commitment_id"]
    b = sign(api, world.other_company, world.other_uscc).json()["commitment_id"]
    c = sign(api, world.regulator, world.worker_code).json()["commitment_id"]

    def listed(who: Any, **params: Any) -> list[int]:
        response = api.get(COMMITMENTS, headers=who.headers, params=params)
        assert response.status_code == 200, response.text
        return [r["commitment_id"] for r in response.json()["items"]]

    assert listed(world.admin) == [a, b, c]
    assert listed(world.regulator) == [a, c]
    assert listed(world.far_regulator) == [b]
    assert listed(world.company) == [a, c]  # itself and its worker
    assert listed(world.worker) == [c]
    assert listed(world.admin, size=2, page=2) == [c]
    fulfil(api, world.admin, b, 1)
    assert listed(world.admin, status="in_force") == [a, c]
    problem(api.get(COMMITMENTS, headers=world.bank.headers), 403, code="auth.role")
    problem(api.get(COMMITMENTS, headers=world.admin.headers, params={"status": "kept"}), 422,
            code="commitment.bad_status")
    one = api.get(f"{COMMITMENTS}/{c}", headers=world.worker.headers)
    assert one.status_code == 200 and one.json()["signed_by"] == world.regulator.actor
    same_problem(api.get(f"{COMMITMENTS}/{a}", headers=world.worker.headers),
                 api.get(f"{COMMITMENTS}/999999", headers=world.worker.headers), (a, 999999))
