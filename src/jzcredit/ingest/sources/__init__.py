"""Declared ingest sources: one folder per kind with ``source.yml`` and a pure ``parser.py``.

The few helpers below are shared by several parsers; like the parsers they
are pure and report bad values as :class:`RowRejected` with a snake_case reason.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from jzcredit.common import ids
from jzcredit.ingest.drafts import RowRejected, SubjectRef
from jzcredit.ingest.fields import Row

__all__ = ["details", "iso", "not_before", "number", "person", "tax_year", "third_party_uscc"]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_YEAR_MIN, _YEAR_MAX = 1990, 2100


def details(row: Row, **values: object) -> dict[str, Any]:
    """The profile's detail columns (and unmapped ``extra``) merged with the parser's own; empties left out."""
    out: dict[str, Any] = dict(row.details)
    out.update({key: value for key, value in values.items() if value not in (None, "")})
    return out


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def not_before(later: date | None, earlier: date | None, column: str) -> None:
    """An end date (valid_until, end_on, 公示截止期) before its start date is refused, not swapped."""
    if later is not None and earlier is not None and later < earlier:
        raise RowRejected("invalid_date", column)


def person(row: Row) -> SubjectRef:
    """The worker a worker-only record is about: a full ID number (required) and the name when given."""
    name = row.text("name")
    return SubjectRef(id_number=row.id_number("id_number"), name=name)


def number(row: Row, name: str, *, units: tuple[str, ...] = (), positive: bool = False,
           required: bool = False, reason: str = "invalid_number") -> Decimal | None:
    """A plain decimal ≥ 0 (> 0 when ``positive``); a trailing unit word such as 学时 or m2 is allowed."""
    raw = row.text(name, required=required)
    if raw is None:
        return None
    for unit in units:
        raw = raw.removesuffix(unit)
    raw = raw.replace(",", "").strip()
    if not _NUMBER.fullmatch(raw):
        raise RowRejected(reason, name)
    value = Decimal(raw)
    if value < 0 or (positive and value == 0):
        raise RowRejected(reason, name)
    return value


def tax_year(row: Row, name: str = "year") -> int:
    """A calendar year 1990–2100 (``2024``, ``2024年``, ``2024年度``), else ``invalid_year``."""
    raw = row.required_text(name).removesuffix("年度").removesuffix("年").strip()
    if not _NUMBER.fullmatch(raw):
        raise RowRejected("invalid_year", name)
    value = Decimal(raw)
    if value != value.to_integral_value() or not _YEAR_MIN <= value <= _YEAR_MAX:
        raise RowRejected("invalid_year", name)
    return int(value)


def third_party_uscc(row: Row, name: str) -> tuple[str | None, dict[str, str]]:
    """An authority's USCC: never a reason to refuse the row; a bad one is kept as ``authority_code_raw``."""
    raw = row.text(name)
    if raw is None:
        return None, {}
    try:
        return ids.validate_uscc(raw), {}
    except ids.InvalidIdentifier:
        return None, {"authority_code_raw": raw}
