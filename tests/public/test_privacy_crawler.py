"""Spec §5.3: no public page or public API answer ever holds a full ID number or a mobile number.

On ``make run``'s demo (:func:`benchmarks.load.prepare`: init, demo, evaluate, lists propose), once per
engine, made harder for the check: a black and a red entry published, a card code re-issued (the old one
revoked), a company whose name carries a phone, a record whose text carries a worker's ID and phone, a
rectification notice, and a complaint filed through the public form and answered with a phone and an ID
number in the text. Then every public GET route of the app — enumerated from ``app.routes``, so a route
added later is crawled too or fails the test — is asked with every worker code and USCC of the demo,
unknown keys, search queries and the complaint's tracking code, every page of every paginated answer.

No answer may match ``\\d{17}[\\dXx]`` or ``1[3-9]\\d{9}``, nor hold any worker's ID number or phone as read
through the vault — which the guard checks do match those patterns, so the check can fail.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from benchmarks import serving
from fastapi import params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.demo_db import demo_database
from tests.pdftools import pdf_text

from jzcredit.api.app import create_app
from jzcredit.common.clock import current_time, today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.models import Complaint
from jzcredit.config import Settings
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.lists.models import ListEntry
from jzcredit.public.privacy import redact
from jzcredit.records.models import CreditRecord
from jzcredit.rectification import service as rectification_service
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Worker, WorkerCode
from jzcredit.reports.pdf import html_to_pdf

FULL_ID = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
UNKNOWN_CODE = "JZ0000000000"
UNKNOWN_USCC = "91370100MA00000000"
UNKNOWN_TRACKING = "TS000000000000"
PAGE_SIZE = 100
# optional query parameters crawled too (beside the route without them), with values that reach real data
OPTIONAL_QUERIES = {
    "region": ["000000", "370000", "370100", "370102", "110000", "310000"],  # /stats pages: the demo's regions
    "filed": ["1"],  # the tracking page right after filing
}
# public GET routes that carry no subject's data and are not crawled, each with the reason
NOT_CRAWLED = {
    "/openapi.json": "the API's own description: made-up examples (a sample phone for the complaint form), no data",
}


@dataclass
class Demo:
    app: Any
    vault: Vault
    now: datetime
    id_numbers: list[str]
    phones: list[str]
    codes: list[str]  # active
    revoked_codes: list[str]
    usccs: list[str]
    names: list[str]
    tracking: list[str] = field(default_factory=list)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from demo_database(request, tmp_path_factory, name="crawl", companies=10, workers=50)


def _harden(s: Session, vault: Vault, now: datetime, id_numbers: list[str], phones: list[str]) -> None:
    """Data the public views must mask or leave out, beside what the demo made."""
    as_of = today(now)
    # publish what `lists propose` left for review, and a red and a black entry of our own
    s.execute(update(ListEntry).where(ListEntry.status == "candidate").values(
        status="published", published_on=as_of - timedelta(days=5), expires_on=as_of + timedelta(days=365)))
    companies = list(s.scalars(select(Company).order_by(Company.subject_id)))
    worker_ids = list(s.scalars(select(Worker.subject_id).order_by(Worker.subject_id)))
    for subject_id, list_name, rule in ((companies[0].subject_id, "red", "R1"), (worker_ids[0], "black", "B9")):
        s.add(ListEntry(list_name=list_name, subject_id=subject_id, rule=rule, basis=[], status="published",
                        proposed_at=now, proposed_by="test", version=2, published_on=as_of - timedelta(days=1),
                        expires_on=as_of + timedelta(days=365), details={}))
    registry.reissue_worker_code(s, worker_id=worker_ids[1], now=now - timedelta(days=1))
    # a name and a record text with personal numbers in them, as a careless source might send
    companies[1].name = f"{companies[1].name}（联系电话{phones[0]}）"
    s.add(CreditRecord(subject_id=companies[2].subject_id, category="negative", type="penalty", severity="general",
                       decided_on=as_of - timedelta(days=30), doc_number=f"罚字{phones[1]}号", authority="市场监管局",
                       content=f"经营者 {id_numbers[0]}（电话 {phones[2]}）未公示收费标准", status="active",
                       source="test", source_key="crawler-hostile", fingerprint="f" * 64, details={},
                       created_at=now, updated_at=now))
    rectification_service.issue_notice(s, subject_id=companies[2].subject_id, requirements=f"联系 {phones[3]} 整改",
                                       now=now - timedelta(days=3), actor="regulator:test")


@pytest.fixture(scope="module")
def demo(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    vault = Vault(serving.SECRET.encode())
    now = current_time(None).replace(second=0, microsecond=0)
    engine = make_engine(demo_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            workers = list(s.scalars(select(Worker).order_by(Worker.subject_id)))
            id_numbers = [vault.decrypt(w.id_cipher) for w in workers]
            phones = [vault.decrypt(w.phone_cipher) for w in workers if w.phone_cipher]
            _harden(s, vault, now, id_numbers, phones)
        with make_sessionmaker(engine)() as s:
            codes = list(s.scalars(select(WorkerCode.code).where(WorkerCode.status == "active")))
            revoked = list(s.scalars(select(WorkerCode.code).where(WorkerCode.status == "revoked")))
            usccs = list(s.scalars(select(Company.uscc)))
            names = list(s.scalars(select(Company.name)))
    finally:
        engine.dispose()
    config = tmp_path_factory.mktemp("crawl-config") / "crawl.yml"
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
    settings = Settings(database_url=demo_url, secret_key=serving.SECRET, config=config,  # type: ignore[arg-type]
                        key_file=Path(config.parent / "unused.key"), now=now.strftime("%Y-%m-%dT%H:%M"))
    return Demo(create_app(settings), vault, now, id_numbers, phones, codes, revoked, usccs, names)


# --- what a public route is, and how to fill it ----------------------------------------------------


@dataclass(frozen=True)
class PublicRoute:
    path: str
    path_params: tuple[str, ...]
    query: dict[str, bool]  # name → required

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/api/")


# pages behind the web login (web/auth.py); the login page itself is public
SIGNED_IN_PREFIXES = ("/admin", "/portal")
LOGIN_PAGE = "/admin/login"


def signed_in_only(path: str) -> bool:
    return path != LOGIN_PAGE and any(path == p or path.startswith(p + "/") for p in SIGNED_IN_PREFIXES)


def public_get_routes(app: Any) -> list[PublicRoute]:
    """Every GET the public reaches without a token: ``/api/v1/public/…``, the health check and every page."""
    out = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods or set()
        if "GET" not in methods or path in NOT_CRAWLED:
            continue
        if path.startswith("/api/") and not (path.startswith("/api/v1/public/") or path == "/api/v1/health"):
            continue
        if signed_in_only(path):
            continue  # not public: see test_signed_in_pages_answer_the_public_with_the_login_only
        dependant = getattr(route, "dependant", None)
        fields = get_flat_params(dependant) if dependant is not None else []
        out.append(PublicRoute(path=path, path_params=tuple(re.findall(r"\{(\w+)(?::\w+)?\}", path)),
                               query={f.name: f.field_info.is_required() for f in fields
                                      if isinstance(f.field_info, params.Query)}))
    return out


def _queries(demo: Demo) -> list[str]:
    """Names whole and in part (as the public sees them), USCCs and card codes, typed into a search box."""
    out = set(demo.usccs) | set(demo.codes[:10])
    for name in demo.names:
        shown = redact(name) or ""
        out |= {shown, shown[:2], shown[:4]}
    return sorted(out)


def _values(demo: Demo, name: str, path: str) -> list[str]:
    values = {
        "worker_code": demo.codes + demo.revoked_codes + [UNKNOWN_CODE],
        "uscc": [*demo.usccs, UNKNOWN_USCC],
        "tracking_code": [*demo.tracking, UNKNOWN_TRACKING],
        "list_name": ["red", "black", "watch"],
    }
    if name not in values:
        pytest.fail(f"the crawler does not know what to put in {{{name}}} of the public route {path}: "
                    "add real demo keys for it here")
    return values[name]


def _urls(demo: Demo, route: PublicRoute) -> list[str]:
    paths = []
    for combo in product(*(_values(demo, p, route.path) for p in route.path_params)):
        path = route.path
        for name, value in zip(route.path_params, combo, strict=True):
            path = re.sub(r"\{" + name + r"(?::\w+)?\}", value, path)
        paths.append(path)
    unknown = [q for q, required in route.query.items() if required and q != "q"]
    if unknown:
        pytest.fail(f"the crawler does not know what to put in the required query {unknown} of {route.path}")
    paths = paths + [f"{p}?{urlencode({name: value})}" for name, values in OPTIONAL_QUERIES.items()
                     if name in route.query for p in paths for value in values]
    if "q" not in route.query:
        return paths
    with_q = [f"{p}?{urlencode({'q': q})}" for p in paths for q in _queries(demo)]
    return with_q if route.query["q"] else paths + with_q


# --- the check ---------------------------------------------------------------------------------


def leaks(text: str, demo: Demo) -> list[str]:
    """Every full ID or mobile pattern in the text, and every demo worker's number found in it."""
    found = FULL_ID.findall(text) + MOBILE.findall(text)
    found += [n for n in demo.id_numbers + demo.phones if n in text]
    return found


