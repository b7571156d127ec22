"""Values for bounded columns (``VARCHAR(n)``, ``NUMERIC(p, s)``) are checked before anything is written.

PostgreSQL refuses a value that does not fit its column (SQLite stores it anyway), and the refusal
would stop a whole chunk; checked here, the value quarantines only its own row, alike on both
engines. Every limit is read from the column definition, so a changed column changes the check;
``tests/ingest/test_bounds.py`` fails when a bounded column that ingest writes is in none of the
lists below (or in the test's list of columns whose values the platform makes itself).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.orm import InstrumentedAttribute

from jzcredit.errors import Invalid
from jzcredit.ingest.drafts import (
    CompanyDraft,
    Draft,
    EmploymentDraft,
    FigureDraft,
    RatingDraft,
    RecordDraft,
    RegionDraft,
    RowRejected,
    StoreDraft,
    WorkerDraft,
)
from jzcredit.ingest.models import Batch
from jzcredit.ingest.write_registry import CREATED_BY_PREFIX
from jzcredit.ingest.write_workers import IDENTITY_METHOD_PREFIX
from jzcredit.records.models import CreditRecord, RecordSource
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, CompanyFigure, Consent, Employment, Rating, Region, Store, Worker

Column = InstrumentedAttribute[Any]

# draft field -> the bounded column its value is stored in (a number in a VARCHAR column as its text)
DRAFT_COLUMNS: dict[type, dict[str, Column]] = {
    RecordDraft: {"type": CreditRecord.type, "category": CreditRecord.category, "severity": CreditRecord.severity,
                  "precision": CreditRecord.decided_precision, "authority_uscc": CreditRecord.authority_uscc,
                  "amount": CreditRecord.amount},
    CompanyDraft: {"uscc": Company.uscc, "region_code": Company.region_code,
                   "employment_model": Company.employment_model},
    WorkerDraft: {"employer_uscc": Company.uscc},
    EmploymentDraft: {"uscc": Company.uscc, "role": Employment.role},
    RegionDraft: {"region_code": Region.region_code, "poverty_level": Region.poverty_level},
    FigureDraft: {"uscc": Company.uscc, "figure": CompanyFigure.figure, "period": CompanyFigure.period,
                  "value": CompanyFigure.value},
    StoreDraft: {"uscc": Company.uscc, "area_m2": Store.area_m2},
    RatingDraft: {"uscc": Company.uscc, "service_code": Rating.service_code},
}

# every column that stores ``--source``, with what is written before it
SOURCE_COLUMNS: tuple[tuple[Column, str], ...] = (
    (Batch.source, ""), (CreditRecord.source, ""), (RecordSource.source, ""), (Employment.source, ""),
    (Consent.source, ""), (CompanyFigure.source, ""), (Store.source, ""), (Rating.source, ""),
    (Company.created_by, CREATED_BY_PREFIX), (Company.created_by, registry.STUB_PREFIX),
    (Worker.identity_method, IDENTITY_METHOD_PREFIX),
)

# every amount read from a file (fines, revenue, insurance paid) fits the records' amount column
AMOUNT_COLUMN: Column = CreditRecord.amount


def _length(column: Column) -> int | None:
    kind = column.type
    return kind.length if isinstance(kind, String) else None


def max_source_chars() -> int:
    """The longest ``--source`` that fits every column that stores it."""
    return min(length - len(prefix) for column, prefix in SOURCE_COLUMNS if (length := _length(column)))


def check_source(source: str) -> None:
    limit = max_source_chars()
    if len(source) > limit:
        raise Invalid("ingest.source_too_long", f"数据来源（--source）最多 {limit} 个字符，现为 {len(source)} 个："
                                                "请用部门的规范简称；没有写入任何内容")


def _numeric(column: Column) -> tuple[int, int] | None:
    """A NUMERIC column's (integer digits, decimal places)."""
    kind = column.type
    if isinstance(kind, Numeric) and kind.precision is not None:
        return kind.precision - (kind.scale or 0), kind.scale or 0
    return None


def fit_amount(name: str, value: Decimal, column: Column = AMOUNT_COLUMN) -> Decimal:
    """``value`` as a NUMERIC column keeps it (rounded half up to its decimal places); too large: quarantined."""
    digits = _numeric(column)
    assert digits is not None
    integer_digits, scale = digits
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -scale:
        value = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if abs(value) >= Decimal(10) ** integer_digits:
        raise RowRejected("invalid_amount", f"{name}: 超过 {integer_digits} 位整数")
    return value


def _check(name: str, value: Any, column: Column) -> None:
    if _numeric(column) is not None:
        fit_amount(name, Decimal(value), column)
        return
    length = _length(column)
    if length is None:
        return
    if isinstance(value, str):
        if len(value) > length:
            raise RowRejected("value_too_long", f"{name}: > {length}")
    elif len(str(value)) > length:
        raise RowRejected("invalid_number", f"{name}: > {length}")


def check_draft(draft: Draft) -> None:
    """Quarantine a row whose value would not fit its column (``value_too_long``, ``invalid_amount`` …)."""
    for name, column in DRAFT_COLUMNS[type(draft)].items():
        value = getattr(draft, name)
        if value is not None:
            _check(name, value, column)
