"""Date parsing for ingest (spec §3.1): many spellings in, one calendar day out.

Only explicit regular forms are read; nothing is guessed. Dates are calendar
days in Asia/Shanghai: an aware timestamp is moved to UTC+08:00 before its
date is taken (China has kept one fixed offset since 1991, so a fixed offset
is exact for any record this platform holds and needs no tz database).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

__all__ = [
    "SHANGHAI",
    "DateErrorReason",
    "DateParseError",
    "ParsedDate",
    "iso_month",
    "parse_date",
]

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

DateErrorReason = Literal["ambiguous_date", "invalid_date", "unparseable_date"]
Precision = Literal["day", "month"]

_MESSAGES: dict[str, str] = {
    "ambiguous_date": "日期有歧义，无法确定日与月的顺序",
    "invalid_date": "日期不存在",
    "unparseable_date": "无法识别的日期格式",
}

# Excel's 1900 date system counts from 1899-12-30 (Lotus' phantom 1900-02-29
# is absorbed for every serial after February 1900). Only serials between
# 1954-10-03 and 2119-01-10 are read, so that a stray count or amount in a
# date column is refused instead of becoming a date.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_CN_NUMERAL_RUN = re.compile(r"[〇零一二三四五六七八九十]+")

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_TIME = (
    r"(?:(?:T|\s+)(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d{1,6})?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_YMD = re.compile(r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})" + _TIME)
_YMD_CN = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)
_YMD_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_DMY_OR_MDY = re.compile(
    r"(?P<a>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})" + _TIME
)
_D_MON_Y = re.compile(r"(?P<d>\d{1,2})[-\s/]*(?P<mon>[A-Za-z]{3,9})\.?[-\s/,]*(?P<y>\d{4})")
_MON_D_Y = re.compile(r"(?P<mon>[A-Za-z]{3,9})\.?\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<y>\d{4})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_MONTH_ONLY = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月份?"),
    re.compile(r"(?P<mon>[A-Za-z]{3,9})\.?[-\s/,]*(?P<y>\d{4})"),
)
_MONTH_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})")


class DateParseError(ValueError):
    """A date cell that cannot become a calendar day.

    ``reason`` is the machine-readable quarantine reason; ``str()`` is the
    zh-CN message for people.
    """

    def __init__(self, reason: DateErrorReason, value: object = None) -> None:
        self.reason: DateErrorReason = reason
        self.value = value
        super().__init__(f"{_MESSAGES[reason]}：{value!r}")


@dataclass(frozen=True)
class ParsedDate:
    """A calendar day; month-precision values carry the first of the month."""

    value: date
    precision: Precision


def parse_date(
    value: str | int | float | date | datetime | None, *, dayfirst: bool = False
) -> ParsedDate | None:
    """Parse one date cell; ``None`` or blank → ``None``.

    ``dd/mm/yyyy`` and ``mm/dd/yyyy`` are told apart only by the source:
    the first number > 12 can only be a day; otherwise the value is read
    day-first when the source profile says ``dayfirst`` and is refused as
    ``ambiguous_date`` when it does not — even for ``05/13/2020``, because
    a month-first reading is a property of the source, never of one value.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedDate(_local_date(value), "day")
    if isinstance(value, date):
        return ParsedDate(value, "day")
    if isinstance(value, bool):
        raise DateParseError("unparseable_date", value)
    if isinstance(value, int | float):
        return _parse_number(value)
    text = _prepare(value)
    if not text:
        return None
    try:
        for parse in _STRING_PARSERS:
            parsed = parse(text, dayfirst)
            if parsed is not None:
                return parsed
    except DateParseError as exc:
        # Report the cell as it was written, not its normalised form.
        raise DateParseError(exc.reason, value) from None
    raise DateParseError("unparseable_date", value)


def iso_month(s: str) -> str:
    """Read a month (``2020-5``, ``2020/05``, ``2020年5月``, ``202005``) as ``2020-05``."""
    text = _prepare(s)
    match = _MONTH_COMPACT.fullmatch(text)
    parsed = _month_from(match, s) if match else _parse_month_only(text, False)
    if parsed is None:
        raise DateParseError("unparseable_date", s)
    return f"{parsed.value.year:04d}-{parsed.value.month:02d}"


def _local_date(moment: datetime) -> date:
    # A naive timestamp is taken to be local (Shanghai) time already.
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.date()


