"""Audit hash chain: every change and every read of private personal data appends an entry.

Each entry's ``hash`` covers its own fields and the previous entry's hash, so an
edited, inserted or removed entry breaks the chain at that point. Appends are
serialised through the single ``audit_head`` row (row lock on PostgreSQL, the
write lock on SQLite).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jzcredit.db import Base, BigId, Timestamp

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object: Mapped[str] = mapped_column(String(128), index=True)
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)


def _canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, obj: str, detail: str) -> str:
    # the timestamp is hashed in UTC ISO form so that both engines give the same text back
    stamp = at.timestamp()
    payload = "\x1f".join([prev_hash, f"{stamp:.6f}", actor, action, obj, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    session: Session, *, actor: str, action: str, obj: str, now: datetime, detail: dict[str, Any] | None = None
) -> AuditEntry:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, entries=0)
        session.add(head)
        session.flush()
    text = _canonical(detail or {})
    digest = entry_hash(head.last_hash, now, actor, action, obj, text)
    entry = AuditEntry(at=now, actor=actor, action=action, object=obj, detail=text,
                       prev_hash=head.last_hash, hash=digest)
    session.add(entry)
    head.last_hash = digest
    head.entries += 1
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad: int | None
    problem: str | None


def verify(session: Session) -> ChainReport:
    """Walk the chain in id order; report the first entry whose links or hash do not hold."""
    prev = GENESIS
    count = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().yield_per(1000):
        count += 1
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.id, "prev_hash does not match the entry before")
        if entry_hash(prev, entry.at, entry.actor, entry.action, entry.object, entry.detail) != entry.hash:
            return ChainReport(False, count, entry.id, "entry was changed after it was written")
        prev = entry.hash
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.entries != count):
        return ChainReport(False, count, None, "entries were removed from the end of the chain")
    return ChainReport(True, count, None, None)
