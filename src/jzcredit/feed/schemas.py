"""HTTP shapes of the change feed (变更推送): ``GET /changes`` and ``POST /changes``, spec §4.4."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody
from jzcredit.feed.service import MAX_BATCH


class ChangedRecord(BaseModel):
    """The credit record as of the change (no free text: content and details stay home)."""

    type: str
    category: str
    severity: str | None
    status: str = Field(description="The status this change set")
    decided_on: str | None
    decided_precision: str
    doc_number: str | None
    authority: str | None
    authority_uscc: str | None
    amount: str | None = Field(description="Exact decimal as text")
    publish_from: str | None
    publish_until: str | None
    valid_until: str | None
    source: str


class ChangedSubject(BaseModel):
    """Whom the record is about: key and kind; a worker's name and ID number only masked."""

    kind: str | None = Field(description="company, worker; null for a record not yet linked to a subject")
    key: str | None = Field(description="USCC or worker code")
    name: str | None = Field(description="Company name; a worker's name masked (张*芳)")
    code_masked: str | None = Field(description="USCC, or the ID number masked (3701**********9885)")
    region_code: str | None


class Change(BaseModel):
    """变更: one change of a credit record at its position in the feed."""

    change_id: int = Field(description="Position in the origin's feed (increasing in the order changes were seen)")
    origin: str = Field(description="The feed identity of the platform the change comes from")
    record_id: int = Field(description="The record's id on the origin")
    at: str = Field(description="When the change happened (ISO 8601)")
    from_status: str | None
    to_status: str
    record: ChangedRecord
    subject: ChangedSubject
    digest: str = Field(description="SHA-256 of the change's content, to tell a re-send from a clash")


CHANGE_EXAMPLE: dict[str, Any] = {
    "change_id": 1024, "origin": "3f1c2a9b7d6e5f40", "record_id": 877, "at": "2026-06-30T10:00:00+08:00",
    "from_status": None, "to_status": "active",
    "record": {"type": "penalty", "category": "negative", "severity": "serious", "status": "active",
               "decided_on": "2026-06-20", "decided_precision": "day", "doc_number": "济市监罚〔2026〕15号",
               "authority": "济南市市场监督管理局", "authority_uscc": None, "amount": "50000.00",
               "publish_from": "2026-06-20", "publish_until": "2029-06-20", "valid_until": None,
               "source": "penalty-shuanggongshi"},
    "subject": {"kind": "company", "key": "91370100MA3C5EXL0X", "name": "济南家政服务有限公司",
                "code_masked": "91370100MA3C5EXL0X", "region_code": "370102"},
    "digest": "9b2f" + "0" * 60,
}


class ChangesPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "origin": "3f1c2a9b7d6e5f40", "items": [CHANGE_EXAMPLE], "next_cursor": "M2YxYzJhOWI3ZDZlNWY0MDoxMDI0",
        "has_more": False}]})

    origin: str = Field(description="This platform's feed identity")
    items: list[Change]
    next_cursor: str = Field(description="Opaque: pass as `since` to read on (also when `items` is empty)")
    has_more: bool = Field(description="More changes follow `next_cursor` now")


class ChangeBatch(RequestBody):
    """A batch of a lower-level platform's changes, as its ``GET /changes`` gave them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"origin": "3f1c2a9b7d6e5f40",
                                                                               "changes": []}]})
    origin: str = Field(min_length=1, max_length=32, description="The sender's feed identity")
    changes: list[dict[str, Any]] = Field(max_length=MAX_BATCH, description="Changes as `GET /changes` items")


class BatchReceived(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"origin": "3f1c2a9b7d6e5f40", "received": 97, "duplicates": 3, "acked_change_id": 1024}]})

    origin: str
    received: int = Field(description="Changes new to this platform")
    duplicates: int = Field(description="Changes received before with the same content (nothing changed)")
    acked_change_id: int | None = Field(description="The highest change id of the batch, now all held here")
