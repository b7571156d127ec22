"""The "raise the grade" suggestions promise what ``repairs decide`` grants: a repair applied and decided on
its ``earliest_on`` date with the papers is approved; one day earlier it fails ``min_period_not_served``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.repair.helpers import RULES, at, good_company, grade, penalty, stored_grade

from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import load_models
from jzcredit.repair import service as repair_service


def suggested_repair(s: Session, subject_id: int, record_id: int, on: date) -> date:
    explained = evaluation.explain(s, models=load_models(), subject_id=subject_id, now=at(on))
    found = [a for i in explained["improvements"] for a in i["actions"] if a["code"] == f"repair:{record_id}"]
    assert found, explained["improvements"]
    earliest: date = found[0]["earliest_on"]
    return earliest


def apply_and_decide(s: Session, subject_id: int, record_id: int, on: date, training: bool) -> dict[str, object]:
    application = repair_service.apply(s, subject_id=subject_id, record_id=record_id, commitment=True,
                                       evidence="罚款已缴清", training=training, by="申请人", now=at(on), rules=RULES)
    return repair_service.decide(s, repair_id=application.id, by="李监管", now=at(on), rules=RULES)


@pytest.mark.parametrize(("severity", "expected"), [("general", date(2026, 4, 10)), ("serious", date(2027, 1, 10))])
def test_a_suggested_repair_is_approved_on_its_earliest_date_and_not_a_day_before(
        sessions: sessionmaker[Session], vault: Vault, severity: str, expected: date) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        record = penalty(s, company.subject_id, date(2026, 1, 10), severity)
        assert grade(s, company.subject_id, date(2026, 1, 20)) in ("B", "D")
        earliest = suggested_repair(s, company.subject_id, record.id, date(2026, 1, 20))
        assert earliest == expected

        early = apply_and_decide(s, company.subject_id, record.id, earliest - timedelta(days=1), severity == "serious")
        assert (early["status"], early["failed"]) == ("rejected", ["min_period_not_served"])

        approved = apply_and_decide(s, company.subject_id, record.id, earliest, severity == "serious")
        assert (approved["status"], approved["failed"]) == ("approved", [])
        assert stored_grade(s, company.subject_id) != "D"


def test_a_suggestion_made_after_the_period_is_for_today_and_is_granted_today(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        grade(s, company.subject_id, date(2026, 5, 1))
        earliest = suggested_repair(s, company.subject_id, record.id, date(2026, 5, 1))
        assert earliest == date(2026, 5, 1)
        assert apply_and_decide(s, company.subject_id, record.id, earliest, False)["status"] == "approved"
