"""Credit repair applications (信用修复申请)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

STATUSES = ("submitted", "approved", "rejected")


class RepairApplication(Base):
    """信用修复申请. ``target`` is a record (``record_id``) or a list entry (``list_entry_id``)."""

    __tablename__ = "repair_applications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    commitment_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"))
    evidence: Mapped[str | None] = mapped_column(Text)
    training_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    applied_by: Mapped[str] = mapped_column(String(128))
    applied_on: Mapped[date] = mapped_column(Date)
    decide_by: Mapped[date] = mapped_column(Date)  # 5 working days
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_on: Mapped[date | None] = mapped_column(Date)
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)  # §3.6 codes that did not hold
    certificate_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    certificate: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the printed certificate shows
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
