"""Evaluation tables: every evaluation is kept; the head row points at a subject's current one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

GRADES = ("A", "B", "C", "D", "N")


class Evaluation(Base):
    """信用评价 — one run of a model over one subject's facts; never overwritten."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_subject", "subject_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    model: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(Timestamp())
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    # [{code, label, points, record_ids}] in final-score units; they add up to ``score``
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # hash of (model, score, grade, factors): a re-run that finds the same result stores nothing new
    result_digest: Mapped[str] = mapped_column(String(64))


class EvaluationHead(Base):
    """A subject's current evaluation, for look-ups, statistics and the list rules (one row per subject)."""

    __tablename__ = "evaluation_heads"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    model: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    result_digest: Mapped[str] = mapped_column(String(64))


class EvaluationDue(Base):
    """Subjects whose facts changed since their evaluation (incremental re-evaluation)."""

    __tablename__ = "evaluation_due"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    since: Mapped[datetime] = mapped_column(Timestamp())
    reason: Mapped[str] = mapped_column(String(64))
