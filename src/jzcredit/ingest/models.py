"""Batches and quarantined rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp


class Batch(Base):
    """One run of one file; ``rows_done`` is the committed resume point."""

    __tablename__ = "ingest_batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | completed | failed
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    match_candidates: Mapped[int] = mapped_column(Integer, default=0)
    companies_created: Mapped[int] = mapped_column(Integer, default=0)
    unmapped_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    resubmits_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    actor: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(Timestamp())
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp())


class QuarantinedRow(Base):
    """A row kept verbatim with a machine-readable reason; personal numbers only encrypted + masked."""

    __tablename__ = "quarantined_rows"
    __table_args__ = (UniqueConstraint("batch_id", "row_number"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    data_masked: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_cipher: Mapped[str | None] = mapped_column(Text)  # encrypted JSON of the masked fields
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resubmitted
    resubmitted_in: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
