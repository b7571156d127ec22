"""``/api/v1/changes`` on both engines: who reads which changes, bad cursors as problems, and idempotent
receiving (a re-send adds nothing, a clash is 409 and keeps nothing)."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import World, api_fixture, problem, world_fixture  # noqa: F401  (fixtures)
from tests.factories import add_record
from tests.feed.helpers import NOW, counts, new_record, set_status

from jzcredit.common.crypto import Vault
from jzcredit.feed import service as feed
from jzcredit.records.models import RecordHistory
from jzcredit.registry.models import Worker
from jzcredit.users.service import add_user

CHANGES = "/api/v1/changes"


def _records(sessions: sessionmaker[Session], world: World) -> dict[str, int]:
    with sessions() as s, s.begin():
        jinan = new_record(s, world.company_id).id
        worker = new_record(s, world.worker_id, "complaint").id
        shanghai = new_record(s, world.other_company_id).id
        set_status(s, jinan, "under_objection")
        unmatched = add_record(s, None, "dishonest_debtor", decided_on=NOW.date())
        s.add(RecordHistory(record_id=unmatched.id, at=unmatched.created_at, from_status=None, to_status="active",
                            actor="t", reason="t"))
        return {"jinan": jinan, "worker": worker, "shanghai": shanghai, "unmatched": unmatched.id}


def _ids(body: dict[str, Any]) -> list[int]:
    return [c["record_id"] for c in body["items"]]


def test_admin_reads_everything_and_a_regulator_only_its_region(api: TestClient, world: World,
                                                                sessions: sessionmaker[Session]) -> None:
    r = _records(sessions, world)
    everything = api.get(CHANGES, headers=world.admin.headers).json()
    assert _ids(everything) == [r["jinan"], r["worker"], r["shanghai"], r["jinan"], r["unmatched"]]
    assert not everything["has_more"] and everything["origin"]
    jinan = api.get(CHANGES, headers=world.regulator.headers).json()
    assert _ids(jinan) == [r["jinan"], r["worker"], r["jinan"]]
    assert api.get(CHANGES, headers=world.far_regulator.headers).json()["items"][0]["record_id"] == r["shanghai"]
    paged = api.get(CHANGES, params={"limit": 2}, headers=world.regulator.headers).json()
    rest = api.get(CHANGES, params={"since": paged["next_cursor"]}, headers=world.regulator.headers).json()
    assert _ids(paged) + _ids(rest) == _ids(jinan) and paged["has_more"] and not rest["has_more"]


def test_no_full_personal_data_in_the_feed(api: TestClient, world: World, sessions: sessionmaker[Session],
                                           vault: Vault) -> None:
    _records(sessions, world)
    with sessions() as s:
        worker = s.get_one(Worker, world.worker_id)
        number = vault.decrypt(worker.id_cipher)
    text = api.get(CHANGES, headers=world.admin.headers).text
    assert number not in text and "李小芳" not in text and worker.id_masked in text and "李*芳" in text


def test_roles_without_the_feed_are_refused(api: TestClient, world: World) -> None:
    problem(api.get(CHANGES), 401)
    for who in (world.company, world.worker, world.bank):
        problem(api.get(CHANGES, headers=who.headers), 403, code="auth.role")
    problem(api.post(CHANGES, json={"origin": "abc", "changes": []}, headers=world.regulator.headers), 403)


def test_bad_cursors_and_limits_are_problems_that_say_why(api: TestClient, world: World,
                                                          sessions: sessionmaker[Session]) -> None:
    _records(sessions, world)
    h = world.admin.headers
    problem(api.get(CHANGES, params={"since": "not a cursor"}, headers=h), 422, code="cursor.invalid")
    other = feed.encode_cursor("fedcba9876543210", 1)
    body = problem(api.get(CHANGES, params={"since": other}, headers=h), 422, code="cursor.other_feed")
    assert "fedcba9876543210" in body["detail"]
    origin = api.get(CHANGES, headers=h).json()["origin"]
    problem(api.get(CHANGES, params={"since": feed.encode_cursor(origin, 99)}, headers=h), 422, code="cursor.ahead")
    problem(api.get(CHANGES, params={"limit": 0}, headers=h), 422)
    problem(api.get(CHANGES, params={"limit": feed.MAX_LIMIT + 1}, headers=h), 422)


def _foreign_batch(sessions: sessionmaker[Session], api: TestClient, world: World) -> dict[str, Any]:
    """A batch as another platform would send it: this platform's changes under another origin."""
    _records(sessions, world)
    page = api.get(CHANGES, headers=world.admin.headers).json()
    items = [dict(c, origin="city-370100") for c in page["items"]]
    return {"origin": "city-370100", "changes": items}


def test_receiving_is_idempotent_and_a_clash_keeps_nothing(api: TestClient, world: World,
                                                          sessions: sessionmaker[Session], vault: Vault) -> None:
    batch = _foreign_batch(sessions, api, world)
    with sessions() as s, s.begin():
        _u, token = add_user(s, vault=vault, role="provider", name="济南市平台", now=NOW)
    h = {"Authorization": f"Bearer {token}"}
    first = api.post(CHANGES, json=batch, headers=h)
    assert first.status_code == 200, first.text
    assert first.json() == {"origin": "city-370100", "received": 5, "duplicates": 0,
                            "acked_change_id": batch["changes"][-1]["change_id"]}
    after_first = counts(sessions)
    assert after_first[1:] == (5, 4)  # five changes of four records
    again = api.post(CHANGES, json=batch, headers=h).json()
    assert (again["received"], again["duplicates"]) == (0, 5) and counts(sessions) == after_first

    clash = copy.deepcopy(batch)
    clash["changes"][0]["record"]["type"] = "commendation"
    clash["changes"][0]["digest"] = feed.digest_of(clash["changes"][0])
    clash["changes"].append(dict(batch["changes"][-1], change_id=999, digest=None))
    body = problem(api.post(CHANGES, json=clash, headers=h), 409, code="change.conflict")
    assert "city-370100" in body["detail"] and counts(sessions) == after_first  # not even the new 999

    tampered = copy.deepcopy(batch)
    tampered["changes"][1]["to_status"] = "revoked"
    problem(api.post(CHANGES, json=tampered, headers=h), 422, code="change.digest")
    own = api.get(CHANGES, headers=world.admin.headers).json()
    problem(api.post(CHANGES, json={"origin": own["origin"], "changes": own["items"]}, headers=h), 422,
            code="change.own_origin")
    problem(api.post(CHANGES, json={"origin": "x y", "changes": []}, headers=h), 422)
    assert counts(sessions) == after_first


def test_a_provider_limited_to_some_types_receives_only_those(api: TestClient, world: World,
                                                              sessions: sessionmaker[Session], vault: Vault) -> None:
    batch = _foreign_batch(sessions, api, world)
    with sessions() as s, s.begin():
        _u, token = add_user(s, vault=vault, role="provider", name="处罚报送", now=NOW,
                             record_types=["penalty"])
    before = counts(sessions)
    problem(api.post(CHANGES, json=batch, headers={"Authorization": f"Bearer {token}"}), 403,
            code="auth.record_type")
    assert counts(sessions) == before
