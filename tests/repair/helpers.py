"""Helpers for the repair and commitment tests: a graded company, a published black entry, and a snapshot
of everything a refused command must leave unchanged."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import add_company, add_rating, add_record, add_worker

from jzcredit.commitments.models import Commitment
from jzcredit.common.audit import AuditEntry
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.models import Evaluation
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry, ListTransition
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.registry.models import Company
from jzcredit.repair.models import RepairApplication
from jzcredit.repair.rules import RepairRules, repair_rules

RULES: RepairRules = repair_rules()


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), SHANGHAI)


def good_company(s: Session, vault: Vault) -> Company:
    """A company that grades well with a clean file: staff checked and trained, good ratings, tax rating A."""
    company = add_company(s)
    for _ in range(3):
        worker = add_worker(s, vault, employer=company)
        add_record(s, worker.subject_id, "health_check", decided_on=date(2026, 1, 5), valid_until=date(2030, 1, 4),
                   details={"result": "pass"})
        add_record(s, worker.subject_id, "training", decided_on=date(2026, 1, 5), details={"hours": "60"})
    for on in (date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)):
        add_rating(s, company, 5, rated_on=on)
    add_record(s, company.subject_id, "tax_rating", decided_on=date(2025, 12, 31), details={"rating": "A"})
    return company


def grade(s: Session, subject_id: int, on: date) -> str:
    evaluation.evaluate_subjects(s, models=load_models(), subject_ids=[subject_id], now=at(on))
    head = evaluation.current(s, subject_id)
    assert head is not None
    return head.grade


def stored_grade(s: Session, subject_id: int) -> str | None:
    head = evaluation.current(s, subject_id)
    return None if head is None else head.grade


def black_list(s: Session, subject_id: int, on: date) -> ListEntry:
    """Propose B1 for the subject and approve it: a published black entry."""
    (new,) = lists_service.propose(s, now=at(on), actor="test", rule_ids=["B1"], subject_ids=[subject_id])
    lists_service.review(s, entry_id=new["entry_id"], approve=True, by="王审核", note=None, now=at(on))
    return s.get_one(ListEntry, new["entry_id"])


def penalty(s: Session, subject_id: int, decided_on: date, severity: str = "general") -> CreditRecord:
    return add_record(s, subject_id, "penalty", severity=severity, decided_on=decided_on)


COUNTED = (RepairApplication, Commitment, CreditRecord, RecordHistory, AuditEntry, Evaluation, ListEntry,
           ListTransition)


def snapshot(s: Session) -> dict[str, object]:
    """Row counts of every table a repair or commitment touches, and every status: equal before and after
    a refusal means nothing changed."""
    counts: dict[str, object] = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in COUNTED}
    counts["record_statuses"] = sorted(s.execute(select(CreditRecord.id, CreditRecord.status)).all())
    counts["repairs"] = sorted(s.execute(select(RepairApplication.id, RepairApplication.status,
                                                RepairApplication.version)).all())
    counts["commitments"] = sorted(s.execute(select(Commitment.id, Commitment.status, Commitment.version)).all())
    counts["entries"] = sorted(s.execute(select(ListEntry.id, ListEntry.status)).all())
    return counts
