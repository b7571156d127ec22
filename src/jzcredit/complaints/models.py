"""Complaints (投诉) with every step, and the single-use service codes that ratings need."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

CATEGORIES = ("quality", "price", "contract", "damage", "theft", "abuse", "injury", "other")
# filed → forwarded → responded → resolved | unresolved → mediated → closed (with a finding)
STATUSES = ("filed", "forwarded", "responded", "resolved", "unresolved", "mediated", "closed")
FINDINGS = ("substantiated", "unsubstantiated")


class Complaint(Base):
    """投诉. The complainant follows it by ``tracking_code``; the contact phone is kept encrypted."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    contact_phone_cipher: Mapped[str | None] = mapped_column(Text)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(16))
    filed_by: Mapped[str] = mapped_column(String(128))
    filed_on: Mapped[date] = mapped_column(Date)
    forwarded_on: Mapped[date | None] = mapped_column(Date)
    respond_by: Mapped[date | None] = mapped_column(Date, index=True)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    unanswered: Mapped[bool] = mapped_column(default=False)  # the response deadline passed without one
    status: Mapped[str] = mapped_column(String(16), index=True)
    finding: Mapped[str | None] = mapped_column(String(16))
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class ComplaintStep(Base):
    """One step on a complaint: who, when, from which status to which, and what was said."""

    __tablename__ = "complaint_steps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp())
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))  # a record it wrote


class ServiceCode(Base):
    """服务评价码: one per service order, issued by the company, single use, expiring."""

    __tablename__ = "service_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.subject_id"))
    order_ref: Mapped[str | None] = mapped_column(String(128))  # the company's own order number
    issued_at: Mapped[datetime] = mapped_column(Timestamp())
    expires_on: Mapped[date] = mapped_column(Date)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp())
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("ratings.id"))
