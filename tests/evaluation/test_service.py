"""Evaluations stored from the database on both engines: the worked example, history, N, improvements."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_rating, add_record, add_worker

from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.models import Evaluation, EvaluationHead
from jzcredit.evaluation.rulesets import load_models
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company, Consent, Employment, Worker

NOW = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
MODELS = load_models()


def worked_example_company(s: Session, vault: Vault) -> Company:
    """Spec §3.2's worked example, built as rows: 10 workers, 8 authorised, 7 health checks, 6 trained."""
    company = add_company(s, established_on=date(2021, 3, 1), onboarded_on=date(2024, 1, 1))
    for i in range(10):
        worker = add_worker(s, vault, employer=company, verified=i < 8, consents=("collect",) if i < 8 else ())
        if i < 7:
            add_record(s, worker.subject_id, "health_check", decided_on=date(2026, 1, 5),
                       valid_until=date(2027, 1, 4), details={"result": "pass"})
        if i < 6:
            add_record(s, worker.subject_id, "training", decided_on=date(2025, 9, 1), details={"hours": "16"})
    for stars, month in ((5, 5), (5, 4), (4, 3), (4, 2)):
        add_rating(s, company, stars, rated_on=date(2026, month, 1))
    add_record(s, company.subject_id, "tax_rating", decided_on=date(2025, 12, 31), details={"rating": "B"})
    return company


def test_worked_example_is_stored_as_810_b_with_factors_adding_up(sessions: sessionmaker[Session],
                                                                  vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = worked_example_company(s, vault)
        summary = evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW)
        assert summary.as_dict()["grades"]["B"] == 1
    with sessions() as s:
        stored = evaluation.current(s, company.subject_id)
        assert stored is not None
        assert (stored.score, stored.grade, stored.model) == (810, "B", "company-2026.1")
        assert sum(f["points"] for f in stored.factors) == 810
        tax = next(f for f in stored.factors if f["code"] == "D5.tax_rating_high")
        assert tax["points"] == 25 and len(tax["record_ids"]) == 1


def test_a_new_fact_adds_an_evaluation_and_keeps_the_old_one(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = worked_example_company(s, vault)
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW)
        # the same facts again: nothing new to keep
        assert evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW).changed == 0
        penalty = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 5, 1),
                             publish_until=date(2027, 5, 1))
        assert evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW).changed == 1
    with sessions() as s:
        history = evaluation.history(s, company.subject_id)
        assert [e.score for e in history] == [735, 810]
        factor = next(f for f in history[0].factors if f["code"] == "D3.penalty_general")
        assert factor["points"] == -75 and factor["record_ids"] == [penalty.id]
        assert evaluation.current(s, company.subject_id).id == history[0].id  # type: ignore[union-attr]


def test_company_without_workers_and_unverified_worker_are_graded_n(sessions: sessionmaker[Session],
                                                                    vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        worker = add_worker(s, vault, verified=False)
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id, worker.subject_id], now=NOW)
    with sessions() as s:
        grades = {sid: g for sid, g in s.execute(select(EvaluationHead.subject_id, EvaluationHead.grade))}
        assert grades == {company.subject_id: "N", worker.subject_id: "N"}


def test_revoked_consent_and_ended_employment_count_on_the_date(sessions: sessionmaker[Session],
                                                               vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        stays = add_worker(s, vault, employer=company)
        leaves = add_worker(s, vault, employer=company)
        s.execute(Employment.__table__.update().where(Employment.worker_id == leaves.subject_id)
                  .values(end_on=date(2026, 3, 1)))
        s.execute(Consent.__table__.update().where(Consent.worker_id == stays.subject_id)
                  .values(revoked_at=datetime(2026, 6, 1, tzinfo=UTC)))
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id, stays.subject_id], now=NOW)
    with sessions() as s:
        factors = {f["code"]: f for f in evaluation.current(s, company.subject_id).factors}  # type: ignore[union-attr]
        assert "D2.workers_authorised" not in factors  # the one current worker revoked collect
        assert evaluation.current(s, stays.subject_id).grade == "N"  # type: ignore[union-attr]


