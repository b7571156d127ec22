"""Credit commitments (信用承诺): signed, fulfilled or breached."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.commitments.models import Commitment


def commitment_dict(c: Commitment) -> dict[str, Any]:
    return {"commitment_id": c.id, "kind": c.kind, "text": c.text, "signed_on": c.signed_on, "public": c.public,
            "status": c.status, "in_place_of": c.in_place_of, "record_id": c.record_id,
            "breach_record_id": c.breach_record_id, "ended_on": c.ended_on}


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    rows = session.scalars(select(Commitment).where(Commitment.subject_id == subject_id)
                           .order_by(Commitment.signed_on.desc(), Commitment.id.desc()))
    return [commitment_dict(c) for c in rows]
