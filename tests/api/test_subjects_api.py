"""GET /api/v1/subjects/{key}: the credit file by scope, masked, audited; out of scope reads like unknown."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    client_fixture,
    world_fixture,
)
from tests.factories import add_record

from jzcredit.common.audit import AuditEntry
from jzcredit.registry.file import subject_file

FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
FULL_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _get(client: TestClient, world: World, who: str, key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/subjects/{key}", headers=world.who[who].headers)
    return response.status_code, response.json()


def _audits(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_regulator_reads_a_company_file_as_show_prints_it_and_the_read_is_audited(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as s, s.begin():
        record = add_record(s, world.ids["A"], "penalty", decided_on=NOW.date().replace(month=3))
        expected = json.loads(json.dumps(subject_file(s, subject_id=world.ids["A"], now=NOW), default=str))
    status, body = _get(client, world, "regulator_city", world.keys["A"])
    assert status == 200
    assert body["kind"] == "company" and body["subject_key"] == world.keys["A"]
    assert body["identifiers"] == {"uscc": world.keys["A"], "id_number": None, "phone": None}
    assert [r["record_id"] for r in body["records"]] == [record.id]
    assert body["records"][0]["details"] == expected["records"][0]["details"]
    # every key `show KEY --json` prints is there (the response adds none of its own but null identifiers)
    assert set(expected) <= set(body)
    assert [e["worker_id_masked"] for e in body["employments"]] == [e["worker_id_masked"]
                                                                     for e in expected["employments"]]
    entries = _audits(sessions, "subject.read")
    assert [(e.actor, e.object) for e in entries] == [(world.who["regulator_city"].actor,
                                                       f"subject:{world.ids['A']}")]


def test_worker_file_never_shows_a_full_id_or_mobile_number(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    for who in ("worker", "company", "regulator_province", "admin"):
        response = client.get(f"/api/v1/subjects/{world.keys['W1']}", headers=world.who[who].headers)
        assert response.status_code == 200, who
        assert not FULL_ID.search(response.text) and not FULL_MOBILE.search(response.text), who
        body = response.json()
        assert body["kind"] == "worker" and body["worker_code"] == world.keys["W1"]
        assert "*" in body["identifiers"]["id_number"]
        assert world.id_numbers["W1"] not in response.text
    assert len(_audits(sessions, "subject.read")) == 4


@pytest.mark.parametrize(("who", "subject"), [
    ("company", "B"), ("company", "W2"), ("worker", "W2"), ("worker", "A"),
    ("regulator_city", "B"), ("regulator_other", "A"), ("regulator_other", "W1"),
])
def test_outside_the_scope_reads_exactly_like_an_unknown_subject(
    client: TestClient, world: World, sessions: sessionmaker[Session], who: str, subject: str
) -> None:
    status, body = _get(client, world, who, world.keys[subject])
    unknown_status, unknown = _get(client, world, who, "JZ0000000000")
    assert status == unknown_status == 404
    body.pop("instance"), unknown.pop("instance")
    assert body == unknown and body["code"] == "subject.not_found"
    assert world.keys[subject] not in json.dumps(body, ensure_ascii=False)
    assert _audits(sessions, "subject.read") == []


def test_company_sees_itself_and_its_current_worker_but_a_worker_only_itself(
    client: TestClient, world: World
) -> None:
    assert _get(client, world, "company", world.keys["A"])[0] == 200
    assert _get(client, world, "company", world.keys["W1"])[0] == 200
    assert _get(client, world, "worker", world.keys["W1"])[0] == 200
    assert _get(client, world, "regulator_other", world.keys["W2"])[0] == 200


def test_an_id_number_in_the_path_is_refused_without_echoing_it(client: TestClient, world: World) -> None:
    number = world.id_numbers["W1"]
    response = client.get(f"/api/v1/subjects/{number}", headers=world.who["admin"].headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "subject.id_number_in_url"
    assert number not in response.text and not FULL_ID.search(response.text)  # the instance too
    assert body["instance"] == f"/api/v1/subjects/{number[:3]}{'*' * 11}{number[-4:]}"


@pytest.mark.parametrize(("who", "status", "code"), [
    ("public", 401, "auth.required"), ("bank", 403, "auth.role"), ("provider_any", 403, "auth.role"),
])
def test_roles_without_the_action_are_refused_before_any_lookup(
    client: TestClient, world: World, who: str, status: int, code: str
) -> None:
    for key in (world.keys["A"], "JZ0000000000"):  # the same answer whether the subject exists or not
        response = client.get(f"/api/v1/subjects/{key}", headers=world.who[who].headers)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code
