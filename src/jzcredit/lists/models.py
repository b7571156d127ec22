"""List entries with every transition, and the prior notices (事前告知) sent before a black listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

LISTS = ("red", "black", "watch")
# candidate → approved → published → removed | expired; candidate → rejected;
# watch: candidate → active → closed (no review)
STATUSES = ("candidate", "approved", "published", "rejected", "removed", "expired", "active", "closed")
OPEN_STATUSES = ("candidate", "approved", "published", "active")
_OPEN_SQL = "status IN ('candidate', 'approved', 'published', 'active')"


class ListEntry(Base):
    """名单条目. ``version`` is bumped on every change: a review names the version it saw."""

    __tablename__ = "list_entries"
    __table_args__ = (
        # never two open entries for the same subject, list and rule — enforced by the database too
        Index("ux_list_entries_open", "subject_id", "list", "rule", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
        Index("ix_list_entries_status", "list", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_name: Mapped[str] = mapped_column("list", String(8))  # spec field `list`
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    rule: Mapped[str] = mapped_column(String(8))
    basis: Mapped[list[int]] = mapped_column(JSON)  # record ids
    status: Mapped[str] = mapped_column(String(16))
    proposed_at: Mapped[datetime] = mapped_column(Timestamp())
    proposed_by: Mapped[str] = mapped_column(String(128))
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(Timestamp())
    review_note: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ListTransition(Base):
    """Who moved an entry from one status to another, when and why."""

    __tablename__ = "list_transitions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class PriorNotice(Base):
    """事前告知 — told to the subject when a black-list candidate is proposed: basis and the right to object."""

    __tablename__ = "prior_notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    notice_number: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(Timestamp())
    object_by: Mapped[date] = mapped_column(Date)  # last day to file an objection
    basis: Mapped[list[int]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
