"""``tick``: rectification notices past their deadline and not verified → ``overdue`` (逾期未整改).

For each: the ``rectification_overdue`` negative record (its ``source_key`` is the notice number, so a
rerun never makes two; dated the day after the deadline, however late the tick), the B3 black-list
candidate (with its prior notice), and then the subject is re-graded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.config import get_settings
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import OPEN_STATUSES, ListEntry
from jzcredit.lists.rules import ListsConfig
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.records.policy import add_years
from jzcredit.rectification.common import OPEN, add_step
from jzcredit.rectification.config import RectificationConfig, current_config
from jzcredit.rectification.models import RectificationNotice
from jzcredit.registry import service as registry

B3 = "B3"


def _overdue_record(session: Session, notice: RectificationNotice, *, cfg: RectificationConfig, now: datetime,
                    actor: str) -> CreditRecord:
    decided_on = notice.deadline + timedelta(days=1)
    until = add_years(decided_on, cfg.overdue_publish_years) if cfg.overdue_publish_years else None
    return records_service.create_record(
        session, subject_id=notice.subject_id, type_="rectification_overdue", decided_on=decided_on,
        source_key=f"rectification:{notice.notice_number}", actor=actor,
        reason=f"整改通知 {notice.notice_number} 逾期未整改（期限 {notice.deadline}）", now=now,
        doc_number=notice.notice_number, authority=notice.authority, publish_until=until,
        content=(f"逾期未整改：{notice.authority} 于 {notice.issued_on} 下达整改通知 {notice.notice_number}，"
                 f"期限 {notice.deadline}，逾期未完成整改。整改要求：{notice.requirements}"),
        details={"notice_id": notice.id, "notice_number": notice.notice_number,
                 "deadline": notice.deadline.isoformat(), "basis": list(notice.basis or [])})


def _open_b3(session: Session, subject_id: int) -> int | None:
    """The subject's open B3 entry (an earlier overdue notice may have made it already)."""
    return session.scalar(select(ListEntry.id).where(
        ListEntry.subject_id == subject_id, ListEntry.list_name == "black", ListEntry.rule == B3,
        ListEntry.status.in_(OPEN_STATUSES)).order_by(ListEntry.id.desc()).limit(1))


def _mark_one(session: Session, notice: RectificationNotice, *, cfg: RectificationConfig, lists_cfg: ListsConfig,
              now: datetime, actor: str) -> dict[str, Any]:
    record = _overdue_record(session, notice, cfg=cfg, now=now, actor=actor)
    before = notice.status
    notice.status = "overdue"
    notice.overdue_on = record.decided_on
    notice.overdue_record_id = record.id
    notice.version += 1
    notice.updated_at = now
    add_step(session, notice, action="overdue", from_status=before, to_status="overdue", actor=actor, now=now,
             text=f"整改期限 {notice.deadline} 已过且未核验通过；逾期未整改记录 {record.id}")
    session.flush()
    proposed = lists_service.propose(session, now=now, actor=actor, rules=lists_cfg, rule_ids=[B3],
                                     subject_ids=[notice.subject_id])
    notice.list_entry_id = proposed[0]["entry_id"] if proposed else _open_b3(session, notice.subject_id)
    audit.append(session, actor=actor, action="rectification.overdue", obj=f"rectification_notice:{notice.id}",
                 now=now, detail={"notice_number": notice.notice_number, "subject_id": notice.subject_id,
                                  "deadline": notice.deadline, "record_id": record.id,
                                  "list_entry_id": notice.list_entry_id, "from": before})
    return {"notice_id": notice.id, "notice_number": notice.notice_number, "subject_id": notice.subject_id,
            "deadline": notice.deadline, "overdue_on": notice.overdue_on, "from_status": before,
            "record_id": record.id, "list_entry_id": notice.list_entry_id,
            "list_entry_new": bool(proposed)}


def mark_overdue(session: Session, *, now: datetime, actor: str, lists_cfg: ListsConfig,
                 cfg: RectificationConfig | None = None, models: Models | None = None) -> list[dict[str, Any]]:
    """Every ``issued`` / ``submitted`` notice whose deadline is before today → ``overdue``; idempotent
    (a second run for the same date finds none). Returns one document per notice for ``tick --json``."""
    as_of = today(now)
    due = list(session.scalars(select(RectificationNotice).where(
        RectificationNotice.status.in_(OPEN), RectificationNotice.deadline < as_of)
        .order_by(RectificationNotice.id).with_for_update()))
    if not due:
        return []
    cfg = cfg or current_config()
    marked = [_mark_one(session, n, cfg=cfg, lists_cfg=lists_cfg, now=now, actor=actor) for n in due]
    derived.recompute(session, record_ids=[m["record_id"] for m in marked], now=now, actor=actor,
                      models=models or load_models(get_settings().config))
    keys = registry.subject_keys(session, [m["subject_id"] for m in marked])
    return [m | {"subject_key": keys.get(m["subject_id"])} for m in marked]
