"""The credit repair rules in one place: the conditions of spec §3.6 and the decision deadline of §3.5.

Each condition is a named object with its §3.6 code; ``failed_conditions`` runs them all, in the
order of §3.6, so a rejection names every condition that did not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jzcredit.errors import Invalid
from jzcredit.rules import load_rules_dict

NOT_REPAIRABLE_TYPES = ("dishonest_debtor",)  # lifted only by the court (its source revokes it)
# not a §3.6 condition: the record left force (revoked, expired, repaired) while the application waited
NOT_IN_FORCE = "not_in_force"


@dataclass(frozen=True)
class RepairRules:
    """Settings under ``repair:`` in defaults.yml."""

    min_period_days: dict[str, int]  # by severity: general, serious
    decision_working_days: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RepairRules:
        section = data.get("repair") or {}
        try:
            days = {k: int(section["min_period_days"][k]) for k in ("general", "serious")}
            working = int(section["decision_working_days"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid("config.repair", "配置 repair.min_period_days（general、serious）或 "
                                           "repair.decision_working_days 缺失或不是整数") from exc
        if working < 1 or min(days.values()) < 0:
            raise Invalid("config.repair", "配置 repair.decision_working_days 须至少为 1，最短期限不能为负")
        return cls(min_period_days=days, decision_working_days=working)


def repair_rules(override: Path | None = None) -> RepairRules:
    return RepairRules.from_dict(load_rules_dict(override))


def add_working_days(day: date, count: int) -> date:
    """§3.5: ``count`` working days (Mon–Fri) after ``day``; public holidays are not modelled."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def decide_by(applied_on: date, rules: RepairRules) -> date:
    """The last day a regulator has to decide; an application still open after it is late."""
    return add_working_days(applied_on, rules.decision_working_days)


@dataclass(frozen=True)
class Target:
    """A record being repaired, as the conditions see it."""

    record_id: int
    type: str
    severity: str | None
    decided_on: date | None

    @property
    def serious(self) -> bool:
        return self.severity == "serious"


@dataclass(frozen=True)
class Claim:
    """What the application brings, and the day it is decided."""

    commitment_signed: bool
    evidence: str | None
    training_completed: bool
    decided_on: date


def earliest_on(target: Target, rules: RepairRules) -> date | None:
    """§3.6 ``min_period_not_served``: the first day the minimum period has been served (None: no date)."""
    if target.decided_on is None:
        return None
    return target.decided_on + timedelta(days=rules.min_period_days["serious" if target.serious else "general"])


Check = Callable[[Sequence[Target], Claim, RepairRules], str | None]


@dataclass(frozen=True)
class RepairCondition:
    """One §3.6 condition: ``check`` returns None when it holds, else why not (zh-CN)."""

    code: str
    label: str
    check: Check


def _ids(targets: Sequence[Target]) -> str:
    return "、".join(str(t.record_id) for t in targets)


def _repairable(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> str | None:
    bad = [t for t in targets if t.type in NOT_REPAIRABLE_TYPES]
    return f"记录 {_ids(bad)} 为失信被执行人信息，只能由法院撤销，不适用信用修复" if bad else None


def _min_period(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> str | None:
    early = [(t, day) for t in targets if (day := earliest_on(t, rules)) is None or day > claim.decided_on]
    if not early:
        return None
    return "；".join(f"记录 {t.record_id} 最早可于 {day.isoformat() if day else '（无决定日期）'} 修复"
                    f"（{'严重' if t.serious else '一般'}失信须满 "
                    f"{rules.min_period_days['serious' if t.serious else 'general']} 天）" for t, day in early)


def _commitment(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> str | None:
    return None if claim.commitment_signed else "未签署信用修复承诺书"


def _evidence(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> str | None:
    return None if claim.evidence and claim.evidence.strip() else "未提交履行处罚或整改到位的证明材料"


def _training(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> str | None:
    serious = [t for t in targets if t.serious]
    if not serious or claim.training_completed:
        return None
    return f"记录 {_ids(serious)} 为严重失信，须完成信用修复培训"


NOT_REPAIRABLE = RepairCondition("not_repairable", "可以修复（失信被执行人只能由法院撤销）", _repairable)
MIN_PERIOD_SERVED = RepairCondition("min_period_not_served", "自决定之日起已满最短期限", _min_period)
COMMITMENT_SIGNED = RepairCondition("no_commitment", "已签署信用修复承诺书", _commitment)
EVIDENCE_GIVEN = RepairCondition("no_evidence", "已提交履行处罚或整改到位的证明", _evidence)
TRAINING_DONE = RepairCondition("training_required", "已完成信用修复培训（严重失信）", _training)
CONDITIONS = (NOT_REPAIRABLE, MIN_PERIOD_SERVED, COMMITMENT_SIGNED, EVIDENCE_GIVEN, TRAINING_DONE)
CODES = tuple(c.code for c in CONDITIONS)


@dataclass(frozen=True)
class Failure:
    code: str
    reason: str


def failed_conditions(targets: Sequence[Target], claim: Claim, rules: RepairRules) -> list[Failure]:
    """Every §3.6 condition that does not hold, in the order of §3.6 (empty: approve)."""
    out = []
    for condition in CONDITIONS:
        reason = condition.check(targets, claim, rules)
        if reason is not None:
            out.append(Failure(condition.code, reason))
    return out
