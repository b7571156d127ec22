"""JSON as the product prints it: dates and times in ISO 8601, decimals as exact text."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def json_default(value: Any) -> Any:
    """``json.dumps(default=…)``: ISO dates and times, decimals as text (never a float)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=json_default)


def jsonable(value: Any) -> Any:
    """The same value as plain JSON types, as ``--json`` prints it (and a JSON column keeps it)."""
    return json.loads(dumps(value))
