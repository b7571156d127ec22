"""``/api/v1/finance`` and ``/companies/{uscc}/bank-authorisations`` on both engines: a bank sees a company's
§3.8 figures only while the company's authorisation of that bank is in force, every look is logged with the
bank, the time and the purpose, the company (and its regulator) reads the log, and a company grants and revokes.

Refusals answer like an unknown company (404, the same words) and write nothing: no inquiry, no audit entry.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    api_fixture,
    audit_actors,
    person,
    problem,
    same_problem,
    world_fixture,
)
from tests.factories import add_worker, set_grade
from tests.programs.helpers import add_complaint, add_entry, add_region, by_key

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.config import Settings
from jzcredit.finance.models import BankAuthorisation, BankInquiry
from jzcredit.programs import financing
from jzcredit.programs.common import Scope
from jzcredit.programs.rules import programs_rules
from jzcredit.registry.models import Company, Worker

FINANCE = "/api/v1/finance"
UNKNOWN_USCC = make_uscc(random.Random(424_242), region_code="370102")
PHONE = "13905311234"
BANK = ("collect", "bank_aggregate")
POOR_COUNTY, PROVINCIAL_COUNTY = "410225", "372926"


def user_id(who: Any) -> int:
    """The user id inside an actor text ``role:id:name``."""
    return int(who.actor.split(":")[1])


def grants(uscc: str) -> str:
    return f"/api/v1/companies/{uscc}/bank-authorisations"


def grant(api: TestClient, who: Any, uscc: str, bank: Any, **extra: Any) -> Any:
    return api.post(grants(uscc), headers=who.headers, json={"bank_user_id": user_id(bank), **extra})


def revoke(api: TestClient, who: Any, uscc: str, authorisation_id: int) -> Any:
    return api.delete(f"{grants(uscc)}/{authorisation_id}", headers=who.headers)


def look(api: TestClient, bank: Any, uscc: str, purpose: str | None = "流动资金贷款申请审查") -> Any:
    params = {} if purpose is None else {"purpose": purpose}
    return api.get(f"{FINANCE}/companies/{uscc}", headers=bank.headers, params=params)


def log(api: TestClient, who: Any, **params: Any) -> Any:
    return api.get(f"{FINANCE}/inquiries", headers=who.headers, params=params)


def written(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """What a refusal must not change: inquiries, authorisations, audit entries."""
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (BankInquiry, BankAuthorisation, AuditEntry))


@pytest.fixture
def other_bank(sessions: sessionmaker[Session], vault: Vault) -> Any:
    with sessions() as s, s.begin():
        return person(s, vault, "bank", "青岛银行")


@pytest.fixture
def figures(world: World, sessions: sessionmaker[Session], vault: Vault) -> dict[str, Any]:
    """The first company's workers, each counted or left out for a reason, plus a grade, lists and complaints.

    Returns the ID numbers and phone stored for the workers (none may appear in a bank's answer)."""
    with sessions() as s, s.begin():
        add_region(s, POOR_COUNTY, "national")
        add_region(s, PROVINCIAL_COUNTY, "provincial")
        company = s.get_one(Company, world.company_id)
        made = [add_worker(s, vault, employer=company, consents=BANK, name="王大芳"),
                add_worker(s, vault, employer=company, consents=BANK, region_code=POOR_COUNTY, name="赵二芳"),
                add_worker(s, vault, employer=company, consents=BANK, region_code=PROVINCIAL_COUNTY,
                           registered_poor=True, name="钱三芳"),
                add_worker(s, vault, employer=company, consents=("bank_aggregate",), verified=False,
                           registered_poor=True, name="孙四芳"),
                # no bank consent: counted nowhere, not even as a number the bank sees
                add_worker(s, vault, employer=company, consents=("collect",), region_code=POOR_COUNTY,
                           name="周五芳")]
        for w in made:
            w.phone_cipher, w.phone_masked = vault.encrypt(PHONE), PHONE[:3] + "****" + PHONE[-4:]
            w.phone_hash = vault.lookup_hash(PHONE)
        set_grade(s, world.company_id, "B")
        add_entry(s, company, "red", published_on=date(2026, 3, 1), expires_on=date(2027, 2, 28))
        add_entry(s, company, "watch", status="active")  # internal to regulators: never shown to a bank
        add_complaint(s, company, filed_on=date(2026, 5, 1), status="resolved")
        add_complaint(s, company, filed_on=date(2026, 6, 1), unanswered=True)
        add_complaint(s, company, filed_on=date(2025, 1, 1), finding="substantiated")  # outside 365 days
        s.flush()
        workers = s.scalars(select(Worker).where(Worker.subject_id.in_([w.subject_id for w in made]))).all()
        return {"ids": [vault.decrypt(w.id_cipher) for w in workers], "masked": [w.id_masked for w in workers],
                "names": [w.name for w in workers], "phone": PHONE, "phone_masked": made[0].phone_masked}


def test_a_bank_sees_the_figures_only_while_authorised(api: TestClient, world: World, other_bank: Any,
                                                       sessions: sessionmaker[Session]) -> None:
    unknown = look(api, world.bank, UNKNOWN_USCC)
    problem(unknown, 404, code="subject.not_found", detail="没有找到这个信用主体，或您无权查看")
    before = written(sessions)
    same_problem(unknown, look(api, world.bank, world.uscc))  # not authorised yet: as if unknown
    assert written(sessions) == before

    granted = grant(api, world.company, world.uscc, world.bank)
    assert granted.status_code == 201, granted.text
    seen = look(api, world.bank, world.uscc)
    assert seen.status_code == 200, seen.text
    assert (seen.json()["uscc"], seen.json()["name"]) == (world.uscc, "济南家政服务有限公司")
    assert seen.json()["as_of"] == "2026-06-30" and seen.json()["purpose"] == "流动资金贷款申请审查"

    before = written(sessions)
    same_problem(unknown, look(api, other_bank, world.uscc))  # another bank never
    same_problem(unknown, look(api, world.bank, world.other_uscc))  # nor another company
    assert written(sessions) == before

    revoked = revoke(api, world.company, world.uscc, granted.json()["authorisation_id"])
    assert revoked.status_code == 200 and revoked.json()["in_force"] is False
    before = written(sessions)
    same_problem(unknown, look(api, world.bank, world.uscc))  # at once, on the same second
    assert written(sessions) == before

    again = grant(api, world.company, world.uscc, world.bank)
    assert again.status_code == 201 and again.json()["authorisation_id"] != granted.json()["authorisation_id"]
    assert look(api, world.bank, world.uscc).status_code == 200
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankInquiry)) == 2  # the two answered looks only


