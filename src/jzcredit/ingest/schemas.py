"""Ingest over HTTP: the batch summary ``POST /ingest/{kind}`` answers and the report ``GET /batches/{id}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SUMMARY_EXAMPLE: dict[str, Any] = {
    "batch_id": 42, "kind": "penalties", "source": "济南市市场监督管理局", "profile": None, "status": "completed",
    "total": 120, "accepted": 112, "duplicates": 5, "quarantined": 3, "unmatched": 0, "match_candidates": 0,
    "companies_created": 2, "unmapped_columns": ["备注"], "resubmits_batch_id": None}


class BatchSummary(BaseModel):
    """导入批次: every row ends accepted, a duplicate or quarantined, so the three add up to ``total``."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY_EXAMPLE | {"evaluation": {
        "evaluated": 9, "changed": 2}}]})

    batch_id: int
    kind: str = Field(description="What the file held (spec §4.3 kinds)")
    source: str = Field(description="Who sent it")
    profile: str | None = Field(description="The header layout used, if any")
    status: str = Field(description="completed, or running/failed when a run stopped (the same file continues it)")
    total: int
    accepted: int
    duplicates: int
    quarantined: int
    unmatched: int = Field(description="Accepted records whose subject is not (yet) on the platform")
    match_candidates: int = Field(description="Court records waiting for a person to confirm the match")
    companies_created: int
    unmapped_columns: list[str] = Field(description="Header cells that map to no column")
    resubmits_batch_id: int | None = Field(description="The batch whose quarantined rows this one corrects")
    evaluation: dict[str, Any] | None = Field(None, description="Re-evaluation of the subjects this batch changed")


class QuarantinedRowOut(BaseModel):
    """A row kept with its reason; ID and phone numbers in ``data`` are masked."""

    row: int = Field(description="Data row number, from 1 (the header is row 0)")
    reason: str = Field(examples=["bad_date"])
    detail: str | None
    status: str = Field(description="open, or resubmitted once a corrected row came back")
    resubmitted_in: int | None
    data: dict[str, Any] = Field(description="The row as sent, personal numbers masked")


class BatchReport(BatchSummary):
    """Counts plus one page of the quarantined rows (``?page=&size=``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY_EXAMPLE | {"quarantined_rows": [{
        "row": 7, "reason": "bad_date", "detail": "决定日期无法识别", "status": "open", "resubmitted_in": None,
        "data": {"统一社会信用代码": "91370102MA3C5EXL0X", "处罚决定日期": "2026-13-01"}}],
        "quarantined_rows_page": 1, "quarantined_rows_size": 100}]})

    quarantined_rows: list[QuarantinedRowOut]
    quarantined_rows_page: int
    quarantined_rows_size: int
