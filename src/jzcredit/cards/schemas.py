"""The scan log over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["valid", "revoked", "expired", "unverified", "forged"]


class ScanOut(BaseModel):
    """One scan of the worker's card (扫码记录): when, which code, and what the page said. Nothing about who."""

    scanned_at: datetime = Field(examples=["2026-06-30T10:15:00+08:00"])
    worker_code: str = Field(description="The code on the scanned card (an old, revoked code shows here too)",
                             examples=["JZ7K3M9Q2XWD"])
    verdict: Verdict = Field(description="What the card page said", examples=["valid"])
    card_issued_on: date | None = Field(description="The printed card's date, when its signature verified",
                                        examples=["2026-06-01"])


class ScanPage(BaseModel):
    items: list[ScanOut]
    total: int = Field(examples=[1])
    page: int = Field(examples=[1])
    size: int = Field(examples=[20])
