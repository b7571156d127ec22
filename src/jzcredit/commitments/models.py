"""Credit commitments (信用承诺)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

KINDS = ("notification", "voluntary", "industry", "repair")
STATUSES = ("in_force", "fulfilled", "breached")


class Commitment(Base):
    """信用承诺. Signing writes a ``commitment`` record; a breach writes a ``commitment_breach`` record."""

    __tablename__ = "commitments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    signed_on: Mapped[date] = mapped_column(Date)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # what a notification commitment replaces (the certificate or licence it stands in for)
    in_place_of: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    breach_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_by: Mapped[str | None] = mapped_column(String(128))
    end_note: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
