"""Credit repair (信用修复): ``submitted`` → ``approved`` | ``rejected``, by exactly the conditions of §3.6.

The target is one negative record, or a published black-list entry whose in-force basis records are
repaired together. Approval issues a certificate, sets the records ``repaired`` and recomputes what was
derived from them (list entries removed, grades). A rejected subject may apply again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jzcredit.commitments import service as commitments_service
from jzcredit.commitments.service import record_label
from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import Models
from jzcredit.lists.models import ListEntry
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject
from jzcredit.repair.certificate import certificate_content, certificate_number
from jzcredit.repair.models import STATUSES, RepairApplication
from jzcredit.repair.rules import NOT_IN_FORCE, Claim, Failure, RepairRules, Target, decide_by, failed_conditions

RECORD_STATUS_LABELS = {"repaired": "已信用修复", "revoked": "已撤销", "expired": "已过公示期",
                        "under_objection": "异议处理中", "active": "有效"}

# --- targets ----------------------------------------------------------------------------------


def _lock_records(session: Session, ids: list[int]) -> list[CreditRecord]:
    """The target records, locked (PostgreSQL) so two applications for one record are taken in turn."""
    if not ids:
        return []
    return list(session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids))
                                .order_by(CreditRecord.id).with_for_update()))


def _check_record(record: CreditRecord | None, record_id: int, subject_id: int, as_of: date) -> CreditRecord:
    if record is None:
        raise NotFound("record.not_found", f"没有编号为 {record_id} 的信用记录")
    if record.subject_id != subject_id:
        raise Invalid("repair.not_subjects_record", f"记录 {record_id} 不是该主体的信用记录，不能为其申请修复")
    if record.category != "negative":
        raise Invalid("repair.not_negative", f"{record_label(record)}不是失信记录（类别 {record.category}），无需修复")
    if record.status == "under_objection":
        raise Conflict("repair.under_objection", f"{record_label(record)}正在异议处理中，请待异议决定后再申请修复")
    if record.status != "active":
        label = RECORD_STATUS_LABELS.get(record.status, record.status)
        raise Conflict("repair.record_closed",
                       f"{record_label(record)}已是{label}（{record.status}）状态，不能申请修复")
    if record.decided_on is None or record.decided_on > as_of:
        raise Conflict("repair.record_not_yet",
                       f"{record_label(record)}的决定日期 {record.decided_on} 还未到，不能申请修复")
    if not records_service.is_in_force(record, as_of):
        raise Conflict("repair.record_closed",
                       f"{record_label(record)}已不在公示期内（公示至 {record.publish_until}），无需修复")
    return record


def _entry_records(session: Session, entry: ListEntry, as_of: date) -> list[CreditRecord]:
    """The basis records of an entry that a repair would change: those in force; under objection refuses."""
    records = _lock_records(session, list(entry.basis))
    objected = [r for r in records if r.status == "under_objection"]
    if objected:
        raise Conflict("repair.under_objection", f"名单条目 {entry.id} 的依据{'、'.join(map(record_label, objected))}"
                                                 "正在异议处理中，请待异议决定后再申请修复")
    return [r for r in records if records_service.is_in_force(r, as_of)]


def _entry(session: Session, entry_id: int, subject_id: int) -> ListEntry:
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目")
    if entry.subject_id != subject_id:
        raise Invalid("repair.not_subjects_entry", f"名单条目 {entry_id} 不是该主体的名单条目，不能为其申请修复")
    if entry.list_name != "black" or entry.status != "published":
        raise Conflict("repair.entry_not_published",
                       f"名单条目 {entry_id} 是 {entry.list_name} 名单、状态 {entry.status}；"
                       "只有已公布的失信名单（black，published）条目可以申请修复")
    return entry


def _apply_targets(session: Session, *, subject_id: int, record_id: int | None, entry_id: int | None,
                   as_of: date) -> list[CreditRecord]:
    if (record_id is None) == (entry_id is None):
        raise Invalid("repair.target", "请给出 --record 或 --entry 之一：修复一条记录，或一个失信名单条目的全部依据")
    if record_id is not None:
        found = _lock_records(session, [record_id])
        return [_check_record(found[0] if found else None, record_id, subject_id, as_of)]
    assert entry_id is not None
    records = _entry_records(session, _entry(session, entry_id, subject_id), as_of)
    if not records:
        raise Conflict("repair.nothing_to_repair", f"名单条目 {entry_id} 的依据记录均已不在公示期内或已修复、撤销，"
                                                   "没有需要修复的记录")
    for record in records:
        _check_record(record, record.id, subject_id, as_of)
    return records


def _claimed(session: Session, application: RepairApplication) -> set[int]:
    """The records an application is about (an entry's: its whole basis)."""
    if application.record_id is not None:
        return {application.record_id}
    entry = session.get(ListEntry, application.list_entry_id) if application.list_entry_id else None
    return set(entry.basis) if entry else set()


def _check_no_open_application(session: Session, subject_id: int, records: list[CreditRecord]) -> None:
    wanted = {r.id for r in records}
    for other in session.scalars(select(RepairApplication).where(
            RepairApplication.subject_id == subject_id, RepairApplication.status == "submitted")
            .order_by(RepairApplication.id)):
        both = sorted(_claimed(session, other) & wanted)
        if both:
            raise Conflict("repair.open_application",
                           f"记录 {'、'.join(map(str, both))} 已有待决定的修复申请 {other.id}"
                           f"（{other.applied_on} 提交），请等待决定")


# --- apply ------------------------------------------------------------------------------------


def apply(session: Session, *, subject_id: int, by: str, now: datetime, rules: RepairRules,
          record_id: int | None = None, entry_id: int | None = None, commitment: bool = False,
          evidence: str | None = None, training: bool = False, models: Models | None = None) -> RepairApplication:
    """Submit an application. ``commitment`` signs a repair commitment (信用承诺书) and links it."""
    if not by.strip():
        raise Invalid("repair.applicant_required", "请用 --by 写明申请人")
    if evidence is not None and not evidence.strip():
        raise Invalid("repair.evidence_empty", "--evidence 不能为空：请写明履行处罚或整改到位的证明")
    if session.get(Subject, subject_id) is None:
        raise NotFound("subject.not_found", f"没有编号为 {subject_id} 的主体")
    as_of = today(now)
    records = _apply_targets(session, subject_id=subject_id, record_id=record_id, entry_id=entry_id, as_of=as_of)
    _check_no_open_application(session, subject_id, records)
    application = RepairApplication(
        subject_id=subject_id, record_id=record_id, list_entry_id=entry_id, commitment_signed=commitment,
        evidence=evidence.strip() if evidence else None, training_completed=training, status="submitted",
        applied_by=by.strip(), applied_on=as_of, decide_by=decide_by(as_of, rules), failed=[], version=1,
        created_at=now, updated_at=now)
    session.add(application)
    session.flush()
    if commitment:
        signed = commitments_service.sign(
            session, subject_id=subject_id, kind="repair", by=application.applied_by, now=now, models=models,
            text=f"本主体就{'、'.join(map(record_label, records))}申请信用修复（申请 {application.id}），"
                 "承诺已履行相关处罚和整改义务，今后依法诚信经营，如有违背自愿接受相应惩戒。")
        application.commitment_id = signed.id
    audit.append(session, actor=application.applied_by, action="repair.apply", obj=f"repair:{application.id}",
                 now=now, detail={"subject_id": subject_id, "record_ids": [r.id for r in records],
                                  "list_entry_id": entry_id, "commitment_id": application.commitment_id,
                                  "evidence": bool(application.evidence), "training": training,
                                  "decide_by": application.decide_by.isoformat()})
    return application


# --- decide -----------------------------------------------------------------------------------


def _claim(session: Session, repair_id: int, now: datetime) -> RepairApplication:
    """Take the application for deciding: the write comes first, so of two deciders one waits and then
    finds it decided."""
    result = session.execute(update(RepairApplication)
                             .where(RepairApplication.id == repair_id, RepairApplication.status == "submitted")
                             .values(version=RepairApplication.version + 1, updated_at=now)
                             .execution_options(synchronize_session=False))
    application = session.get(RepairApplication, repair_id, populate_existing=True)
    if application is None:
        raise NotFound("repair.not_found", f"没有编号为 {repair_id} 的信用修复申请")
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("repair.decided", f"信用修复申请 {repair_id} 已于 {application.decided_on} 决定"
                                         f"（{application.status}），不能再次决定")
    return application


def _decide_targets(session: Session, application: RepairApplication, as_of: date) -> list[CreditRecord]:
    """The records to repair now; an objection filed meanwhile holds the decision back."""
    if application.list_entry_id is not None:
        entry = session.get_one(ListEntry, application.list_entry_id)
        return _entry_records(session, entry, as_of)
    records = _lock_records(session, [application.record_id] if application.record_id else [])
    for record in records:
        if record.status == "under_objection":
            raise Conflict("repair.under_objection", f"{record_label(record)}正在异议处理中，"
                                                     "请待异议决定后再决定修复申请")
    return [r for r in records if records_service.is_in_force(r, as_of)]


def _approve(session: Session, application: RepairApplication, records: list[CreditRecord], targets: list[Target],
             *, by: str, now: datetime, models: Models | None) -> list[dict[str, Any]]:
    as_of = today(now)
    number = certificate_number(application, as_of)
    application.certificate_number = number
    application.certificate = certificate_content(session, application=application, records=records,
                                                  targets=targets, number=number, decided_on=as_of, decided_by=by)
    for record in records:
        records_service.change_status(session, record=record, to="repaired", actor=by, now=now,
                                      reason=f"信用修复申请 {application.id} 批准，信用修复证书 {number}")
    session.flush()
    result = derived.recompute(session, record_ids=[r.id for r in records], subject_ids=[application.subject_id],
                               now=now, actor=by, models=models)
    removed: list[dict[str, Any]] = result["list_entries_removed"]
    return removed


def decide(session: Session, *, repair_id: int, by: str, now: datetime, rules: RepairRules,
           models: Models | None = None) -> dict[str, Any]:
    """Approve only if every §3.6 condition holds on the decision date, else reject naming each failed code."""
    if not by.strip():
        raise Invalid("repair.decider_required", "请用 --by 写明决定人")
    by = by.strip()
    application = _claim(session, repair_id, now)
    as_of = today(now)
    records = _decide_targets(session, application, as_of)
    targets = [Target(r.id, r.type, r.severity, r.decided_on) for r in records]
    # a repair commitment broken before the decision no longer counts as signed
    signed = application.commitment_signed and not (
        application.commitment_id is not None
        and commitments_service.get(session, application.commitment_id).status == "breached")
    claim = Claim(commitment_signed=signed, evidence=application.evidence,
                  training_completed=application.training_completed, decided_on=as_of)
    failures = failed_conditions(targets, claim, rules) if records else [
        Failure(NOT_IN_FORCE, "申请的记录已撤销、已修复或已过公示期，无需修复")]
    removed: list[dict[str, Any]] = []
    application.status = "rejected" if failures else "approved"
    application.failed = [f.code for f in failures]
    application.decided_by, application.decided_on = by, as_of
    if not failures:
        removed = _approve(session, application, records, targets, by=by, now=now, models=models)
    audit.append(session, actor=by, action=f"repair.{'reject' if failures else 'approve'}",
                 obj=f"repair:{application.id}", now=now,
                 detail={"subject_id": application.subject_id, "record_ids": [r.id for r in records],
                         "failed": application.failed, "certificate_number": application.certificate_number,
                         "late": as_of > application.decide_by,
                         "list_entries_removed": [e["entry_id"] for e in removed]})
    head = evaluation.current(session, application.subject_id)
    return repair_dict(application, as_of) | {
        "reasons": [{"code": f.code, "reason": f.reason} for f in failures], "list_entries_removed": removed,
        "grade": head.grade if head else None}


# --- reading ----------------------------------------------------------------------------------


def repair_dict(r: RepairApplication, as_of: date, record_ids: list[int] | None = None) -> dict[str, Any]:
    late = (r.decided_on or as_of) > r.decide_by
    if r.certificate:
        record_ids = [c["record_id"] for c in r.certificate.get("records", [])]
    return {"repair_id": r.id, "subject_id": r.subject_id, "record_id": r.record_id,
            "list_entry_id": r.list_entry_id, "record_ids": record_ids if record_ids is not None else
            ([r.record_id] if r.record_id else []), "status": r.status, "applied_on": r.applied_on,
            "applied_by": r.applied_by, "decide_by": r.decide_by, "decided_on": r.decided_on,
            "decided_by": r.decided_by, "late": late, "failed": r.failed,
            "commitment_signed": r.commitment_signed, "commitment_id": r.commitment_id, "evidence": r.evidence,
            "training_completed": r.training_completed, "certificate_number": r.certificate_number,
            "certificate": r.certificate, "version": r.version}


def _dicts(session: Session, rows: list[RepairApplication], as_of: date) -> list[dict[str, Any]]:
    keys = registry.subject_keys(session, [r.subject_id for r in rows])
    entries = {r.list_entry_id for r in rows if r.list_entry_id is not None}
    basis = {e.id: list(e.basis) for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(entries)))}
    return [repair_dict(r, as_of, basis.get(r.list_entry_id) if r.list_entry_id else None)
            | {"subject_key": keys.get(r.subject_id)} for r in rows]


