"""GET /api/v1/stats by region scope (a regulator never beyond its own) and GET /api/v1/audit/verify (admin)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    client_fixture,
    world_fixture,
)

from jzcredit.common.audit import AuditEntry
from jzcredit.reports import stats as stats_report


def _stats(client: TestClient, world: World, who: str, region: str | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    params = {} if region is None else {"region": region}
    response = client.get("/api/v1/stats", params=params, headers=world.who[who].headers)
    return response.status_code, response.json()


def test_a_regulator_without_a_region_gets_its_own_and_the_same_counts_as_the_cli(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    status, body = _stats(client, world, "regulator_city")
    assert status == 200 and body["region"] == "370100"
    assert (body["companies"], body["workers"]) == (1, 1)
    with sessions() as s:
        expected = stats_report.stats(s, region="370100", now=NOW)
    assert body == expected
    status, other = _stats(client, world, "regulator_other")
    assert status == 200 and other["region"] == "440000" and other["companies"] == 1
    assert [r["region_code"] for r in other["by_region"]] == ["440305"]


@pytest.mark.parametrize(("who", "allowed", "refused"), [
    ("regulator_national", ["000000", "370000", "370100", "440000"], []),
    ("regulator_province", ["370000", "370100", "370102"], ["000000", "440000", "110000"]),
    ("regulator_city", ["370100", "370102"], ["370000", "000000", "370200", "440000"]),
    ("regulator_other", ["440000", "440300"], ["370000", "000000"]),
    ("admin", ["000000", "370000", "440000"], []),
])
def test_a_region_inside_your_own_is_allowed_a_wider_or_other_one_is_403(
    client: TestClient, world: World, who: str, allowed: list[str], refused: list[str]
) -> None:
    for region in allowed:
        status, body = _stats(client, world, who, region)
        assert status == 200 and body["region"] == region, (who, region)
    for region in refused:
        status, body = _stats(client, world, who, region)
        assert status == 403 and body["code"] == "auth.region", (who, region)


def test_admin_without_a_region_gets_the_national_view(client: TestClient, world: World) -> None:
    status, body = _stats(client, world, "admin")
    assert status == 200 and body["region"] is None and body["companies"] == 2 and body["workers"] == 2


@pytest.mark.parametrize("region", ["37", "abcdef", "990000", "3701000"])
def test_a_malformed_region_is_422(client: TestClient, world: World, region: str) -> None:
    status, body = _stats(client, world, "admin", region)
    assert status == 422 and body["type"].startswith("/problems/")


@pytest.mark.parametrize(("who", "status"), [("public", 401), ("company", 403), ("bank", 403),
                                             ("provider_any", 403), ("worker", 403)])
def test_stats_are_for_admin_and_regulators_only(client: TestClient, world: World, who: str, status: int) -> None:
    assert _stats(client, world, who)[0] == status


def test_audit_verify_reports_an_intact_chain_then_the_first_changed_entry(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    headers = world.who["admin"].headers
    response = client.get("/api/v1/audit/verify", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["entries"] >= len(world.who) - 1 and body["first_bad"] is None
    with sessions() as s, s.begin():
        victim = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(2).limit(1)).one()
        s.execute(update(AuditEntry).where(AuditEntry.id == victim).values(actor="someone else"))
    broken = client.get("/api/v1/audit/verify", headers=headers).json()
    assert broken["ok"] is False and broken["first_bad"] == victim and broken["problem"]
    for who, status in (("regulator_national", 403), ("public", 401), ("provider_any", 403)):
        assert client.get("/api/v1/audit/verify", headers=world.who[who].headers).status_code == status
