"""Parse one payroll row (月度用工人数) into a monthly :class:`FigureDraft`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jzcredit.common.dates import DateParseError, iso_month
from jzcredit.common.text import normalise_text
from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import FigureDraft, RowRejected
from jzcredit.ingest.fields import Row


def _month(row: Row) -> str:
    value = row.take("month")
    if value is None:
        raise RowRejected("missing_value", "month")
    if isinstance(value, date):  # a spreadsheet date cell (also a datetime)
        return f"{value.year:04d}-{value.month:02d}"
    raw = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    try:
        return iso_month(normalise_text(raw))
    except DateParseError:
        raise RowRejected("invalid_month", "month") from None


def parse(row: Row, opts: ParseOptions) -> FigureDraft:
    uscc = row.uscc("uscc")
    month = _month(row)
    headcount = row.integer("headcount", reason="invalid_number")
    assert headcount is not None
    if headcount < 0:
        raise RowRejected("invalid_number", "headcount")
    return FigureDraft(uscc=uscc, figure="payroll_headcount", period=month, value=Decimal(headcount))
