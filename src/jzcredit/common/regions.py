"""Region scopes by GB/T 2260 code prefix: ``000000`` national, ``370000`` a province, ``370100`` a city.

A scope is the code with its trailing zero pairs cut off: ``370000`` → ``37``, ``370100`` → ``3701``,
``370102`` → ``370102``; a region is inside a scope when its code starts with that prefix.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, true

from jzcredit.common.ids import PROVINCES
from jzcredit.errors import Invalid

NATIONAL = "000000"
_SHAPE = re.compile(r"[0-9]{6}")


def validate_scope(code: str | None) -> str | None:
    """A ``--region`` value: six digits, ``000000`` or a known province; ``None`` stays national."""
    if code is None:
        return None
    clean = code.strip()
    if not _SHAPE.fullmatch(clean) or (clean != NATIONAL and clean[:2] not in PROVINCES):
        raise Invalid("region.invalid", f"行政区划代码 {code!r} 无效：应为 6 位数字，如 370100（济南市）、"
                      "370000（山东省）或 000000（全国）")
    return clean


def scope_prefix(code: str | None) -> str | None:
    """The code prefix a scope covers; ``None`` for national (no restriction)."""
    if code is None or code == NATIONAL:
        return None
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_scope(region_code: str | None, prefix: str | None) -> bool:
    return prefix is None or (region_code is not None and region_code.startswith(prefix))


def scope_filter(column: Any, prefix: str | None) -> ColumnElement[bool]:
    """SQL condition: ``column`` (a region code) lies inside the scope."""
    if prefix is None:
        return true()
    return column.startswith(prefix, autoescape=True)  # type: ignore[no-any-return]
