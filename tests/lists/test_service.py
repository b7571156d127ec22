"""Proposing and reviewing: prior notices, publication, optimistic locking, objections, transitions, audit."""

from __future__ import annotations

import json
import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker, set_grade
from tests.lists.helpers import NOW, TODAY, at, config

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.lists import service
from jzcredit.lists.models import ListEntry, ListTransition, PriorNotice
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry


def black_candidate(s: Session, *, records: int = 1) -> tuple[int, list[int]]:
    """A company with serious penalties and its proposed B1 candidate: (entry id, basis)."""
    company = add_company(s)
    basis = [add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 3, 1 + n)).id
             for n in range(records)]
    (entry,) = service.propose(s, now=NOW, actor="test", rules=config(), rule_ids=["B1"])
    return entry["entry_id"], basis


def red_candidate(s: Session) -> int:
    company = add_company(s, onboarded_on=date(2024, 1, 1))
    set_grade(s, company.subject_id, "A", score=900)
    (entry,) = service.propose(s, now=NOW, actor="test", rules=config(), rule_ids=["R1"])
    return int(entry["entry_id"])


def review(s: Session, entry_id: int, approve: bool = True, **kw: Any) -> dict[str, Any]:
    return service.review(s, entry_id=entry_id, approve=approve, by=kw.pop("by", "王审核"), note=kw.pop("note", None),
                          now=kw.pop("now", NOW), rules=config(), **kw)


