"""Record lifecycle: the in-force predicate, status changes with history, and court match candidates."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import BindParameter, ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from jzcredit.common.clock import today
from jzcredit.db import bulk_insert, table_of
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.records.models import STATUSES, TYPES, CreditRecord, MatchCandidate, RecordHistory, RecordSource
from jzcredit.registry.models import Worker

IN_FORCE_STATUSES = ("active", "under_objection")


def in_force_clause(as_of: date | BindParameter[date]) -> ColumnElement[bool]:
    """Spec §3: in force on a date — status active or under objection, decided by then, window not over.

    The statuses are equalities rather than an ``IN`` list: SQLAlchemy renders an ``IN`` list again on
    every execution, equalities compile once per statement (it counts on the public card's hot path).
    """
    return and_(
        or_(*(CreditRecord.status == status for status in IN_FORCE_STATUSES)),
        CreditRecord.decided_on <= as_of,
        or_(CreditRecord.publish_until.is_(None), CreditRecord.publish_until >= as_of),
    )


class Windowed(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def decided_on(self) -> date | None: ...
    @property
    def publish_until(self) -> date | None: ...


def is_in_force(record: Windowed, as_of: date) -> bool:
    """The same predicate in Python, for records already loaded (kept beside the SQL form on purpose)."""
    return (record.status in IN_FORCE_STATUSES and record.decided_on is not None and record.decided_on <= as_of
            and (record.publish_until is None or record.publish_until >= as_of))


def change_status(session: Session, *, record: CreditRecord, to: str, actor: str, reason: str,
                  now: datetime) -> RecordHistory:
    """The only way a record's status changes: the history row is written with it."""
    if to not in STATUSES:
        raise Invalid("record.bad_status", f"未知的记录状态 {to}")
    if record.status == to:
        raise Conflict("record.same_status", f"记录 {record.id} 已是 {to} 状态")
    entry = RecordHistory(record_id=record.id, at=now, from_status=record.status, to_status=to, actor=actor,
                          reason=reason)
    record.status = to
    record.updated_at = now
    session.add(entry)
    return entry


PLATFORM_SOURCE = "platform"


def create_record(session: Session, *, subject_id: int, type_: str, decided_on: date, source_key: str,
                  actor: str, reason: str, now: datetime, severity: str | None = None, doc_number: str | None = None,
                  authority: str | None = None, content: str | None = None, publish_until: date | None = None,
                  details: dict[str, Any] | None = None) -> CreditRecord:
    """A record the platform itself makes (an overdue rectification, a complaint finding, a commitment …).

    ``source_key`` names the workflow object (``rectification:GZ-…``) so the same step never makes two
    records; the creation is the record's first history row.
    """
    if type_ not in TYPES:
        raise Invalid("record.bad_type", f"未知的记录类型 {type_}")
    found = session.scalar(select(CreditRecord).where(CreditRecord.source == PLATFORM_SOURCE,
                                                      CreditRecord.source_key == source_key))
    if found is not None:
        return found
    category = TYPES[type_]
    what = doc_number or content or source_key
    fingerprint = hashlib.sha256("\x1f".join([type_, f"subject:{subject_id}", decided_on.isoformat(), what])
                                 .encode("utf-8")).hexdigest()
    record = CreditRecord(subject_id=subject_id, category=category, type=type_,
                          severity=severity or ("general" if category == "negative" else None),
                          decided_on=decided_on, doc_number=doc_number, authority=authority, content=content,
                          publish_from=decided_on, publish_until=publish_until, status="active",
                          source=PLATFORM_SOURCE, source_key=source_key, fingerprint=fingerprint,
                          details=details or {}, created_at=now, updated_at=now)
    session.add(record)
    session.flush()
    session.add(RecordSource(record_id=record.id, source=PLATFORM_SOURCE, source_key=source_key, relation="origin",
                             linked_at=now))
    session.add(RecordHistory(record_id=record.id, at=now, from_status=None, to_status="active", actor=actor,
                              reason=reason))
    session.flush()
    return record


def record_dict(record: CreditRecord, as_of: date) -> dict[str, Any]:
    return {
        "record_id": record.id, "type": record.type, "category": record.category, "severity": record.severity,
        "status": record.status, "in_force": is_in_force(record, as_of), "decided_on": record.decided_on,
        "decided_precision": record.decided_precision, "doc_number": record.doc_number,
        "authority": record.authority, "content": record.content,
        "amount": None if record.amount is None else str(record.amount), "publish_from": record.publish_from,
        "publish_until": record.publish_until, "valid_until": record.valid_until, "source": record.source,
        "batch_id": record.batch_id, "details": record.details,
    }


def records_of(session: Session, subject_id: int) -> list[CreditRecord]:
    return list(session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject_id)
                                .order_by(CreditRecord.decided_on.desc(), CreditRecord.id.desc())))


