"""The consumer's complaint pages through the app on both engines: the form's field-level validation, filing
through the public form service, the tracking page before and after the company answers, the Chinese 404, the
cross-site refusal and the rate limit shared with the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import CFG, at, code_of, file
from tests.factories import add_company, add_worker
from tests.web.pages_helpers import page_client

from jzcredit.common.crypto import Vault
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.models import Complaint
from jzcredit.config import Settings
from jzcredit.public.forms import PUBLIC_COMPLAINANT
from jzcredit.registry.models import Company

PHONE = "13912345678"
TRACKING = re.compile(r"/complaints/(TS[0-9A-Z]{12})\?filed=1$")


@dataclass
class World:
    client: TestClient
    sessions: sessionmaker[Session]
    vault: Vault
    uscc: str
    other_uscc: str
    worker_code: str
    stranger_code: str


@pytest.fixture
def world(sessions: sessionmaker[Session], vault: Vault, settings: Settings, tmp_path: Path) -> World:
    with sessions() as s, s.begin():
        company = add_company(s, name="泉城家政服务有限公司", region_code="370102")
        other = add_company(s, name="泉城保洁服务有限公司", region_code="370103")
        add_company(s, name="历下月嫂中心", region_code="370102")
        worker, stranger = add_worker(s, vault, employer=company), add_worker(s, vault, employer=other)
        codes = code_of(s, worker), code_of(s, stranger)
    return World(page_client(settings, tmp_path), sessions, vault, company.uscc, other.uscc, *codes)


def valid(world: World, **changes: Any) -> dict[str, str]:
    return {"company": world.uscc, "worker_code": "", "category": "quality",
            "description": "约定 4 小时保洁，实际只做了 2 小时。", "contact_phone": PHONE} | changes


def complaints(world: World) -> list[Complaint]:
    with world.sessions() as s:
        return list(s.scalars(select(Complaint).order_by(Complaint.id)))


def field_error(html: str, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]*)</p>', html)
    return match.group(1) if match else None


def test_the_form_has_every_field_and_category(world: World) -> None:
    html = world.client.get("/complaints/new").text
    for name in ("company", "worker_code", "category", "description", "contact_phone"):
        assert f'name="{name}"' in html
    for label in ("服务质量", "价格", "合同", "财物损坏", "盗窃", "虐待", "人身伤害", "其他"):
        assert f">{label}</option>" in html
    assert 'method="post" action="/complaints/new"' in html and "不会公开" in html


def test_filing_redirects_to_the_tracking_page_with_the_code(world: World) -> None:
    response = world.client.post("/complaints/new", data=valid(world, worker_code=world.worker_code.lower()),
                                 follow_redirects=False)
    assert response.status_code == 303, response.text
    code = TRACKING.search(response.headers["location"])
    assert code is not None
    [filed] = complaints(world)
    assert (filed.tracking_code, filed.status, filed.category, filed.filed_by) == (
        code.group(1), "filed", "quality", PUBLIC_COMPLAINANT)
    assert filed.contact_phone_masked == "139****5678" and PHONE not in (filed.contact_phone_cipher or "")
    assert world.vault.decrypt(filed.contact_phone_cipher or "") == PHONE
    assert filed.worker_id is not None and filed.respond_by is None
    page = world.client.get(response.headers["location"])
    assert page.status_code == 200
    assert "投诉已提交" in page.text and f'id="tracking-code">{filed.tracking_code}<' in page.text
    assert "已受理" in page.text and "企业还没有答复" in page.text
    assert PHONE not in page.text and "139****5678" not in page.text and "实际只做了" not in page.text


def test_missing_fields_each_get_their_message_and_what_was_typed_stays(world: World) -> None:
    response = world.client.post("/complaints/new", data={"company": "", "worker_code": world.worker_code,
                                                          "category": "", "description": "  ", "contact_phone": ""})
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "company") == "请填写被投诉企业的统一社会信用代码或名称"
    assert field_error(html, "category") == "请选择投诉类别"
    assert field_error(html, "description") == "请写明投诉的事情经过和诉求"
    assert field_error(html, "contact_phone") == "请填写您的手机号码，以便监管部门联系您"
    assert field_error(html, "worker_code") is None
    assert f'value="{world.worker_code}"' in html and 'aria-invalid="true" aria-describedby="company-error"' in html
    assert "有 4 处需要修改" in html and complaints(world) == []


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"contact_phone": "12345"}, "contact_phone", "不是有效的手机号码"),
    ({"company": "91370100MA3C5EXL0Y"}, "company", "统一社会信用代码格式不正确"),
    ({"worker_code": "JZ12"}, "worker_code", "服务员编码格式不正确"),
    ({"category": "bribery"}, "category", "请从列表中选择投诉类别"),
    ({"description": "长" * 2001}, "description", "投诉内容过长：2001 字，最多 2000 字"),
    ({"description": "长" * 4001}, "description", "最多 4000 个字符"),
    ({"description": "含\x01控制字符"}, "description", "不可见的控制字符"),
])
def test_service_and_schema_refusals_are_put_beside_their_field(world: World, changes: dict[str, str], field: str,
                                                                words: str) -> None:
    response = world.client.post("/complaints/new", data=valid(world, **changes))
    assert response.status_code == 422, response.text[:500]
    assert words in (field_error(response.text, field) or ""), response.text[:3000]
    assert complaints(world) == []


def test_a_worker_of_another_company_or_an_unknown_code_is_refused_at_the_worker_field(world: World) -> None:
    refused = world.client.post("/complaints/new", data=valid(world, worker_code=world.stranger_code))
    assert refused.status_code == 422 and "从未受雇于所填企业" in (field_error(refused.text, "worker_code") or "")
    unknown = world.client.post("/complaints/new", data=valid(world, worker_code="JZ0000000000"))
    assert unknown.status_code == 404 and field_error(unknown.text, "worker_code")
    assert complaints(world) == []


def test_an_unknown_uscc_is_refused_at_the_company_field(world: World) -> None:
    with world.sessions() as s, s.begin():
        company = add_company(s, name="临时企业")
        uscc = company.uscc
        s.delete(company)
    response = world.client.post("/complaints/new", data=valid(world, company=uscc))
    assert response.status_code == 404 and "没有统一社会信用代码为" in (field_error(response.text, "company") or "")


def test_a_name_offers_the_matching_companies_to_choose_from(world: World) -> None:
    response = world.client.post("/complaints/new", data=valid(world, company="泉城"))
    assert response.status_code == 422 and complaints(world) == []
    assert "找到 2 家名称含“泉城”的企业" in (field_error(response.text, "company") or "")
    assert f'name="company_uscc" value="{world.uscc}"' in response.text
    assert f'name="company_uscc" value="{world.other_uscc}"' in response.text
    assert "历下月嫂中心" not in response.text
    chosen = world.client.post("/complaints/new", data=valid(world, company="泉城", company_uscc=world.other_uscc),
                               follow_redirects=False)
    assert chosen.status_code == 303
    [filed] = complaints(world)
    with world.sessions() as s:
        assert s.get(Company, filed.company_id).uscc == world.other_uscc  # type: ignore[union-attr]
    nothing = world.client.post("/complaints/new", data=valid(world, company="没有这家"))
    assert "没有找到名称含“没有这家”的企业" in (field_error(nothing.text, "company") or "")


def test_a_chosen_company_stays_chosen_when_another_field_is_wrong(world: World) -> None:
    response = world.client.post("/complaints/new", data=valid(world, company="泉城", company_uscc=world.other_uscc,
                                                               contact_phone=""))
    assert response.status_code == 422 and field_error(response.text, "company") is None
    assert field_error(response.text, "contact_phone")
    assert f'name="company_uscc" value="{world.other_uscc}" checked' in response.text
    assert f'value="{world.uscc}"' not in response.text  # only the chosen one is offered again
    named = world.client.post("/complaints/new", data=valid(world, company="泉城", contact_phone=""))
    assert "找到 2 家" in (field_error(named.text, "company") or "") and field_error(named.text, "contact_phone")


def test_the_search_box_finds_companies_by_name_or_uscc(world: World) -> None:
    by_name = world.client.get("/complaints/new", params={"q": "月嫂"}).text
    assert "历下月嫂中心" in by_name and 'checked' in by_name  # one match: chosen already
    by_code = world.client.get("/complaints/new", params={"q": world.uscc}).text
    assert f'value="{world.uscc}" checked' in by_code
    unknown = world.client.get("/complaints/new", params={"q": "91370100MA00000000"}).text
    assert "没有统一社会信用代码为 91370100MA00000000 的企业" in (field_error(unknown, "company") or "")
    none = world.client.get("/complaints/new", params={"q": "联系13812345678"}).text
    assert "13812345678" not in none and "138****5678" in none  # a number typed is not repeated whole


def test_the_tracking_page_follows_the_company_answer_and_the_finding(world: World) -> None:
    location = world.client.post("/complaints/new", data=valid(world), follow_redirects=False).headers["location"]
    tracking = location.split("?")[0]
    [filed] = complaints(world)
    with world.sessions() as s, s.begin():
        complaints_service.forward(s, complaint_id=filed.id, now=at(filed.filed_on), actor="regulator:test", cfg=CFG)
    page = world.client.get(tracking).text
    assert "已转企业办理" in page and "企业应在 2026-07-07 前答复" in page and "已逾期" not in page
    with world.sessions() as s, s.begin():
        complaints_service.respond(s, complaint_id=filed.id, now=at(filed.filed_on), actor="company:test", cfg=CFG,
                                   text="已安排补做 2 小时保洁并致歉。如有疑问请致电 13800001111。")
    page = world.client.get(tracking).text
    assert "企业已答复" in page and "已安排补做 2 小时保洁并致歉" in page
    assert "13800001111" not in page and "138****1111" in page  # the answer redacted as the API's
    assert re.search(r"<li><span class=\"when\">2026-06-30</span> 企业已答复</li>", page)
    with world.sessions() as s, s.begin():
        complaints_service.resolve(s, complaint_id=filed.id, satisfied=True, now=at(filed.filed_on), actor="r")
        complaints_service.close(s, complaint_id=filed.id, finding="substantiated", now=at(filed.filed_on),
                                 actor="regulator:test", cfg=CFG)
    page = world.client.get(tracking).text
    assert "已办结" in page and "<dt>调查结论</dt><dd><strong>属实</strong>" in page
    api = world.client.get(f"/api/v1/public/complaints/{filed.tracking_code}", headers={"Accept": "application/json"})
    assert api.json()["status"] == "closed"


def test_an_overdue_answer_shows_as_overdue(world: World) -> None:
    with world.sessions() as s, s.begin():
        company = s.scalars(select(Company).where(Company.uscc == world.uscc)).one()
        filed = file(s, world.vault, company, day=date(2026, 6, 1))
        complaints_service.forward(s, complaint_id=filed.id, now=at(date(2026, 6, 1)), actor="regulator:test",
                                   cfg=CFG)
        code = filed.tracking_code
    page = world.client.get(f"/complaints/{code}").text  # on 2026-06-30, past 2026-06-08
    assert "企业应在 2026-06-08 前答复" in page and "已逾期" in page and "逾期未答复会记入企业的信用记录" in page


def test_an_unknown_code_is_a_chinese_404_with_what_to_do(world: World) -> None:
    response = world.client.get("/complaints/ts0000000000oo")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "没有找到这个投诉" in response.text and "TS000000000000" in response.text
    assert "核对查询码" in response.text and 'href="/complaints/new"' in response.text
    odd = world.client.get("/complaints/13912345678")
    assert odd.status_code == 404 and "13912345678" not in odd.text and "不是有效的投诉查询码" in odd.text


def test_a_typed_code_is_normalised_and_redirected(world: World) -> None:
    response = world.client.get("/complaints", params={"code": " ts-7k3m 9q2x wdab "}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/complaints/TS7K3M9Q2XWDAB"
    assert "查看投诉进度" in world.client.get("/complaints").text
    odd = world.client.get("/complaints", params={"code": "../admin"}, follow_redirects=False)
    assert odd.status_code == 404 and "location" not in odd.headers and "不是有效的投诉查询码" in odd.text


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Referer": "https://evil.example/form.html"}, {"Origin": "null"}])
def test_a_post_from_another_site_is_refused_and_files_nothing(world: World, headers: dict[str, str]) -> None:
    response = world.client.post("/complaints/new", data=valid(world), headers=headers)
    assert response.status_code == 403 and "只能从本站页面提交" in response.text
    assert complaints(world) == []


@pytest.mark.parametrize("headers", [{"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"},
                                     {"Referer": "http://testserver/complaints/new"}, {}])
def test_a_post_from_our_own_page_or_a_program_is_taken(world: World, headers: dict[str, str]) -> None:
    response = world.client.post("/complaints/new", data=valid(world), headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert len(complaints(world)) == 1


def test_the_form_is_rate_limited_like_the_api(sessions: sessionmaker[Session], settings: Settings,
                                               tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        uscc = add_company(s).uscc
    client = page_client(settings, tmp_path, limits=True)  # the shipped limits: a burst of 5 submissions
    client.app.state.limits_clock = lambda: 1000.0  # type: ignore[attr-defined]  # time stands still: no refill
    form = {"company": uscc, "category": "price", "description": "多收费", "contact_phone": PHONE}
    statuses = [client.post("/complaints/new", data=form, follow_redirects=False).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    api = client.post("/api/v1/public/complaints", json={"company_uscc": uscc, "category": "price",
                                                         "description": "多收费", "contact_phone": PHONE})
    assert api.status_code == 429  # one bucket for the page and the API
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 5
