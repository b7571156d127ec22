"""Rectification notices (限期整改): issue, evidence, verification, and overdue past the deadline.

``issued`` → ``submitted`` (the subject sends evidence) → ``verified`` (accepted), or back to ``issued``
(rejected, the deadline unchanged); ``issued`` / ``submitted`` past the deadline → ``overdue`` (``tick``,
see ``rectification/overdue.py``). Every step is a ``RectificationStep`` row and an audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.common.text import normalise_text
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.records.models import CreditRecord
from jzcredit.rectification import numbering
from jzcredit.rectification.common import (
    OPEN,
    STATUS_LABELS,
    add_step,
    get_notice,
    label,
    move,
    notice_dict,
    steps_of,
)
from jzcredit.rectification.config import RectificationConfig, current_config
from jzcredit.rectification.models import STATUSES, RectificationNotice
from jzcredit.rectification.overdue import mark_overdue
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject

__all__ = ["for_subject", "issue_notice", "list_notices", "mark_overdue", "notice_dict", "show_notice",
           "submit_evidence", "verify_notice"]

AUTHORITY_MAX = 64  # the number is <authority>-ZG-<year>-<seq> in a 96-character column
TEXT_MAX = 20_000


def _text(value: str | None, what: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(code, f"{what}不能为空")
    if len(text) > TEXT_MAX:
        raise Invalid(code, f"{what}过长（{len(text)} 字），最多 {TEXT_MAX} 字")
    return text


def _authority(value: str | None, cfg: RectificationConfig) -> str:
    authority = normalise_text(value if value is not None else cfg.authority)
    if not authority:
        raise Invalid("rectification.authority", "下达机关（--authority）不能为空")
    if len(authority) > AUTHORITY_MAX:
        raise Invalid("rectification.authority", f"下达机关名称过长（{len(authority)} 字），最多 {AUTHORITY_MAX} 字")
    return authority


def _basis(session: Session, subject_id: int, basis: Iterable[int]) -> list[int]:
    """The subject's own records, none revoked (a withdrawn fact grounds no order)."""
    ids = sorted(set(basis))
    found = {r.id: r for r in session.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids)))} if ids else {}
    for record_id in ids:
        record = found.get(record_id)
        if record is None:
            raise NotFound("rectification.basis_not_found", f"没有编号为 {record_id} 的信用记录")
        if record.subject_id != subject_id:
            raise Invalid("rectification.basis_foreign", f"记录 {record_id} 不是该主体的记录，不能作为整改依据")
        if record.status == "revoked":
            raise Invalid("rectification.basis_revoked", f"记录 {record_id} 已撤销，不能作为整改依据")
    return ids


def issue_notice(session: Session, *, subject_id: int, requirements: str, now: datetime, actor: str,
                 deadline: date | None = None, basis: Iterable[int] = (), authority: str | None = None,
                 cfg: RectificationConfig | None = None) -> dict[str, Any]:
    """下达限期整改通知: checks everything first, then takes the next number for the authority and year."""
    cfg = cfg or current_config()
    if session.get(Subject, subject_id) is None:
        raise NotFound("subject.not_found", f"没有编号为 {subject_id} 的信用主体")
    requirements = _text(requirements, "整改要求（--requirements）", "rectification.requirements")
    who = _authority(authority, cfg)
    issued_on = today(now)
    deadline = deadline or issued_on + timedelta(days=cfg.deadline_days)
    if deadline < issued_on:
        raise Invalid("rectification.deadline", f"整改期限 {deadline} 早于下达日期 {issued_on}")
    basis_ids = _basis(session, subject_id, basis)
    numbering.lock_numbering(session, authority=who, year=issued_on.year)
    seq = numbering.next_seq(session, authority=who, year=issued_on.year)
    notice = RectificationNotice(
        notice_number=numbering.format_number(who, issued_on.year, seq), authority=who, year=issued_on.year,
        seq=seq, subject_id=subject_id, issued_by=actor, issued_on=issued_on, deadline=deadline,
        requirements=requirements, basis=basis_ids, status="issued", version=1, created_at=now, updated_at=now)
    session.add(notice)
    try:
        session.flush()
    except IntegrityError as exc:  # the lock makes this unreachable; the constraint is the last guard
        raise Conflict("rectification.number_taken", "整改通知编号被同时占用，请重试") from exc
    add_step(session, notice, action="issue", from_status=None, to_status="issued", actor=actor, now=now,
             text=requirements)
    audit.append(session, actor=actor, action="rectification.issue", obj=f"rectification_notice:{notice.id}",
                 now=now, detail={"notice_number": notice.notice_number, "subject_id": subject_id,
                                  "deadline": deadline, "basis": basis_ids, "authority": who})
    return _document(session, notice, as_of=issued_on)


