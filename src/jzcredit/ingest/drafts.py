"""Normalised rows: what a parser makes of a raw row, before anything touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from jzcredit.common.ids import MaskedId


class RowRejected(Exception):
    """The row goes to quarantine with a machine-readable ``reason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SubjectRef:
    """Who a record is about, as the source says it."""

    uscc: str | None = None
    id_number: str | None = None
    masked: MaskedId | None = None
    name: str | None = None


@dataclass
class RecordDraft:
    subject: SubjectRef
    type: str
    category: str
    decided_on: date | None
    key_parts: tuple[str, ...]
    severity: str | None = None
    precision: str = "day"
    doc_number: str | None = None
    authority: str | None = None
    authority_uscc: str | None = None
    content: str | None = None
    amount: Decimal | None = None
    publish_until: date | None = None
    valid_until: date | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompanyDraft:
    """``None``: the file has no value for that field (no column, or an empty cell): the stored one stays."""

    uscc: str
    name: str
    legal_representative: str | None = None
    address: str | None = None
    region_code: str | None = None
    established_on: date | None = None
    categories: list[str] | None = None
    employment_model: str | None = None
    onboarded_on: date | None = None


@dataclass
class WorkerDraft:
    """``None`` (and a consent scope left out): nothing to change — the file has no such column, or the
    cell of a column that is not yes/no is empty."""

    id_number: str
    name: str
    phone: str | None = None
    categories: list[str] | None = None
    identity_verified_on: date | None = None
    consents: dict[str, bool] = field(default_factory=dict)  # only the consent columns the file has
    registered_poor: bool | None = None
    employer_uscc: str | None = None
    employment_start_on: date | None = None


@dataclass
class EmploymentDraft:
    id_number: str
    uscc: str
    start_on: date | None
    end_on: date | None
    role: str | None = None  # 岗位, e.g. 育婴员


@dataclass
class RegionDraft:
    region_code: str
    name: str
    poverty_level: str | None  # None: the file has no such column (a new region is ``none``)


@dataclass
class FigureDraft:
    uscc: str
    figure: str
    period: str
    value: Decimal


@dataclass
class StoreDraft:
    uscc: str
    address: str
    area_m2: Decimal
    opened_on: date


@dataclass
class RatingDraft:
    uscc: str
    stars: int
    rated_on: date
    service_code: str
    id_number: str | None = None
    comment: str | None = None


Draft = (
    RecordDraft | CompanyDraft | WorkerDraft | EmploymentDraft | RegionDraft | FigureDraft | StoreDraft | RatingDraft
)
