"""Expiry, removal (repair/revocation, a negative record on the red list) and closing watch entries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, set_grade
from tests.lists.helpers import NOW, at, complaint, config

from jzcredit.lists import service
from jzcredit.lists.models import ListEntry, ListTransition
from jzcredit.records.models import CreditRecord


def published(s: Session, rule_ids: list[str]) -> list[int]:
    entries = service.propose(s, now=NOW, actor="test", rules=config(), rule_ids=rule_ids)
    for e in entries:
        if e["status"] == "candidate":
            service.review(s, entry_id=e["entry_id"], approve=True, by="王审核", note=None, now=NOW,
                           rules=config())
    return [e["entry_id"] for e in entries]


def test_published_entries_expire_the_day_after_expires_on_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        add_record(s, company.subject_id, "dishonest_debtor", severity="serious", decided_on=date(2026, 1, 1))
        (entry_id,) = published(s, ["B2"])
        assert service.expire_entries(s, now=at(date(2029, 6, 30)), actor="tick") == []
        (change,) = service.expire_entries(s, now=at(date(2029, 7, 1)), actor="tick")
        assert change | {"subject_key": None} == {
            "entry_id": entry_id, "list": "black", "rule": "B2", "subject_id": company.subject_id,
            "from_status": "published", "to_status": "expired", "reason": "expired", "subject_key": None}
        assert change["subject_key"] == company.uscc
        assert service.expire_entries(s, now=at(date(2029, 7, 2)), actor="tick") == []
        assert s.get_one(ListEntry, entry_id).status == "expired"


def test_a_black_entry_is_removed_when_every_basis_record_is_repaired_or_revoked(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        records = [add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, m, 1))
                   for m in (2, 3)]
        (entry_id,) = published(s, ["B1"])
        records[0].status = "repaired"
        assert service.remove_entries_for_records(s, now=NOW, actor="tick", record_ids=[records[0].id]) == []
        records[1].status = "revoked"
        (change,) = service.remove_entries_for_records(s, now=NOW, actor="tick", record_ids=[records[1].id])
        assert (change["entry_id"], change["to_status"], change["reason"]) == (entry_id, "removed",
                                                                                "repaired_or_revoked")
        entry = s.get_one(ListEntry, entry_id)
        assert (entry.status, entry.removed_on, entry.removal_reason) == ("removed", NOW.date(),
                                                                          "repaired_or_revoked")
        assert service.remove_entries_for_records(s, now=NOW, actor="tick") == []


def test_a_black_entry_whose_basis_is_all_repaired_names_repair_as_the_reason(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = add_record(s, company.subject_id, "rectification_overdue", decided_on=date(2026, 5, 1))
        published(s, ["B3"])
        record.status = "repaired"
        (change,) = service.remove_entries_for_records(s, now=NOW, actor="repair")
        assert change["reason"] == "repaired"


def red_published(s: Session) -> tuple[int, int]:
    company = add_company(s, onboarded_on=date(2024, 1, 1))
    set_grade(s, company.subject_id, "A", score=900)
    (entry_id,) = published(s, ["R1"])
    return company.subject_id, entry_id


def test_a_red_entry_is_removed_at_once_when_a_negative_record_arrives(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        subject, entry_id = red_published(s)
        complaint(s, subject, finding="substantiated", decided_on=date(2026, 7, 1))  # not a negative record
        withdrawn = add_record(s, subject, "penalty", decided_on=date(2026, 7, 1), status="revoked")
        assert service.remove_entries_for_records(s, now=at(date(2026, 7, 2)), actor="tick") == []
        fresh = add_record(s, subject, "penalty", decided_on=date(2026, 7, 2))
        (change,) = service.remove_entries_for_records(s, now=at(date(2026, 7, 3)), actor="tick",
                                                       record_ids=[withdrawn.id, fresh.id])
        assert (change["entry_id"], change["to_status"], change["reason"]) == (entry_id, "removed",
                                                                                "negative_record")
        last = s.scalars(select(ListTransition).where(ListTransition.entry_id == entry_id)
                         .order_by(ListTransition.id.desc())).first()
        assert last is not None and f"失信记录 {fresh.id}" in last.reason


def test_a_watch_entry_closes_when_its_rule_no_longer_holds(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        set_grade(s, company.subject_id, "C")
        records = [add_record(s, company.subject_id, "penalty", decided_on=date(2026, m, 1)) for m in (1, 2)]
        created = service.propose(s, now=NOW, actor="test", rules=config())
        assert {e["rule"] for e in created} == {"W1", "W2"}
        assert service.close_watch_entries(s, now=NOW, actor="tick", rules=config()) == []
        records[0].status = "repaired"  # W2 no longer holds; W1 still does
        assert service.close_watch_entries(s, now=NOW, actor="tick", rules=config(),
                                           subject_ids=[company.subject_id + 1]) == []  # narrowed to others
        (change,) = service.close_watch_entries(s, now=NOW, actor="tick", rules=config())
        assert (change["rule"], change["to_status"], change["reason"]) == ("W2", "closed", "rule_no_longer_holds")
        set_grade(s, company.subject_id, "B")
        (change,) = service.close_watch_entries(s, now=NOW, actor="tick", rules=config())
        assert change["rule"] == "W1"
        assert {e.status for e in s.scalars(select(ListEntry))} == {"closed"}


def test_w1_watch_entry_closes_once_the_company_is_published_on_the_black_list(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        set_grade(s, company.subject_id, "D")
        add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 1, 1))
        published(s, ["B1"])
        # proposing W1 after the publication finds nothing; one opened before closes on tick
        assert service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["W1"]) == []
        s.add(ListEntry(list_name="watch", subject_id=company.subject_id, rule="W1", basis=[], status="active",
                        proposed_at=NOW, proposed_by="t"))
        s.flush()
        (change,) = service.close_watch_entries(s, now=NOW, actor="tick", rules=config())
        assert change["rule"] == "W1"


def test_the_time_transitions_together_are_idempotent(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        set_grade(s, company.subject_id, "C")
        record = add_record(s, company.subject_id, "dishonest_debtor", severity="serious",
                            decided_on=date(2026, 1, 1))
        published(s, ["B2", "W1"])
        record.status = "revoked"
        set_grade(s, company.subject_id, "B")
        first = service.run_time_transitions(s, now=NOW, actor="tick", rules=config())
        assert {k: [c["rule"] for c in v] for k, v in first.items()} == {"expired": [], "removed": ["B2"],
                                                                        "closed": ["W1"]}
        again = service.run_time_transitions(s, now=NOW, actor="tick", rules=config())
        assert again == {"expired": [], "removed": [], "closed": []}
        assert s.scalars(select(CreditRecord.status)).one() == "revoked"
