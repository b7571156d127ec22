"""§3.8 program settings: the ``programs:`` section of ``defaults.yml`` (tiers, amounts, windows).

Every threshold and amount is read here, once, and checked when the settings load, so that a bad
override fails with the setting's name before any program runs. Money is exact (``Decimal``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jzcredit.errors import Misconfigured
from jzcredit.evaluation.models import GRADES
from jzcredit.lists.models import LISTS
from jzcredit.registry.models import EMPLOYMENT_MODELS
from jzcredit.rules import load_rules_dict


class _Section:
    """One settings mapping with its dotted path, for messages that name the bad key."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise Misconfigured("config.programs", f"配置 {path} 应为映射")
        self.data, self.path = data, path

    def get(self, key: str) -> Any:
        if key not in self.data:
            raise Misconfigured("config.programs", f"配置缺少 {self.path}.{key}")
        return self.data[key]

    def section(self, key: str) -> _Section:
        return _Section(self.get(key), f"{self.path}.{key}")

    def integer(self, key: str) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Misconfigured("config.programs", f"配置 {self.path}.{key} 应为非负整数，实为 {value!r}")
        return value

    def money(self, key: str) -> Decimal:
        return _money(self.get(key), f"{self.path}.{key}")

    def choices(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or any(str(v) not in allowed for v in value):
            raise Misconfigured("config.programs",
                                f"配置 {self.path}.{key} 应为列表，取值只能是 {'、'.join(allowed)}，实为 {value!r}")
        return tuple(str(v) for v in value)

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            raise Misconfigured("config.programs", f"配置 {self.path}.{key} 应为 true 或 false，实为 {value!r}")
        return value

    def region_prefix(self, key: str) -> str:
        value = str(self.get(key))
        if not value.isdigit() or not 2 <= len(value) <= 6:
            raise Misconfigured("config.programs",
                                f"配置 {self.path}.{key} 应为 2–6 位行政区划代码前缀，实为 {value!r}")
        return value


def _money(value: Any, path: str) -> Decimal:
    try:
        amount = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise Misconfigured("config.programs", f"配置 {path} 应为非负金额，实为 {value!r}")
    return amount


@dataclass(frozen=True)
class FinancingRules:
    """金融支持家政扶贫 (seed 000): the figures' window and the recommended list's criteria."""

    complaint_window_days: int
    grades: tuple[str, ...]
    employment_models: tuple[str, ...]
    excluded_lists: tuple[str, ...]
    min_identified_authorised: int
    min_poor_workers: int
    min_poor_share_percent: Decimal
    max_unanswered_complaints: int
    max_substantiated_complaints: int

    @classmethod
    def from_section(cls, s: _Section) -> FinancingRules:
        r = s.section("recommend")
        share = r.money("min_poor_share_percent")
        if share > 100:
            raise Misconfigured("config.programs", f"配置 {r.path}.min_poor_share_percent 应在 0 到 100 之间")
        return cls(complaint_window_days=max(1, s.integer("complaint_window_days")),
                   grades=r.choices("grades", GRADES),
                   employment_models=r.choices("employment_models", EMPLOYMENT_MODELS),
                   excluded_lists=r.choices("excluded_lists", LISTS),
                   min_identified_authorised=r.integer("min_identified_authorised"),
                   min_poor_workers=r.integer("min_poor_workers"), min_poor_share_percent=share,
                   max_unanswered_complaints=r.integer("max_unanswered_complaints"),
                   max_substantiated_complaints=r.integer("max_substantiated_complaints"))


@dataclass(frozen=True)
class ScaleTier:
    """One row of the Jinan scale table: revenue ≥ ``revenue`` and head-count ≥ ``headcount`` every month."""

    rank: int  # 1 = the highest subsidy
    revenue: Decimal
    headcount: int
    amount: Decimal

    @property
    def label(self) -> str:
        return f"第{self.rank}档"


@dataclass(frozen=True)
class JinanScaleRules:
    """济南家政规模化经营扶持 (seed 002)."""

    region_prefix: str
    min_years_established: int
    excluded_grades: tuple[str, ...]
    tiers: tuple[ScaleTier, ...]  # highest subsidy first

    @classmethod
    def from_section(cls, s: _Section) -> JinanScaleRules:
        raw = s.get("tiers")
        if not isinstance(raw, list) or not raw:
            raise Misconfigured("config.programs", f"配置 {s.path}.tiers 应为非空列表")
        rows = []
        for i, item in enumerate(raw):
            t = _Section(item, f"{s.path}.tiers[{i}]")
            rows.append((t.money("amount"), t.money("revenue"), t.integer("headcount")))
        rows.sort(key=lambda r: r[0], reverse=True)
        tiers = tuple(ScaleTier(rank=i + 1, amount=a, revenue=rev, headcount=hc) for i, (a, rev, hc) in enumerate(rows))
        return cls(region_prefix=s.region_prefix("region_prefix"),
                   min_years_established=s.integer("min_years_established"),
                   excluded_grades=s.choices("excluded_grades", GRADES), tiers=tiers)


@dataclass(frozen=True)
class JinanStoresRules:
    """济南社区家政网点 (seed 002): a reward per new direct store, capped per company."""

    region_prefix: str
    min_area_m2: Decimal
    amount_per_store: Decimal
    cap: Decimal
    exclude_black_listed: bool

    @classmethod
    def from_section(cls, s: _Section) -> JinanStoresRules:
        return cls(region_prefix=s.region_prefix("region_prefix"), min_area_m2=s.money("min_area_m2"),
                   amount_per_store=s.money("amount_per_store"), cap=s.money("cap"),
                   exclude_black_listed=s.flag("exclude_black_listed"))


@dataclass(frozen=True)
class ProgramsRules:
    financing: FinancingRules
    jinan_scale: JinanScaleRules
    jinan_stores: JinanStoresRules

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProgramsRules:
        s = _Section(data.get("programs"), "programs")
        return cls(financing=FinancingRules.from_section(s.section("financing")),
                   jinan_scale=JinanScaleRules.from_section(s.section("jinan_scale")),
                   jinan_stores=JinanStoresRules.from_section(s.section("jinan_stores")))


def programs_rules(override: Path | None = None) -> ProgramsRules:
    return ProgramsRules.from_dict(load_rules_dict(override))
