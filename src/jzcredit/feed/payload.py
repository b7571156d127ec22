"""What one change says: the credit record as of that change, and whom it is about — masked only.

Sent: the record's type, category, severity, status (the one the change set), dates, document number,
authority, amount and source; the subject as its key (USCC or worker code), kind and name (a worker's
name masked, the ID number only in its masked form). Never sent: full ID numbers or phones, free text that
people typed (the record's content and details, the reasons of status changes) or who made a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import jsontext
from jzcredit.common.ids import mask_name
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.registry.models import Company, Subject, Worker
from jzcredit.registry.service import active_codes

RECORD_FIELDS = ("type", "category", "severity", "decided_on", "decided_precision", "doc_number", "authority",
                 "authority_uscc", "amount", "publish_from", "publish_until", "valid_until", "source")


ENVELOPE = ("change_id", "origin", "digest")  # where a change sits, not what it says


def digest_of(change: dict[str, Any]) -> str:
    """SHA-256 of what the change says, as canonical JSON (keys sorted, without its position and origin)."""
    body = {k: v for k, v in change.items() if k not in ENVELOPE}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unmatched(record: CreditRecord) -> dict[str, Any]:
    """A record not linked to a subject: who the source says it is about, as masked as the source gave it."""
    code = record.subject_code_masked
    is_company = code is not None and "*" not in code  # a USCC; an ID number is only ever kept masked
    name = record.subject_name
    return {"kind": None, "key": None, "name": name if is_company or not name else mask_name(name),
            "code_masked": code, "region_code": None}


def subjects_of(session: Session, subject_ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """Each subject as a change shows it (one query per kind)."""
    wanted = sorted({s for s in subject_ids if s is not None})
    if not wanted:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for c in session.scalars(select(Company).where(Company.subject_id.in_(wanted))):
        out[c.subject_id] = {"kind": "company", "key": c.uscc, "name": c.name, "code_masked": c.uscc,
                             "region_code": c.region_code}
    workers = list(session.scalars(select(Worker).where(Worker.subject_id.in_(wanted))))
    codes = active_codes(session, [w.subject_id for w in workers])
    for w in workers:
        out[w.subject_id] = {"kind": "worker", "key": codes.get(w.subject_id), "name": mask_name(w.name),
                             "code_masked": w.id_masked, "region_code": None}
    for sid, kind in session.execute(select(Subject.id, Subject.kind).where(Subject.id.in_(wanted))):
        out.setdefault(sid, {"kind": kind, "key": None, "name": None, "code_masked": None, "region_code": None})
    return out


def change_payloads(session: Session, rows: Sequence[tuple[RecordHistory, CreditRecord]]) -> list[dict[str, Any]]:
    """The content of each change (without its position, which the feed adds)."""
    subjects = subjects_of(session, [r.subject_id for _h, r in rows])
    out = []
    for history, record in rows:
        fields = {name: getattr(record, name) for name in RECORD_FIELDS}
        fields["status"] = history.to_status  # as of this change, not as the record stands now
        subject = _unmatched(record) if record.subject_id is None else subjects[record.subject_id]
        out.append(jsontext.jsonable({
            "record_id": record.id, "at": history.at, "from_status": history.from_status,
            "to_status": history.to_status, "record": fields, "subject": subject}))
    return out