def test_the_figures_are_the_financing_programs_for_consented_workers_only(
        api: TestClient, world: World, figures: dict[str, Any], sessions: sessionmaker[Session],
        settings: Settings) -> None:
    assert grant(api, world.company, world.uscc, world.bank).status_code == 201
    response = look(api, world.bank, world.uscc)
    assert response.status_code == 200, response.text
    view = response.json()
    with sessions() as s:
        program = by_key(financing.run(s, year=2026, scope=Scope(None, NOW),
                                       rules=programs_rules(settings.config).financing))[world.uscc]
    counted = dict(program.extra["figures"])
    assert counted.pop("not_counted") == 2  # the fixture's worker and 周五芳 have no bank consent
    counted["current"] = counted.pop("workers")
    assert view["workers"] == counted
    assert view["workers"] == {"current": 4, "identified_authorised": 3, "national_poor_county": 1,
                               "provincial_poor_county": 1, "registered_poor": 2, "poor_workers": 3}
    assert view["grade"] == program.extra["grade"] == "B"
    assert view["complaints"] == program.extra["complaints"]
    assert view["complaints"] == {"total": 2, "resolved": 1, "unanswered": 1, "substantiated": 0, "window_days": 365}
    assert sorted(program.extra["lists"]) == ["red", "watch"]
    assert [(m["list"], m["expires_on"]) for m in view["lists"]] == [("red", "2027-02-28")]  # never the watch list
    assert view["employment_model"] == program.extra["employment_model"] == "employee"
    assert "not_counted" not in response.text and "watch" not in response.text
    for secret in [*figures["ids"], *figures["masked"], *figures["names"], figures["phone"], figures["phone_masked"],
                   "李小芳"]:
        assert secret not in response.text


