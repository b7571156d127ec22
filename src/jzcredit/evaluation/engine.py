"""Run a model over one subject's facts: exact arithmetic, half-up rounding of the score only.

The score is computed from the list of contributions, and the factors shown are
that same list in whole points (largest-remainder apportionment), so the
explanation always adds up to the score.

Arithmetic stays exact but mostly in ``int``: a model's weights × 10 have a least
common denominator (``unit``; 2 for the shipped models), and every contribution is
kept as ``exact × unit``, which is whole whenever the feature's points are. Only
the features that divide by data (shares of staff, average stars, odd training
hours) bring in a ``Fraction``; ``Contribution.exact`` and ``Result.exact`` give the
value in final-score units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from jzcredit.evaluation.facts import Number, SubjectFacts
from jzcredit.evaluation.features import Ctx, FeatureFn, Params, Part, whole
from jzcredit.evaluation.rulesets import GRADE_ORDER, Dimension, Model

TEN = Fraction(10)


@dataclass(frozen=True, slots=True)
class Contribution:
    code: str
    label: str
    scaled: Number  # exact × unit
    unit: int
    record_ids: tuple[int, ...]

    @property
    def exact(self) -> Fraction:
        """In final-score units."""
        return Fraction(self.scaled) / self.unit


@dataclass
class Result:
    model: str
    score: int
    grade: str
    scaled: Number  # the exact total × unit
    unit: int
    contributions: list[Contribution]
    notes: list[dict[str, Any]] = field(default_factory=list)  # caps and grade N, points 0

    @property
    def exact(self) -> Fraction:
        return Fraction(self.scaled) / self.unit

    def factors(self) -> list[dict[str, Any]]:
        points = apportion_scaled([c.scaled for c in self.contributions], self.unit, self.score)
        out = [{"code": c.code, "label": c.label, "points": p, "record_ids": list(c.record_ids)}
               for c, p in zip(self.contributions, points, strict=True)]
        return out + self.notes if self.notes else out


def round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def apportion(values: list[Fraction], total: int) -> list[int]:
    """Whole points that add up to ``total``: floors, then +1 to the largest remainders."""
    floors = [math.floor(v) for v in values]
    extra = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:max(extra, 0)]:
        floors[i] += 1
    return floors


def apportion_scaled(scaled: list[Number], unit: int, total: int) -> list[int]:
    """:func:`apportion` of ``value / unit`` for each value, without building the fractions."""
    floors = [v // unit for v in scaled]
    extra = total - sum(floors)
    if extra > 0:
        order = sorted(range(len(scaled)), key=lambda i: (floors[i] * unit - scaled[i], i))
        for i in order[:extra]:
            floors[i] += 1
    return floors


@dataclass(frozen=True)
class _Dim:
    """A dimension made ready to run: its weight × 10 × the model's unit (whole), its constant parts."""

    dim: Dimension
    scale: int
    base: Part | None
    floor: Number | None
    ceiling: Number | None
    features: tuple[tuple[FeatureFn, Params], ...]


@dataclass(frozen=True)
class _Plan:
    model: Model
    unit: int
    dims: tuple[_Dim, ...]
    grades: dict[int, str] = field(default_factory=dict)  # score → model.grade_for(score), as met

    def grade_for(self, score: int) -> str:
        grade = self.grades.get(score)
        if grade is None:
            grade = self.grades[score] = self.model.grade_for(score)
        return grade


_PLANS: dict[int, _Plan] = {}


def _plan(model: Model) -> _Plan:
    plan = _PLANS.get(id(model))
    if plan is not None and plan.model is model:
        return plan
    unit = math.lcm(*((d.weight * TEN).denominator for d in model.dimensions))
    dims = tuple(_Dim(d, int(d.weight * TEN * unit),
                      Part("base", f"{d.label}基础分", whole(d.base)) if d.base else None,
                      None if d.floor is None else whole(d.floor), None if d.ceiling is None else whole(d.ceiling),
                      tuple((u.feature.fn, u.params) for u in d.features))
                 for d in model.dimensions)
    if len(_PLANS) > 64:  # models are few and long-lived; this only bounds a test suite's churn
        _PLANS.clear()
    plan = _PLANS[id(model)] = _Plan(model, unit, dims)
    return plan


def _dimension(d: _Dim, facts: SubjectFacts, ctx: Ctx) -> list[Part]:
    parts: list[Part] = [d.base] if d.base is not None else []
    for fn, params in d.features:
        parts += fn(facts, ctx, params)
    value: Number = 0
    for p in parts:
        value += p.points
    if d.floor is not None and value < d.floor:
        parts.append(Part("floor", f"{d.dim.label}维度最低 {d.floor} 分", d.floor - value))
    elif d.ceiling is not None and value > d.ceiling:
        parts.append(Part("ceiling", f"{d.dim.label}维度最高 {d.ceiling} 分", d.ceiling - value))
    return parts


def _caps(model: Model, facts: SubjectFacts, as_of: date) -> list[tuple[str, str, tuple[int, ...]]]:
    negatives = [f for f in facts.all_in_force(as_of) if f.negative]
    serious = tuple(f.record_id for f in negatives if f.serious)
    found: list[tuple[str, str, tuple[int, ...]]] = []
    if serious and "serious_negative" in model.caps:
        found.append(("serious_negative", "存在有效的严重失信记录", serious))
    if facts.black_listed and "black_listed" in model.caps:
        found.append(("black_listed", "已列入严重失信主体名单（黑名单）", ()))
    other = tuple(f.record_id for f in negatives if not f.serious)
    if other and "other_negative" in model.caps:
        found.append(("other_negative", "存在有效的失信记录", other))
    return found


def not_graded_reason(model: Model, facts: SubjectFacts) -> str | None:
    """Grade N (spec §3.2–3.3): a company with no current workers, a worker not identified and authorised."""
    if model.subject == "company" and not facts.staff:
        return "平台上暂无在职家政服务员，信息不足，暂不评级"
    if model.subject == "worker" and not facts.authorised:
        return "未完成人证核验和授权，暂不评级"
    return None


def evaluate(model: Model, facts: SubjectFacts, ctx: Ctx) -> Result:
    plan = _plan(model)
    unit = plan.unit
    contributions = []
    total: Number = 0
    for d in plan.dims:
        code = d.dim.code
        for part in _dimension(d, facts, ctx):
            scaled = part.points * d.scale
            if scaled:
                contributions.append(Contribution(f"{code}.{part.code}", part.label, scaled, unit, part.record_ids))
                total += scaled
    score = int((2 * total + unit) // (2 * unit))  # round_half_up(total / unit)
    grade = plan.grade_for(score)
    notes: list[dict[str, Any]] = []
    for kind, label, record_ids in _caps(model, facts, ctx.as_of):
        cap = model.caps[kind]
        if GRADE_ORDER.index(cap) > GRADE_ORDER.index(grade):
            notes.append({"code": f"cap.{kind}", "label": f"{label}，等级最高为 {cap}", "points": 0,
                          "record_ids": list(record_ids)})
            grade = cap
    reason = not_graded_reason(model, facts)
    if reason is not None:
        notes.append({"code": "grade.not_graded", "label": reason, "points": 0, "record_ids": []})
        grade = "N"
    return Result(model=model.name, score=score, grade=grade, scaled=total, unit=unit,
                  contributions=contributions, notes=notes)