def body_text(response: Any) -> str | None:
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/pdf"):
        return pdf_text(response.content)  # a PDF report: the text anyone can extract from it
    if kind.startswith(("image/", "application/octet-stream")):
        return None  # binary (a card image): its text is checked where it is rendered from
    return response.text


def _more_pages(client: TestClient, url: str, response: Any, headers: dict[str, str]) -> list[tuple[str, Any]]:
    """Every further page of a paginated JSON answer, ``PAGE_SIZE`` at a time."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return []
    body = response.json()
    if not isinstance(body, dict) or "total" not in body or "items" not in body:
        return []
    join = "&" if "?" in url else "?"
    pages = math.ceil(body["total"] / PAGE_SIZE)
    out = []
    for page in range(1, pages + 1):
        paged = f"{url}{join}{urlencode({'page': page, 'size': PAGE_SIZE})}"
        out.append((paged, client.get(paged, headers=headers)))
    return out


def file_and_answer_a_complaint(client: TestClient, demo: Demo) -> None:
    """A complaint through the public form; the company's answer carries a phone and an ID number."""
    response = client.post("/api/v1/public/complaints", json={
        "company_uscc": demo.usccs[0], "category": "damage", "description": f"打碎花瓶，我的电话 {demo.phones[4]}",
        "contact_phone": demo.phones[5]})
    assert response.status_code == 201, response.text
    assert not leaks(response.text, demo), response.text
    tracking = response.json()["tracking_code"]
    engine = make_engine(str(client.app.state.settings.database_url))  # type: ignore[attr-defined]
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == tracking)).one()
            complaints_service.forward(s, complaint_id=complaint.id, now=demo.now, actor="regulator:test")
            complaints_service.respond(s, complaint_id=complaint.id, now=demo.now, actor="company:test",
                                       text=f"已赔偿。经办人电话 {demo.phones[6]}，身份证 {demo.id_numbers[7]}")
    finally:
        engine.dispose()
    demo.tracking.append(tracking)


