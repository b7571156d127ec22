"""Rectification notices (限期整改通知) and every step taken on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

# issued → submitted → verified; submitted → issued (evidence rejected, deadline unchanged);
# issued | submitted past the deadline → overdue
STATUSES = ("issued", "submitted", "verified", "overdue")


class RectificationNotice(Base):
    """限期整改通知. ``notice_number`` is unique per issuing authority and year (``seq`` counts within them)."""

    __tablename__ = "rectification_notices"
    __table_args__ = (UniqueConstraint("authority", "year", "seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notice_number: Mapped[str] = mapped_column(String(96), unique=True)
    authority: Mapped[str] = mapped_column(String(128))  # the issuing authority (its name or code)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    requirements: Mapped[str] = mapped_column(Text)
    basis: Mapped[list[int]] = mapped_column(JSON, default=list)  # credit record ids
    status: Mapped[str] = mapped_column(String(16), index=True)
    evidence: Mapped[str | None] = mapped_column(Text)  # the latest evidence submitted
    verified_on: Mapped[date | None] = mapped_column(Date)
    overdue_on: Mapped[date | None] = mapped_column(Date)
    overdue_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))  # the B3 candidate
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class RectificationStep(Base):
    """One step on a notice: who did what, when, with which text (evidence or the verifier's note)."""

    __tablename__ = "rectification_steps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notices.id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    action: Mapped[str] = mapped_column(String(16))  # issue | submit | accept | reject | overdue
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
