"""Credit repair (信用修复): applications decided by exactly the conditions of spec §3.6."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.repair.models import RepairApplication


def repair_dict(r: RepairApplication, as_of: date) -> dict[str, Any]:
    late = (r.decided_on or as_of) > r.decide_by
    return {"repair_id": r.id, "record_id": r.record_id, "list_entry_id": r.list_entry_id, "status": r.status,
            "applied_on": r.applied_on, "decide_by": r.decide_by, "decided_on": r.decided_on, "late": late,
            "failed": r.failed, "certificate_number": r.certificate_number, "version": r.version}


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    rows = session.scalars(select(RepairApplication).where(RepairApplication.subject_id == subject_id)
                           .order_by(RepairApplication.applied_on.desc(), RepairApplication.id.desc()))
    return [repair_dict(r, as_of) for r in rows]
