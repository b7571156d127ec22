"""``/api/v1/companies/{uscc}/service-codes``: a company issues codes for its own orders and lists them; a
regulator lists those of a company in its region — on both engines.

The roles allowed, a role denied (403), another company or one outside the region (404, word for word an
unknown USCC), refusals with the CLI's sentence, and nothing written by any refusal.
"""

from __future__ import annotations

import random
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
from tests.complaints.helpers import snapshot

from jzcredit.common.ids import make_uscc
from jzcredit.config import Settings

UNKNOWN_USCC = make_uscc(random.Random(55_001), region_code="370102")


def codes(uscc: str) -> str:
    return f"/api/v1/companies/{uscc}/service-codes"


def issue(api: TestClient, who: Any, uscc: str, **body: Any) -> Any:
    return api.post(codes(uscc), headers=who.headers, json=body)


def listed(api: TestClient, who: Any, uscc: str, **params: Any) -> Any:
    return api.get(codes(uscc), headers=who.headers, params=params)


def state(sessions: sessionmaker[Session]) -> Any:
    with sessions() as s:
        return snapshot(s)


def test_the_company_issues_codes_with_their_expiry_audited_with_its_actor(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    one = issue(api, world.company, world.uscc, worker_key=world.worker_code, order_ref="DD-0630-001")
    assert one.status_code == 201, one.text
    body = one.json()
    assert body["company_key"] == world.uscc and body["expires_on"] == "2026-07-30" and body["count"] == 1
    (code,) = body["codes"]
    assert code["code"].startswith("PJ") and len(code["code"]) == 14 and code["status"] == "unused"
    assert code["worker_key"] == world.worker_code and code["order_ref"] == "DD-0630-001"
    batch = issue(api, world.company, world.uscc, count=3).json()
    assert batch["count"] == 3 and len({c["code"] for c in batch["codes"]}) == 3
    assert audit_actors(sessions, "servicecodes.issue") == [world.company.actor] * 2


def test_issuing_for_another_company_or_by_another_role_is_refused_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    before = state(sessions)
    hidden = issue(api, world.other_company, world.uscc)
    problem(hidden, 404, code="subject.not_found", detail="没有找到这个信用主体，或您无权查看")
    same_problem(hidden, issue(api, world.other_company, UNKNOWN_USCC))
    same_problem(hidden, issue(api, world.company, world.worker_code))  # its worker is not a company
    for who in (world.regulator, world.admin, world.worker, world.bank):
        problem(issue(api, who, world.uscc), 403, code="auth.role")
    problem(api.post(codes(world.uscc), json={}), 401, code="auth.required")
    assert state(sessions) == before


def test_issue_refusals_carry_the_cli_sentence(api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    assert issue(api, world.company, world.uscc, order_ref="DD-1").status_code == 201
    before = state(sessions)
    problem(issue(api, world.company, world.uscc, count=501), 422, code="servicecode.bad_count",
            detail="--count 必须在 1 到 500 之间")
    problem(issue(api, world.company, world.uscc, count=2, order_ref="DD-2"), 422, code="servicecode.order_count",
            detail="一个订单只发一个服务评价码：给出 --order 时 --count 只能为 1")
    problem(issue(api, world.company, world.uscc, order_ref="DD-1"), 409, code="servicecode.order_taken",
            detail="订单 DD-1 已发过服务评价码（一单一码）")
    problem(issue(api, world.other_company, world.other_uscc, worker_key=world.worker_code), 422,
            code="servicecode.not_employed", detail="该服务员不是本企业的在职人员，不能为其发放服务评价码")
    problem(issue(api, world.company, world.uscc, count=0), 422, code="invalid_request")
    problem(issue(api, world.company, world.uscc, order_ref="DD\x003"), 422, code="invalid_request")
    problem(issue(api, world.company, world.uscc, stars=5), 422, code="invalid_request")
    assert state(sessions) == before


def test_the_company_and_its_regulator_list_the_codes_with_their_status_today(
        api: TestClient, world: World, settings: Settings) -> None:
    first = issue(api, world.company, world.uscc, order_ref="DD-1").json()["codes"][0]["code"]
    issue(api, world.other_company, world.other_uscc, count=2)
    rated = api.post("/api/v1/public/ratings", json={"company_uscc": world.uscc, "service_code": first, "stars": 5})
    assert rated.status_code == 201, rated.text
    second = issue(api, world.company, world.uscc).json()["codes"][0]["code"]

    def shown(who: Any, uscc: str, **params: Any) -> list[tuple[str, str]]:
        response = listed(api, who, uscc, **params)
        assert response.status_code == 200, response.text
        return [(c["code"], c["status"]) for c in response.json()["items"]]

    assert shown(world.company, world.uscc) == [(first, "used"), (second, "unused")]
    assert shown(world.regulator, world.uscc, status="unused") == [(second, "unused")]
    assert shown(world.admin, world.uscc, size=1, page=2) == [(second, "unused")]
    assert len(shown(world.far_regulator, world.other_uscc)) == 2
    settings.now = "2026-07-31T09:00"
    assert shown(world.company, world.uscc) == [(first, "used"), (second, "expired")]
    hidden = listed(api, world.far_regulator, world.uscc)
    problem(hidden, 404, code="subject.not_found")
    same_problem(hidden, listed(api, world.far_regulator, UNKNOWN_USCC))
    same_problem(listed(api, world.other_company, world.uscc), listed(api, world.other_company, UNKNOWN_USCC))
    same_problem(listed(api, world.regulator, world.worker_code), listed(api, world.regulator, UNKNOWN_USCC))
    problem(listed(api, world.worker, world.uscc), 403, code="auth.role")
    problem(listed(api, world.bank, world.uscc), 403, code="auth.role")
    problem(listed(api, world.company, world.uscc, status="new"), 422, code="servicecode.bad_status",
            detail="未知的服务评价码状态 new，可选：unused、used、expired")
