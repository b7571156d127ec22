"""Helpers for the change feed tests: records changing status through the records service."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.clock import SHANGHAI
from jzcredit.feed import service as feed
from jzcredit.feed.models import FeedChange, ReceivedChange, ReceivedRecord
from jzcredit.records import service as records
from jzcredit.records.models import CreditRecord, RecordHistory

NOW = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
_keys = itertools.count(1)


def new_record(s: Session, subject_id: int, type_: str = "penalty", *, at: datetime = NOW) -> CreditRecord:
    """A platform record (its creation is its first history row)."""
    n = next(_keys)
    return records.create_record(s, subject_id=subject_id, type_=type_, decided_on=date(2026, 5, 1) + timedelta(n % 20),
                                 source_key=f"feedtest:{n}", actor="test", reason="测试", now=at,
                                 doc_number=f"测试〔2026〕{n}号", authority="测试机关")


def set_status(s: Session, record_id: int, to: str, *, at: datetime = NOW) -> None:
    record = s.get_one(CreditRecord, record_id)
    records.change_status(s, record=record, to=to, actor="test", reason="测试", now=at)
    s.flush()


def read_all(sessions: sessionmaker[Session], *, since: str | None = None, limit: int = 100,
             now: datetime = NOW) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``since`` by pages of ``limit``; the changes and the last cursor."""
    out: list[dict[str, Any]] = []
    cursor = since
    while True:
        with sessions() as s, s.begin():
            page = feed.read_changes(s, since=cursor, now=now, limit=limit)
        out += page["items"]
        assert page["next_cursor"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return out, cursor


def history_ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as s:
        return list(s.scalars(select(RecordHistory.id).order_by(RecordHistory.id)))


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """(feed positions, received changes, received records)."""
    with sessions() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                     for t in (FeedChange, ReceivedChange, ReceivedRecord))
