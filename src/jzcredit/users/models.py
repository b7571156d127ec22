"""Users: role, region scope, the subject a company/worker user acts for, and a hashed token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp

ROLES = ("admin", "regulator", "company", "worker", "bank", "provider")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(6))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    record_types: Mapped[list[str] | None] = mapped_column(JSON)  # provider: which kinds it may submit
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp())
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp())
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp())  # none: valid until revoked
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
