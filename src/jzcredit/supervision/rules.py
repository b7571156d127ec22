"""§3.7 strata and their yearly inspection rates (the ``supervision:`` section of ``defaults.yml``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jzcredit.errors import Invalid
from jzcredit.rules import load_rules_dict

# Strata from the least to the most severe; on equal rates the more severe one (later here) is named.
STRATA = ("red", "A", "B", "N", "C", "D", "watch", "black")
GRADE_STRATA = ("A", "B", "C", "D")  # grade N and "no evaluation" both fall in stratum N
LIST_STRATA = ("red", "watch", "black")
STRATUM_LABELS = {"red": "红名单", "A": "A级", "B": "B级", "N": "未评级", "C": "C级", "D": "D级",
                  "watch": "重点关注名单", "black": "黑名单"}


def _percent(stratum: str, value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise Invalid("config.supervision_rate",
                      f"配置 supervision.rate_percent.{stratum} 应为 0 到 100 之间的数，实为 {value!r}")
    return rate


@dataclass(frozen=True)
class SupervisionRules:
    """分级分类监管: yearly inspection rate per stratum, in percent."""

    rate_percent: dict[str, Decimal]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SupervisionRules:
        rates = (data.get("supervision") or {}).get("rate_percent") or {}
        missing = [s for s in STRATA if s not in rates]
        unknown = sorted(str(k) for k in rates if k not in STRATA)
        if missing or unknown:
            raise Invalid("config.supervision_strata",
                          f"配置 supervision.rate_percent 需要且只能有 {', '.join(STRATA)}"
                          + (f"；缺少 {', '.join(missing)}" if missing else "")
                          + (f"；多出 {', '.join(unknown)}" if unknown else ""))
        return cls(rate_percent={s: _percent(s, rates[s]) for s in STRATA})

    def stratum_of(self, grade: str | None, lists: frozenset[str]) -> str:
        """§3.7 "the highest that applies": the stratum with the highest rate among the company's grade
        stratum and each list it is on (ties go to the more severe stratum)."""
        applies = [grade if grade in GRADE_STRATA else "N", *(s for s in LIST_STRATA if s in lists)]
        return max(applies, key=lambda s: (self.rate_percent[s], STRATA.index(s)))

    def draw_count(self, stratum: str, companies: int) -> int:
        """How many of a stratum's companies to inspect: rate × count rounded up, never more than the count."""
        exact = Decimal(companies) * self.rate_percent[stratum] / Decimal(100)
        return min(companies, int(exact.to_integral_value(rounding=ROUND_CEILING)))


def supervision_rules(override: Path | None = None) -> SupervisionRules:
    return SupervisionRules.from_dict(load_rules_dict(override))