def list_matches(session: Session, *, status: str | None = "pending") -> list[dict[str, Any]]:
    query = (select(MatchCandidate, CreditRecord, Worker)
             .join(CreditRecord, CreditRecord.id == MatchCandidate.record_id)
             .join(Worker, Worker.subject_id == MatchCandidate.worker_id).order_by(MatchCandidate.id))
    if status:
        query = query.where(MatchCandidate.status == status)
    return [{
        "match_id": m.id, "status": m.status, "record_id": r.id, "type": r.type, "doc_number": r.doc_number,
        "authority": r.authority, "court_name": r.subject_name, "court_id_masked": r.subject_code_masked,
        "worker_name": w.name, "worker_id_masked": w.id_masked, "decided_by": m.decided_by,
    } for m, r, w in session.execute(query)]


def decide_match(session: Session, *, match_id: int, confirm: bool, actor: str, now: datetime,
                 note: str | None = None) -> MatchCandidate:
    """A regulator confirms (the record is linked to the worker) or rejects a court match candidate."""
    match = session.get(MatchCandidate, match_id, with_for_update=True)
    if match is None:
        raise NotFound("match.not_found", f"没有编号为 {match_id} 的匹配候选")
    if match.status != "pending":
        raise Conflict("match.decided", f"匹配候选 {match_id} 已处理（{match.status}）")
    record = session.get_one(CreditRecord, match.record_id)
    if confirm:
        if record.subject_id is not None:
            raise Conflict("match.already_linked", f"记录 {record.id} 已关联到主体")
        record.subject_id = match.worker_id
        record.updated_at = now
        session.add(RecordHistory(record_id=record.id, at=now, from_status=record.status, to_status=record.status,
                                  actor=actor, reason=f"确认法院数据匹配 {match_id}：关联到家政服务员"))
    match.status = "confirmed" if confirm else "rejected"
    match.decided_by = actor
    match.decided_at = now
    match.note = note
    return match


def expire_records(session: Session, *, now: datetime, actor: str, chunk: int = 5000) -> list[int]:
    """§3.5: active records past ``publish_until`` → ``expired``, each with its history row (idempotent).

    Records under objection wait for the decision; a dismissed objection restores them and the next run
    expires them.
    """
    as_of = today(now)
    ids = list(session.scalars(select(CreditRecord.id).where(
        CreditRecord.status == "active", CreditRecord.publish_until.is_not(None),
        CreditRecord.publish_until < as_of).order_by(CreditRecord.id)))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        session.execute(update(CreditRecord).where(CreditRecord.id.in_(part))
                        .values(status="expired", updated_at=now).execution_options(synchronize_session=False))
        bulk_insert(session, table_of(RecordHistory), [
            {"record_id": rid, "at": now, "from_status": "active", "to_status": "expired", "actor": actor,
             "reason": f"公示期届满（{as_of.isoformat()} 前）"} for rid in part])
    return ids
