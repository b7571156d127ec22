"""After an ingest only the subjects it changed are re-evaluated: their own records, ratings and
registry rows, and the current employers of workers whose facts moved."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, id_number

from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.due import mark_batches_due
from jzcredit.evaluation.models import EvaluationDue
from jzcredit.evaluation.rulesets import load_models
from jzcredit.ingest.service import ingest_file
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)


def test_a_health_check_file_marks_the_worker_and_the_employer_due_and_nobody_else(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    number = id_number(random.Random(42))
    with sessions() as s, s.begin():
        employer = add_company(s)
        bystander = add_company(s)
        worker = add_worker(s, vault, employer=employer)
        worker.id_hash, worker.id_cipher = vault.lookup_hash(number), vault.encrypt(number)
        add_worker(s, vault, employer=bystander)
        evaluation.evaluate_subjects(s, models=load_models(), subject_ids=[employer.subject_id,
                                                                          bystander.subject_id], now=NOW)
    path = tmp_path / "health.csv"
    path.write_text(f"id_number,checked_on,result,valid_until,institution\n{number},2026-06-01,合格,2027-05-31,"
                    "济南市第一人民医院\n", encoding="utf-8")
    batch = ingest_file(sessions, vault, path=path, kind="health_checks", source="卫健委", profile=None,
                        actor="test", now=NOW, rules=ingest_rules())
    assert batch.accepted == 1
    with sessions() as s, s.begin():
        mark_batches_due(s, batch_ids=[batch.id], now=NOW)
        due = set(s.scalars(select(EvaluationDue.subject_id)))
        assert due == {worker.subject_id, employer.subject_id}
        before = evaluation.current(s, employer.subject_id)
        evaluation.evaluate_subjects(s, models=load_models(), subject_ids=sorted(due), now=NOW)
        after = evaluation.current(s, employer.subject_id)
        assert before is not None and after is not None and after.score > before.score
        health = next(f for f in after.factors if f["code"] == "D2.workers_health_check")
        assert health["label"].endswith("1/1 人")
