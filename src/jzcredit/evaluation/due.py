"""Which subjects an ingest batch changed, so that only they are re-evaluated afterwards.

Records, ratings and figures carry their batch; registry rows carry the time they were written. A
worker's facts also move their current employers' D2, so employers come along. Over-marking costs a
re-evaluation that stores nothing; under-marking would leave a stale grade, so the rules err wide.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jzcredit.evaluation.service import kinds_of, mark_due
from jzcredit.ingest.models import Batch
from jzcredit.records.models import CreditRecord, RecordSource
from jzcredit.registry.models import Company, CompanyFigure, Employment, Rating, Worker


def employers_of(session: Session, worker_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(worker_ids), 5000):
        part = worker_ids[start:start + 5000]
        found |= set(session.scalars(select(Employment.company_id).where(Employment.worker_id.in_(part),
                                                                         Employment.end_on.is_(None))))
    return found


def batch_subjects(session: Session, batch: Batch) -> set[int]:
    subjects: set[int] = set()
    subjects |= {s for s in session.scalars(select(CreditRecord.subject_id).where(CreditRecord.batch_id == batch.id)
                                            .distinct()) if s is not None}
    # records linked from this batch as the same fact: a re-import may have re-linked a matched subject
    subjects |= {s for s in session.scalars(select(CreditRecord.subject_id)
                                            .join(RecordSource, RecordSource.record_id == CreditRecord.id)
                                            .where(RecordSource.batch_id == batch.id).distinct()) if s is not None}
    for column in (Rating.company_id, Rating.worker_id):
        subjects |= {s for s in session.scalars(select(column).where(Rating.batch_id == batch.id).distinct())
                     if s is not None}
    subjects |= set(session.scalars(select(CompanyFigure.company_id).where(CompanyFigure.batch_id == batch.id)
                                    .distinct()))
    since = batch.started_at
    subjects |= set(session.scalars(select(Company.subject_id).where(Company.updated_at >= since)))
    workers = set(session.scalars(select(Worker.subject_id).where(Worker.updated_at >= since)))
    if batch.kind in ("employments", "workers"):
        # employment rows carry no time: every employment this source wrote may have moved
        touched = session.execute(select(Employment.worker_id, Employment.company_id)
                                  .where(or_(Employment.source == batch.source,
                                             Employment.worker_id.in_(select(Worker.subject_id)
                                                                      .where(Worker.updated_at >= since)))))
        for worker_id, company_id in touched:
            workers.add(worker_id)
            subjects.add(company_id)
    subjects |= workers
    subjects |= employers_of(session, kinds_of(session, subjects)["worker"])
    return subjects


def mark_batches_due(session: Session, *, batch_ids: Iterable[int], now: datetime) -> int:
    """Put every subject the given batches changed on the evaluation queue; returns how many were added."""
    added = 0
    for batch_id in batch_ids:
        batch = session.get_one(Batch, batch_id)
        added += mark_due(session, subject_ids=batch_subjects(session, batch), reason=f"ingest:{batch_id}", now=now)
    return added
