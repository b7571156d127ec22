"""The change feed's tables: the sequence of changes, the feed's identity, push progress, what was received.

``feed_changes`` gives every ``record_history`` row a feed position (``seq``) in the order the rows became
visible, not the order their ids were drawn: on PostgreSQL a transaction can commit a lower history id after
a higher one, and a cursor on history ids would skip it for ever (see ``feed.sequencing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jzcredit.db import Base, BigId, Timestamp


class FeedState(Base):
    """The one row: this database's feed identity (in every cursor) and how far sequencing is complete."""

    __tablename__ = "feed_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    instance: Mapped[str] = mapped_column(String(32))
    low_water: Mapped[int] = mapped_column(BigInteger)  # every history id up to here has its position
    updated_at: Mapped[datetime] = mapped_column(Timestamp())


class FeedChange(Base):
    """变更: one change of a credit record (a ``record_history`` row) at its feed position ``seq``."""

    __tablename__ = "feed_changes"
    # positions are never reused, even after a rollback
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it as is)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    history_id: Mapped[int] = mapped_column(ForeignKey("record_history.id"), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    # what is sent, fixed when the position is given: a re-read or re-send is the same bytes and digest
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    sequenced_at: Mapped[datetime] = mapped_column(Timestamp())


class PushTarget(Base):
    """An upper-level platform this one pushes to, and the last position it acknowledged."""

    __tablename__ = "feed_push_targets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target: Mapped[str] = mapped_column(String(500), unique=True)  # the receiving endpoint's URL
    acked_seq: Mapped[int] = mapped_column(BigInteger)
    acked_at: Mapped[datetime | None] = mapped_column(Timestamp())
    pushed: Mapped[int] = mapped_column(BigInteger)  # changes acknowledged in all
    created_at: Mapped[datetime] = mapped_column(Timestamp())


class ReceivedChange(Base):
    """A change received from a lower-level platform (``origin`` = its feed identity, sent by ``sender_id``)."""

    __tablename__ = "feed_received_changes"
    __table_args__ = (UniqueConstraint("sender_id", "origin", "change_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[str] = mapped_column(String(32))
    change_id: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[int] = mapped_column(BigInteger)  # the origin's record id
    digest: Mapped[str] = mapped_column(String(64))  # of the change itself, to tell a re-send from a clash
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(Timestamp())


class ReceivedRecord(Base):
    """A lower-level platform's credit record as its latest received change showed it."""

    __tablename__ = "feed_received_records"
    __table_args__ = (UniqueConstraint("sender_id", "origin", "record_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(BigInteger)
    last_change_id: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_key: Mapped[str | None] = mapped_column(String(32), index=True)  # USCC or worker code
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(Timestamp())
