"""Objections (异议) against credit records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

STATUSES = ("filed", "upheld", "dismissed")
FILER_ROLES = ("subject", "named", "regulator")
_OPEN_SQL = "status = 'filed'"


class Objection(Base):
    """异议. While ``filed`` the record shows ``under_objection`` (its earlier status kept in ``record_status``)."""

    __tablename__ = "objections"
    __table_args__ = (
        # one open objection per record at a time
        Index("ux_objections_open", "record_id", unique=True, sqlite_where=text(_OPEN_SQL),
              postgresql_where=text(_OPEN_SQL)),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    filed_by: Mapped[str] = mapped_column(String(128))
    filer_role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    record_status: Mapped[str] = mapped_column(String(16))  # the record's status before the objection
    filed_on: Mapped[date] = mapped_column(Date)
    decide_by: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))  # upheld: revoked | corrected
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # field: {from, to}
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
