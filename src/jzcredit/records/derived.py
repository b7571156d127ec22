"""After a workflow changes records: recompute what is derived from them — list entries and grades.

Used by objections (upheld), repair (approved), rectification (overdue), complaints (findings) and
commitments (breach), inside the caller's transaction, for the few subjects concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.due import employers_of
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.lists import lifecycle
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Subject


def affected_subjects(session: Session, subject_ids: Iterable[int | None]) -> list[int]:
    """The subjects and, for workers, their current employers (a worker's record moves the company's D2/D4)."""
    ids = {i for i in subject_ids if i is not None}
    workers = list(session.scalars(select(Subject.id).where(Subject.id.in_(ids), Subject.kind == "worker")))
    return sorted(ids | employers_of(session, workers))


def recompute(session: Session, *, record_ids: Iterable[int], now: datetime, actor: str,
              models: Models | None = None, subject_ids: Iterable[int | None] = ()) -> dict[str, Any]:
    """Remove the list entries the changed records no longer support, then re-evaluate their subjects."""
    record_ids = sorted(set(record_ids))
    subjects = set(subject_ids) | set(session.scalars(
        select(CreditRecord.subject_id).where(CreditRecord.id.in_(record_ids), CreditRecord.subject_id.is_not(None))))
    removed = lifecycle.remove_entries_for_records(session, now=now, actor=actor, record_ids=record_ids)
    targets = affected_subjects(session, subjects)
    summary = evaluation.evaluate_subjects(session, models=models or load_models(), subject_ids=targets, now=now)
    return {"list_entries_removed": removed, "evaluated": targets, "evaluation": summary.as_dict()}
