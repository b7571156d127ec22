"""Run a model over one subject's facts: exact arithmetic, half-up rounding of the score only.

The score is computed from the list of contributions, and the factors shown are
that same list in whole points (largest-remainder apportionment), so the
explanation always adds up to the score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from jzcredit.evaluation.facts import SubjectFacts
from jzcredit.evaluation.features import Ctx, Part
from jzcredit.evaluation.rulesets import GRADE_ORDER, Dimension, Model

TEN = Fraction(10)


@dataclass(frozen=True, slots=True)
class Contribution:
    code: str
    label: str
    exact: Fraction  # final-score units
    record_ids: tuple[int, ...]


@dataclass
class Result:
    model: str
    score: int
    grade: str
    exact: Fraction
    contributions: list[Contribution]
    notes: list[dict[str, Any]] = field(default_factory=list)  # caps and grade N, points 0

    def factors(self) -> list[dict[str, Any]]:
        points = apportion([c.exact for c in self.contributions], self.score)
        out = [{"code": c.code, "label": c.label, "points": p, "record_ids": list(c.record_ids)}
               for c, p in zip(self.contributions, points, strict=True)]
        return out + self.notes


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


def _dimension(dim: Dimension, facts: SubjectFacts, ctx: Ctx) -> list[Part]:
    parts: list[Part] = []
    if dim.base:
        parts.append(Part("base", f"{dim.label}基础分", dim.base))
    for use in dim.features:
        parts.extend(use.feature.fn(facts, ctx, use.params))
    value = sum((p.points for p in parts), Fraction(0))
    if dim.floor is not None and value < dim.floor:
        parts.append(Part("floor", f"{dim.label}维度最低 {dim.floor} 分", dim.floor - value))
    elif dim.ceiling is not None and value > dim.ceiling:
        parts.append(Part("ceiling", f"{dim.label}维度最高 {dim.ceiling} 分", dim.ceiling - value))
    return parts


def _caps(model: Model, facts: SubjectFacts, as_of: date) -> list[tuple[str, str, tuple[int, ...]]]:
    negatives = [f for f in facts.records if f.negative and f.in_force(as_of)]
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
    contributions = []
    for dim in model.dimensions:
        scale = dim.weight * TEN
        for part in _dimension(dim, facts, ctx):
            exact = part.points * scale
            if exact:
                contributions.append(Contribution(f"{dim.code}.{part.code}", part.label, exact, part.record_ids))
    exact_total = sum((c.exact for c in contributions), Fraction(0))
    score = round_half_up(exact_total)
    grade = model.grade_for(score)
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
    return Result(model=model.name, score=score, grade=grade, exact=exact_total, contributions=contributions,
                  notes=notes)
