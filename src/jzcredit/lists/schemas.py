"""List entries, their review and the check 凡办必查 over HTTP (``/lists/entries``, ``/check/{key}``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody

ListName = Literal["red", "black", "watch"]
EntryStatus = Literal["candidate", "approved", "published", "rejected", "removed", "expired", "active", "closed"]


class ListEntryOut(BaseModel):
    """名单条目: one subject on one list by one rule; ``version`` is what a review names."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "entry_id": 7, "list": "black", "rule": "B1", "subject_key": "91370102MA3C5EXL0X", "status": "candidate",
        "published_on": None, "expires_on": None, "subject_id": 12, "basis": [31, 32], "version": 1,
        "proposed_at": "2026-06-30T10:00:00+08:00", "proposed_by": "tick", "reviewed_by": None,
        "reviewed_at": None, "review_note": None, "removed_on": None, "removal_reason": None,
        "condition": "两年内受到 2 次及以上一般行政处罚"}]})

    entry_id: int
    list_name: ListName = Field(alias="list", description="red, black or watch")
    rule: str = Field(description="The rule that proposed it: B1…B5, R1, W1…W3")
    subject_key: str | None = Field(description="USCC or worker code")
    status: EntryStatus
    published_on: date | None
    expires_on: date | None
    subject_id: int
    basis: list[int] = Field(description="The credit records the entry rests on")
    version: int = Field(description="Bumped on every change; give it back when you review")
    proposed_at: datetime
    proposed_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    removed_on: date | None
    removal_reason: str | None
    condition: str | None = Field(description="The rule's condition in words, as it stood when proposed")


class ReviewIn(RequestBody):
    """A regulator's decision on a candidate. ``version`` is the one you saw: a stale one is 409."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "note": "依据充分，予以公布", "version": 1}]})

    decision: Literal["approve", "reject"]
    note: str | None = Field(None, max_length=2000, description="Review note (审核意见)")
    version: int = Field(ge=1, le=2_147_483_647, description="The entry version you reviewed")


class MeasureOut(BaseModel):
    """One reward or sanction measure that applies now, with the entries that make it apply and why."""

    measure_code: str = Field(examples=["black.government_procurement.restrict"])
    list_name: ListName = Field(alias="list")
    action: str = Field(examples=["government_procurement"])
    effect: str = Field(examples=["restrict"])
    reason: str
    department: str
    legal_basis: str
    text: str
    entry_ids: list[int]
    rules: list[str]


class CheckOut(BaseModel):
    """凡办必查: what applies to the subject for ``action`` today (empty when nothing does)."""

    subject_key: str | None
    action: str
    as_of: date
    measures: list[MeasureOut]
