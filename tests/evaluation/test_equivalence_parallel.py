"""``evaluate --all`` in helper processes stores exactly what one process stores, on both engines."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import TEST_SECRET
from tests.factories import add_company, add_rating, add_record, add_worker

from jzcredit.cli import evaluate as evaluate_cli
from jzcredit.cli.context import CliContext
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.models import Evaluation, EvaluationDue, EvaluationHead
from jzcredit.evaluation.rulesets import load_models

AS_OF = date(2026, 6, 30)


def _data(s: Session, vault: Vault) -> None:
    rng = random.Random(5)
    companies = [add_company(s, established_on=AS_OF - timedelta(days=rng.randrange(300, 5000)),
                             onboarded_on=rng.choice([None, date(2024, 1, 1)])) for _ in range(12)]
    for company in companies:
        for _ in range(rng.randrange(0, 5)):
            add_rating(s, company, rng.randrange(1, 6), rated_on=AS_OF - timedelta(days=rng.randrange(0, 400)))
        if rng.random() < 0.4:
            add_record(s, company.subject_id, "penalty", decided_on=AS_OF - timedelta(days=rng.randrange(1, 700)),
                       severity=rng.choice(["general", "serious"]))
        add_record(s, company.subject_id, "tax_rating", decided_on=date(2025, 12, 31),
                   details={"rating": rng.choice("ABMCD")})
    for _ in range(90):
        worker = add_worker(s, vault, verified=rng.random() < 0.8, consents=rng.choice([("collect",), ()]),
                            employer=rng.choice([None, *companies]))
        if rng.random() < 0.7:
            checked = AS_OF - timedelta(days=rng.randrange(0, 500))
            add_record(s, worker.subject_id, "health_check", decided_on=checked,
                       valid_until=checked + timedelta(days=365), details={"result": rng.choice(["pass", "fail"])})
        if rng.random() < 0.6:
            add_record(s, worker.subject_id, "training", decided_on=AS_OF - timedelta(days=rng.randrange(0, 900)),
                       details={"hours": rng.choice(["24", "40", "60", "7.5"])})
        if rng.random() < 0.1:
            add_record(s, worker.subject_id, "background_check", decided_on=AS_OF - timedelta(days=30),
                       details={"result": "record_found"}, category="negative", severity="serious")


def _stored(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as s:
        return [tuple(r) for r in s.execute(
            select(Evaluation.subject_id, Evaluation.score, Evaluation.grade, Evaluation.factors,
                   Evaluation.result_digest, EvaluationHead.grade)
            .join(EvaluationHead, EvaluationHead.evaluation_id == Evaluation.id).order_by(Evaluation.subject_id))]


def test_helpers_store_what_one_process_stores(db_url: str, sessions: sessionmaker[Session], vault: Vault,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        _data(s, vault)
    monkeypatch.setitem(evaluate_cli.CHUNK, "company", 5)  # many small chunks, so that helpers share them
    monkeypatch.setitem(evaluate_cli.CHUNK, "worker", 17)
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, key_file=tmp_path / "k.key",  # type: ignore[arg-type]
                        now="2026-06-30")
    models = load_models()

    parallel = evaluate_cli.run_all(CliContext(settings=settings), models, jobs=2).as_dict()
    in_helpers = _stored(sessions)
    with sessions() as s, s.begin():
        for table in (EvaluationDue, EvaluationHead, Evaluation):
            s.execute(delete(table))
    serial = evaluate_cli.run_all(CliContext(settings=settings), models, jobs=1).as_dict()

    assert parallel == serial and parallel["evaluated"] == 102
    assert in_helpers == _stored(sessions) and len(in_helpers) == 102
    again = evaluate_cli.run_all(CliContext(settings=settings), models, jobs=2).as_dict()
    assert again["changed"] == 0


def test_due_queue_shared_out_to_helpers_ends_empty_with_the_same_results(
        db_url: str, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        _data(s, vault)
    monkeypatch.setattr(evaluate_cli, "DUE_CHUNK", 13)
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, key_file=tmp_path / "k.key",  # type: ignore[arg-type]
                        now="2026-06-30")
    models = load_models()
    evaluate_cli.run_all(CliContext(settings=settings), models, jobs=1)
    every = _stored(sessions)
    with sessions() as s, s.begin():
        for table in (EvaluationHead, Evaluation):
            s.execute(delete(table))
        ids = [sid for sid, *_ in every]
        evaluation.mark_due(s, subject_ids=ids, reason="test", now=datetime(2026, 6, 30, tzinfo=UTC))

    done = evaluate_cli.run_due(CliContext(settings=settings), models, jobs=2).as_dict()

    assert done["evaluated"] == done["changed"] == len(every) == 102
    assert _stored(sessions) == every
    with sessions() as s:
        assert s.scalars(select(EvaluationDue.subject_id)).all() == []