def _prepare(text: str) -> str:
    """NFKC (full-width digits and dashes), trim, Chinese numerals → digits."""
    text = unicodedata.normalize("NFKC", text).strip()
    return _CN_NUMERAL_RUN.sub(_cn_numeral, text)


def _cn_numeral(match: re.Match[str]) -> str:
    """``二〇二〇`` → ``2020`` (digit by digit); ``十三`` → ``13``, ``三十一`` → ``31``."""
    run = match.group()
    if "十" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    tens, _, units = run.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return run  # not a day or month number: leave it to fail loudly
    value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return str(value)


def _parse_number(value: int | float) -> ParsedDate:
    """An Excel serial, or an 8-digit ``yyyymmdd`` stored as a number."""
    if isinstance(value, float) and not math.isfinite(value):
        raise DateParseError("unparseable_date", value)
    whole = math.floor(value)  # the fraction is the time of day
    if _SERIAL_MIN <= whole <= _SERIAL_MAX:
        return ParsedDate(_EXCEL_EPOCH + timedelta(days=whole), "day")
    if whole == value and 10000101 <= whole <= 99991231:
        text = str(whole)
        return _day(text[:4], text[4:6], text[6:], value)
    raise DateParseError("unparseable_date", value)


def _day(year: str, month: str, day: str, original: object) -> ParsedDate:
    try:
        return ParsedDate(date(int(year), int(month), int(day)), "day")
    except ValueError as exc:
        raise DateParseError("invalid_date", original) from exc


def _with_time(parsed: ParsedDate, match: re.Match[str], original: object) -> ParsedDate:
    """Check the time of day and, for an aware timestamp, move it to Shanghai."""
    if match.group("hh") is None:
        return parsed
    try:
        clock = time(int(match["hh"]), int(match["mi"]), int(match["ss"] or 0))
    except ValueError as exc:
        raise DateParseError("invalid_date", original) from exc
    offset = match.group("tz")
    if offset is None:
        return parsed
    moment = datetime.combine(parsed.value, clock, tzinfo=_offset(offset))
    return ParsedDate(_local_date(moment), "day")


def _offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        return timezone(-delta if text[0] == "-" else delta)
    except ValueError as exc:  # an offset of a day or more
        raise DateParseError("invalid_date", text) from exc


def _parse_year_first(text: str, _dayfirst: bool) -> ParsedDate | None:
    for pattern in (_YMD, _YMD_CN):
        match = pattern.fullmatch(text)
        if match:
            parsed = _day(match["y"], match["m"], match["d"], text)
            return _with_time(parsed, match, text)
    match = _YMD_COMPACT.fullmatch(text)
    return _day(match["y"], match["m"], match["d"], text) if match else None


def _parse_day_month_year(text: str, dayfirst: bool) -> ParsedDate | None:
    match = _DMY_OR_MDY.fullmatch(text)
    if match is None:
        return None
    first, second = match["a"], match["b"]
    if int(first) <= 12 and not dayfirst:
        raise DateParseError("ambiguous_date", text)
    return _with_time(_day(match["y"], second, first, text), match, text)


def _parse_month_name(text: str, _dayfirst: bool) -> ParsedDate | None:
    match = _D_MON_Y.fullmatch(text) or _MON_D_Y.fullmatch(text)
    if match is None:
        return None
    month = _MONTH_NAMES.get(match["mon"].lower())
    if month is None:
        raise DateParseError("unparseable_date", text)
    return _day(match["y"], str(month), match["d"], text)


def _parse_serial(text: str, _dayfirst: bool) -> ParsedDate | None:
    if not _SERIAL.fullmatch(text):
        return None
    return _parse_number(float(text))


def _parse_month_only(text: str, _dayfirst: bool) -> ParsedDate | None:
    for pattern in _MONTH_ONLY:
        match = pattern.fullmatch(text)
        if match:
            return _month_from(match, text)
    return None


def _month_from(match: re.Match[str], original: object) -> ParsedDate:
    groups = match.groupdict()
    if "mon" in groups:
        month = _MONTH_NAMES.get(groups["mon"].lower())
        if month is None:
            raise DateParseError("unparseable_date", original)
    else:
        month = int(groups["m"])
    try:
        return ParsedDate(date(int(groups["y"]), month, 1), "month")
    except ValueError as exc:
        raise DateParseError("invalid_date", original) from exc


_STRING_PARSERS: tuple[Callable[[str, bool], ParsedDate | None], ...] = (
    _parse_year_first,
    _parse_day_month_year,
    _parse_month_name,
    _parse_serial,
    _parse_month_only,
)
