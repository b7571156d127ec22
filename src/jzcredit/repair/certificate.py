"""The credit repair certificate (信用修复证书): its number and everything a printed one shows.

The PDF is made later from the stored JSON alone, so the certificate keeps what was true on the day it
was issued even if names or records change afterwards.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.commitments.service import RECORD_TYPE_LABELS, record_label
from jzcredit.lists.models import ListEntry
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Subject, Worker
from jzcredit.repair.models import RepairApplication
from jzcredit.repair.rules import CONDITIONS, Target

ISSUER = "家政服务信用信息平台"
SEVERITY_LABELS = {"general": "一般失信", "serious": "严重失信"}


def certificate_number(application: RepairApplication, decided_on: date) -> str:
    """``XYXF-2026-000123``: 信用修复, the decision year, the application id (unique, so the number is)."""
    return f"XYXF-{decided_on.year}-{application.id:06d}"


def _subject(session: Session, subject_id: int) -> dict[str, Any]:
    subject = session.get_one(Subject, subject_id)
    owner = session.get(Company, subject_id) if subject.kind == "company" else session.get(Worker, subject_id)
    key = registry.subject_keys(session, [subject_id]).get(subject_id)
    # a worker is named by the card code, never the ID number
    return {"kind": subject.kind, "name": owner.name if owner else None, "subject_key": key}


def _record(record: CreditRecord) -> dict[str, Any]:
    return {"record_id": record.id, "type": record.type, "type_label": RECORD_TYPE_LABELS.get(record.type, record.type),
            "severity": record.severity, "severity_label": SEVERITY_LABELS.get(record.severity or "", None),
            "doc_number": record.doc_number, "authority": record.authority,
            "decided_on": record.decided_on.isoformat() if record.decided_on else None}


def certificate_content(session: Session, *, application: RepairApplication, records: list[CreditRecord],
                        targets: list[Target], number: str, decided_on: date, decided_by: str) -> dict[str, Any]:
    """What the printed certificate shows (dates as ISO text: the column is JSON)."""
    entry = session.get(ListEntry, application.list_entry_id) if application.list_entry_id else None
    named = "、".join(record_label(r) for r in records)
    met = [{"code": c.code, "label": c.label} for c in CONDITIONS
           if c.code != "training_required" or any(t.serious for t in targets)]
    return {
        "title": "信用修复证书", "certificate_number": number, "issued_by": ISSUER,
        "subject": _subject(session, application.subject_id),
        "records": [_record(r) for r in records],
        "list_entry": None if entry is None else {
            "entry_id": entry.id, "list": entry.list_name, "rule": entry.rule,
            "published_on": entry.published_on.isoformat() if entry.published_on else None},
        "repair_id": application.id, "applied_on": application.applied_on.isoformat(),
        "decided_on": decided_on.isoformat(), "decided_by": decided_by, "conditions_met": met,
        "commitment_id": application.commitment_id, "evidence": application.evidence,
        "training_completed": application.training_completed,
        "text": f"经审核，{named}符合信用修复条件，自 {decided_on.isoformat()} 起予以信用修复，"
                "不再公示，并停止作为失信惩戒的依据。",
    }
