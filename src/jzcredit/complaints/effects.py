"""What complaints write into credit files: ``complaint`` records that D4 / worker C, B5, W3 and R1 read.

A substantiated finding is a record on the company and on the worker named; a response deadline missed is a
record on the company with finding ``unanswered``, decided the day after ``respond_by``. Records are made
through ``records_service.create_record`` (idempotent by ``source_key``) and followed by
``records.derived.recompute`` for the subjects, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common.clock import today
from jzcredit.complaints.models import Complaint
from jzcredit.complaints.steps import CATEGORY_LABELS, log_step
from jzcredit.config import get_settings
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord


def _record(session: Session, complaint: Complaint, *, subject_id: int, finding: str, role: str,
            decided_on: Any, content: str, actor: str, now: datetime) -> CreditRecord:
    return records_service.create_record(
        session, subject_id=subject_id, type_="complaint", decided_on=decided_on,
        source_key=f"complaint:{complaint.id}:{finding}:{role}", actor=actor, reason=content, now=now,
        content=content, details={"finding": finding, "category": complaint.category, "complaint_id": complaint.id})


def substantiated_records(session: Session, complaint: Complaint, *, actor: str, now: datetime
                          ) -> list[CreditRecord]:
    """Closing as substantiated: a record on the company and one on the worker when one is named."""
    content = f"投诉经查属实：{CATEGORY_LABELS[complaint.category]}（投诉编号 {complaint.id}）"
    subjects = [("company", complaint.company_id), ("worker", complaint.worker_id)]
    return [_record(session, complaint, subject_id=sid, finding="substantiated", role=role,
                    decided_on=today(now), content=content, actor=actor, now=now)
            for role, sid in subjects if sid is not None]


def is_past_deadline(complaint: Complaint, now: datetime) -> bool:
    """Forwarded, not answered, and ``respond_by`` is over (the deadline day itself is still in time)."""
    return (complaint.status == "forwarded" and complaint.response is None and complaint.respond_by is not None
            and complaint.respond_by < today(now))


def settle_deadline(session: Session, complaint: Complaint, *, actor: str, now: datetime) -> CreditRecord | None:
    """Mark the complaint unanswered if its deadline passed without a response and it is not marked yet.

    Called by ``tick`` and before a late response or a mediation, so the result does not depend on whether
    ``tick`` ran between the deadline and the next step.
    """
    if complaint.unanswered or not is_past_deadline(complaint, now) or complaint.company_id is None:
        return None
    assert complaint.respond_by is not None  # is_past_deadline checked it
    record = _record(session, complaint, subject_id=complaint.company_id, finding="unanswered", role="company",
                     decided_on=complaint.respond_by + timedelta(days=1),
                     content=f"投诉逾期未答复（答复期限 {complaint.respond_by.isoformat()}，投诉编号 {complaint.id}）",
                     actor=actor, now=now)
    complaint.unanswered = True
    complaint.version += 1
    complaint.updated_at = now
    log_step(session, complaint, action="unanswered", from_status=complaint.status, actor=actor, now=now,
             record_ids=(record.id,), detail={"respond_by": complaint.respond_by.isoformat()})
    return record


def recompute(session: Session, *, records: Iterable[CreditRecord], subject_ids: Iterable[int | None],
              actor: str, now: datetime, models: Models | None = None) -> dict[str, Any]:
    """Re-grade the subjects (and a worker's current employers) after complaint records or ratings changed."""
    return derived.recompute(session, record_ids=[r.id for r in records], now=now, actor=actor,
                             models=models or load_models(get_settings().config), subject_ids=subject_ids)


def mark_unanswered(session: Session, *, now: datetime, actor: str, models: Models | None = None
                    ) -> list[dict[str, Any]]:
    """``tick``: forwarded complaints past ``respond_by`` without a response → unanswered (a record each).

    Idempotent: a complaint already marked is not selected again, and the record's ``source_key`` would
    find the same record anyway.
    """
    due = list(session.scalars(
        select(Complaint).where(Complaint.status == "forwarded", Complaint.unanswered.is_(False),
                                Complaint.response.is_(None), Complaint.respond_by < today(now))
        .order_by(Complaint.id).with_for_update()))
    changed: list[dict[str, Any]] = []
    records: list[CreditRecord] = []
    for complaint in due:
        record = settle_deadline(session, complaint, actor=actor, now=now)
        if record is not None:
            records.append(record)
            changed.append({"complaint_id": complaint.id, "respond_by": complaint.respond_by,
                            "record_id": record.id})
    if records:
        session.flush()
        recompute(session, records=records, subject_ids=[r.subject_id for r in records], actor=actor, now=now,
                  models=models)
    return changed
