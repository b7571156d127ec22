"""The authorisation matrix (spec §5.3): every principal × every ``/api/v1`` route × a subject in and out of its
scope, on both engines.

``MATRIX`` says by hand, from spec 02 "Users, roles, scopes" and §4.4, which roles each route is for and how its
subject is scoped; ``PRINCIPALS`` and ``SCOPE`` (``regulator_helpers``) say who sees which of the four subjects.
Neither is read from ``api/policy.py``. The answers expected:

- the public without a token → 401 (the public routes: never 401 or 403);
- a role the route is not for → 403;
- a role it is for, the subject outside the principal's scope → 404, word for word the answer for an unknown id;
- a role it is for, the subject in scope → 2xx, or a 4xx about the request itself (409 wrong status …), never
  401, 403 or 404.

Every ``/api/v1`` route of ``create_app()`` must have a row: a route added without one fails here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from tests.api.regulator_helpers import (
    NOW,
    OWN_SUBJECT,
    PRINCIPALS,
    ROLE_OF,
    SCOPE,
    World,
    open_candidate,
    penalty_file,
    world_fixture,  # noqa: F401  (fixture)
)
from tests.factories import add_record

from jzcredit.api.app import create_app
from jzcredit.common.ids import make_uscc, new_worker_code
from jzcredit.config import Settings
from jzcredit.finance.models import BankAuthorisation
from jzcredit.users.service import add_user

V1 = "/api/v1"
ALL_SUBJECTS = ("A", "B", "W1", "W2")
COMPANIES = ("A", "B")
STAFF = frozenset({"admin", "regulator"})
PARTIES = STAFF | {"company", "worker"}
OPEN = frozenset({"public"})  # no token needed: everyone


class Ctx:
    """The world, a client, and fresh objects about a subject made through the admin's API."""

    def __init__(self, world: World, client: TestClient) -> None:
        self.world, self.client = world, client
        self.admin = world.who["admin"].headers
        self._cache: dict[tuple[str, str], Any] = {}

    def key(self, subject: str) -> str:
        return self.world.keys[subject]

    def _made(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    def cached(self, kind: str, subject: str, make: Callable[[str], Any]) -> Any:
        if (kind, subject) not in self._cache:
            self._cache[(kind, subject)] = make(subject)
        return self._cache[(kind, subject)]

    def record(self, subject: str) -> int:
        with self.world.sessions() as s, s.begin():
            return add_record(s, self.world.ids[subject], "penalty", decided_on=NOW.date().replace(month=3)).id

    def notice(self, subject: str) -> dict[str, Any]:
        return self._made(self.client.post(f"{V1}/notices", headers=self.admin,
                                           json={"subject_key": self.key(subject), "requirements": "补签合同"}))

    def objection(self, subject: str) -> dict[str, Any]:
        return self._made(self.client.post(f"{V1}/objections", headers=self.admin,
                                           json={"record_id": self.record(subject), "reason": "处罚已撤销"}))

    def repair(self, subject: str) -> dict[str, Any]:
        return self._made(self.client.post(f"{V1}/repairs", headers=self.admin, json={
            "record_id": self.record(subject), "commitment_signed": True, "evidence": "罚款已缴清"}))

    def commitment(self, subject: str) -> dict[str, Any]:
        return self._made(self.client.post(f"{V1}/commitments", headers=self.admin, json={
            "subject_key": self.key(subject), "kind": "voluntary", "text": "诚信经营，明码标价"}))

    def complaint(self, company: str) -> dict[str, Any]:
        worker = {"A": "W1", "B": "W2"}[company]
        filed = self._made(self.client.post(f"{V1}/public/complaints", json={
            "company_uscc": self.key(company), "worker_code": self.key(worker), "category": "quality",
            "description": "服务不到位", "contact_phone": "13912345678"}))
        return self._made(self.client.get(f"{V1}/complaints/{filed['complaint_id']}", headers=self.admin))

    def authorisation(self, company: str) -> int:
        """A fresh bank's authorisation by the company (so each delete has one in force)."""
        with self.world.sessions() as s, s.begin():
            bank, _token = add_user(s, vault=self.world.vault, role="bank", name="新银行", now=NOW)
            row = BankAuthorisation(company_id=self.world.ids[company], bank_user_id=bank.id, granted_at=NOW,
                                    granted_by="company:test")
            s.add(row)
            s.flush()
            return row.id

    def fresh_bank(self) -> int:
        with self.world.sessions() as s, s.begin():
            return add_user(s, vault=self.world.vault, role="bank", name="另一银行", now=NOW)[0].id


# a request: (method, url, keyword arguments for the client)
Request = tuple[str, str, dict[str, Any]]
Make = Callable[[Ctx, str], Request]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    roles: frozenset[str]
    subjects: tuple[str, ...] = ()  # () = the route concerns no one subject
    own_only: bool = False  # a company or worker acts for itself only (not for the company's workers)
    make: Make = field(default=lambda ctx, subject: ("GET", "", {}))
    # who may see which subject, when not the principal's SCOPE (batches: by who submitted them)
    visible: Callable[[str, str], bool] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def get(url: Callable[[Ctx, str], str], **kw: Any) -> Make:
    return lambda ctx, subject: ("GET", url(ctx, subject), dict(kw))


def post(url: Callable[[Ctx, str], str], body: Callable[[Ctx, str], dict[str, Any]]) -> Make:
    return lambda ctx, subject: ("POST", url(ctx, subject), {"json": body(ctx, subject)})


def fixed(path: str) -> Callable[[Ctx, str], str]:
    return lambda ctx, subject: V1 + path


def _notice(ctx: Ctx, s: str) -> dict[str, Any]:
    return ctx.cached("notice", s, ctx.notice)


def _objection(ctx: Ctx, s: str) -> dict[str, Any]:
    return ctx.cached("objection", s, ctx.objection)


def _repair(ctx: Ctx, s: str) -> dict[str, Any]:
    return ctx.cached("repair", s, ctx.repair)


def _commitment(ctx: Ctx, s: str) -> dict[str, Any]:
    return ctx.cached("commitment", s, ctx.commitment)


def _complaint(ctx: Ctx, s: str) -> dict[str, Any]:
    return ctx.cached("complaint", s, ctx.complaint)


def _batch_visible(principal: str, owner: str) -> bool:
    """Staff see every batch, a provider only its own (spec 02: a provider submits batches)."""
    return ROLE_OF[principal] in STAFF or principal == owner


def _ingest(ctx: Ctx, subject: str) -> Request:
    return ("POST", f"{V1}/ingest/penalties", {"files": {"file": ("p.csv", penalty_file(ctx.key("A")), "text/csv")},
                                               "data": {"source": "济南市市场监督管理局"}})


def _entry(ctx: Ctx, s: str) -> Request:
    entry_id, version = open_candidate(ctx.world, s)
    return ("POST", f"{V1}/lists/entries/{entry_id}/review", {"json": {"decision": "reject", "version": version,
                                                                       "note": "依据不足"}})


def _delete_authorisation(ctx: Ctx, s: str) -> Request:
    return ("DELETE", f"{V1}/companies/{ctx.key(s)}/bank-authorisations/{ctx.authorisation(s)}", {})


def _versioned(obj: Callable[[Ctx, str], dict[str, Any]], url: str, **body: Any) -> Make:
    """A step on a fresh object of the subject (each request its own, so one step never spoils the next)."""
    def make(ctx: Ctx, s: str) -> Request:
        found = obj(ctx, s)
        object_id = found.get("notice_id") or found.get("objection_id") or found.get("repair_id") or found.get(
            "commitment_id") or found.get("complaint_id")
        return ("POST", V1 + url.format(id=object_id), {"json": {"version": found.get("version", 1), **body}})
    return make


def _fresh(maker: str) -> Callable[[Ctx, str], dict[str, Any]]:
    return lambda ctx, s: getattr(ctx, maker)(s)


MATRIX: tuple[Row, ...] = (
    # public, no token
    Row("GET", "/api/v1/health", OPEN, make=get(fixed("/health"))),
    Row("GET", "/api/v1/public/workers/{worker_code}", OPEN, make=get(lambda c, s: f"{V1}/public/workers/"
                                                                       + c.key("W1"))),
    Row("GET", "/api/v1/public/companies/{uscc}", OPEN, make=get(lambda c, s: f"{V1}/public/companies/" + c.key("A"))),
    Row("GET", "/api/v1/public/companies", OPEN, make=get(fixed("/public/companies"), params={"q": "家政"})),
    Row("GET", "/api/v1/public/lists/{list_name}", OPEN, make=get(fixed("/public/lists/black"))),
    Row("POST", "/api/v1/public/complaints", OPEN, make=post(fixed("/public/complaints"), lambda c, s: {
        "company_uscc": c.key("A"), "category": "price", "description": "多收费", "contact_phone": "13912345678"})),
    Row("GET", "/api/v1/public/complaints/{tracking_code}", OPEN, make=get(
        lambda c, s: f"{V1}/public/complaints/{_complaint(c, 'A')['tracking_code']}")),
    Row("POST", "/api/v1/public/ratings", OPEN, make=post(fixed("/public/ratings"), lambda c, s: {
        "company_uscc": c.key("A"), "service_code": "PJ0000000000AB", "stars": 5})),
    # subjects, ingest, lists, check, stats, audit
    Row("GET", "/api/v1/subjects/{key}", PARTIES, ALL_SUBJECTS, make=get(lambda c, s: f"{V1}/subjects/{c.key(s)}")),
    Row("POST", "/api/v1/ingest/{kind}", STAFF | {"provider"}, make=_ingest),
    Row("GET", "/api/v1/batches/{batch_id}", STAFF | {"provider"}, ("provider_penalty", "cli"),
        make=get(lambda c, s: f"{V1}/batches/{c.world.batches[s]}"), visible=_batch_visible),
    Row("GET", "/api/v1/lists/entries", STAFF, make=get(fixed("/lists/entries"))),
    Row("POST", "/api/v1/lists/entries/{entry_id}/review", STAFF, ALL_SUBJECTS, make=_entry),
    Row("GET", "/api/v1/check/{key}", STAFF, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/check/{c.key(s)}", params={"action": "financing"})),
    Row("GET", "/api/v1/stats", STAFF, make=get(fixed("/stats"))),
    Row("GET", "/api/v1/audit/verify", frozenset({"admin"}), make=get(fixed("/audit/verify"))),
    # rectification notices
    Row("POST", "/api/v1/notices", STAFF, ALL_SUBJECTS, make=post(fixed("/notices"), lambda c, s: {
        "subject_key": c.key(s), "requirements": "三十日内补签合同"})),
    Row("GET", "/api/v1/notices", PARTIES, make=get(fixed("/notices"))),
    Row("GET", "/api/v1/notices/{notice_id}", PARTIES, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/notices/{_notice(c, s)['notice_id']}")),
    Row("POST", "/api/v1/notices/{notice_id}/evidence", PARTIES, ALL_SUBJECTS, own_only=True,
        make=_versioned(_fresh("notice"), "/notices/{id}/evidence", evidence="合同已补签")),
    Row("POST", "/api/v1/notices/{notice_id}/verification", STAFF, ALL_SUBJECTS,
        make=_versioned(_fresh("notice"), "/notices/{id}/verification", decision="accept")),
    # objections
    Row("POST", "/api/v1/objections", PARTIES, ALL_SUBJECTS, own_only=True,
        make=post(fixed("/objections"), lambda c, s: {"record_id": c.record(s), "reason": "该处罚已被撤销"})),
    Row("GET", "/api/v1/objections", PARTIES, make=get(fixed("/objections"))),
    Row("GET", "/api/v1/objections/{objection_id}", PARTIES, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/objections/{_objection(c, s)['objection_id']}")),
    Row("POST", "/api/v1/objections/{objection_id}/decision", STAFF, ALL_SUBJECTS,
        make=_versioned(_fresh("objection"), "/objections/{id}/decision", decision="dismiss", note="证据不足")),
    # credit repair
    Row("POST", "/api/v1/repairs", PARTIES, ALL_SUBJECTS, own_only=True, make=post(fixed("/repairs"), lambda c, s: {
        "record_id": c.record(s), "commitment_signed": True, "evidence": "罚款已缴清"})),
    Row("GET", "/api/v1/repairs", PARTIES, make=get(fixed("/repairs"))),
    Row("GET", "/api/v1/repairs/{repair_id}", PARTIES, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/repairs/{_repair(c, s)['repair_id']}")),
    # the certificate of a submitted application: 409 (no certificate yet) for those who may read it
    Row("GET", "/api/v1/repairs/{repair_id}/certificate.pdf", PARTIES, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/repairs/{_repair(c, s)['repair_id']}/certificate.pdf")),
    Row("POST", "/api/v1/repairs/{repair_id}/decision", STAFF, ALL_SUBJECTS,
        make=_versioned(_fresh("repair"), "/repairs/{id}/decision", decision="reject")),
    # commitments: a company signs its own; staff record fulfilment and breach
    Row("POST", "/api/v1/commitments", STAFF | {"company"}, ALL_SUBJECTS, own_only=True,
        make=post(fixed("/commitments"), lambda c, s: {"subject_key": c.key(s), "kind": "voluntary",
                                                       "text": "诚信经营，明码标价"})),
    Row("GET", "/api/v1/commitments", PARTIES, make=get(fixed("/commitments"))),
    Row("GET", "/api/v1/commitments/{commitment_id}", PARTIES, ALL_SUBJECTS,
        make=get(lambda c, s: f"{V1}/commitments/{_commitment(c, s)['commitment_id']}")),
    Row("POST", "/api/v1/commitments/{commitment_id}/fulfilment", STAFF, ALL_SUBJECTS,
        make=_versioned(_fresh("commitment"), "/commitments/{id}/fulfilment", note="已履行")),
    Row("POST", "/api/v1/commitments/{commitment_id}/breach", STAFF, ALL_SUBJECTS,
        make=_versioned(_fresh("commitment"), "/commitments/{id}/breach", reason="未按承诺整改")),
    # complaints: the company's inbox and answer; staff forward, mediate, close
    Row("GET", "/api/v1/complaints", STAFF | {"company"}, make=get(fixed("/complaints"))),
    Row("GET", "/api/v1/complaints/{complaint_id}", STAFF | {"company"}, COMPANIES,
        make=get(lambda c, s: f"{V1}/complaints/{_complaint(c, s)['complaint_id']}")),
    Row("POST", "/api/v1/complaints/{complaint_id}/forward", STAFF, COMPANIES,
        make=_versioned(_fresh("complaint"), "/complaints/{id}/forward")),
    Row("POST", "/api/v1/complaints/{complaint_id}/response", frozenset({"company"}), COMPANIES, own_only=True,
        make=_versioned(_fresh("complaint"), "/complaints/{id}/response", text="已上门返工")),
    Row("POST", "/api/v1/complaints/{complaint_id}/resolution", STAFF, COMPANIES,
        make=_versioned(_fresh("complaint"), "/complaints/{id}/resolution", satisfied=True)),
    Row("POST", "/api/v1/complaints/{complaint_id}/mediation", STAFF, COMPANIES,
        make=_versioned(_fresh("complaint"), "/complaints/{id}/mediation", note="双方和解")),
    Row("POST", "/api/v1/complaints/{complaint_id}/closure", STAFF, COMPANIES,
        make=_versioned(_fresh("complaint"), "/complaints/{id}/closure", finding="unsubstantiated")),
    # service codes: issued by the company itself; staff may look
    Row("POST", "/api/v1/companies/{uscc}/service-codes", frozenset({"company"}), COMPANIES, own_only=True,
        make=post(lambda c, s: f"{V1}/companies/{c.key(s)}/service-codes", lambda c, s: {"count": 1})),
    Row("GET", "/api/v1/companies/{uscc}/service-codes", STAFF | {"company"}, COMPANIES, own_only=True,
        make=get(lambda c, s: f"{V1}/companies/{c.key(s)}/service-codes")),
    # the bank's view, by the company's authorisation; the company manages its authorisations
    Row("GET", "/api/v1/finance/companies/{uscc}", frozenset({"bank"}), COMPANIES,
        make=get(lambda c, s: f"{V1}/finance/companies/{c.key(s)}", params={"purpose": "贷前调查"})),
    Row("GET", "/api/v1/finance/inquiries", STAFF | {"company"}, make=get(fixed("/finance/inquiries"))),
    Row("GET", "/api/v1/finance/banks", frozenset({"company"}), make=get(fixed("/finance/banks"))),
    Row("GET", "/api/v1/companies/{uscc}/bank-authorisations", STAFF | {"company"}, COMPANIES, own_only=True,
        make=get(lambda c, s: f"{V1}/companies/{c.key(s)}/bank-authorisations")),
    Row("POST", "/api/v1/companies/{uscc}/bank-authorisations", frozenset({"company"}), COMPANIES, own_only=True,
        make=post(lambda c, s: f"{V1}/companies/{c.key(s)}/bank-authorisations",
                  lambda c, s: {"bank_user_id": c.fresh_bank()})),
    Row("DELETE", "/api/v1/companies/{uscc}/bank-authorisations/{authorisation_id}", frozenset({"company"}),
        COMPANIES, own_only=True, make=_delete_authorisation),
    # the card scan log: the worker itself, its current employer, regulators in region, admin (spec 02 "worker")
    Row("GET", "/api/v1/workers/{worker_code}/scans", PARTIES, ("W1", "W2"),
        make=get(lambda c, s: f"{V1}/workers/{c.key(s)}/scans")),
    # the change feed for an upper-level platform
    Row("GET", "/api/v1/changes", STAFF, make=get(fixed("/changes"))),
    Row("POST", "/api/v1/changes", frozenset({"admin", "provider"}),
        make=post(fixed("/changes"), lambda c, s: {"origin": "matrix-test", "changes": []})),
)
ROWS = {row.id: row for row in MATRIX}


def app_routes() -> set[str]:
    """``METHOD /path`` of every ``/api/v1`` route the app serves now."""
    app = create_app(Settings(database_url="sqlite:///:memory:", secret_key="m" * 40))  # type: ignore[arg-type]
    return {f"{method} {route.path}" for route in iter_route_contexts(app.routes)
            if (route.path or "").startswith(V1) for method in (route.methods or set()) - {"HEAD"}}


def test_every_api_route_has_a_row_in_the_matrix() -> None:
    served = app_routes()
    missing, stale = sorted(served - set(ROWS)), sorted(set(ROWS) - served)
    assert not missing, "routes without a row in the authorisation matrix (add one with the spec's roles):\n" + \
        "\n".join(missing)
    assert not stale, f"matrix rows for routes the app does not serve: {stale}"


def test_the_scope_table_is_what_spec_02_says() -> None:
    """A check of the hand-written table itself: regions nest, a company sees its worker, a bank its company."""
    assert SCOPE["regulator_national"] == SCOPE["admin"] == frozenset(ALL_SUBJECTS)
    assert SCOPE["regulator_city"] <= SCOPE["regulator_province"] and not SCOPE["regulator_other"] & SCOPE[
        "regulator_city"]
    assert SCOPE["company"] == {"A", "W1"} and SCOPE["worker"] == {"W1"} and SCOPE["bank"] == {"A"}
    assert not SCOPE["public"] and not SCOPE["bank_unauthorised"] and not SCOPE["provider_any"]


# --- the matrix ----------------------------------------------------------------------------------


@pytest.fixture
def ctx(settings: Settings, world: World, tmp_path: Path) -> Iterator[Ctx]:
    config = tmp_path / "no-limits.yml"  # the matrix sends many requests from one address
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
    settings.config, settings.now = config, NOW.strftime("%Y-%m-%dT%H:%M")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Ctx(world, client)


def expected(row: Row, principal: str, subject: str | None) -> str:
    """``open`` (public route), ``401``, ``403``, ``404`` or ``ok``."""
    role = ROLE_OF[principal]
    if row.roles == OPEN:
        return "open"
    if role == "public":
        return "401"
    if role not in row.roles:
        return "403"
    if subject is None:
        return "ok"
    if row.visible is not None:
        return "ok" if row.visible(principal, subject) else "404"
    if subject not in SCOPE[principal]:
        return "404"
    if row.own_only and principal in OWN_SUBJECT and subject != OWN_SUBJECT[principal]:
        return "404"
    return "ok"


def send(ctx: Ctx, row: Row, principal: str, subject: str) -> tuple[Request, httpx.Response]:
    method, url, kwargs = row.make(ctx, subject)
    return (method, url, kwargs), ctx.client.request(method, url, headers=ctx.world.who[principal].headers, **kwargs)


UNKNOWN_USCC = make_uscc(random.Random(4242), region_code="370102")
UNKNOWN = {"int": "999999", "code": new_worker_code(), "uscc": UNKNOWN_USCC}  # well-formed, on no one


def _unknown_of(value: str) -> str:
    if value.isdigit():
        return UNKNOWN["int"]
    return UNKNOWN["code"] if value.startswith("JZ") else UNKNOWN["uscc"]


def unknown_request(row: Row, method: str, url: str, kwargs: dict[str, Any]) -> tuple[Request, str, str]:
    """The same request about an unknown subject or object: the last key in the path, or the body's key."""
    pattern = re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(row.path))
    found = re.fullmatch(pattern, url)
    if found and found.groups():
        value = found.groups()[-1]
        start, end = found.span(len(found.groups()))
        return (method, url[:start] + _unknown_of(value) + url[end:], kwargs), value, _unknown_of(value)
    body = dict(kwargs.get("json") or {})
    for name in ("subject_key", "record_id"):
        if name in body:
            value = str(body[name])
            body[name] = int(UNKNOWN["int"]) if name == "record_id" else _unknown_of(value)
            return (method, url, kwargs | {"json": body}), value, str(body[name])
    raise AssertionError(f"{row.id}: no key to make unknown in {url} {kwargs}")


def same_as_unknown(ctx: Ctx, row: Row, principal: str, request: Request, response: httpx.Response) -> str | None:
    """The 404 for a subject out of scope reads as for an unknown one: same code, title and words."""
    (method, url, kwargs), value, unknown = unknown_request(row, *request)
    other = ctx.client.request(method, url, headers=ctx.world.who[principal].headers, **kwargs)
    one, two = response.json(), other.json()
    one.pop("instance", None), two.pop("instance", None)
    one["detail"] = one["detail"].replace(value, "<key>")
    two["detail"] = two["detail"].replace(unknown, "<key>")
    if other.status_code != 404 or one != two:
        return f"{principal}: out of scope {one} ≠ unknown {other.status_code} {two}"
    return None


@pytest.mark.parametrize("row", MATRIX, ids=[r.id for r in MATRIX])
def test_matrix(row: Row, ctx: Ctx) -> None:
    wrong: list[str] = []
    for principal in PRINCIPALS:
        for subject in row.subjects or (None,):
            want = expected(row, principal, subject)
            request, response = send(ctx, row, principal, subject or "A")
            got = response.status_code
            fine = {"open": got not in (401, 403) and got < 500,
                    "401": got == 401, "403": got == 403, "404": got == 404,
                    "ok": got < 500 and got not in (401, 403, 404)}[want]
            if not fine:
                wrong.append(f"{principal} on {subject}: expected {want}, got {got} {response.text[:160]}")
            elif want in ("401", "403", "404"):
                assert response.headers["content-type"].startswith("application/problem+json"), response.text
                if want == "404" and (differs := same_as_unknown(ctx, row, principal, request, response)):
                    wrong.append(differs)
            if want == "ok" and got < 300 and row.subjects == () and principal in SCOPE:
                listed_in_scope(response, ctx, principal, wrong)
    assert not wrong, f"{row.id}:\n" + "\n".join(wrong)


def listed_in_scope(response: httpx.Response, ctx: Ctx, principal: str, wrong: list[str]) -> None:
    """A list answer names only subjects inside the principal's scope."""
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return
    keys = {ctx.key(s) for s in SCOPE[principal]}
    for item in body["items"]:
        for field_ in ("subject_key", "company_key", "worker_key"):
            if isinstance(item, dict) and item.get(field_) and item[field_] not in keys:
                wrong.append(f"{principal} listed {item[field_]} outside its scope")
