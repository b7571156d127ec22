"""Objections (异议): filed against a record, decided by a regulator (upheld or dismissed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.objections.models import Objection


def objection_dict(o: Objection, as_of: date) -> dict[str, Any]:
    late = (o.decided_on or as_of) > o.decide_by
    return {"objection_id": o.id, "record_id": o.record_id, "status": o.status, "filed_by": o.filed_by,
            "filer_role": o.filer_role, "reason": o.reason, "filed_on": o.filed_on, "decide_by": o.decide_by,
            "decided_on": o.decided_on, "outcome": o.outcome, "late": late, "version": o.version}


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    rows = session.scalars(select(Objection).where(Objection.subject_id == subject_id)
                           .order_by(Objection.filed_on.desc(), Objection.id.desc()))
    return [objection_dict(o, as_of) for o in rows]
