"""Corrections an upheld objection may make to a record (``--correct FIELD=VALUE``): which fields, how
each value is read, and the checks on the record as corrected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from jzcredit.common.dates import DateParseError, parse_date
from jzcredit.common.text import normalise_text, parse_amount
from jzcredit.errors import Invalid
from jzcredit.records.models import SEVERITIES, CreditRecord

TEXT_MAX = 20_000


def _text(field: str, raw: str, required: bool) -> str | None:
    value = raw.strip()
    if not value and required:
        raise Invalid("objection.bad_correction", f"更正后的 {field} 不能为空")
    if len(value) > TEXT_MAX:
        raise Invalid("objection.bad_correction", f"更正后的 {field} 过长，最多 {TEXT_MAX} 字")
    return value or None


def _day(field: str, raw: str, required: bool) -> date | None:
    try:
        parsed = parse_date(raw)
    except DateParseError as exc:
        raise Invalid("objection.bad_correction", f"更正后的 {field} 无法识别：{exc}") from None
    if parsed is None:
        if required:
            raise Invalid("objection.bad_correction", f"更正后的 {field} 不能为空")
        return None
    if parsed.precision != "day":
        raise Invalid("objection.bad_correction", f"更正后的 {field} 必须精确到日：{raw!r}")
    return parsed.value


def _amount(field: str, raw: str, _required: bool) -> Decimal | None:
    try:
        value = parse_amount(raw)
    except ValueError as exc:
        raise Invalid("objection.bad_correction", f"更正后的 {field} 不是金额：{raw!r}") from exc
    exponent = value.as_tuple().exponent if value is not None else 0
    if value is not None and (value < 0 or not isinstance(exponent, int) or exponent < -2
                              or value >= Decimal(10) ** 18):
        raise Invalid("objection.bad_correction", f"更正后的 {field} 必须是不超过两位小数的非负金额：{raw!r}")
    return value


def _severity(field: str, raw: str, _required: bool) -> str:
    value = normalise_text(raw).lower()
    if value not in SEVERITIES:
        raise Invalid("objection.bad_correction", f"更正后的 {field} 只能是 {' 或 '.join(SEVERITIES)}：{raw!r}")
    return value


@dataclass(frozen=True)
class Field:
    reader: Callable[[str, str, bool], Any]
    required: bool  # may not be emptied


# what a decision may correct; status, type, subject and source are never corrected (revoke instead)
FIELDS: dict[str, Field] = {
    "amount": Field(_amount, False),
    "decided_on": Field(_day, True),
    "severity": Field(_severity, True),
    "content": Field(_text, True),
    "doc_number": Field(_text, False),
    "authority": Field(_text, False),
    "publish_until": Field(_day, False),
}


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["amount=500", "severity=general"]`` → ``{"amount": "500", …}``; each field at most once."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise Invalid("objection.bad_correction", f"更正须写成 字段=值：{item!r}")
        if name in out:
            raise Invalid("objection.bad_correction", f"字段 {name} 更正了两次")
        out[name] = value
    return out


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):  # as the Numeric(20, 2) column holds it, whatever was typed
        return f"{value:.2f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def read_corrections(record: CreditRecord, raw: dict[str, str], *, as_of: date) -> dict[str, tuple[Any, Any]]:
    """Each field's (old, new) value, checked: known and correctable fields, a real change, a decision
    not in the future, a window that does not end before the decision, severity on negative records."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, text in raw.items():
        spec = FIELDS.get(name)
        if spec is None:
            raise Invalid("objection.bad_correction", f"不能更正字段 {name}，可更正：{'、'.join(FIELDS)}")
        new = spec.reader(name, text, spec.required)
        old = getattr(record, name)
        if new == old:
            raise Invalid("objection.bad_correction", f"字段 {name} 的更正值与原值相同（{_shown(old)}）")
        changes[name] = (old, new)
    if "severity" in changes and record.category != "negative":
        raise Invalid("objection.bad_correction", f"记录 {record.id} 不是失信记录，没有严重程度可更正")
    decided_on = changes.get("decided_on", (None, record.decided_on))[1]
    until = changes.get("publish_until", (None, record.publish_until))[1]
    if decided_on is not None and decided_on > as_of:
        raise Invalid("objection.bad_correction", f"更正后的决定日期 {decided_on} 晚于今天 {as_of}")
    if decided_on is not None and until is not None and until < decided_on:
        raise Invalid("objection.bad_correction", f"更正后的公示截止日期 {until} 早于决定日期 {decided_on}")
    return changes


def describe(changes: dict[str, tuple[Any, Any]]) -> str:
    return "；".join(f"{name}：{_shown(old) or '空'} → {_shown(new) or '空'}" for name, (old, new) in changes.items())


def as_json(changes: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, str | None]]:
    """Old and new values as text, kept on the objection."""
    return {name: {"from": _shown(old), "to": _shown(new)} for name, (old, new) in changes.items()}