# --- the tests ---------------------------------------------------------------------------------


def test_the_demo_holds_numbers_the_check_would_catch(demo: Demo) -> None:
    """The guard: the private data read through the vault matches the patterns, so a leak would be seen."""
    assert len(demo.id_numbers) >= 50 and len(demo.phones) >= 10
    assert all(FULL_ID.fullmatch(n) for n in demo.id_numbers)
    assert all(MOBILE.fullmatch(p) for p in demo.phones)
    assert leaks(f"<td>{demo.id_numbers[3]}</td>", demo) and leaks(json.dumps({"x": demo.phones[3]}), demo)
    assert not leaks("3701**********123X 138****5678 JZ7K3M9Q2XWD 91370100MA3C5EXL0X", demo)
    # a PDF answer is read through its extracted text, which does show a number printed in it
    assert leaks(pdf_text(html_to_pdf(f"<html lang='zh-CN'><p>电话 {demo.phones[3]}</p></html>")), demo)


def test_every_public_route_is_crawled_and_none_leaks_an_id_or_phone_number(demo: Demo) -> None:
    routes = public_get_routes(demo.app)
    assert {"/api/v1/public/workers/{worker_code}", "/api/v1/public/companies/{uscc}", "/api/v1/public/companies",
            "/api/v1/public/lists/{list_name}", "/api/v1/public/complaints/{tracking_code}", "/"} <= {
        r.path for r in routes}
    requests: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    found: list[str] = []
    with TestClient(demo.app, raise_server_exceptions=False) as client:
        file_and_answer_a_complaint(client, demo)
        for route in routes:
            headers = {"Accept": HTML} if route.is_page else {"Accept": "application/json"}
            for url in _urls(demo, route):
                response = client.get(url, headers=headers)
                for asked, answer in [(url, response), *_more_pages(client, url, response, headers)]:
                    requests[route.path] += 1
                    assert answer.status_code < 500, f"{asked}: {answer.status_code} {answer.text[:300]}"
                    answered[route.path] += answer.status_code == 200
                    text = body_text(answer)
                    if text is not None and (hits := leaks(text, demo)):
                        found.append(f"{asked} → {sorted(set(hits))[:3]}")
    assert not found, "public answers holding personal numbers:\n" + "\n".join(found[:20])
    never = [r.path for r in routes if answered[r.path] == 0]
    assert not never, f"public routes never answered 200 in the crawl (add real keys for them): {never}"
    # every worker and company was looked at (not only the first few)
    assert requests["/api/v1/public/workers/{worker_code}"] >= len(demo.codes) + len(demo.revoked_codes)
    assert requests["/api/v1/public/companies/{uscc}"] >= len(demo.usccs)


