"""The scan log on both engines: a scan through the card's QR link is logged with time and verdict only, and
``GET /api/v1/workers/{code}/scans`` shows it to the worker, its current employer (since hiring), regulators
whose region covers the worker and the admin — no one else, and every read is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (
    NOW,
    TODAY,
    World,
    client_fixture,  # noqa: F401  (fixture)
    world_fixture,  # noqa: F401  (fixture)
)

from jzcredit.cards import token as card_token
from jzcredit.cards.models import CardScan
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.db import Base
from jzcredit.registry import service as registry
from jzcredit.registry.models import Employment, WorkerCode

V1 = "/api/v1"


def scan(client: TestClient, vault: Vault, code: str, issued_on: date = TODAY - timedelta(days=10),
         **headers: str) -> None:
    token = card_token.sign(vault, worker_code=code, issued_on=issued_on)
    assert client.get(f"/w/{code}", params={"t": token}, headers={"Accept": "text/html", **headers}).status_code == 200


def log_as(client: TestClient, world: World, principal: str, code: str) -> tuple[int, Any]:
    response = client.get(f"{V1}/workers/{code}/scans", headers=world.who[principal].headers)
    return response.status_code, response.json()


def test_the_worker_its_employer_and_regulators_in_scope_read_the_log(client: TestClient, world: World,
                                                                      vault: Vault) -> None:
    code = world.keys["W1"]
    scan(client, vault, code)
    scan(client, vault, code)
    for principal in ("worker", "company", "regulator_city", "regulator_province", "regulator_national", "admin"):
        status, body = log_as(client, world, principal, code)
        assert status == 200, (principal, body)
        assert body["total"] == 2 and len(body["items"]) == 2
        first = body["items"][0]
        assert set(first) == {"scanned_at", "worker_code", "verdict", "card_issued_on"}
        assert first["worker_code"] == code and first["card_issued_on"] == (TODAY - timedelta(days=10)).isoformat()
        assert first["scanned_at"].startswith(TODAY.isoformat()) and first["scanned_at"].endswith("+08:00")
        assert first["verdict"] in ("valid", "expired")  # W1 has no health check on file: expired
    unknown = client.get(f"{V1}/workers/JZ0000000000/scans", headers=world.who["admin"].headers)
    for principal, want in (("regulator_other", 404), ("bank", 403), ("provider_any", 403), ("public", 401)):
        status, body = log_as(client, world, principal, code)
        assert status == want, (principal, body)
        if want == 404:  # out of scope reads word for word like an unknown code
            assert {k: v for k, v in body.items() if k != "instance"} == {
                k: v for k, v in unknown.json().items() if k != "instance"}
    # W2 works for company B: company A and worker W1 see nothing of it
    scan(client, vault, world.keys["W2"])
    assert log_as(client, world, "company", world.keys["W2"])[0] == 404
    assert log_as(client, world, "worker", world.keys["W2"])[0] == 404
    assert log_as(client, world, "regulator_other", world.keys["W2"])[1]["total"] == 1


def test_a_company_sees_scans_only_since_it_employed_the_worker(client: TestClient, world: World, vault: Vault,
                                                                 sessions: sessionmaker[Session]) -> None:
    worker_id = world.ids["W1"]
    with sessions() as s, s.begin():
        code_id = s.scalars(select(WorkerCode.id).where(WorkerCode.worker_id == worker_id)).one()
        for days_ago in (40, 20, 5):
            s.add(CardScan(worker_id=worker_id, code_id=code_id, scanned_at=NOW - timedelta(days=days_ago),
                           verdict="valid", token_issued_on=date(2026, 1, 1)))
        s.execute(update(Employment).where(Employment.worker_id == worker_id)
                  .values(start_on=TODAY - timedelta(days=30)))
    code = world.keys["W1"]
    assert log_as(client, world, "worker", code)[1]["total"] == 3
    status, body = log_as(client, world, "company", code)
    assert status == 200 and body["total"] == 2  # the one 40 days ago was before it employed her
    assert [i["scanned_at"][:10] for i in body["items"]] == [
        (TODAY - timedelta(days=5)).isoformat(), (TODAY - timedelta(days=20)).isoformat()]  # newest first
    assert log_as(client, world, "regulator_city", code)[1]["total"] == 3


def test_a_revoked_code_still_names_the_worker_and_its_scans_stay_in_the_log(client: TestClient, world: World,
                                                                             vault: Vault,
                                                                             sessions: sessionmaker[Session]) -> None:
    old = world.keys["W1"]
    with sessions() as s, s.begin():
        new = registry.reissue_worker_code(s, worker_id=world.ids["W1"], now=NOW - timedelta(hours=1))
    scan(client, vault, old)
    scan(client, vault, new, issued_on=TODAY)  # a card of the new code cannot predate the code
    for code in (old, new):
        status, body = log_as(client, world, "worker", code)
        assert status == 200 and body["total"] == 2
        assert {(i["worker_code"], i["verdict"]) for i in body["items"]} == {(old, "revoked"), (new, "expired")}


def test_the_log_keeps_nothing_about_who_scanned(client: TestClient, world: World, vault: Vault,
                                                 sessions: sessionmaker[Session]) -> None:
    columns = {c.name for c in Base.metadata.tables["card_scans"].columns}
    assert columns == {"id", "worker_id", "code_id", "scanned_at", "verdict", "token_issued_on"}
    scan(client, vault, world.keys["W1"], **{"User-Agent": "Mozilla/5.0 (iPhone; scanner-phone)",
                                             "X-Forwarded-For": "203.0.113.77", "Cookie": "who=me"})
    with sessions() as s:
        row = s.scalars(select(CardScan)).one()
        values = " ".join(str(getattr(row, c)) for c in columns)
        entries = list(s.scalars(select(AuditEntry)))
    assert "203.0.113.77" not in values and "iPhone" not in values and "who=me" not in values
    assert not any("203.0.113.77" in e.detail or "iPhone" in e.detail for e in entries)
    # a look-up without the card's token is no scan
    assert client.get(f"/w/{world.keys['W1']}", headers={"Accept": "text/html"}).status_code == 200
    with sessions() as s:
        assert s.scalar(select(CardScan.id).where(CardScan.id != row.id)) is None


def test_every_read_of_the_log_is_audited(client: TestClient, world: World, vault: Vault,
                                          sessions: sessionmaker[Session]) -> None:
    scan(client, vault, world.keys["W1"])
    assert log_as(client, world, "company", world.keys["W1"])[0] == 200
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "card_scans.read")).one()
    assert entry.actor == world.who["company"].actor and entry.object == f"subject:{world.ids['W1']}"
    assert isinstance(entry.at, datetime)