def test_a_purpose_is_required_and_kept_as_written(api: TestClient, world: World,
                                                   sessions: sessionmaker[Session]) -> None:
    assert grant(api, world.company, world.uscc, world.bank).status_code == 201
    before = written(sessions)
    missing = problem(look(api, world.bank, world.uscc, None), 422, code="invalid_request")
    assert "purpose" in missing["detail"] and "缺少必填项" in missing["detail"]
    for blank in ("", "   ", "审"):
        problem(look(api, world.bank, world.uscc, blank), 422, code="finance.purpose_required",
                detail="请说明查询目的（purpose，2–200 个字），如“贷款申请审查”；企业能看到这项说明")
    problem(look(api, world.bank, world.uscc, "审" * 201), 422, code="finance.purpose_too_long",
            detail="查询目的过长：最多 200 个字")
    # bad input is refused before the scope: the same answer for a company the bank may not see
    problem(look(api, world.bank, UNKNOWN_USCC, " "), 422, code="finance.purpose_required")
    assert written(sessions) == before

    ok = look(api, world.bank, world.uscc, "  贷款\n贷后  检查 ")
    assert ok.status_code == 200 and ok.json()["purpose"] == "贷款 贷后 检查"
    assert look(api, world.bank, world.uscc, "审" * 200).status_code == 200
    entries = log(api, world.company).json()["items"]
    assert [e["purpose"] for e in entries] == ["审" * 200, "贷款 贷后 检查"]


def test_each_look_is_logged_and_audited_and_the_company_and_its_regulator_read_the_log(
        api: TestClient, world: World, other_bank: Any, settings: Settings, sessions: sessionmaker[Session]) -> None:
    for bank in (world.bank, other_bank):
        assert grant(api, world.company, world.uscc, bank).status_code == 201
    assert grant(api, world.other_company, world.other_uscc, world.bank).status_code == 201
    first = look(api, world.bank, world.uscc, "贷前调查").json()
    settings.now = "2026-07-02T15:30"
    second = look(api, other_bank, world.uscc, "授信额度评估").json()
    elsewhere = look(api, world.bank, world.other_uscc, "贷后检查").json()

    mine = log(api, world.company)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["total"], body["page"]) == (2, 1)
    assert [(e["inquiry_id"], e["bank_user_id"], e["bank_name"], e["purpose"], e["at"][:16])
            for e in body["items"]] == [
        (second["inquiry_id"], user_id(other_bank), "青岛银行", "授信额度评估", "2026-07-02T07:30"),
        (first["inquiry_id"], user_id(world.bank), "济南银行", "贷前调查", "2026-06-30T02:00")]
    assert {e["company_uscc"] for e in body["items"]} == {world.uscc}
    assert datetime.fromisoformat(body["items"][1]["at"]) == NOW
    assert log(api, world.company, uscc=world.uscc).json() == body
    assert [e["inquiry_id"] for e in log(api, world.company, size=1, page=2).json()["items"]] == [first["inquiry_id"]]

    def ids(who: Any, **params: Any) -> list[int]:
        response = log(api, who, **params)
        assert response.status_code == 200, response.text
        return [e["inquiry_id"] for e in response.json()["items"]]

    assert ids(world.regulator) == ids(world.regulator, uscc=world.uscc) == [second["inquiry_id"], first["inquiry_id"]]
    assert ids(world.other_company) == ids(world.far_regulator) == [elsewhere["inquiry_id"]]
    assert ids(world.admin) == [elsewhere["inquiry_id"], second["inquiry_id"], first["inquiry_id"]]
    hidden = log(api, world.other_company, uscc=world.uscc)
    problem(hidden, 404, code="subject.not_found")
    same_problem(hidden, log(api, world.other_company, uscc=UNKNOWN_USCC))
    same_problem(hidden, log(api, world.far_regulator, uscc=world.uscc))
    for who in (world.bank, world.worker):
        problem(log(api, who), 403, code="auth.role")
    problem(api.get(f"{FINANCE}/inquiries"), 401, code="auth.required")

    assert audit_actors(sessions, "finance.inquiry") == [world.bank.actor, other_bank.actor, world.bank.actor]
    with sessions() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "finance.inquiry")
                            .order_by(AuditEntry.id)).first()
        assert audited is not None and audited.object == f"company:{world.company_id}"
        assert "贷前调查" in audited.detail and str(first["inquiry_id"]) in audited.detail
        assert s.get_one(BankInquiry, first["inquiry_id"]).at == NOW