def test_the_hardened_data_is_shown_masked_not_left_out(demo: Demo) -> None:
    """The crawl above passes because numbers are masked where they are shown, not because nothing is shown."""
    with TestClient(demo.app, raise_server_exceptions=False) as client:
        hits = client.get("/api/v1/public/companies", params={"q": "联系电话"}).json()["items"]
        assert hits and f"{demo.phones[0][:3]}****{demo.phones[0][-4:]}" in hits[0]["name"]
        reds = client.get("/api/v1/public/lists/red").json()
        blacks = client.get("/api/v1/public/lists/black").json()
        assert reds["total"] >= 1 and blacks["total"] >= 1
        assert any(i["kind"] == "worker" and "*" in i["name"] for i in blacks["items"])
        masked_id = f"{demo.id_numbers[0][:4]}{'*' * 10}{demo.id_numbers[0][-4:]}"
        texts = [client.get(f"/api/v1/public/companies/{u}").text for u in demo.usccs]
        assert any(masked_id in t for t in texts)


def test_a_search_for_a_persons_id_or_phone_finds_and_repeats_nothing(demo: Demo) -> None:
    """Typing someone's ID or phone into the public search reveals nothing: no hit, no echo in the answer."""
    with TestClient(demo.app, raise_server_exceptions=False) as client:
        for number in (demo.id_numbers[9], demo.phones[9]):
            response = client.get("/api/v1/public/companies", params={"q": number})
            assert response.status_code == 200 and response.json()["items"] == []
            assert not leaks(response.text, demo)
            for path in ("/api/v1/public/workers/", "/api/v1/public/companies/"):
                answer = client.get(path + number)
                assert answer.status_code == 404
                body = answer.json()
                body.pop("instance")  # the path as the client sent it, nothing more
                assert not leaks(json.dumps(body, ensure_ascii=False), demo)


def test_signed_in_pages_answer_the_public_with_the_login_only(demo: Demo) -> None:
    """Every GET page behind the login, asked without a session (ids filled with 1), is a 303 to the login page
    and says nothing else; the crawl above skips them for that reason."""
    paths = [route.path for route in iter_route_contexts(demo.app.routes)
             if "GET" in (route.methods or set()) and signed_in_only(route.path)]
    assert {"/admin", "/admin/ingest", "/portal"} <= set(paths)
    with TestClient(demo.app, raise_server_exceptions=False) as client:
        for path in paths:
            url = re.sub(r"\{\w+(?::\w+)?\}", "1", path)
            answer = client.get(url, headers={"Accept": HTML}, follow_redirects=False)
            assert answer.status_code == 303, f"{url}: {answer.status_code}"
            assert answer.headers["location"].startswith(LOGIN_PAGE + "?"), url
            assert not leaks(answer.text, demo), url
