"""Rules B1–B5, R1, W1–W3 (spec §3.4): who becomes a candidate, on which basis, and who does not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker, set_grade
from tests.lists.helpers import NOW, TODAY, complaint, config

from jzcredit.common.crypto import Vault
from jzcredit.errors import Misconfigured
from jzcredit.lists import service
from jzcredit.lists.models import ListEntry
from jzcredit.lists.rules import RULES, ListsConfig
from jzcredit.rules import load_rules_dict

DAY = timedelta(days=1)


def propose(s: Session, rules: ListsConfig | None = None, **kw: Any) -> dict[tuple[int, str], list[int]]:
    """Run the rules; (subject_id, rule) → basis of each new entry."""
    created = service.propose(s, now=NOW, actor="test", rules=rules or config(), **kw)
    by_id = {e.id: e for e in s.scalars(select(ListEntry))}
    return {(by_id[c["entry_id"]].subject_id, c["rule"]): c["basis"] for c in created}


def test_b1_serious_penalty_in_force_makes_a_black_candidate_a_general_one_does_not(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        serious = add_company(s)
        general = add_company(s)
        r = add_record(s, serious.subject_id, "penalty", severity="serious", decided_on=date(2026, 3, 1),
                       publish_until=date(2029, 3, 1))
        add_record(s, general.subject_id, "penalty", severity="general", decided_on=date(2026, 3, 1))
        found = propose(s)
        assert found == {(serious.subject_id, "B1"): [r.id]}
        entry = s.scalars(select(ListEntry)).one()
        assert (entry.list_name, entry.status, entry.details["ruleset"]) == ("black", "candidate", "lists-2026.1")


def test_b1_penalty_past_its_window_repaired_or_decided_later_makes_no_candidate(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        for kw in [{"publish_until": TODAY - DAY}, {"status": "repaired"}, {"status": "revoked"},
                   {"status": "expired"}, {"decided_on": TODAY + DAY}]:
            company = add_company(s)
            add_record(s, company.subject_id, "penalty", severity="serious",
                       **({"decided_on": date(2025, 1, 1)} | kw))  # type: ignore[arg-type]
        assert propose(s) == {}


def test_b2_dishonest_debtor_and_b3_rectification_overdue_make_black_candidates(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        debtor = add_worker(s, vault)
        overdue = add_company(s)
        d = add_record(s, debtor.subject_id, "dishonest_debtor", decided_on=date(2025, 5, 1), severity="serious")
        o = add_record(s, overdue.subject_id, "rectification_overdue", decided_on=date(2026, 6, 1))
        assert propose(s) == {(debtor.subject_id, "B2"): [d.id], (overdue.subject_id, "B3"): [o.id]}


def background(s: Session, subject_id: int, result: str, offence: str | None) -> int:
    details = {"result": result} | ({"offence": offence} if offence else {})
    return add_record(s, subject_id, "background_check", decided_on=date(2026, 1, 10), category="negative",
                      severity="serious" if result == "record_found" else None, details=details).id


def test_b4_worker_background_check_found_a_listed_offence(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        thief, driver, clear = (add_worker(s, vault) for _ in range(3))
        basis = background(s, thief.subject_id, "record_found", "theft")
        background(s, driver.subject_id, "record_found", "traffic")  # not a listed offence
        background(s, clear.subject_id, "clear", None)
        company = add_company(s)  # B4 is about workers only
        background(s, company.subject_id, "record_found", "fraud")
        assert propose(s, rule_ids=["B4"]) == {(thief.subject_id, "B4"): [basis]}


def test_b5_three_substantiated_theft_abuse_or_injury_complaints_within_365_days(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        listed, two, old, other_kind = (add_company(s) for _ in range(4))
        basis = [complaint(s, listed.subject_id, finding="substantiated", category=c, decided_on=d).id
                 for c, d in [("theft", date(2025, 7, 1)), ("abuse", date(2026, 1, 1)), ("injury", TODAY)]]
        complaint(s, listed.subject_id, finding="unanswered", decided_on=TODAY)  # not substantiated
        for _ in range(2):
            complaint(s, two.subject_id, finding="substantiated", decided_on=date(2026, 5, 1))
        for d in [date(2025, 6, 30), date(2026, 1, 1), date(2026, 2, 1)]:  # the first is 366 days ago
            complaint(s, old.subject_id, finding="substantiated", decided_on=d)
        for c in ["quality", "price", "theft"]:
            complaint(s, other_kind.subject_id, finding="substantiated", category=c, decided_on=date(2026, 3, 1))
        assert propose(s, rule_ids=["B5"]) == {(listed.subject_id, "B5"): basis}


def red_company(s: Session, **kw: Any) -> int:
    company = add_company(s, onboarded_on=kw.pop("onboarded_on", date(2024, 1, 1)))
    set_grade(s, company.subject_id, kw.pop("grade", "A"), score=900)
    return company.subject_id


def test_r1_grade_a_company_onboarded_a_year_with_a_clean_record(sessions: sessionmaker[Session],
                                                                  vault: Vault) -> None:
    with sessions() as s, s.begin():
        good = red_company(s)
        old_fault = red_company(s)
        add_record(s, old_fault, "penalty", decided_on=date(2023, 6, 1))  # more than 3 years ago
        complaint(s, old_fault, finding="substantiated", decided_on=date(2026, 5, 1))  # not unanswered
        red_company(s, grade="B")
        red_company(s, onboarded_on=TODAY - timedelta(days=364))
        revoked = red_company(s)  # "whatever its status now"
        add_record(s, revoked, "penalty", decided_on=date(2024, 7, 1), status="revoked")
        unanswered = red_company(s)
        complaint(s, unanswered, finding="unanswered", decided_on=date(2026, 1, 5))
        worker = add_worker(s, vault)
        set_grade(s, worker.subject_id, "A", model="worker-2026.1")
        found = propose(s, rule_ids=["R1"])
        assert found == {(good, "R1"): [], (old_fault, "R1"): []}
        entry = s.scalars(select(ListEntry).where(ListEntry.subject_id == good)).one()
        assert (entry.list_name, entry.status, entry.details["grade"]) == ("red", "candidate", "A")


def test_w1_company_graded_c_or_d_and_not_published_on_the_black_list(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        c_grade = red_company(s, grade="C")
        d_grade = red_company(s, grade="D")
        red_company(s, grade="B")
        black = red_company(s, grade="D")
        s.add(ListEntry(list_name="black", subject_id=black, rule="B1", basis=[], status="published",
                        proposed_at=NOW, proposed_by="t", published_on=TODAY, expires_on=date(2029, 6, 30)))
        found = propose(s, rule_ids=["W1"])
        assert found == {(c_grade, "W1"): [], (d_grade, "W1"): []}
        assert {e.status for e in s.scalars(select(ListEntry).where(ListEntry.rule == "W1"))} == {"active"}


def test_w2_two_in_force_general_negatives_within_365_days(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        watched, one_old, with_complaints = (add_company(s) for _ in range(3))
        basis = [add_record(s, watched.subject_id, t, decided_on=d).id
                 for t, d in [("penalty", date(2025, 8, 1)), ("commitment_breach", date(2026, 2, 1))]]
        add_record(s, one_old.subject_id, "penalty", decided_on=date(2025, 6, 1))
        add_record(s, one_old.subject_id, "penalty", decided_on=date(2026, 6, 1))
        add_record(s, one_old.subject_id, "penalty", decided_on=date(2026, 6, 2), severity="serious")
        add_record(s, with_complaints.subject_id, "penalty", decided_on=date(2026, 6, 1))
        complaint(s, with_complaints.subject_id, finding="substantiated", decided_on=date(2026, 6, 1))
        assert propose(s, rule_ids=["W2"]) == {(watched.subject_id, "W2"): basis}


def test_w3_two_complaints_unanswered_past_deadline_within_365_days(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        silent, once = add_company(s), add_company(s)
        basis = [complaint(s, silent.subject_id, finding="unanswered", category=c, decided_on=date(2026, m, 1)).id
                 for c, m in [("quality", 2), ("price", 5)]]
        complaint(s, once.subject_id, finding="unanswered", decided_on=date(2026, 5, 1))
        complaint(s, once.subject_id, finding="unanswered", decided_on=date(2025, 5, 1))
        assert propose(s, rule_ids=["W3"]) == {(silent.subject_id, "W3"): basis}


def test_grace_days_delay_candidacy_until_the_basis_is_old_enough(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        recent, older = add_company(s), add_company(s)
        add_record(s, recent.subject_id, "penalty", severity="serious", decided_on=TODAY - timedelta(days=29))
        r = add_record(s, older.subject_id, "penalty", severity="serious", decided_on=TODAY - timedelta(days=30))
        assert propose(s, config(B1={"grace_days": 30})) == {(older.subject_id, "B1"): [r.id]}
        assert set(propose(s)) == {(recent.subject_id, "B1")}  # default grace 0


def test_a_record_under_objection_never_makes_a_candidate(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        objected, partly = add_company(s), add_company(s)
        add_record(s, objected.subject_id, "penalty", severity="serious", decided_on=date(2026, 1, 1),
                   status="under_objection")
        for status in ("active", "active", "under_objection"):
            complaint(s, partly.subject_id, finding="substantiated", decided_on=date(2026, 3, 1), status=status)
        assert propose(s) == {}


def test_a_second_propose_adds_no_duplicate_open_entry(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        set_grade(s, company.subject_id, "D")
        add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 1, 1))
        assert set(propose(s)) == {(company.subject_id, "B1"), (company.subject_id, "W1")}
        add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 2, 1))
        assert propose(s) == {}
        assert len(s.scalars(select(ListEntry)).all()) == 2


def test_a_rejected_candidate_returns_only_on_a_new_basis(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        first = add_record(s, company.subject_id, "dishonest_debtor", decided_on=date(2026, 1, 1), severity="serious")
        (entry,) = service.propose(s, now=NOW, actor="t", rules=config())
        service.review(s, entry_id=entry["entry_id"], approve=False, by="王审核", note="案件已结", now=NOW,
                       rules=config())
        assert propose(s) == {}
        second = add_record(s, company.subject_id, "dishonest_debtor", decided_on=date(2026, 3, 1), severity="serious")
        assert propose(s) == {(company.subject_id, "B2"): [first.id, second.id]}


def test_proposal_can_be_narrowed_to_rules_and_subjects(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        a, b = add_company(s), add_company(s)
        for company in (a, b):
            add_record(s, company.subject_id, "rectification_overdue", decided_on=date(2026, 6, 1))
        assert set(propose(s, rule_ids=["B1"])) == set()
        assert set(propose(s, rule_ids=["B3"], subject_ids=[b.subject_id])) == {(b.subject_id, "B3")}


def test_every_rule_has_a_description_with_the_configured_numbers() -> None:
    cfg = config(B5={"count": 4})
    assert set(RULES) == {"B1", "B2", "B3", "B4", "B5", "R1", "W1", "W2", "W3"}
    assert "4 起以上" in RULES["B5"].describe(cfg.rules["B5"])
    assert all(r.describe(cfg.rules[r.id]) for r in RULES.values())


@pytest.mark.parametrize("override", [{"count": "three"}, {"categories": []}, {"grace_days": -1}])
def test_a_malformed_rule_setting_is_refused_naming_the_key(override: dict[str, Any]) -> None:
    data = load_rules_dict()
    data["lists"]["rules"]["B5"].update(override)
    with pytest.raises(Misconfigured, match=r"lists\.rules\.B5\."):
        ListsConfig.from_dict(data)
