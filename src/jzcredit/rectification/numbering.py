"""Notice numbers (整改通知书编号): ``<authority>-ZG-<year>-<seq, 6 digits>``, counted per authority and year.

Two processes issuing for the same authority at once must never take the same number. The counter is
``max(seq) + 1`` read under a lock held to the end of the transaction: an advisory lock on PostgreSQL
(one per authority and year), the database write lock on SQLite (one writer at a time). The unique
constraint on (authority, year, seq) stays as the last guard.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from jzcredit.rectification.models import RectificationNotice

PREFIX = "ZG"  # 整改


def format_number(authority: str, year: int, seq: int) -> str:
    return f"{authority}-{PREFIX}-{year}-{seq:06d}"


def _advisory_key(authority: str, year: int) -> int:
    digest = hashlib.sha256(f"rectification:{authority}:{year}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_numbering(session: Session, *, authority: str, year: int) -> None:
    """Hold the numbering lock for (authority, year) until the caller's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(authority, year)})
        return
    # SQLite: a write that changes nothing still takes the write lock (waiting out busy_timeout), so the
    # maximum read next cannot be taken by another writer before this transaction commits
    session.execute(text("UPDATE rectification_notices SET seq = seq WHERE 1 = 0"))


def next_seq(session: Session, *, authority: str, year: int) -> int:
    """The next free number for (authority, year); call with the numbering lock held."""
    highest = session.scalar(select(func.coalesce(func.max(RectificationNotice.seq), 0)).where(
        RectificationNotice.authority == authority, RectificationNotice.year == year))
    return int(highest or 0) + 1
