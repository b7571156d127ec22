"""/portal over HTTP (both engines): a company answers a complaint forwarded to it, issues service codes and
sees them, grants and revokes a bank's authorisation and sees the inquiry log; another company's complaint
or grant reads as unknown (404) and nothing changes; other roles have no portal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company
from tests.web.signin import csrf_of, sign_in

from jzcredit.api.app import create_app
from jzcredit.common.crypto import Vault
from jzcredit.complaints import service as complaints
from jzcredit.complaints.models import Complaint
from jzcredit.config import Settings
from jzcredit.finance import service as finance
from jzcredit.finance.models import BankAuthorisation
from jzcredit.programs.rules import programs_rules
from jzcredit.users.service import add_user

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
PHONE = "13912345678"


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    sessions: sessionmaker[Session]
    complaint_a: int
    complaint_b: int
    grant_b: int
    bank_id: int


@pytest.fixture
def world(settings: Settings, sessions: sessionmaker[Session], vault: Vault) -> Iterator[World]:
    settings = settings.model_copy(update={"now": "2026-06-30T10:00"})
    tokens = {}
    with sessions() as s, s.begin():
        a = add_company(s, name="甲家政公司", region_code="370102")
        b = add_company(s, name="乙家政公司", region_code="370103")
        for key, company in (("company_a", a), ("company_b", b)):
            _u, tokens[key] = add_user(s, vault=vault, role="company", name=company.name, now=NOW,
                                       subject_id=company.subject_id)
        _u, tokens["regulator"] = add_user(s, vault=vault, role="regulator", name="监管", now=NOW, region_code="370100")
        bank, _t = add_user(s, vault=vault, role="bank", name="泉城银行", now=NOW)
        ids = []
        for company in (a, b):
            c = complaints.file_complaint(s, vault=vault, category="damage", description="打碎了花瓶",
                                          filed_by="王女士", now=NOW, actor="public", company_uscc=company.uscc,
                                          phone=PHONE)
            complaints.forward(s, complaint_id=c.id, now=NOW, actor="regulator:test")
            ids.append(c.id)
        grant_b = finance.authorise(s, company_id=b.subject_id, bank_user_id=bank.id, actor="company:b", now=NOW)
        finance.authorise(s, company_id=a.subject_id, bank_user_id=bank.id, actor="company:a", now=NOW)
        finance.inquire(s, bank_user_id=bank.id, company_id=a.subject_id, purpose="贷款申请审查", now=NOW,
                        actor="bank:test", rules=programs_rules(None).financing)
    with TestClient(create_app(settings)) as client:
        yield World(client, tokens, sessions, ids[0], ids[1], grant_b["authorisation_id"], bank.id)


def test_a_company_answers_a_complaint_forwarded_to_it(world: World) -> None:
    client = world.client
    sign_in(client, world.tokens["company_a"])
    home = client.get("/portal")
    assert home.status_code == 200 and "待答复 1 件" in home.text
    page = client.get(f"/portal/complaints/{world.complaint_a}")
    assert page.status_code == 200 and "打碎了花瓶" in page.text
    assert "王女士" not in page.text and PHONE not in page.text and "139****5678" not in page.text
    url = f"/portal/complaints/{world.complaint_a}/response"
    empty = client.post(url, data={"csrf_token": csrf_of(page.text), "version": "2", "text": " "})
    assert empty.status_code == 422 and "答复内容不能为空" in empty.text and 'aria-invalid="true"' in empty.text
    stale = client.post(url, data={"csrf_token": csrf_of(page.text), "version": "1", "text": "已赔偿"})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    done = client.post(url, data={"csrf_token": csrf_of(page.text), "version": "2", "text": "已上门道歉并赔偿"},
                       follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "答复已提交" in after.text and "已上门道歉并赔偿" in after.text and "企业已答复" in after.text
    with world.sessions() as s:
        assert s.get_one(Complaint, world.complaint_a).status == "responded"


def test_another_companys_complaint_reads_as_unknown_and_cannot_be_answered(world: World) -> None:
    client = world.client
    sign_in(client, world.tokens["company_a"])
    csrf = csrf_of(client.get("/portal").text)
    other, unknown = client.get(f"/portal/complaints/{world.complaint_b}"), client.get("/portal/complaints/99999")
    assert other.status_code == unknown.status_code == 404
    answer = client.post(f"/portal/complaints/{world.complaint_b}/response",
                         data={"csrf_token": csrf, "version": "2", "text": "不是我们"})
    assert answer.status_code == 404
    assert f"/portal/complaints/{world.complaint_b}" not in client.get("/portal/complaints").text
    with world.sessions() as s:
        assert s.get_one(Complaint, world.complaint_b).status == "forwarded"


def test_a_company_issues_service_codes_and_sees_them(world: World) -> None:
    client = world.client
    sign_in(client, world.tokens["company_a"])
    page = client.get("/portal/service-codes")
    issued = client.post("/portal/service-codes", data={"csrf_token": csrf_of(page.text), "count": "2",
                                                        "order_ref": "", "worker_key": ""})
    assert issued.status_code == 201 and "已发放 2 个服务评价码" in issued.text
    assert client.get("/portal/service-codes").text.count("未使用") == 2
    refused = client.post("/portal/service-codes", data={"csrf_token": csrf_of(page.text), "count": "2",
                                                         "order_ref": "DD-1", "worker_key": ""})
    assert refused.status_code == 422 and "一个订单只发一个服务评价码" in refused.text
    sign_in(client, world.tokens["company_b"])
    assert "还没有发放服务评价码" in client.get("/portal/service-codes").text, "a company sees its own codes only"


def test_a_company_manages_its_bank_authorisations_and_sees_who_looked(world: World) -> None:
    client = world.client
    sign_in(client, world.tokens["company_a"])
    page = client.get("/portal/banks")
    assert page.status_code == 200 and "泉城银行" in page.text and "贷款申请审查" in page.text
    with world.sessions() as s:
        own = s.scalars(select(BankAuthorisation.id).where(BankAuthorisation.id != world.grant_b)).one()
    csrf = csrf_of(page.text)
    other = client.post(f"/portal/banks/{world.grant_b}/revoke", data={"csrf_token": csrf})
    assert other.status_code == 404, other.text[-1500:]
    revoked = client.post(f"/portal/banks/{own}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert revoked.status_code == 303 and "已撤销" in client.get(revoked.headers["location"]).text
    again = client.post("/portal/banks", data={"csrf_token": csrf, "bank_user_id": str(world.bank_id), "note": ""},
                        follow_redirects=False)
    assert again.status_code == 303
    with world.sessions() as s:
        grants = {g.id: g.revoked_at for g in s.scalars(select(BankAuthorisation))}
    assert grants[world.grant_b] is None and grants[own] is not None and len(grants) == 3


def test_other_roles_and_forged_forms_get_nothing(world: World) -> None:
    client = world.client
    assert client.get("/portal", follow_redirects=False).status_code == 303
    sign_in(client, world.tokens["regulator"])
    assert client.get("/portal").status_code == 403
    sign_in(client, world.tokens["company_a"])
    forged = client.post(f"/portal/complaints/{world.complaint_a}/response", data={"version": "2", "text": "x"})
    assert forged.status_code == 403