def test_a_black_candidate_sends_a_prior_notice_with_basis_right_to_object_and_deadline(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, basis = black_candidate(s, records=2)
        notice = s.scalars(select(PriorNotice)).one()
        assert notice.entry_id == entry_id and notice.basis == basis
        assert notice.notice_number == f"GZ-2026-{entry_id:06d}"
        assert notice.object_by == date(2026, 7, 15)  # 15 days after the proposal
        assert "异议" in notice.text and "2026-07-15" in notice.text and "B1" in notice.text
        assert all(f"记录 {r}" in notice.text for r in basis)
        subject = s.get_one(ListEntry, entry_id).subject_id
        (shown,) = service.notices_for_subject(s, subject)
        assert shown["notice_number"] == notice.notice_number and shown["deadline"] == date(2026, 7, 15)
        json.dumps(shown, default=str)


def test_red_and_watch_entries_send_no_prior_notice_and_watch_goes_straight_to_active(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        red_candidate(s)
        company = add_company(s)
        set_grade(s, company.subject_id, "C")
        (watch,) = service.propose(s, now=NOW, actor="test", rules=config(), rule_ids=["W1"])
        assert watch["status"] == "active"
        moves = s.execute(select(ListTransition.from_status, ListTransition.to_status)
                          .where(ListTransition.entry_id == watch["entry_id"]).order_by(ListTransition.id)).all()
        assert [tuple(m) for m in moves] == [(None, "candidate"), ("candidate", "active")]
        assert s.scalars(select(PriorNotice)).all() == []


def test_approving_publishes_black_for_three_years_and_red_for_365_days(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        black_id, _ = black_candidate(s)
        red_id = red_candidate(s)
        black = review(s, black_id, note="核实无误", expected_version=1)
        red = review(s, red_id)
        assert (black["status"], black["published_on"], black["expires_on"]) == ("published", TODAY,
                                                                                  date(2029, 6, 30))
        assert (red["status"], red["published_on"], red["expires_on"]) == ("published", TODAY, date(2027, 6, 30))
        assert black["version"] == 2 and black["reviewed_by"] == "王审核" and black["review_note"] == "核实无误"
        moves = s.execute(select(ListTransition.from_status, ListTransition.to_status, ListTransition.actor)
                          .where(ListTransition.entry_id == black_id).order_by(ListTransition.id)).all()
        assert [tuple(m) for m in moves] == [(None, "candidate", "test"), ("candidate", "approved", "王审核"),
                                             ("approved", "published", "王审核")]


def test_rejecting_closes_the_candidate_recording_who_and_why(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
        out = review(s, entry_id, approve=False, by="李审核", note="处罚已被复议撤销")
        assert (out["status"], out["published_on"], out["reviewed_by"]) == ("rejected", None, "李审核")
        last = s.scalars(select(ListTransition).where(ListTransition.entry_id == entry_id)
                         .order_by(ListTransition.id.desc())).first()
        assert last is not None and (last.to_status, last.actor) == ("rejected", "李审核")
        assert "处罚已被复议撤销" in last.reason


def test_reviewing_anything_but_a_candidate_is_a_clear_error(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
        review(s, entry_id)
        with pytest.raises(Conflict, match=r"published.*只有待审核"):
            review(s, entry_id, approve=False)
        with pytest.raises(NotFound):
            review(s, 999)
        with pytest.raises(Invalid):
            review(s, entry_id, by=" ")


def test_a_stale_expected_version_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
        with pytest.raises(Conflict, match="版本"):
            review(s, entry_id, expected_version=7)
        assert s.get_one(ListEntry, entry_id).status == "candidate"


def test_two_reviewers_approving_at_once_publish_exactly_once(sessions: sessionmaker[Session],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
    # both reviewers have read version 1 and passed the checks before either writes
    both_read = threading.Barrier(2, timeout=20)
    checked = service._check_approvable

    def check_then_wait(*args: Any) -> None:
        checked(*args)
        both_read.wait()

    monkeypatch.setattr(service, "_check_approvable", check_then_wait)
    outcomes: dict[str, Any] = {}

    def reviewer(name: str) -> None:
        try:
            with sessions() as own, own.begin():
                outcomes[name] = review(own, entry_id, by=name)["status"]
        except JzError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, outcomes.values())).count("published") == 1
    (lost,) = [o for o in outcomes.values() if o != "published"]
    assert isinstance(lost, Conflict), lost
    with sessions() as s:
        entry = s.get_one(ListEntry, entry_id)
        assert (entry.status, entry.version) == ("published", 2)
        published = s.scalars(select(ListTransition).where(ListTransition.to_status == "published")).all()
        assert len(published) == 1 and published[0].actor == entry.reviewed_by


def test_approval_waits_while_a_basis_record_is_under_objection(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, basis = black_candidate(s, records=2)
        s.get_one(CreditRecord, basis[1]).status = "under_objection"
        with pytest.raises(Conflict, match=rf"记录 {basis[1]} 正在异议处理中"):
            review(s, entry_id)
        assert review(s, entry_id, approve=False)["status"] == "rejected"  # rejecting is still possible


def test_approval_is_refused_when_the_rule_no_longer_holds(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, basis = black_candidate(s)
        s.get_one(CreditRecord, basis[0]).status = "revoked"
        with pytest.raises(Conflict, match="不再成立"):
            review(s, entry_id)
        red_id = red_candidate(s)
        subject = s.get_one(ListEntry, red_id).subject_id
        add_record(s, subject, "penalty", decided_on=date(2026, 6, 1))
        with pytest.raises(Conflict, match="R1"):
            review(s, red_id)


def test_every_transition_is_audited_with_who(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
        review(s, entry_id, by="王审核", now=at(date(2026, 7, 20)))
        rows = s.execute(select(AuditEntry.action, AuditEntry.actor).where(
            AuditEntry.object == f"list_entry:{entry_id}").order_by(AuditEntry.id)).all()
        assert [tuple(r) for r in rows] == [("list.propose", "test"), ("list.approve", "王审核")]


def test_entries_show_filters_and_names_subjects_by_uscc_or_worker_code(sessions: sessionmaker[Session],
                                                                        vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 1, 1))
        worker = add_worker(s, vault)
        add_record(s, worker.subject_id, "dishonest_debtor", severity="serious", decided_on=date(2026, 1, 1))
        service.propose(s, now=NOW, actor="t", rules=config())
        rows = service.entries(s, list_name="black", status="candidate")
        code = registry.active_codes(s, [worker.subject_id])[worker.subject_id]
        assert {(r["rule"], r["subject_key"]) for r in rows} == {("B1", company.uscc), ("B2", code)}
        assert {"entry_id", "list", "rule", "subject_key", "status", "published_on", "expires_on"} <= rows[0].keys()
        assert service.entries(s, list_name="red") == []
        with pytest.raises(Invalid, match="可选"):
            service.entries(s, list_name="grey")
        with pytest.raises(Invalid):
            service.entries(s, status="pending")


def test_a_subjects_entries_carry_their_transitions_for_its_file(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        entry_id, _ = black_candidate(s)
        review(s, entry_id)
        subject = s.get_one(ListEntry, entry_id).subject_id
        (entry,) = service.entries_for_subject(s, subject)
        assert entry["status"] == "published"
        assert [t["to_status"] for t in entry["transitions"]] == ["candidate", "approved", "published"]
        json.dumps(entry, default=str)