def test_a_company_grants_and_revokes_for_itself_only(api: TestClient, world: World, other_bank: Any,
                                                      sessions: sessionmaker[Session]) -> None:
    banks = api.get(f"{FINANCE}/banks", headers=world.company.headers)
    assert banks.status_code == 200
    assert banks.json() == [{"bank_user_id": user_id(world.bank), "name": "济南银行"},
                            {"bank_user_id": user_id(other_bank), "name": "青岛银行"}]

    before = written(sessions)
    hidden = grant(api, world.other_company, world.uscc, world.bank)  # for another company
    problem(hidden, 404, code="subject.not_found")
    same_problem(hidden, grant(api, world.company, UNKNOWN_USCC, world.bank))
    for who in (world.regulator, world.admin, world.bank, world.worker):
        problem(grant(api, who, world.uscc, world.bank), 403, code="auth.role")
    problem(grant(api, world.company, world.uscc, world.regulator), 404, code="finance.bank_unknown")  # not a bank
    problem(api.post(grants(world.uscc), headers=world.company.headers, json={"bank_user_id": 10**9}), 404,
            code="finance.bank_unknown")
    problem(grant(api, world.company, world.uscc, world.bank, extra="x"), 422, code="invalid_request")
    problem(grant(api, world.company, world.uscc, world.bank, note="备" * 501), 422, code="invalid_request")
    assert written(sessions) == before

    made = grant(api, world.company, world.uscc, world.bank, note="  申请流动资金贷款 ")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["company_uscc"], body["bank_user_id"], body["bank_name"], body["in_force"]) == (
        world.uscc, user_id(world.bank), "济南银行", True)
    assert (body["granted_by"], body["note"], body["revoked_at"]) == (world.company.actor, "申请流动资金贷款", None)
    before = written(sessions)
    problem(grant(api, world.company, world.uscc, world.bank), 409, code="finance.already_authorised")
    assert written(sessions) == before

    listed = api.get(grants(world.uscc), headers=world.company.headers)
    assert listed.status_code == 200 and [g["authorisation_id"] for g in listed.json()] == [body["authorisation_id"]]
    assert api.get(grants(world.uscc), headers=world.regulator.headers).json() == listed.json()
    problem(api.get(grants(world.uscc), headers=world.far_regulator.headers), 404, code="subject.not_found")
    problem(api.get(grants(world.uscc), headers=world.other_company.headers), 404, code="subject.not_found")
    problem(api.get(grants(world.uscc), headers=world.bank.headers), 403, code="auth.role")

    before = written(sessions)
    foreign = revoke(api, world.other_company, world.uscc, body["authorisation_id"])
    problem(foreign, 404, code="subject.not_found")
    mistaken = revoke(api, world.other_company, world.other_uscc, body["authorisation_id"])  # its own path, not its id
    problem(mistaken, 404, code="finance.authorisation_unknown")
    same_problem(mistaken, revoke(api, world.other_company, world.other_uscc, 999_999), (body["authorisation_id"],
                                                                                         999_999))
    problem(revoke(api, world.regulator, world.uscc, body["authorisation_id"]), 403, code="auth.role")
    assert written(sessions) == before

    ended = revoke(api, world.company, world.uscc, body["authorisation_id"])
    assert ended.status_code == 200, ended.text
    assert (ended.json()["in_force"], ended.json()["revoked_by"]) == (False, world.company.actor)
    assert datetime.fromisoformat(ended.json()["revoked_at"]) == NOW
    before = written(sessions)
    problem(revoke(api, world.company, world.uscc, body["authorisation_id"]), 409, code="finance.already_revoked",
            detail=f"银行授权 {body['authorisation_id']} 已于 2026-06-30 10:00 撤销")
    assert written(sessions) == before
    assert audit_actors(sessions, "finance.authorise") == [world.company.actor]
    assert audit_actors(sessions, "finance.revoke") == [world.company.actor]


def test_other_roles_cannot_look_at_all(api: TestClient, world: World) -> None:
    assert grant(api, world.company, world.uscc, world.bank).status_code == 201
    for who in (world.admin, world.regulator, world.company, world.worker):
        problem(look(api, who, world.uscc), 403, code="auth.role")
    problem(api.get(f"{FINANCE}/companies/{world.uscc}", params={"purpose": "贷款审查"}), 401, code="auth.required")
    problem(api.get(f"{FINANCE}/banks", headers=world.bank.headers), 403, code="auth.role")
    problem(look(api, world.bank, world.uscc[:17]), 422, code="invalid_request")


def test_an_authorisation_is_in_force_from_its_grant(api: TestClient, world: World, settings: Settings) -> None:
    """Under a simulated clock a grant made later is not in force earlier (the view follows ``now``)."""
    settings.now = (NOW + timedelta(days=1)).isoformat()
    assert grant(api, world.company, world.uscc, world.bank).status_code == 201
    assert look(api, world.bank, world.uscc).status_code == 200
    settings.now = NOW.isoformat()
    problem(look(api, world.bank, world.uscc), 404, code="subject.not_found")