def get(session: Session, *, repair_id: int, as_of: date) -> dict[str, Any]:
    """``repairs show ID``: the application with its certificate, if any."""
    application = session.get(RepairApplication, repair_id)
    if application is None:
        raise NotFound("repair.not_found", f"没有编号为 {repair_id} 的信用修复申请")
    return _dicts(session, [application], as_of)[0]


def applications(session: Session, *, as_of: date, status: str | None = None, late: bool = False
                 ) -> list[dict[str, Any]]:
    """``repairs list``: oldest first; ``late`` keeps those decided, or still open, past their deadline."""
    if status is not None and status not in STATUSES:
        raise Invalid("repair.bad_status", f"未知的修复申请状态 {status}，可选：{'、'.join(STATUSES)}")
    stmt = select(RepairApplication).order_by(RepairApplication.id)
    if status is not None:
        stmt = stmt.where(RepairApplication.status == status)
    rows = _dicts(session, list(session.scalars(stmt)), as_of)
    return [r for r in rows if r["late"]] if late else rows


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """The subject's applications, newest first, for ``show KEY``."""
    rows = session.scalars(select(RepairApplication).where(RepairApplication.subject_id == subject_id)
                           .order_by(RepairApplication.applied_on.desc(), RepairApplication.id.desc()))
    return _dicts(session, list(rows), as_of)
