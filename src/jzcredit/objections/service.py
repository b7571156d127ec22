"""Objections (异议): filed against a record, decided by a regulator (upheld or dismissed).

``filed``: the record goes ``under_objection`` (its earlier status kept on the objection), still in force
but never a basis for a new list candidate, and a candidate built on it cannot be approved.
``upheld``: the record is revoked, or corrected and restored; list entries that lose their basis are
rejected or removed and the grades recomputed. ``dismissed``: the record's earlier status comes back.
A decision later than ``objections.decision_days`` after filing is marked late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.config import get_settings
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.lists.rules import ListsConfig
from jzcredit.lists.rules import current_config as current_lists_config
from jzcredit.objections import corrections as corr
from jzcredit.objections.config import ObjectionsConfig, current_config
from jzcredit.objections.effects import settle_entries
from jzcredit.objections.models import FILER_ROLES, STATUSES, Objection
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry

# a record that is active, or whose window has passed (it still counts for R1's "no negative record in
# 3 years" and stays in the file's history), can be objected to; revoked and repaired ones cannot
OBJECTABLE = ("active", "expired")
STATUS_LABELS = {"filed": "处理中", "upheld": "异议成立", "dismissed": "异议不成立"}
RECORD_LABELS = {"revoked": "撤销", "repaired": "信用修复", "under_objection": "异议处理中"}
TEXT_MAX = 20_000


def is_late(o: Objection, as_of: date) -> bool:
    """Decided after ``decide_by``, or still open past it."""
    return (o.decided_on or as_of) > o.decide_by


def objection_dict(o: Objection, as_of: date, *, subject_key: str | None = None) -> dict[str, Any]:
    return {"objection_id": o.id, "record_id": o.record_id, "status": o.status, "subject_id": o.subject_id,
            "subject_key": subject_key, "filed_by": o.filed_by, "filer_role": o.filer_role,
            "reason": o.reason, "evidence": o.evidence, "filed_on": o.filed_on, "decide_by": o.decide_by,
            "record_status_before": o.record_status, "decided_by": o.decided_by, "decided_on": o.decided_on,
            "decision_note": o.decision_note, "outcome": o.outcome, "correction": o.correction,
            "late": is_late(o, as_of), "version": o.version}


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise Invalid("objection.text_required", f"{what}不能为空")
    if len(text) > TEXT_MAX:
        raise Invalid("objection.text_too_long", f"{what}过长（{len(text)} 字），最多 {TEXT_MAX} 字")
    return text or None


def _record(session: Session, record_id: int) -> CreditRecord:
    # FOR UPDATE: on PostgreSQL a second filer or decider waits here and then sees the new status
    record = session.get(CreditRecord, record_id, with_for_update=True)
    if record is None:
        raise NotFound("record.not_found", f"没有编号为 {record_id} 的信用记录")
    return record


def _open_objection(session: Session, record_id: int) -> Objection | None:
    return session.scalar(select(Objection).where(Objection.record_id == record_id, Objection.status == "filed"))


def file_objection(session: Session, *, record_id: int, reason: str, now: datetime, actor: str,
                   role: str = "subject", evidence: str | None = None,
                   cfg: ObjectionsConfig | None = None) -> dict[str, Any]:
    """提出异议: the record goes ``under_objection``; one open objection per record."""
    if role not in FILER_ROLES:
        raise Invalid("objection.bad_role", f"未知的异议人身份 {role}，可选：{'、'.join(FILER_ROLES)}")
    reason_text = _text(reason, "异议理由（--reason）", required=True)
    evidence_text = _text(evidence, "证明材料（--evidence）", required=False)
    record = _record(session, record_id)
    if record.status == "under_objection":
        open_one = _open_objection(session, record_id)
        which = f"异议 {open_one.id}（{open_one.filed_on} 提出）" if open_one else "一项异议"
        raise Conflict("objection.already_open", f"记录 {record_id} 已有未决的{which}，处理完毕前不能再提出异议")
    if record.status not in OBJECTABLE:
        raise Conflict("objection.record_closed",
                       f"记录 {record_id} 已{RECORD_LABELS.get(record.status, record.status)}（{record.status}），"
                       "不能提出异议")
    cfg = cfg or current_config()
    filed_on = today(now)
    objection = Objection(record_id=record.id, subject_id=record.subject_id, filed_by=actor, filer_role=role,
                          reason=reason_text, evidence=evidence_text, status="filed", record_status=record.status,
                          filed_on=filed_on, decide_by=filed_on + timedelta(days=cfg.decision_days), version=1,
                          created_at=now, updated_at=now)
    session.add(objection)
    try:
        session.flush()  # the partial unique index: a second open objection filed at the same moment fails here
    except IntegrityError as exc:
        raise Conflict("objection.already_open",
                       f"记录 {record_id} 刚刚已被他人提出异议，处理完毕前不能再提出") from exc
    records_service.change_status(session, record=record, to="under_objection", actor=actor, now=now,
                                  reason=f"异议 {objection.id} 已受理：{reason_text}")
    audit.append(session, actor=actor, action="objection.file", obj=f"objection:{objection.id}", now=now,
                 detail={"record_id": record.id, "subject_id": record.subject_id, "role": role,
                         "record_status": objection.record_status, "decide_by": objection.decide_by})
    return _document(session, objection, as_of=filed_on) | {"record_status": record.status}


def _close(session: Session, objection: Objection, *, values: dict[str, Any], now: datetime) -> None:
    """UPDATE … WHERE id = ? AND version = ? AND status = 'filed': of two deciders, one wins."""
    seen = objection.version
    stmt = (update(Objection).where(Objection.id == objection.id, Objection.version == seen,
                                    Objection.status == "filed")
            .values(**values, version=seen + 1, updated_at=now).execution_options(synchronize_session=False))
    try:
        result = session.execute(stmt)
    except OperationalError as exc:  # SQLite: the other decider held the write lock past busy_timeout
        if "locked" not in str(exc.orig):
            raise
        raise Conflict("objection.changed", f"异议 {objection.id} 正在被他人处理，请稍后重试") from exc
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("objection.changed", f"异议 {objection.id} 已被他人处理，请刷新后查看")
    session.refresh(objection)


def _check_under_objection(record: CreditRecord) -> None:
    if record.status != "under_objection":
        raise Conflict("objection.record_changed", f"记录 {record.id} 的状态是 {record.status}，不是异议处理中，"
                                                   "无法决定该异议，请核查")


def _restored_status(objection: Objection, record: CreditRecord, as_of: date) -> str:
    """The status from before the objection; an expired record whose corrected window covers today is active
    again (going the other way is left to the next ``tick``, as for any active record)."""
    before = objection.record_status
    if before == "expired" and (record.publish_until is None or record.publish_until >= as_of):
        return "active"
    return before


def _apply_uphold(session: Session, objection: Objection, record: CreditRecord, changes: dict[str, tuple[Any, Any]],
                  *, now: datetime, actor: str, note: str | None) -> str:
    why = f"；决定意见：{note}" if note else ""
    if not changes:
        records_service.change_status(session, record=record, to="revoked", actor=actor, now=now,
                                      reason=f"异议 {objection.id} 成立：撤销记录{why}")
        return "revoked"
    for name, (_old, new) in changes.items():
        setattr(record, name, new)
    restored = _restored_status(objection, record, today(now))
    reason = f"异议 {objection.id} 成立：更正 {corr.describe(changes)}；恢复为 {restored}{why}"
    records_service.change_status(session, record=record, to=restored, actor=actor, now=now, reason=reason)
    return "corrected"


def decide_objection(session: Session, *, objection_id: int, uphold: bool, now: datetime, actor: str,
                     note: str | None = None, corrections: dict[str, str] | None = None,
                     lists_cfg: ListsConfig | None = None, models: Models | None = None) -> dict[str, Any]:
    """Uphold (revoke, or correct with ``corrections``) or dismiss; a decided objection cannot be decided again."""
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound("objection.not_found", f"没有编号为 {objection_id} 的异议")
    if objection.status != "filed":
        raise Conflict("objection.decided", f"异议 {objection_id} 已于 {objection.decided_on} 处理完毕"
                                            f"（{objection.status}，{STATUS_LABELS[objection.status]}），不能再次决定")
    if corrections and not uphold:
        raise Invalid("objection.correct_needs_uphold", "只有异议成立（--uphold）时才能更正记录（--correct）")
    note = _text(note, "决定意见（--note）", required=False)
    as_of = today(now)
    record = session.get_one(CreditRecord, objection.record_id)
    _check_under_objection(record)
    changes = corr.read_corrections(record, corrections, as_of=as_of) if corrections else {}
    # everything checked: now the write that only one of two deciders can make, then the record's lock
    _close(session, objection, now=now, values={
        "status": "upheld" if uphold else "dismissed", "decided_by": actor, "decided_on": as_of,
        "decision_note": note, "correction": corr.as_json(changes) or None})
    session.refresh(record, with_for_update=True)
    _check_under_objection(record)
    settled: list[dict[str, Any]] = []
    recomputed: dict[str, Any] | None = None
    if uphold:
        objection.outcome = _apply_uphold(session, objection, record, changes, now=now, actor=actor, note=note)
        outcome_zh = "撤销" if objection.outcome == "revoked" else "更正"
        settled = settle_entries(session, record=record, objection_id=objection.id, outcome_zh=outcome_zh, now=now,
                                 actor=actor, cfg=lists_cfg or current_lists_config())
        recomputed = derived.recompute(session, record_ids=[record.id], now=now, actor=actor,
                                       models=models or load_models(get_settings().config))
    else:
        records_service.change_status(session, record=record, to=objection.record_status, actor=actor, now=now,
                                      reason=f"异议 {objection.id} 不成立，恢复为 {objection.record_status}"
                                             + (f"；决定意见：{note}" if note else ""))
    audit.append(session, actor=actor, action="objection.uphold" if uphold else "objection.dismiss",
                 obj=f"objection:{objection.id}", now=now,
                 detail={"record_id": record.id, "subject_id": record.subject_id, "outcome": objection.outcome,
                         "record_status": record.status, "correction": objection.correction,
                         "late": is_late(objection, as_of), "list_entries": [s["entry_id"] for s in settled]})
    return _document(session, objection, as_of=as_of) | {
        "record_status": record.status, "list_entries_changed": settled,
        "evaluated": recomputed["evaluated"] if recomputed else []}


# --- reading --------------------------------------------------------------------------------


def _document(session: Session, objection: Objection, *, as_of: date) -> dict[str, Any]:
    sid = objection.subject_id
    key = registry.subject_keys(session, [sid]).get(sid) if sid is not None else None
    return objection_dict(objection, as_of, subject_key=key)


def show_objection(session: Session, *, objection_id: int, as_of: date) -> dict[str, Any]:
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound("objection.not_found", f"没有编号为 {objection_id} 的异议")
    record = session.get_one(CreditRecord, objection.record_id)
    return _document(session, objection, as_of=as_of) | {"record": records_service.record_dict(record, as_of)}


def list_objections(session: Session, *, as_of: date, status: str | None = None,
                    late: bool = False) -> list[dict[str, Any]]:
    """Objections for regulators, oldest first; ``late`` = decided after ``decide_by`` or still open past it."""
    if status is not None and status not in STATUSES:
        raise Invalid("objection.bad_status",
                      f"未知的异议状态 {status}，可选：{'、'.join(f'{s}（{STATUS_LABELS[s]}）' for s in STATUSES)}")
    stmt = select(Objection).order_by(Objection.id)
    if status is not None:
        stmt = stmt.where(Objection.status == status)
    if late:
        stmt = stmt.where(or_(Objection.decided_on > Objection.decide_by,
                              (Objection.status == "filed") & (Objection.decide_by < as_of)))
    rows = list(session.scalars(stmt))
    keys = registry.subject_keys(session, [o.subject_id for o in rows if o.subject_id is not None])
    return [objection_dict(o, as_of, subject_key=keys.get(o.subject_id) if o.subject_id else None) for o in rows]


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """Objections to the subject's records (also those filed before an unmatched record was linked)."""
    rows = session.scalars(select(Objection).join(CreditRecord, CreditRecord.id == Objection.record_id)
                           .where(CreditRecord.subject_id == subject_id)
                           .order_by(Objection.filed_on.desc(), Objection.id.desc()))
    key = registry.subject_keys(session, [subject_id]).get(subject_id)
    return [objection_dict(o, as_of, subject_key=key) for o in rows]
