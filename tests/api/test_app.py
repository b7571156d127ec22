"""create_app: health, the start page, and the one error handler (problem+json or an HTML page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi import Query
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jzcredit import migrate
from jzcredit.api.app import create_app
from jzcredit.config import Settings
from jzcredit.errors import Conflict
from jzcredit.ingest.models import Batch
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company, Subject, Worker

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.now = "2026-06-30T10:00"
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _subject(s: Session, kind: str) -> int:
    subject = Subject(kind=kind, created_at=NOW)
    s.add(subject)
    s.flush()
    return subject.id


def _record(s: Session, subject_id: int, status: str, decided_on: date, publish_until: date | None, n: int) -> None:
    s.add(CreditRecord(subject_id=subject_id, category="negative", type="penalty", decided_on=decided_on,
                       publish_until=publish_until, status=status, source="test", source_key=f"k{n}",
                       fingerprint=f"{n:064d}", details={}, created_at=NOW, updated_at=NOW))


def _fill(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = _subject(s, "company")
        s.add(Company(subject_id=company, uscc="91370100MA3C5EXL0X", name="济南家政服务有限公司", categories=[],
                      created_by="test", updated_at=NOW))
        for i in range(2):
            worker = _subject(s, "worker")
            s.add(Worker(subject_id=worker, id_hash=f"{i:064d}", id_cipher="x", id_masked="3701**********123X",
                         birth_date=date(1980, 1, 1), sex="female", native_region="370102", name=f"王{i}",
                         categories=[], created_at=NOW, updated_at=NOW))
        cases = [
            ("active", date(2026, 1, 1), None),  # in force
            ("under_objection", date(2026, 6, 30), date(2026, 6, 30)),  # in force, last day
            ("active", date(2026, 7, 1), None),  # decided tomorrow
            ("active", date(2025, 1, 1), date(2026, 6, 29)),  # window ended yesterday
            ("repaired", date(2026, 1, 1), None),
            ("revoked", date(2026, 1, 1), None),
        ]
        for n, (status, decided, until) in enumerate(cases):
            _record(s, company, status, decided, until, n)
        s.add(Batch(kind="penalties", source="test", filename="a.csv", file_sha256="0" * 64, actor="test",
                    started_at=NOW))


def test_health_reports_the_schema_revision(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["schema"] == migrate.head_revision() == body["schema_head"]


def test_start_page_is_chinese_and_counts_what_the_platform_holds(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _fill(sessions)
    response = client.get("/", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="zh-CN">' in html and "家政服务信用信息平台" in html and 'name="viewport"' in html
    found = re.findall(r'<span class="num">([\d,]+)</span><span class="label">(\S+?)</span>', html)
    assert {label: int(num.replace(",", "")) for num, label in found} == {
        "家政企业": 1, "家政服务员": 2, "有效信用信息": 2, "数据归集批次": 1}
    assert "统计截至 2026-06-30" in html
    assert "http://" not in html.replace('href="/', "")  # nothing from a CDN
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "font-family" in css.text


def test_start_page_search_escapes_the_query_and_shows_no_fake_results(client: TestClient) -> None:
    response = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "没有找到名称含“&lt;script&gt;alert(1)&lt;/script&gt;”的家政企业" in response.text


def test_unknown_route_is_a_problem_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/not_found" and body["code"] == "not_found"
    assert body["status"] == 404 and body["title"] == "未找到"
    assert "/api/v1/nothing-here" in body["detail"] and body["instance"] == "/api/v1/nothing-here"


def test_validation_error_is_a_readable_422_problem(client: TestClient) -> None:
    def paged(page: int = Query(..., ge=1)) -> dict[str, int]:
        return {"page": page}

    client.app.add_api_route("/api/v1/test-paged", paged)  # type: ignore[attr-defined]
    response = client.get("/api/v1/test-paged", params={"page": "abc"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_request" and body["type"] == "/problems/invalid_request"
    assert body["detail"] == "查询参数 page：应为整数"
    assert body["errors"] == [{"location": "query", "field": "page", "type": "int_parsing", "message": "应为整数"}]
    assert "abc" not in response.text  # submitted values are not echoed
    assert client.get("/api/v1/test-paged", params={"page": "0"}).json()["detail"] == "查询参数 page：不能小于 1"
    assert client.get("/", params={"q": "x" * 201}).status_code == 422


def test_service_errors_keep_their_status_and_code(client: TestClient) -> None:
    def stale() -> None:
        raise Conflict("candidate.changed", "候选名单已被他人审核")

    client.app.add_api_route("/api/v1/test-stale", stale)  # type: ignore[attr-defined]
    response = client.get("/api/v1/test-stale")
    assert response.status_code == 409
    assert response.json() == {"type": "/problems/candidate.changed", "title": "状态冲突", "status": 409,
                               "detail": "候选名单已被他人审核", "instance": "/api/v1/test-stale",
                               "code": "candidate.changed"}


def test_browser_gets_an_html_error_page_that_says_what_to_do(client: TestClient) -> None:
    response = client.get("/w/NOSUCHCODE", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "未找到" in response.text and "下一步怎么办" in response.text and "回到首页" in response.text


def test_unexpected_error_is_a_500_without_stack_trace(client: TestClient) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals: 370102198001011234")

    client.app.add_api_route("/api/v1/test-broken", broken)  # type: ignore[attr-defined]
    response = client.get("/api/v1/test-broken")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "internal_error" and re.fullmatch(r"[0-9a-f]{12}", body["incident"])
    for leak in ("Traceback", "RuntimeError", "secret internals", "370102198001011234", ".py"):
        assert leak not in response.text
    page = client.get("/api/v1/test-broken", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 500 and "事件编号" in page.text and "Traceback" not in page.text


def test_openapi_is_served_at_the_site_root(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/health" in response.json()["paths"]
