"""Helpers for the rectification tests: issuing with defaults, counting what a refusal must not change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.lists.helpers import NOW, at

from jzcredit.common.audit import AuditEntry
from jzcredit.lists.models import ListEntry
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.rectification import service
from jzcredit.rectification.config import rectification_config
from jzcredit.rectification.models import RectificationNotice, RectificationStep

__all__ = ["NOW", "at", "counts", "issue", "notice"]


def issue(s: Session, subject_id: int, *, now: datetime = NOW, **kw: Any) -> dict[str, Any]:
    kw.setdefault("requirements", "三十日内补签全部家政服务合同")
    return service.issue_notice(s, subject_id=subject_id, now=now, actor=kw.pop("actor", "王监管"),
                                cfg=rectification_config(), **kw)


def notice(s: Session, notice_id: int) -> RectificationNotice:
    found = s.get_one(RectificationNotice, notice_id)
    s.refresh(found)
    return found


def counts(s: Session) -> dict[str, Any]:
    """Everything a rectification step writes, to show that a refusal wrote nothing."""
    def n(model: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)

    states = sorted(s.execute(select(RectificationNotice.id, RectificationNotice.status, RectificationNotice.version,
                                     RectificationNotice.deadline)).all())
    return {"notices": n(RectificationNotice), "steps": n(RectificationStep), "audit": n(AuditEntry),
            "records": n(CreditRecord), "history": n(RecordHistory), "entries": n(ListEntry), "states": states}


def day(text: str) -> date:
    return date.fromisoformat(text)
