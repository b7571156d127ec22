"""What the rectification services share: labels, the notice document, steps and guarded status moves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from jzcredit.common.dates import DateParseError, parse_date
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.rectification.models import RectificationNotice, RectificationStep

STATUS_LABELS = {"issued": "已下达", "submitted": "已提交整改材料", "verified": "已核验通过", "overdue": "已逾期"}
OPEN = ("issued", "submitted")  # not yet verified: these go overdue after the deadline


def label(status: str) -> str:
    return f"{status}（{STATUS_LABELS.get(status, status)}）"


def parse_day(value: str | date | None, what: str) -> date | None:
    """A calendar day from the command line (``2026-07-30``, ``2026年7月30日`` …); blank → ``None``."""
    if value is None or isinstance(value, date):
        return value
    try:
        parsed = parse_date(value)
    except DateParseError as exc:
        raise Invalid("rectification.bad_date", f"{what}无法识别：{exc}") from None
    if parsed is not None and parsed.precision != "day":
        raise Invalid("rectification.bad_date", f"{what}必须精确到日：{value!r}")
    return None if parsed is None else parsed.value


def is_past_deadline(notice: RectificationNotice, as_of: date) -> bool:
    """Past the deadline and not verified: overdue whether or not ``tick`` has marked it yet."""
    return notice.status == "overdue" or (notice.status in OPEN and notice.deadline < as_of)


def steps_of(session: Session, notice_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in notice_ids}
    for start in range(0, len(notice_ids), 5000):
        rows = session.scalars(select(RectificationStep).where(
            RectificationStep.notice_id.in_(notice_ids[start:start + 5000])).order_by(RectificationStep.id))
        for s in rows:
            out[s.notice_id].append({"at": s.at, "action": s.action, "from_status": s.from_status,
                                     "to_status": s.to_status, "actor": s.actor, "text": s.text})
    return out


def notice_dict(n: RectificationNotice, *, as_of: date, subject_key: str | None = None,
                steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One notice: the spec's keys (notice_id, notice_number, issued_on, deadline, status) first."""
    doc = {"notice_id": n.id, "notice_number": n.notice_number, "issued_on": n.issued_on, "deadline": n.deadline,
           "status": n.status, "subject_id": n.subject_id, "subject_key": subject_key, "authority": n.authority,
           "issued_by": n.issued_by, "requirements": n.requirements, "basis": list(n.basis or []),
           "evidence": n.evidence, "verified_on": n.verified_on, "overdue_on": n.overdue_on,
           "overdue_record_id": n.overdue_record_id, "list_entry_id": n.list_entry_id,
           "past_deadline": is_past_deadline(n, as_of), "version": n.version}
    if steps is not None:
        doc["steps"] = steps
    return doc


def add_step(session: Session, notice: RectificationNotice, *, action: str, from_status: str | None, to_status: str,
             actor: str, now: datetime, text: str | None) -> RectificationStep:
    step = RectificationStep(notice_id=notice.id, at=now, action=action, from_status=from_status,
                             to_status=to_status, actor=actor, text=text)
    session.add(step)
    return step


def get_notice(session: Session, notice_id: int) -> RectificationNotice:
    notice = session.get(RectificationNotice, notice_id)
    if notice is None:
        raise NotFound("rectification.not_found", f"没有编号为 {notice_id} 的整改通知")
    return notice


def move(session: Session, notice: RectificationNotice, *, to: str, now: datetime, **values: Any) -> None:
    """UPDATE … WHERE id = ? AND version = ?: of two people acting on one notice at once, one wins and the
    other gets ``Conflict`` instead of a second step on a state that no longer holds."""
    seen = notice.version
    stmt = (update(RectificationNotice)
            .where(RectificationNotice.id == notice.id, RectificationNotice.version == seen)
            .values(status=to, version=seen + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False))
    try:
        result = session.execute(stmt)
    except OperationalError as exc:  # SQLite: the other writer held the lock past busy_timeout
        if "locked" not in str(exc.orig):
            raise
        raise Conflict("rectification.changed", f"整改通知 {notice.id} 正在被他人处理，请稍后重试") from exc
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("rectification.changed", f"整改通知 {notice.id} 已被他人处理，请刷新后重试")
    session.refresh(notice)