def _check_in_time(notice: RectificationNotice, as_of: date, doing: str) -> None:
    if notice.status in OPEN and notice.deadline < as_of:
        raise Conflict("rectification.past_deadline",
                       f"整改通知 {notice.notice_number} 的整改期限 {notice.deadline} 已过，已逾期（将由 tick 标记），"
                       f"不能再{doing}；逾期后可申请信用修复")


def submit_evidence(session: Session, *, notice_id: int, evidence: str, now: datetime,
                    actor: str) -> dict[str, Any]:
    """The subject sends its rectification evidence: ``issued`` → ``submitted``."""
    evidence = _text(evidence, "整改材料（--evidence）", "rectification.evidence")
    notice = get_notice(session, notice_id)
    if notice.status != "issued":
        hint = {"submitted": "已提交整改材料，等待核验", "verified": "已核验通过，整改已结束",
                "overdue": "已逾期，不能再提交整改材料；逾期记录可通过信用修复处理"}.get(notice.status, "")
        raise Conflict("rectification.not_issued",
                       f"整改通知 {notice.notice_number} 的状态是 {label(notice.status)}：{hint}")
    as_of = today(now)
    _check_in_time(notice, as_of, "提交整改材料")
    move(session, notice, to="submitted", now=now, evidence=evidence)
    add_step(session, notice, action="submit", from_status="issued", to_status="submitted", actor=actor, now=now,
             text=evidence)
    audit.append(session, actor=actor, action="rectification.submit", obj=f"rectification_notice:{notice.id}",
                 now=now, detail={"notice_number": notice.notice_number, "subject_id": notice.subject_id})
    return _document(session, notice, as_of=as_of)


def verify_notice(session: Session, *, notice_id: int, accept: bool, now: datetime, actor: str,
                  note: str | None = None) -> dict[str, Any]:
    """The regulator checks the evidence: accepted → ``verified``; rejected → ``issued``, deadline unchanged."""
    notice = get_notice(session, notice_id)
    if notice.status != "submitted":
        raise Conflict("rectification.not_submitted",
                       f"整改通知 {notice.notice_number} 的状态是 {label(notice.status)}，"
                       "只有已提交整改材料（submitted）的通知可以核验")
    as_of = today(now)
    _check_in_time(notice, as_of, "核验")
    note = (note or "").strip() or None
    if accept:
        move(session, notice, to="verified", now=now, verified_on=as_of)
    else:
        move(session, notice, to="issued", now=now)
    add_step(session, notice, action="accept" if accept else "reject", from_status="submitted",
             to_status=notice.status, actor=actor, now=now, text=note)
    audit.append(session, actor=actor, action="rectification.accept" if accept else "rectification.reject",
                 obj=f"rectification_notice:{notice.id}", now=now,
                 detail={"notice_number": notice.notice_number, "subject_id": notice.subject_id, "note": note,
                         "deadline": notice.deadline})
    return _document(session, notice, as_of=as_of)


# --- reading --------------------------------------------------------------------------------


def _document(session: Session, notice: RectificationNotice, *, as_of: date) -> dict[str, Any]:
    key = registry.subject_keys(session, [notice.subject_id]).get(notice.subject_id)
    return notice_dict(notice, as_of=as_of, subject_key=key, steps=steps_of(session, [notice.id])[notice.id])


def show_notice(session: Session, *, notice_id: int, as_of: date) -> dict[str, Any]:
    """One notice with every step (``notices show ID``)."""
    return _document(session, get_notice(session, notice_id), as_of=as_of)


def list_notices(session: Session, *, as_of: date, status: str | None = None,
                 overdue: bool = False) -> list[dict[str, Any]]:
    """Notices for regulators, oldest first; ``overdue`` = past the deadline unverified (marked or not yet)."""
    if status is not None and status not in STATUSES:
        raise Invalid("rectification.bad_status",
                      f"未知的整改通知状态 {status}，可选：{'、'.join(f'{s}（{STATUS_LABELS[s]}）' for s in STATUSES)}")
    stmt = select(RectificationNotice).order_by(RectificationNotice.id)
    if status is not None:
        stmt = stmt.where(RectificationNotice.status == status)
    if overdue:
        stmt = stmt.where(or_(RectificationNotice.status == "overdue",
                              RectificationNotice.status.in_(OPEN) & (RectificationNotice.deadline < as_of)))
    rows = list(session.scalars(stmt))
    keys = registry.subject_keys(session, [n.subject_id for n in rows])
    return [notice_dict(n, as_of=as_of, subject_key=keys.get(n.subject_id)) for n in rows]


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """The subject's notices with their steps, newest first (``show KEY``; the public page shows them too)."""
    rows = list(session.scalars(select(RectificationNotice).where(RectificationNotice.subject_id == subject_id)
                                .order_by(RectificationNotice.issued_on.desc(), RectificationNotice.id.desc())))
    steps = steps_of(session, [n.id for n in rows])
    key = registry.subject_keys(session, [subject_id]).get(subject_id)
    return [notice_dict(n, as_of=as_of, subject_key=key, steps=steps[n.id]) for n in rows]
