"""The documents over HTTP on both engines: ``/c/{uscc}/report.pdf`` (public) and
``/api/v1/repairs/{id}/certificate.pdf`` (whoever may read the application)."""

from __future__ import annotations

import random
from datetime import date
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import (
    NOW,
    World,
    api_fixture,  # noqa: F401  (fixture)
    problem,
    same_problem,
    world_fixture,  # noqa: F401  (fixture)
)
from tests.factories import add_record
from tests.pdftools import pdf_fonts, pdf_text
from tests.web.signin import sign_in

from jzcredit.common.ids import make_uscc
from jzcredit.repair import service as repair_service
from jzcredit.repair.rules import repair_rules

HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


def test_the_company_report_pdf_is_a_download_with_the_company_name_in_it(api: TestClient, world: World) -> None:
    response = api.get(f"/c/{world.uscc}/report.pdf", headers={"Accept": HTML})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="credit-report-{world.uscc}.pdf"')
    assert "济南家政服务有限公司" in unquote(disposition.split("filename*=UTF-8''")[1])
    assert response.headers["cache-control"] == "no-cache"
    text = pdf_text(response.content)
    assert "济南家政服务有限公司" in text and world.uscc in text and "信息截至 2026-06-30" in text
    assert all(f.embedded for f in pdf_fonts(response.content))


def test_an_unknown_or_malformed_uscc_is_the_pages_404(api: TestClient) -> None:
    unknown = make_uscc(random.Random(99), region_code="370102")
    for key in (unknown, "not-a-uscc"):
        page = api.get(f"/c/{key}/report.pdf", headers={"Accept": HTML})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "没有这个统一社会信用代码的企业" in page.text and key not in page.text.replace(f"/c/{key}", "")
        problem(api.get(f"/c/{key}/report.pdf", headers={"Accept": "application/json"}), 404,
                code="public.company_not_found")


def _repair(sessions: sessionmaker[Session], subject_id: int, *, approve: bool) -> tuple[int, str | None]:
    rules = repair_rules()
    with sessions() as s, s.begin():
        record = add_record(s, subject_id, "penalty", decided_on=date(2026, 1, 10))
        application = repair_service.apply(s, subject_id=subject_id, record_id=record.id, entry_id=None,
                                           commitment=True, evidence="罚款已缴清", training=True, by="申请人",
                                           now=NOW, rules=rules)
        number = None
        if approve:
            number = repair_service.decide(s, repair_id=application.id, by="李监管", now=NOW,
                                           rules=rules)["certificate_number"]
        return application.id, number


def test_the_certificate_pdf_for_the_company_itself_and_its_regulator(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    repair_id, number = _repair(sessions, world.company_id, approve=True)
    for who in (world.company, world.regulator, world.admin):
        response = api.get(f"/api/v1/repairs/{repair_id}/certificate.pdf", headers=who.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"].startswith(
            f'attachment; filename="repair-certificate-{number}.pdf"')
        text = pdf_text(response.content)
        assert str(number) in text and "信用修复证书" in text and "济南家政服务有限公司" in text


def test_the_certificate_is_hidden_outside_the_scope_and_refused_before_approval(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    approved, _ = _repair(sessions, world.company_id, approve=True)
    pending, _ = _repair(sessions, world.company_id, approve=False)
    url = "/api/v1/repairs/{}/certificate.pdf"
    for outsider in (world.other_company, world.far_regulator):
        same_problem(api.get(url.format(approved), headers=outsider.headers),
                     api.get(url.format(999999), headers=outsider.headers), ids=(approved, 999999))
    problem(api.get(url.format(pending), headers=world.company.headers), 409, code="repair.no_certificate")
    problem(api.get(url.format(approved)), 401)
    problem(api.get(url.format(approved), headers=world.bank.headers), 403)


def test_a_signed_in_regulator_downloads_the_certificate_from_the_admin_pages(
        api: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    approved, number = _repair(sessions, world.company_id, approve=True)
    pending, _ = _repair(sessions, world.company_id, approve=False)
    url = "/admin/repairs/{}/certificate.pdf"
    anonymous = api.get(url.format(approved), headers={"Accept": HTML}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login?")
    sign_in(api, world.regulator.token)
    response = api.get(url.format(approved), headers={"Accept": HTML})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert str(number) in pdf_text(response.content)
    problem(api.get(url.format(pending), headers={"Accept": "application/json"}), 409, code="repair.no_certificate")
    sign_in(api, world.far_regulator.token)
    same_problem(api.get(url.format(approved), headers={"Accept": "application/json"}),
                 api.get(url.format(999999), headers={"Accept": "application/json"}), ids=(approved, 999999))
