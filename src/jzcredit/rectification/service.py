"""Rectification notices (限期整改): issue, evidence, verification, and overdue past the deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.lists.rules import ListsConfig
from jzcredit.rectification.models import RectificationNotice


def notice_dict(n: RectificationNotice) -> dict[str, Any]:
    return {"notice_id": n.id, "notice_number": n.notice_number, "authority": n.authority,
            "issued_on": n.issued_on, "deadline": n.deadline, "status": n.status,
            "requirements": n.requirements, "basis": n.basis, "verified_on": n.verified_on,
            "overdue_on": n.overdue_on, "overdue_record_id": n.overdue_record_id, "version": n.version}


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """The subject's notices, newest first (shown in ``show KEY`` and on the public page)."""
    rows = session.scalars(select(RectificationNotice).where(RectificationNotice.subject_id == subject_id)
                           .order_by(RectificationNotice.issued_on.desc(), RectificationNotice.id.desc()))
    return [notice_dict(n) for n in rows]


def mark_overdue(session: Session, *, now: datetime, actor: str, lists_cfg: ListsConfig) -> list[dict[str, Any]]:
    """``tick``: notices past their deadline and not verified → ``overdue`` (record, B3 candidate)."""
    return []
