"""A company's authorisation of a bank, and every inquiry a bank makes (the company sees who looked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

_OPEN_SQL = "revoked_at IS NULL"


class BankAuthorisation(Base):
    """企业授权银行查询. In force from ``granted_at`` until ``revoked_at``; one open grant per company and bank."""

    __tablename__ = "bank_authorisations"
    __table_args__ = (
        Index("ux_bank_authorisations_open", "company_id", "bank_user_id", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    bank_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(Timestamp())
    granted_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp())
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class BankInquiry(Base):
    """查询记录: which bank looked at which company, when and why. Only answered looks are kept (a refused
    look wrote nothing and showed nothing); ``outcome`` is always ``answered``."""

    __tablename__ = "bank_inquiries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    purpose: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # answered (a refused look writes no row)
