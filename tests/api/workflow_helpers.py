"""Helpers for the workflow API tests (notices, objections, repairs, commitments, complaints).

``world`` builds two companies in two regions (济南 370102 and 上海 310104), a worker employed by the first,
and a user for each role that matters: admin, a Jinan city regulator, a Shanghai regulator, each company,
the worker and a bank. ``api`` is a TestClient whose clock is ``settings.now`` (change it between requests
for ``--as-of`` style steps). A test module imports ``api_fixture`` and ``world_fixture`` to use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker

from jzcredit.api.app import create_app
from jzcredit.common.audit import AuditEntry
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.records.models import CreditRecord
from jzcredit.registry.service import active_codes
from jzcredit.users.service import add_user

NOW = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
NOW_TEXT = "2026-06-30T10:00"
PROBLEM = "application/problem+json"


@pytest.fixture(name="api")
def api_fixture(settings: Settings) -> Iterator[TestClient]:
    settings.now = NOW_TEXT
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Person:
    token: str
    actor: str
    subject_id: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    company_id: int
    uscc: str
    other_company_id: int
    other_uscc: str
    worker_id: int
    worker_code: str
    admin: Person
    regulator: Person  # Jinan city (370100): sees the first company and its worker
    far_regulator: Person  # Shanghai (310000): sees the second company only
    company: Person
    other_company: Person
    worker: Person
    bank: Person


def person(s: Session, vault: Vault, role: str, name: str, *, region: str | None = None,
           subject_id: int | None = None) -> Person:
    user, token = add_user(s, vault=vault, role=role, name=name, now=NOW, region_code=region, subject_id=subject_id)
    return Person(token=token, actor=f"{role}:{user.id}:{user.name}", subject_id=subject_id)


@pytest.fixture(name="world")
def world_fixture(sessions: sessionmaker[Session], vault: Vault) -> World:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南家政服务有限公司", region_code="370102")
        other = add_company(s, name="上海家政服务有限公司", region_code="310104")
        worker = add_worker(s, vault, employer=company, name="李小芳")
        code = active_codes(s, [worker.subject_id])[worker.subject_id]
        return World(
            company_id=company.subject_id, uscc=company.uscc, other_company_id=other.subject_id,
            other_uscc=other.uscc, worker_id=worker.subject_id, worker_code=code,
            admin=person(s, vault, "admin", "平台管理员"),
            regulator=person(s, vault, "regulator", "济南市监管", region="370100"),
            far_regulator=person(s, vault, "regulator", "上海市监管", region="310000"),
            company=person(s, vault, "company", "济南家政", subject_id=company.subject_id),
            other_company=person(s, vault, "company", "上海家政", subject_id=other.subject_id),
            worker=person(s, vault, "worker", "李小芳", subject_id=worker.subject_id),
            bank=person(s, vault, "bank", "济南银行"))


def problem(response: httpx.Response, status: int, *, code: str | None = None,
            detail: str | None = None) -> dict[str, Any]:
    """A problem+json answer with this status (and code / detail when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] and "Traceback" not in response.text
    if code is not None:
        assert body["code"] == code, body
    if detail is not None:
        assert body["detail"] == detail, body
    return body


def same_problem(a: httpx.Response, b: httpx.Response, ids: tuple[int, int] | None = None) -> None:
    """Two answers a client cannot tell apart (all but ``instance``, which is the path asked). With ``ids``
    (the id asked in ``a``, the id asked in ``b``), ``b``'s words are read with ``a``'s id in them: an object
    outside the scope answers word for word as an unknown id would."""
    assert a.status_code == b.status_code == 404
    one, two = a.json(), b.json()
    one.pop("instance"), two.pop("instance")
    if ids is not None:
        two["detail"] = two["detail"].replace(str(ids[1]), str(ids[0]))
    assert one == two


def record_status(sessions: sessionmaker[Session], record_id: int) -> str:
    with sessions() as s:
        return s.get_one(CreditRecord, record_id).status


def audit_actors(sessions: sessionmaker[Session], action: str) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry.actor).where(AuditEntry.action == action).order_by(AuditEntry.id)))