def _apply_in_database(s: Session, vault: Vault, company: Company, action: dict[str, str]) -> None:
    """Do what an improvement says, as rows (so the test does not trust the search's own shortcuts)."""
    code, _, count = action["code"].partition(":")
    staff = [w for w in s.scalars(select(Worker).join(Employment, Employment.worker_id == Worker.subject_id)
                                  .where(Employment.company_id == company.subject_id).order_by(Worker.subject_id))]
    if code == "health_check":
        have = set(s.scalars(select(CreditRecord.subject_id).where(CreditRecord.type == "health_check")))
        for w in [w for w in staff if w.subject_id not in have][:int(count)]:
            add_record(s, w.subject_id, "health_check", decided_on=NOW.date(), valid_until=date(2027, 6, 29),
                       details={"result": "pass"})
    elif code == "training":
        have = set(s.scalars(select(CreditRecord.subject_id).where(CreditRecord.type == "training")))
        for w in [w for w in staff if w.subject_id not in have][:int(count)]:
            add_record(s, w.subject_id, "training", decided_on=NOW.date(), details={"hours": "8"})
    elif code == "authorise":
        for w in [w for w in staff if w.identity_verified_at is None][:int(count)]:
            w.identity_verified_at = NOW
            s.add(Consent(worker_id=w.subject_id, scope="collect", granted_at=NOW, source="test"))
    elif code == "repair":
        s.get_one(CreditRecord, int(count)).status = "repaired"
    elif code == "public_commitment":
        add_record(s, company.subject_id, "commitment", decided_on=NOW.date(),
                   details={"kind": "voluntary", "public": True})
    else:
        raise AssertionError(f"test does not know how to apply {code}")
    s.flush()


def test_each_improvement_applied_gives_the_grade_it_promises(sessions: sessionmaker[Session],
                                                             vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = worked_example_company(s, vault)
        add_record(s, company.subject_id, "penalty", decided_on=date(2026, 5, 1), publish_until=date(2027, 5, 1))
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW)
        shown = evaluation.explain(s, models=MODELS, subject_id=company.subject_id, now=NOW)
        assert shown["grade"] == "B" and shown["improvements"], shown
        nested = s.begin_nested()
        for suggestion in shown["improvements"]:
            for action in suggestion["actions"]:
                _apply_in_database(s, vault, company, action)
            evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[company.subject_id], now=NOW)
            got = evaluation.current(s, company.subject_id)
            assert got is not None and (got.grade, got.score) == (suggestion["grade"], suggestion["score"])
            nested.rollback()
            nested = s.begin_nested()
        nested.rollback()
    # a general penalty caps at B: every way to A must repair it, on or after decided_on + 90 days
    for suggestion in shown["improvements"]:
        repair = next(a for a in suggestion["actions"] if a["code"].startswith("repair:"))
        assert repair["earliest_on"] == date(2026, 7, 30)
        assert "可于 2026-07-30 申请" in repair["label"]


def test_worker_improvement_from_c_names_the_health_check(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        worker = add_worker(s, vault)
        add_record(s, worker.subject_id, "training", decided_on=date(2026, 1, 1), details={"hours": "24"})
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[worker.subject_id], now=NOW)
        shown = evaluation.explain(s, models=MODELS, subject_id=worker.subject_id, now=NOW)
        assert (shown["grade"], shown["score"]) == ("C", 592)
        first = shown["improvements"][0]
        assert [a["code"] for a in first["actions"]] == ["health_check"] and first["grade"] == "B"
        add_record(s, worker.subject_id, "health_check", decided_on=NOW.date(), valid_until=date(2027, 6, 29),
                   details={"result": "pass"})
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=[worker.subject_id], now=NOW)
        got = evaluation.current(s, worker.subject_id)
        assert got is not None and (got.grade, got.score) == ("B", first["score"])


def test_due_subjects_are_evaluated_once_and_leave_the_queue(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = worked_example_company(s, vault)
        other = add_company(s)
        assert evaluation.mark_due(s, subject_ids=[company.subject_id], reason="test", now=NOW) == 1
        assert evaluation.mark_due(s, subject_ids=[company.subject_id], reason="again", now=NOW) == 0
    with sessions() as s, s.begin():
        ids = next(evaluation.due_chunks(s, size=100))
        evaluation.evaluate_subjects(s, models=MODELS, subject_ids=ids, now=NOW)
    with sessions() as s:
        assert list(evaluation.due_chunks(s, size=100)) == []
        assert s.scalar(select(Evaluation.subject_id)) == company.subject_id
        assert evaluation.current(s, other.subject_id) is None
