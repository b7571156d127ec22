"""The review queue and court-data matches on /admin, on both engines: candidates in the reviewer's region
with their basis records, approve publishes, reject needs a reason (next to the field), a stale version is a
409 saying who decided first with nothing published twice, an entry outside the region is the same 404 page
as an unknown one, and hostile text is escaped."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    client_fixture,
    open_candidate,
    world_fixture,
)
from tests.factories import add_record
from tests.web.admin_helpers import main_text, signed_in

from jzcredit.common.audit import AuditEntry
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry, ListTransition
from jzcredit.records.models import CreditRecord, MatchCandidate

HTML = {"Accept": "text/html"}


def _b1(world: World, subject: str, *, content: str = "未公示收费标准") -> int:
    """A serious penalty in force and the B1 candidate ``lists propose`` makes of it."""
    with world.sessions() as s, s.begin():
        record = add_record(s, world.ids[subject], "penalty", decided_on=date(2026, 3, 1), severity="serious")
        record.content = content
        created = lists_service.propose(s, now=NOW, actor="test", rule_ids=["B1"])
    return next(e["entry_id"] for e in created if e["subject_key"] == world.keys[subject])


def _entry(world: World, entry_id: int) -> ListEntry:
    with world.sessions() as s:
        entry = s.get_one(ListEntry, entry_id)
        s.expunge(entry)
        return entry


def _review(client: TestClient, csrf: str, entry_id: int, **data: str) -> httpx.Response:
    return client.post(f"/admin/review/{entry_id}", data={"csrf_token": csrf, **data}, headers=HTML,
                       follow_redirects=False)


def test_the_queue_shows_candidates_in_the_region_with_their_basis_escaped(client: TestClient, world: World) -> None:
    mine = _b1(world, "A", content="<script>alert('x')</script>老板跑路")
    theirs = _b1(world, "B")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/review")
    assert page.status_code == 200
    assert f'id="entry-{mine}"' in page.text and f'id="entry-{theirs}"' not in page.text
    assert "济南甲家政服务有限公司" in page.text and "深圳乙" not in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text and "老板跑路" in page.text
    assert "行政处罚" in main_text(page.text) and "严重失信" in main_text(page.text)
    assert csrf in page.text


def test_approving_publishes_the_candidate(client: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    entry_id = _b1(world, "A")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    answer = _review(client, csrf, entry_id, decision="approve", note="依据充分", version="1")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/admin/review?done=approved&id={entry_id}"
    entry = _entry(world, entry_id)
    assert entry.status == "published" and entry.version == 2 and entry.published_on == date(2026, 6, 30)
    assert entry.reviewed_by == world.who["regulator_city"].actor and entry.review_note == "依据充分"
    after = client.get(answer.headers["location"])
    assert f"名单条目 {entry_id} 已批准并公布" in after.text and f'id="entry-{entry_id}"' not in after.text
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "list.approve")) == 1
    public = client.get("/api/v1/public/lists/black").json()
    assert any(i.get("uscc") == world.keys["A"] or world.keys["A"] in str(i) for i in public["items"])


def test_rejecting_needs_a_reason_shown_next_to_the_field(client: TestClient, world: World) -> None:
    entry_id = _b1(world, "A")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    answer = _review(client, csrf, entry_id, decision="reject", note="  ", version="1")
    assert answer.status_code == 422
    text = answer.text
    form = text.split(f'id="entry-{entry_id}"', 1)[1]
    assert f'id="e{entry_id}-note"' in form and "请填写驳回理由" in form and 'aria-invalid="true"' in form
    assert "提交未成功" in text and f'href="#entry-{entry_id}"' in text  # said at the top too, with a link
    assert _entry(world, entry_id).status == "candidate"
    done = _review(client, csrf, entry_id, decision="reject", note="依据不足", version="1")
    assert done.status_code == 303
    assert _entry(world, entry_id).status == "rejected"


@pytest.mark.parametrize("data", [{"decision": "publish", "version": "1"}, {"decision": "approve", "version": "x"},
                                  {"decision": "approve", "version": "1", "note": "长" * 2001}])
def test_bad_form_values_are_422_with_a_message_and_change_nothing(client: TestClient, world: World,
                                                                    data: dict[str, str]) -> None:
    entry_id = _b1(world, "A")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    answer = _review(client, csrf, entry_id, **data)
    assert answer.status_code == 422 and 'class="field-error"' in answer.text
    assert _entry(world, entry_id).status == "candidate" and _entry(world, entry_id).version == 1


def test_a_stale_version_is_a_409_naming_who_decided_first_and_nothing_is_published_twice(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    entry_id = _b1(world, "A")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    first = _review(client, csrf, entry_id, decision="approve", note="第一位", version="1")
    assert first.status_code == 303
    second = _review(client, csrf, entry_id, decision="approve", note="第二位", version="1")  # the page seen before
    assert second.status_code == 409
    said = main_text(second.text)
    assert "操作未执行" in said and "regulator_city" in said and "先行审核" in said and "已公布" in said
    assert "不会重复公布" in said
    entry = _entry(world, entry_id)
    assert entry.version == 2 and entry.review_note == "第一位"
    with sessions() as s:
        published = s.scalar(select(func.count()).select_from(ListTransition).where(
            ListTransition.entry_id == entry_id, ListTransition.to_status == "published"))
        assert published == 1


def test_a_stale_version_on_a_candidate_still_waiting_is_409(client: TestClient, world: World) -> None:
    entry_id, version = open_candidate(world, "A")
    csrf = signed_in(client, world.who["admin"].token or "")
    answer = _review(client, csrf, entry_id, decision="reject", note="理由", version=str(version + 1))
    assert answer.status_code == 409 and "版本" in answer.text
    assert _entry(world, entry_id).status == "candidate"


def test_an_entry_outside_the_region_is_the_same_404_as_an_unknown_one(client: TestClient, world: World) -> None:
    theirs = _b1(world, "B")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    outside = _review(client, csrf, theirs, decision="approve", version="1")
    unknown = _review(client, csrf, 987_654, decision="approve", version="1")
    assert outside.status_code == unknown.status_code == 404
    said = main_text(outside.text).replace(str(theirs), "N")
    assert said == main_text(unknown.text).replace("987654", "N")
    assert _entry(world, theirs).status == "candidate"


def test_a_national_regulator_sees_every_region(client: TestClient, world: World) -> None:
    a, b = _b1(world, "A"), _b1(world, "B")
    signed_in(client, world.who["regulator_national"].token or "")
    page = client.get("/admin/review").text
    assert f'id="entry-{a}"' in page and f'id="entry-{b}"' in page


def _match(world: World, worker: str) -> int:
    with world.sessions() as s, s.begin():
        record = add_record(s, None, "dishonest_debtor", decided_on=date(2026, 2, 1), severity="serious")
        record.subject_name, record.subject_code_masked = "李*芳", "3701**********1234"
        match = MatchCandidate(record_id=record.id, worker_id=world.ids[worker], status="pending", created_at=NOW)
        s.add(match)
        s.flush()
        return match.id


def test_matches_in_the_region_are_confirmed_and_link_the_record(client: TestClient, world: World) -> None:
    mine, theirs = _match(world, "W1"), _match(world, "W2")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/matches")
    assert page.status_code == 200 and f'id="match-{mine}"' in page.text and f'id="match-{theirs}"' not in page.text
    with world.sessions() as s:  # a worker named on the page: a read of personal data, audited
        read = s.scalars(select(AuditEntry).where(AuditEntry.action == "private.read")).one()
        assert read.object == "page:/admin/matches" and read.actor == world.who["regulator_city"].actor
        assert json.loads(read.detail)["workers"] == [world.ids["W1"]]
    refused = client.post(f"/admin/matches/{mine}", data={"csrf_token": csrf, "decision": "reject"}, headers=HTML)
    assert refused.status_code == 422 and "请填写说明" in refused.text, main_text(refused.text)
    hidden = client.post(f"/admin/matches/{theirs}", data={"csrf_token": csrf, "decision": "confirm"}, headers=HTML)
    assert hidden.status_code == 404
    answer = client.post(f"/admin/matches/{mine}", data={"csrf_token": csrf, "decision": "confirm"},
                         follow_redirects=False)
    assert answer.status_code == 303
    with world.sessions() as s:
        match = s.get_one(MatchCandidate, mine)
        assert match.status == "confirmed"
        assert s.get_one(CreditRecord, match.record_id).subject_id == world.ids["W1"]
        assert s.get_one(MatchCandidate, theirs).status == "pending"
    again = client.post(f"/admin/matches/{mine}", data={"csrf_token": csrf, "decision": "confirm"}, headers=HTML)
    assert again.status_code == 409 and "已处理" in again.text


def test_the_pages_need_their_roles(client: TestClient, world: World) -> None:
    signed_in(client, world.who["provider_any"].token or "")
    for path in ("/admin/review", "/admin/notices", "/admin/objections", "/admin/repairs", "/admin/matches"):
        assert client.get(path, headers=HTML).status_code == 403, path
    assert re.search(r"数据上传|没有监管工作台", client.get("/admin", headers=HTML).text)


def test_a_long_queue_shows_the_oldest_and_says_how_many_wait(client: TestClient, world: World,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jzcredit.web.admin.SHOWN", 1)
    first, _ = open_candidate(world, "A")
    second, _ = open_candidate(world, "W1")
    signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/review").text
    assert f'id="entry-{first}"' in page and f'id="entry-{second}"' not in page
    assert "待审核的名单候选 2 条，按提出先后显示最早的 1 条" in main_text(page)


def test_two_reviewers_at_once_one_publishes_and_the_other_gets_the_conflict(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    entry_id = _b1(world, "A")
    other = TestClient(client.app, raise_server_exceptions=False)
    csrfs = [signed_in(client, world.who["regulator_city"].token or ""),
             signed_in(other, world.who["regulator_province"].token or "")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda pair: _review(pair[0], pair[1], entry_id, decision="approve", version="1"),
                                [(client, csrfs[0]), (other, csrfs[1])]))
    assert sorted(a.status_code for a in answers) == [303, 409], [a.text[:300] for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert "操作未执行" in main_text(loser.text)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ListTransition).where(
            ListTransition.entry_id == entry_id, ListTransition.to_status == "published")) == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "list.approve")) == 1
    assert _entry(world, entry_id).status == "published"
