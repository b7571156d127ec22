"""Reading batches for the admin pages: recent batches, and a batch's report with counts per reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jzcredit.ingest import declared
from jzcredit.ingest import service as ingest_service
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.reasons import reason_label


def kind_label(kind: str) -> str:
    """The kind in words, from its ``source.yml`` (``行政处罚`` for ``penalties``)."""
    try:
        return declared.load_source(kind).description.split(" (")[0] or kind
    except Exception:  # a batch of a kind no longer shipped still shows
        return kind


def recent_batches(session: Session, *, actor_prefix: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest batches first; ``actor_prefix``: only those whose actor starts with it (a provider's own)."""
    query = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if actor_prefix is not None:
        query = query.where(Batch.actor.startswith(actor_prefix, autoescape=True))
    return [ingest_service.summary(b) | {"filename": b.filename, "started_at": b.started_at,
                                         "kind_label": kind_label(b.kind)} for b in session.scalars(query)]


def reason_counts(session: Session, *, batch_id: int) -> list[dict[str, Any]]:
    """How many rows each reason quarantined, most first."""
    rows = session.execute(select(QuarantinedRow.reason, func.count()).where(QuarantinedRow.batch_id == batch_id)
                           .group_by(QuarantinedRow.reason).order_by(func.count().desc(), QuarantinedRow.reason))
    return [{"reason": reason, "label": reason_label(reason), "count": int(n)} for reason, n in rows]


def batch_page(session: Session, *, batch_id: int) -> dict[str, Any]:
    """Counts, counts per reason, how many quarantined rows are still open, and the batch this one corrects."""
    batch = ingest_service.get_batch(session, batch_id)
    still_open = session.scalar(select(func.count()).select_from(QuarantinedRow).where(
        QuarantinedRow.batch_id == batch_id, QuarantinedRow.status == "open")) or 0
    return ingest_service.summary(batch) | {
        "filename": batch.filename, "started_at": batch.started_at, "finished_at": batch.finished_at,
        "kind_label": kind_label(batch.kind), "reasons": reason_counts(session, batch_id=batch_id),
        "open": int(still_open), "actor": batch.actor}


def quarantined_page(session: Session, *, batch_id: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the batch's quarantined rows (masked, as ``batches show``), with the reason in words."""
    total = session.scalar(select(func.count()).select_from(QuarantinedRow)
                           .where(QuarantinedRow.batch_id == batch_id)) or 0
    rows = session.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
                           .order_by(QuarantinedRow.row_number).offset(offset).limit(limit))
    items = [{"row": q.row_number, "reason": q.reason, "reason_label": reason_label(q.reason), "detail": q.detail,
              "status": q.status, "resubmitted_in": q.resubmitted_in,
              "data": {k: v for k, v in q.data_masked.items() if declared.header_key(k) != ingest_service.ROW_COLUMN}}
             for q in rows]
    return items, int(total)
