"""The raw row a parser reads: each value is taken (popped) once, typed and normalised.

Errors become :class:`RowRejected` with a machine-readable reason, so a parser
is a straight line of ``row.uscc(...)``, ``row.date(...)`` calls.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jzcredit.common import ids, text
from jzcredit.common.dates import DateParseError, ParsedDate, parse_date
from jzcredit.ingest import bounds
from jzcredit.ingest.drafts import RowRejected, SubjectRef

CATEGORY_WORDS = {
    "cleaning": "cleaning", "保洁": "cleaning", "家庭保洁": "cleaning",
    "maternity": "maternity", "母婴": "maternity", "月嫂": "maternity", "母婴/月嫂": "maternity",
    "childcare": "childcare", "育儿": "childcare", "育婴": "childcare",
    "elderly_care": "elderly_care", "养老护理": "elderly_care", "养老": "elderly_care",
    "hospital_escort": "hospital_escort", "医院陪护": "hospital_escort", "陪护": "hospital_escort",
    "cooking": "cooking", "家庭烹饪": "cooking", "烹饪": "cooking",
    "other": "other", "其他": "other",
}


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class Row:
    def __init__(self, values: dict[str, Any], details: dict[str, Any] | None = None) -> None:
        self._values = values
        self.details = details or {}

    def take(self, name: str) -> Any:
        value = self._values.pop(name, None)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def has(self, name: str) -> bool:
        """Whether the file has this column (its cell may be empty); ask before the value is taken."""
        return name in self._values

    def leftovers(self) -> dict[str, Any]:
        """Mapped columns the parser did not use (reported, never dropped)."""
        return {k: v for k, v in self._values.items() if v not in (None, "")}

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.take(name)
        if value is None:
            if required:
                raise RowRejected("missing_value", name)
            return None
        return text.normalise_text(_as_text(value)) or None

    def required_text(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def uscc(self, name: str) -> str:
        raw = self.required_text(name)
        try:
            return ids.validate_uscc(raw)
        except ids.InvalidIdentifier as exc:
            raise RowRejected(exc.reason, name) from None

    def optional_uscc(self, name: str) -> str | None:
        if self._present(name):
            return self.uscc(name)
        return None

    def id_number(self, name: str) -> str:
        raw = self.required_text(name)
        try:
            return ids.validate_id_number(raw)
        except ids.InvalidIdentifier as exc:
            raise RowRejected(exc.reason, name) from None

    def optional_id_number(self, name: str) -> str | None:
        if self._present(name):
            return self.id_number(name)
        return None

    def _present(self, name: str) -> bool:
        """Whether the column has a value; an empty one is taken (consumed) here."""
        value = self._values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self._values.pop(name, None)
            return False
        return True

    def subject(self, code_col: str, name_col: str) -> SubjectRef:
        """A subject code that is a USCC, a full ID number or a masked ID number."""
        name = self.text(name_col)
        raw = self.required_text(code_col)
        code = text.normalise_code(raw)
        if len(code) == 18 and "*" in code:
            masked = ids.parse_masked_id(code)
            if masked is None:
                raise RowRejected("invalid_id_number", code_col)
            return SubjectRef(masked=masked, name=name)
        if len(code) == 18 and code[:17].isdigit():
            try:
                return SubjectRef(id_number=ids.validate_id_number(code), name=name)
            except ids.InvalidIdentifier:
                pass  # fall through: it may still be a USCC made of digits
        try:
            return SubjectRef(uscc=ids.validate_uscc(code), name=name)
        except ids.InvalidIdentifier:
            reason = "invalid_id_number" if code[:6].isdigit() and code[6:8] in ("19", "20") else "invalid_uscc"
            raise RowRejected(reason, code_col) from None

    def date(self, name: str, *, required: bool = False, dayfirst: bool = False) -> ParsedDate | None:
        value = self.take(name)
        try:
            parsed = parse_date(value, dayfirst=dayfirst)
        except DateParseError as exc:
            raise RowRejected(exc.reason, name) from None
        if parsed is None and required:
            raise RowRejected("missing_value", name)
        return parsed

    def day(self, name: str, *, required: bool = False, dayfirst: bool = False) -> dt.date | None:
        parsed = self.date(name, required=required, dayfirst=dayfirst)
        return parsed.value if parsed else None

    def amount(self, name: str, *, unit: Decimal = Decimal(1)) -> Decimal | None:
        """An amount in CNY (times the profile's unit), kept to the fen as the amount column keeps it."""
        value = self.take(name)
        try:
            amount = text.parse_amount(value)
        except ValueError:
            raise RowRejected("invalid_amount", name) from None
        return None if amount is None else bounds.fit_amount(name, amount * unit)

    def required_amount(self, name: str) -> Decimal:
        amount = self.amount(name)
        if amount is None:
            raise RowRejected("missing_value", name)
        return amount

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self.take(name)
        if value is None:
            return default
        try:
            return text.parse_bool(value)
        except ValueError:
            raise RowRejected("invalid_flag", name) from None

    def categories(self, name: str) -> list[str]:
        raw = self.text(name)
        if not raw:
            return []
        out: list[str] = []
        for part in raw.replace("；", ";").replace("、", ";").replace(",", ";").split(";"):
            word = part.strip()
            if not word:
                continue
            code = CATEGORY_WORDS.get(word.lower()) or CATEGORY_WORDS.get(word)
            if code is None:
                raise RowRejected("invalid_category", f"{name}: {word}")
            if code not in out:
                out.append(code)
        return out

    def choice(self, name: str, allowed: dict[str, str], *, reason: str, required: bool = True) -> str | None:
        raw = self.text(name, required=required)
        if raw is None:
            return None
        value = allowed.get(raw.lower()) or allowed.get(raw)
        if value is None:
            raise RowRejected(reason, f"{name}: {raw}")
        return value

    def integer(self, name: str, *, required: bool = True, reason: str = "invalid_number") -> int | None:
        raw = self.text(name, required=required)
        if raw is None:
            return None
        try:
            number = Decimal(raw)
        except ArithmeticError:
            raise RowRejected(reason, name) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise RowRejected(reason, name)
        return int(number)


def region_code(row: Row, name: str, *, required: bool = False) -> str | None:
    raw = row.text(name, required=required)
    if raw is None:
        return None
    code = text.normalise_code(raw)
    if len(code) != 6 or not code.isdigit():
        raise RowRejected("invalid_region_code", name)
    return code
