"""The change feed's cursor and sequencing on both engines: no skip, no repeat, stable pages, checked cursors,
and what a change says (the record as of that change; a worker only masked)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker
from tests.feed.helpers import NOW, history_ids, new_record, read_all, set_status

from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid
from jzcredit.feed import sequencing
from jzcredit.feed import service as feed
from jzcredit.feed.models import FeedState
from jzcredit.records.models import RecordHistory
from jzcredit.registry.models import Worker
from jzcredit.registry.service import active_codes


def test_changes_come_once_each_in_order_while_more_keep_coming(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        first = [new_record(s, company).id for _ in range(5)]
    seen, cursor = read_all(sessions, limit=2)
    assert [c["record_id"] for c in seen] == first
    with sessions() as s, s.begin():  # more changes after the reader reached the end
        set_status(s, first[0], "under_objection")
        set_status(s, first[0], "active")
        later = new_record(s, company).id
    more, cursor2 = read_all(sessions, since=cursor, limit=2)
    assert [(c["record_id"], c["to_status"]) for c in more] == [
        (first[0], "under_objection"), (first[0], "active"), (later, "active")]
    ids = [c["change_id"] for c in seen + more]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == len(history_ids(sessions))
    nothing, cursor3 = read_all(sessions, since=cursor2)
    assert nothing == [] and cursor3 == cursor2


def test_the_same_cursor_reads_the_same_page_even_after_the_record_changed(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        record = new_record(s, company).id
        new_record(s, company)
    with sessions() as s, s.begin():
        before = feed.read_changes(s, since=None, now=NOW, limit=1)
    with sessions() as s, s.begin():
        set_status(s, record, "revoked")  # the record stands differently now
    with sessions() as s, s.begin():
        again = feed.read_changes(s, since=None, now=NOW, limit=1)
    assert again["items"] == before["items"] and again["next_cursor"] == before["next_cursor"]
    assert before["items"][0]["to_status"] == before["items"][0]["record"]["status"] == "active"


def test_a_change_is_the_record_as_of_that_change_and_shows_a_worker_only_masked(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南家政服务有限公司", region_code="370102")
        worker = add_worker(s, vault, employer=company, name="李小芳")
        code = active_codes(s, [worker.subject_id])[worker.subject_id]
        id_masked = s.get_one(Worker, worker.subject_id).id_masked
        record = new_record(s, worker.subject_id, "complaint").id
        set_status(s, record, "under_objection")
        uscc = company.uscc
        new_record(s, company.subject_id, "commendation")
    changes, _ = read_all(sessions)
    created, objected, praised = changes
    assert (created["from_status"], created["to_status"], created["record"]["status"]) == (None, "active", "active")
    assert (objected["from_status"], objected["to_status"]) == ("active", "under_objection")
    assert created["subject"] == {"kind": "worker", "key": code, "name": "李*芳", "code_masked": id_masked,
                                  "region_code": None}
    assert praised["subject"]["key"] == uscc and praised["subject"]["name"] == "济南家政服务有限公司"
    assert praised["record"]["type"] == "commendation" and praised["record"]["category"] == "positive"
    assert "李小芳" not in str(changes) and "*" in id_masked
    for c in changes:
        assert c["digest"] == feed.digest_of(c) and set(c) >= {"change_id", "origin", "at", "record", "subject"}
        assert "content" not in c["record"] and "details" not in c["record"]


def test_a_record_not_linked_to_a_subject_shows_the_masked_court_identity(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = add_record(s, None, "dishonest_debtor", decided_on=NOW.date())
        record.subject_name, record.subject_code_masked = "王大明", "3701**********9885"
        s.add(RecordHistory(record_id=record.id, at=NOW, from_status=None, to_status="active", actor="t", reason="t"))
    (change,), _ = read_all(sessions)
    assert change["subject"] == {"kind": None, "key": None, "name": "王*明", "code_masked": "3701**********9885",
                                 "region_code": None}


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("bad", ["garbage!", "%%%", _cursor("no-colon"), _cursor("abc:-1"), _cursor("abc:1x"),
                                 _cursor(":5"), "", "   "])
def test_bad_cursors_are_refused_with_a_reason(sessions: sessionmaker[Session], bad: str) -> None:
    with sessions() as s, s.begin():
        new_record(s, add_company(s).subject_id)
    with sessions() as s, s.begin():
        instance = feed.read_changes(s, since=None, now=NOW)["origin"]
    if not bad.strip():  # an empty cursor is the start, like none
        with sessions() as s, s.begin():
            assert len(feed.read_changes(s, since=bad, now=NOW)["items"]) == 1
        return
    with sessions() as s, s.begin(), pytest.raises(Invalid) as err:
        feed.read_changes(s, since=bad, now=NOW)
    assert err.value.code == "cursor.invalid" and "next_cursor" in err.value.detail
    assert instance not in err.value.detail


def test_a_cursor_of_another_feed_or_beyond_the_end_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        new_record(s, add_company(s).subject_id)
    with sessions() as s, s.begin():
        page = feed.read_changes(s, since=None, now=NOW)
    instance = page["origin"]
    with sessions() as s, s.begin(), pytest.raises(Invalid) as err:
        feed.read_changes(s, since=feed.encode_cursor("0123456789abcdef", 1), now=NOW)
    assert err.value.code == "cursor.other_feed" and "0123456789abcdef" in err.value.detail
    with sessions() as s, s.begin(), pytest.raises(Invalid) as err:
        feed.read_changes(s, since=feed.encode_cursor(instance, 2), now=NOW)
    assert err.value.code == "cursor.ahead"
    with sessions() as s, s.begin():  # its own last cursor is fine, and so is the start
        assert feed.read_changes(s, since=page["next_cursor"], now=NOW)["items"] == []
        assert len(feed.read_changes(s, since=feed.encode_cursor(instance, 0), now=NOW)["items"]) == 1


def test_limit_outside_the_bounds_is_refused(sessions: sessionmaker[Session]) -> None:
    for limit in (0, feed.MAX_LIMIT + 1):
        with sessions() as s, s.begin(), pytest.raises(Invalid) as err:
            feed.read_changes(s, since=None, now=NOW, limit=limit)
        assert err.value.code == "changes.limit"


def test_a_filtered_reader_moves_past_what_it_may_not_see(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        wanted = [new_record(s, company, "commendation" if i % 3 == 0 else "penalty").id for i in range(9)]
    keep = lambda page: [c for c in page if c["record"]["type"] == "commendation"]  # noqa: E731
    with sessions() as s, s.begin():
        page = feed.read_changes(s, since=None, now=NOW, limit=2, keep=keep)
    assert [c["record_id"] for c in page["items"]] == [wanted[0], wanted[3]] and page["has_more"]
    with sessions() as s, s.begin():
        rest = feed.read_changes(s, since=page["next_cursor"], now=NOW, limit=2, keep=keep)
    assert [c["record_id"] for c in rest["items"]] == [wanted[6]] and not rest["has_more"]


def test_low_water_follows_the_sequenced_history(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        for _ in range(3):
            new_record(s, company)
    read_all(sessions)
    with sessions() as s:
        state = s.get_one(FeedState, 1)
        assert state.low_water == max(history_ids(sessions)) and len(state.instance) == 16
    with sessions() as s, s.begin():  # one read positions at most what it needs, the next one the rest
        for _ in range(5):
            new_record(s, company)
        sequencing.sequence_pending(s, now=NOW, at_most=2)
    with sessions() as s:
        assert s.get_one(FeedState, 1).low_water == max(history_ids(sessions)) - 3
    changes, _ = read_all(sessions)
    assert len(changes) == 8 and len({c["change_id"] for c in changes}) == 8


def test_a_late_commit_gets_a_later_position_and_is_not_skipped(engine: Engine,
                                                                sessions: sessionmaker[Session]) -> None:
    """PostgreSQL: a transaction that drew a lower history id commits after a higher one was read."""
    if engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite: a lower id cannot commit after a higher one")
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        base = new_record(s, company).id
    slow = sessions()
    slow.begin()
    set_status(slow, base, "under_objection")  # draws the lower history id, commits later
    lower = slow.scalar(select(RecordHistory.id).where(RecordHistory.to_status == "under_objection"))
    with sessions() as s, s.begin():
        fast = new_record(s, company).id
    seen, cursor = read_all(sessions)
    assert [c["record_id"] for c in seen] == [base, fast]
    with sessions() as s:
        assert s.get_one(FeedState, 1).low_water < (lower or 0)  # the gap is waited for
    slow.commit()
    slow.close()
    late, _ = read_all(sessions, since=cursor)
    assert [(c["record_id"], c["to_status"]) for c in late] == [(base, "under_objection")]
    assert late[0]["change_id"] > seen[-1]["change_id"]
    read_all(sessions)  # nobody writes history now: low_water moves over everything
    with sessions() as s:
        assert s.get_one(FeedState, 1).low_water == max(history_ids(sessions))


def test_a_rolled_back_id_does_not_hold_low_water_for_ever(engine: Engine, sessions: sessionmaker[Session]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reuses a rolled-back rowid; there is no gap to pass")
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        base = new_record(s, company).id
    doomed = sessions()
    doomed.begin()
    set_status(doomed, base, "revoked")
    with sessions() as s, s.begin():
        new_record(s, company)
    read_all(sessions)
    doomed.rollback()
    doomed.close()
    read_all(sessions)
    with sessions() as s:
        state = s.get_one(FeedState, 1)
        assert state.low_water == max(history_ids(sessions))
        gap = s.scalar(text("SELECT count(*) FROM record_history WHERE id <= :lw"), {"lw": state.low_water})
        assert gap == state.low_water - 1  # one id never appeared, and low_water passed it


def test_low_water_waits_below_a_gap_while_history_is_being_written(engine: Engine,
                                                                     sessions: sessionmaker[Session]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite")
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        base = new_record(s, company).id
    writing = sessions()
    writing.begin()
    set_status(writing, base, "revoked")  # history id 2, not committed
    with sessions() as s, s.begin():
        new_record(s, company)  # history id 3
    seen, _ = read_all(sessions)
    with sessions() as s:
        assert s.get_one(FeedState, 1).low_water == 1 and len(seen) == 2
    writing.rollback()
    writing.close()
