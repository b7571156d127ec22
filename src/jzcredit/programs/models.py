"""What the programs keep: loans entered for the financing report, and every program run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp


class SupportedLoan(Base):
    """A loan a bank granted to a recommended company (for the quarterly report 附件2)."""

    __tablename__ = "supported_loans"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    lender: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    granted_on: Mapped[date] = mapped_column(Date)
    entered_on: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class ProgramRun(Base):
    """One run of a program: its parameters and every result with its reasons, as printed."""

    __tablename__ = "program_runs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(Timestamp())
    actor: Mapped[str] = mapped_column(String(128))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
