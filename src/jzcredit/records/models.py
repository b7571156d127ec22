"""Credit records: never deleted; every status change is a history row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

CATEGORIES = ("basic", "positive", "negative", "other")
SEVERITIES = ("general", "serious")
STATUSES = ("active", "expired", "repaired", "revoked", "under_objection")
TYPES = {
    # type: default category
    "license": "basic",
    "penalty": "negative",
    "commendation": "positive",
    "dishonest_debtor": "negative",
    "tax_rating": "other",
    "commitment": "positive",
    "commitment_breach": "negative",
    "complaint": "negative",
    "rating": "other",
    "training": "positive",
    "health_check": "basic",
    "background_check": "basic",
    "skill_certificate": "positive",
    "rectification_overdue": "negative",
    "other": "other",
}


class CreditRecord(Base):
    """信用信息 — one fact about a subject (spec 02, "Credit records")."""

    __tablename__ = "credit_records"
    __table_args__ = (
        Index("ix_credit_records_subject_type", "subject_id", "type"),
        Index("ix_credit_records_unmatched", "subject_id_hash"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_precision: Mapped[str] = mapped_column(String(8), default="day")
    doc_number: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(Text)
    authority_uscc: Mapped[str | None] = mapped_column(String(18))
    content: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    publish_from: Mapped[date | None] = mapped_column(Date)
    publish_until: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    source: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    source_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    # who the source says it is about, kept for unmatched records and match candidates
    subject_name: Mapped[str | None] = mapped_column(Text)
    subject_code_masked: Mapped[str | None] = mapped_column(String(32))
    subject_id_hash: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class RecordSource(Base):
    """Every (source, source_key) that delivered a record: re-imports and cross-source copies link here."""

    __tablename__ = "record_sources"
    __table_args__ = (UniqueConstraint("source", "source_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    relation: Mapped[str] = mapped_column(String(16))  # origin | same_fact
    linked_at: Mapped[datetime] = mapped_column(Timestamp())


class RecordHistory(Base):
    """One row per status change of a record (who, when, why)."""

    __tablename__ = "record_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class MatchCandidate(Base):
    """A masked court ID that fits exactly one worker: linked only when a regulator confirms."""

    __tablename__ = "match_candidates"
    __table_args__ = (UniqueConstraint("record_id", "worker_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|confirmed|rejected
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp())
    note: Mapped[str | None] = mapped_column(Text)
