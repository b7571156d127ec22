"""Complaint findings feed the evaluation (D4, worker C) and the list rules (B5, W3), on both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import CFG, FILED, at, drive, file, party, step
from tests.lists.helpers import config

from jzcredit.common.crypto import Vault
from jzcredit.complaints import service
from jzcredit.evaluation import service as evaluation
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry


def factors(s: Session, subject_id: int) -> dict[str, dict[str, Any]]:
    current = evaluation.current(s, subject_id)
    assert current is not None
    return {f["code"]: f for f in current.factors}


def test_three_substantiated_theft_complaints_make_b5_candidates_and_lower_d4_and_c(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    closed_on = FILED + timedelta(days=10)
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        for n in range(3):
            complaint = drive(s, file(s, vault, company, worker, category="theft"), "mediated")
            step(s, "close", complaint.id, closed_on, finding="substantiated")
            if n == 1:
                # the close re-graded both at once: two findings so far
                assert factors(s, company.subject_id)["D4.complaints_substantiated"]["points"] == -40
        assert len(factors(s, company.subject_id)["D4.complaints_substantiated"]["record_ids"]) == 3
        assert factors(s, worker.subject_id)["C.complaints_substantiated"]["points"] < 0
        assert lists_service.propose(s, now=at(closed_on), actor="t", rules=config(), rule_ids=["B4"]) == []
        proposed = lists_service.propose(s, now=at(closed_on), actor="t", rules=config(), rule_ids=["B5"])
        assert {(e["list"], e["rule"], e["status"]) for e in proposed} == {("black", "B5", "candidate")}
        assert {e["subject_key"] for e in proposed} == {company.uscc,
                                                        service.detail(s, complaint, as_of=closed_on)["worker_key"]}
        assert all(len(e["basis"]) == 3 for e in proposed)


def test_two_unsubstantiated_or_non_listed_categories_make_no_b5(sessions: sessionmaker[Session],
                                                                 vault: Vault) -> None:
    closed_on = FILED + timedelta(days=10)
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        for category, finding in [("theft", "unsubstantiated"), ("quality", "substantiated"),
                                  ("price", "substantiated"), ("theft", "substantiated")]:
            complaint = drive(s, file(s, vault, company, category=category), "mediated")
            step(s, "close", complaint.id, closed_on, finding=finding)
        assert lists_service.propose(s, now=at(closed_on), actor="t", rules=config(), rule_ids=["B5"]) == []


def test_two_unanswered_complaints_make_a_w3_watch_entry_and_lower_d4(sessions: sessionmaker[Session],
                                                                      vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        for _ in range(2):
            drive(s, file(s, vault, company), "forwarded", start=FILED - timedelta(days=1))
    tick_day = FILED + timedelta(days=CFG.response_days + 1)
    with sessions() as s, s.begin():
        changed = service.mark_unanswered(s, now=at(tick_day), actor="tick")
        assert len(changed) == 2
        assert factors(s, company.subject_id)["D4.complaints_unanswered"]["points"] == -40  # 2 × −10 × 20% × 10
        assert lists_service.propose(s, now=at(tick_day), actor="t", rules=config(), rule_ids=["W3"])[0]["rule"] == "W3"
        entry = s.scalars(select(ListEntry)).one()
        assert (entry.list_name, entry.status, entry.subject_id) == ("watch", "active", company.subject_id)
        assert sorted(entry.basis) == sorted(c["record_id"] for c in changed)
    with sessions() as s, s.begin():  # a second tick the same day: nothing new, no second entry
        assert service.mark_unanswered(s, now=at(tick_day), actor="tick") == []
        assert lists_service.propose(s, now=at(tick_day), actor="t", rules=config(), rule_ids=["W3"]) == []


def test_one_unanswered_complaint_is_not_enough_for_w3(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        drive(s, file(s, vault, company), "forwarded", start=FILED - timedelta(days=1))
        later = FILED + timedelta(days=30)
        assert len(service.mark_unanswered(s, now=at(later), actor="tick")) == 1
        assert lists_service.propose(s, now=at(later), actor="t", rules=config(), rule_ids=["W3"]) == []
