"""Registry tables. Personal identifiers are kept only as HMAC + ciphertext + masked form."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

SUBJECT_KINDS = ("company", "worker", "consumer")
CATEGORIES = ("cleaning", "maternity", "childcare", "elderly_care", "hospital_escort", "cooking", "other")
EMPLOYMENT_MODELS = ("employee", "intermediary")
CONSENT_SCOPES = ("collect", "public_card", "employer", "bank_aggregate")
POVERTY_LEVELS = ("none", "provincial", "national")


class Subject(Base):
    """信用主体 — the opaque identity every record and evaluation points at."""

    __tablename__ = "subjects"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class Company(Base):
    """家政企业."""

    __tablename__ = "companies"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(Text)
    legal_representative: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    employment_model: Mapped[str | None] = mapped_column(String(16))
    onboarded_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class CompanyNameGram(Base):
    """Every two-character piece of a company's name, ASCII letters in lower case (search, ``name_index.py``).

    A name holds a text only if it holds every piece of the text, so search reads the postings of the text's
    pieces instead of every name. Written wherever a name is (``name_index.py``), never by hand.
    """

    __tablename__ = "company_name_grams"
    __table_args__ = (Index("ix_company_name_grams_company_id", "company_id"), {"sqlite_with_rowid": False})
    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), primary_key=True)


class Worker(Base):
    """家政服务员. ``id_hash`` finds, ``id_cipher`` keeps, ``id_masked`` shows."""

    __tablename__ = "workers"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_cipher: Mapped[str] = mapped_column(Text)
    id_masked: Mapped[str] = mapped_column(String(18))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    native_region: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(11))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    photo_path: Mapped[str | None] = mapped_column(Text)
    identity_verified_at: Mapped[datetime | None] = mapped_column(Timestamp())
    identity_method: Mapped[str | None] = mapped_column(String(64))
    registered_poor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class WorkerCode(Base):
    """一人一码: the public card code; re-issuing revokes the old one, which stays resolvable."""

    __tablename__ = "worker_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued_at: Mapped[datetime] = mapped_column(Timestamp())
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp())


class Consumer(Base):
    """消费者 (optional per region), identified by a hashed phone or ID number."""

    __tablename__ = "consumers"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_masked: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class Employment(Base):
    """从业关系; ``end_on`` empty = current."""

    __tablename__ = "employments"
    __table_args__ = (UniqueConstraint("worker_id", "company_id", "start_on"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    role: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))


class Consent(Base):
    """授权: one row per grant; revoking stamps ``revoked_at`` — the history is the rows."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(Timestamp())
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp())
    source: Mapped[str] = mapped_column(String(64))


class Region(Base):
    """Region table imported by regulators (GB/T 2260 code, name, poverty level)."""

    __tablename__ = "regions"
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    poverty_level: Mapped[str] = mapped_column(String(16), default="none")


class CompanyFigure(Base):
    """Yearly or monthly figures a company reports: revenue, payroll head-count, service insurance."""

    __tablename__ = "company_figures"
    __table_args__ = (UniqueConstraint("company_id", "figure", "period"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    figure: Mapped[str] = mapped_column(String(32))  # revenue | payroll_headcount | service_insurance
    period: Mapped[str] = mapped_column(String(7))  # YYYY or YYYY-MM
    value: Mapped[str] = mapped_column(String(32))  # exact decimal as text
    source: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))


class Store(Base):
    """A company's direct store (门店)."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("company_id", "address", "opened_on"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    address: Mapped[str] = mapped_column(Text)
    area_m2: Mapped[str] = mapped_column(String(32))
    opened_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))


class Rating(Base):
    """消费者评价: one per (company, service_code); imported ones are marked."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("company_id", "service_code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.subject_id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.subject_id"), index=True)
    stars: Mapped[int]
    rated_on: Mapped[date] = mapped_column(Date)
    service_code: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


from jzcredit.registry import name_index as _name_index  # noqa: E402,F401  (keeps company_name_grams in step)
