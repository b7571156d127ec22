"""The one clock: the simulated ``--as-of`` / ``JZCREDIT_NOW`` or the real time, in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from jzcredit.errors import Invalid

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_now(value: str) -> datetime:
    """``2026-06-30`` (start of that day) or an ISO date-time; naive times are Shanghai time."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), SHANGHAI)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("clock.invalid", f"无法识别的日期时间 {value!r}，请用 2026-06-30 或 2026-06-30T10:00") from exc
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed.astimezone(SHANGHAI)


def current_time(simulated: str | None) -> datetime:
    return parse_now(simulated) if simulated else datetime.now(SHANGHAI)


def today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()
