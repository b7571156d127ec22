"""The scan log (扫码记录) of worker cards."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp


class CardScan(Base):
    """扫码记录: one opening of a card's QR link (with its token) — when, which code, and what the page said.

    Nothing about the person who scanned: no address, no browser, no account (docs/decisions.md).
    """

    __tablename__ = "card_scans"
    __table_args__ = (Index("ix_card_scans_worker_id_scanned_at", "worker_id", "scanned_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.subject_id"))
    code_id: Mapped[int] = mapped_column(ForeignKey("worker_codes.id"))
    scanned_at: Mapped[datetime] = mapped_column(Timestamp())
    verdict: Mapped[str] = mapped_column(String(16))  # valid | revoked | expired | unverified | forged
    token_issued_on: Mapped[date | None] = mapped_column(Date)  # the card's date, when the token verified
