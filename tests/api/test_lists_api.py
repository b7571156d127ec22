"""The review queue over HTTP: region-scoped listing, review with a version (409 when stale), and 凡办必查."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    client_fixture,
    open_candidate,
    publish,
    world_fixture,
)
from tests.factories import add_record

from jzcredit.common.audit import AuditEntry
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry


def _propose_b1(world: World, *subjects: str) -> dict[str, int]:
    """A serious penalty in force for each subject, and the B1 candidates ``lists propose`` makes of it."""
    with world.sessions() as s, s.begin():
        for name in subjects:
            add_record(s, world.ids[name], "penalty", decided_on=date(2026, 3, 1), severity="serious")
        created = lists_service.propose(s, now=NOW, actor="test", rule_ids=["B1"])
    return {name: e["entry_id"] for name, key in world.keys.items() for e in created if e["subject_key"] == key}


def _entry(world: World, entry_id: int) -> ListEntry:
    with world.sessions() as s:
        entry = s.get_one(ListEntry, entry_id)
        s.expunge(entry)
        return entry


def _review(client: TestClient, world: World, who: str, entry_id: int, body: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/lists/entries/{entry_id}/review", headers=world.who[who].headers, json=body)
    return response.status_code, response.json()


def test_the_queue_shows_a_regulator_only_entries_of_its_region(client: TestClient, world: World) -> None:
    entries = _propose_b1(world, "A", "B", "W1")
    listing = {}
    for who in ("regulator_city", "regulator_other", "regulator_national", "admin"):
        response = client.get("/api/v1/lists/entries", params={"status": "candidate", "list": "black"},
                              headers=world.who[who].headers)
        assert response.status_code == 200, who
        listing[who] = {e["entry_id"] for e in response.json()["items"]}
        assert response.json()["total"] == len(listing[who])
    assert listing["regulator_city"] == {entries["A"], entries["W1"]}
    assert listing["regulator_other"] == {entries["B"]}
    assert listing["regulator_national"] == listing["admin"] == set(entries.values())
    page = client.get("/api/v1/lists/entries", params={"page": 2, "size": 1}, headers=world.who["admin"].headers)
    body = page.json()
    assert (body["total"], body["page"], body["size"]) == (3, 2, 1)
    assert [e["entry_id"] for e in body["items"]] == [sorted(entries.values())[1]]
    assert body["items"][0]["list"] == "black" and body["items"][0]["version"] == 1


def test_unknown_filters_are_422(client: TestClient, world: World) -> None:
    for params in ({"status": "nonsense"}, {"list": "grey"}, {"size": 0}, {"page": "x"}):
        response = client.get("/api/v1/lists/entries", params=params, headers=world.who["admin"].headers)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")


def test_approving_the_seen_version_publishes_and_a_stale_version_is_409_changing_nothing(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    entry_id = _propose_b1(world, "A")["A"]
    status, body = _review(client, world, "regulator_city", entry_id,
                           {"decision": "approve", "note": "依据充分", "version": 1})
    assert status == 200, body
    assert body["status"] == "published" and body["version"] == 2 and body["published_on"] == "2026-06-30"
    assert body["reviewed_by"] == world.who["regulator_city"].actor
    with sessions() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "list.approve")).one()
        assert audited.actor == world.who["regulator_city"].actor
    status, body = _review(client, world, "regulator_province", entry_id, {"decision": "reject", "version": 1})
    assert status == 409 and body["code"] in ("list_entry.changed", "list_entry.not_candidate")
    assert _entry(world, entry_id).status == "published" and _entry(world, entry_id).version == 2


def test_a_stale_version_on_a_candidate_is_409_list_entry_changed(client: TestClient, world: World) -> None:
    entry_id, version = open_candidate(world, "A")
    status, body = _review(client, world, "admin", entry_id, {"decision": "reject", "version": version + 1})
    assert status == 409 and body["code"] == "list_entry.changed"
    assert body["type"] == "/problems/list_entry.changed" and "版本" in body["detail"]
    assert _entry(world, entry_id).status == "candidate" and _entry(world, entry_id).version == version


def test_approval_refused_when_the_rule_no_longer_holds(client: TestClient, world: World) -> None:
    entry_id, version = open_candidate(world, "A")  # B1 without any serious penalty behind it
    status, body = _review(client, world, "admin", entry_id, {"decision": "approve", "version": version})
    assert status == 409 and body["code"] == "list_entry.stale"
    assert _entry(world, entry_id).status == "candidate"


def test_an_entry_outside_the_region_reads_like_an_unknown_one(client: TestClient, world: World) -> None:
    entry_id, version = open_candidate(world, "A")
    status, body = _review(client, world, "regulator_other", entry_id, {"decision": "reject", "version": version})
    unknown_status, unknown = _review(client, world, "regulator_other", 999_999, {"decision": "reject", "version": 1})
    assert status == unknown_status == 404
    assert body["code"] == unknown["code"] == "list_entry.not_found"
    assert body["detail"].replace(str(entry_id), "N") == unknown["detail"].replace("999999", "N")
    assert _entry(world, entry_id).status == "candidate"


@pytest.mark.parametrize("body", [
    {"decision": "approve", "version": 1, "by": "someone else"},  # unknown field
    {"decision": "maybe", "version": 1},
    {"decision": "approve"},
    {"decision": "approve", "version": "one"},
    {"decision": "approve", "version": 0},
    {"decision": "reject", "version": 1, "note": "x" * 2001},
    [1, 2],
])
def test_bad_review_bodies_are_422_and_change_nothing(client: TestClient, world: World, body: object) -> None:
    entry_id, _ = open_candidate(world, "A")
    status, problem = _review(client, world, "admin", entry_id, body)
    assert status == 422 and problem["code"] == "invalid_request"
    assert _entry(world, entry_id).status == "candidate"


def test_malformed_json_is_422(client: TestClient, world: World) -> None:
    entry_id, _ = open_candidate(world, "A")
    response = client.post(f"/api/v1/lists/entries/{entry_id}/review", content=b'{"decision": "approve",',
                           headers={**world.who["admin"].headers, "content-type": "application/json"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    assert "JSON" in response.json()["detail"]


def test_check_lists_the_measures_that_apply_and_is_audited(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    entry_id = publish(world, "A")
    response = client.get(f"/api/v1/check/{world.keys['A']}", params={"action": "government_procurement"},
                          headers=world.who["regulator_province"].headers)
    assert response.status_code == 200
    body = response.json()
    assert body["subject_key"] == world.keys["A"] and body["as_of"] == "2026-06-30"
    assert body["measures"] and all(m["list"] == "black" and m["entry_ids"] == [entry_id] for m in body["measures"])
    assert "black.government_procurement.restrict" in {m["measure_code"] for m in body["measures"]}
    clean = client.get(f"/api/v1/check/{world.keys['W1']}", params={"action": "government_procurement"},
                       headers=world.who["regulator_province"].headers)
    assert clean.status_code == 200 and clean.json()["measures"] == []
    with sessions() as s:
        audited = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "check").order_by(AuditEntry.id)))
    assert [(a.actor, a.object) for a in audited] == [
        (world.who["regulator_province"].actor, f"subject:{world.ids['A']}"),
        (world.who["regulator_province"].actor, f"subject:{world.ids['W1']}")]


def test_check_refuses_unknown_actions_and_hides_subjects_outside_the_region(
    client: TestClient, world: World
) -> None:
    headers = world.who["regulator_city"].headers
    unknown = client.get(f"/api/v1/check/{world.keys['A']}", params={"action": "nonsense"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["code"] == "check.unknown_action"
    missing = client.get(f"/api/v1/check/{world.keys['A']}", headers=headers)
    assert missing.status_code == 422
    hidden = client.get(f"/api/v1/check/{world.keys['B']}", params={"action": "government_procurement"},
                        headers=headers)
    assert hidden.status_code == 404 and hidden.json()["code"] == "subject.not_found"
    company = client.get(f"/api/v1/check/{world.keys['A']}", params={"action": "government_procurement"},
                         headers=world.who["company"].headers)
    assert company.status_code == 403
