"""What would raise the grade: the smallest sets of concrete actions, found by re-running the model.

Each candidate action changes a copy of the subject's facts the way doing it
would change the file (a health check recorded, a record repaired …). Sets of
one action are tried first, then two, then three; counted actions ("为 N 名员工
完成体检") are lowered to the least N that still reaches the grade. Nothing here
is advice written by hand: a suggestion is offered only if the model, run on the
changed facts, gives the promised grade and score.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from jzcredit.evaluation.engine import evaluate
from jzcredit.evaluation.facts import Fact, StaffFact, SubjectFacts, health_valid
from jzcredit.evaluation.features import BASIC_FIELD_LABELS, Ctx
from jzcredit.evaluation.rulesets import GRADE_ORDER, Model

MAX_ACTIONS_PER_SET = 3
MAX_SUGGESTIONS = 3
TYPE_LABELS = {"penalty": "行政处罚", "commitment_breach": "违背承诺记录", "rectification_overdue": "逾期未整改记录",
               "background_check": "背景核查记录", "other": "失信记录"}
NOT_REPAIRABLE = ("dishonest_debtor",)  # §3.6: lifted only by the court


@dataclass(frozen=True)
class Action:
    code: str
    label: str  # may hold {n}
    earliest_on: date
    apply: Callable[[SubjectFacts, int], SubjectFacts]
    max_count: int = 1  # >1: a counted action

    def describe(self, n: int) -> dict[str, Any]:
        code = f"{self.code}:{n}" if self.max_count > 1 else self.code
        return {"code": code, "label": self.label.format(n=n), "earliest_on": self.earliest_on}


def _staff_action(code: str, label: str, as_of: date, lacking: list[int],
                  change: Callable[[StaffFact], StaffFact]) -> Action | None:
    if not lacking:
        return None

    def apply(s: SubjectFacts, n: int) -> SubjectFacts:
        chosen = set(lacking[:n])
        return replace(s, staff=tuple(change(w) if w.worker_id in chosen else w for w in s.staff))

    return Action(code, label, as_of, apply, max_count=len(lacking))


def _repairs(s: SubjectFacts, as_of: date, min_days: dict[str, int]) -> list[Action]:
    actions = []
    for f in s.records:
        if not (f.negative and f.in_force(as_of)) or f.type in NOT_REPAIRABLE or f.decided_on is None:
            continue
        days = min_days["serious" if f.serious else "general"]
        earliest = max(as_of, f.decided_on + timedelta(days=days))
        kind = ("严重" if f.serious else "一般") + TYPE_LABELS.get(f.type, TYPE_LABELS["other"])
        label = f"修复 1 条{kind}（记录 {f.record_id}，可于 {earliest.isoformat()} 申请）"

        def apply(s2: SubjectFacts, n: int, rid: int = f.record_id) -> SubjectFacts:
            return replace(s2, records=tuple(replace(r, status="repaired") if r.record_id == rid else r
                                             for r in s2.records))

        actions.append(Action(f"repair:{f.record_id}", label, earliest, apply))
    return actions


def _company_actions(s: SubjectFacts, ctx: Ctx) -> list[Action]:
    as_of = ctx.as_of
    year = as_of + timedelta(days=365)
    staff_actions = [
        _staff_action("health_check", "为 {n} 名在职人员完成健康体检", as_of,
                      [w.worker_id for w in s.staff if not (w.health_until and w.health_until >= as_of)],
                      lambda w: replace(w, health_until=year)),
        _staff_action("training", "组织 {n} 名在职人员参加培训", as_of,
                      [w.worker_id for w in s.staff if not (w.trained_on and (as_of - w.trained_on).days < 730)],
                      lambda w: replace(w, trained_on=as_of)),
        _staff_action("authorise", "为 {n} 名在职人员完成人证核验和授权", as_of,
                      [w.worker_id for w in s.staff if not w.authorised], lambda w: replace(w, authorised=True)),
    ]
    actions = [a for a in staff_actions if a is not None]
    for name, label in BASIC_FIELD_LABELS.items():
        if name not in s.basic_fields:
            def fill(s2: SubjectFacts, n: int, name: str = name) -> SubjectFacts:
                return replace(s2, basic_fields=(*s2.basic_fields, name))
            actions.append(Action(f"basic:{name}", f"补全企业{label}", as_of, fill))
    if s.onboarded_on is None or s.onboarded_on > as_of:
        actions.append(Action("onboard", "入驻家政服务信用信息平台", as_of,
                              lambda s2, n: replace(s2, onboarded_on=as_of)))
    if not any(f.type == "commitment" and f.public and f.in_force(as_of) for f in s.records):
        commitment = Fact(record_id=0, type="commitment", category="positive", severity=None, status="active",
                          decided_on=as_of, commitment_kind="voluntary", public=True)
        actions.append(Action("public_commitment", "签署并公开主动信用承诺", as_of,
                              lambda s2, n: replace(s2, records=(*s2.records, commitment))))
    return actions


def _worker_actions(s: SubjectFacts, ctx: Ctx, full_hours: int) -> list[Action]:
    as_of = ctx.as_of
    actions = []
    if not s.authorised:
        actions.append(Action("authorise", "完成人证核验并授权平台采集信息", as_of,
                              lambda s2, n: replace(s2, authorised=True)))
    if not health_valid(s.records, as_of, ctx.health_check_default_days):
        check = Fact(record_id=0, type="health_check", category="basic", severity=None, status="active",
                     decided_on=as_of, valid_until=as_of + timedelta(days=365), result="pass")
        actions.append(Action("health_check", "完成健康体检", as_of,
                              lambda s2, n: replace(s2, records=(*s2.records, check))))
    hours = sum((f.hours or Fraction(0) for f in s.records if f.type == "training" and f.in_force(as_of)
                 and f.within(as_of, 730)), Fraction(0))
    missing = full_hours - int(hours)
    if missing > 0:
        def train(s2: SubjectFacts, n: int) -> SubjectFacts:
            course = Fact(record_id=0, type="training", category="positive", severity=None, status="active",
                          decided_on=as_of, hours=Fraction(n))
            return replace(s2, records=(*s2.records, course))
        actions.append(Action("training_hours", "参加 {n} 学时培训", as_of, train, max_count=missing))
    if not any(f.type == "skill_certificate" and f.in_force(as_of) for f in s.records):
        cert = Fact(record_id=0, type="skill_certificate", category="positive", severity=None, status="active",
                    decided_on=as_of)
        actions.append(Action("skill_certificate", "取得职业技能证书", as_of,
                              lambda s2, n: replace(s2, records=(*s2.records, cert))))
    return actions


def _better_or_equal(grade: str, target: str) -> bool:
    return grade in GRADE_ORDER and GRADE_ORDER.index(grade) <= GRADE_ORDER.index(target)


def _apply(facts: SubjectFacts, chosen: list[tuple[Action, int]]) -> SubjectFacts:
    for action, n in chosen:
        facts = action.apply(facts, n)
    return facts


def _least_counts(model: Model, facts: SubjectFacts, ctx: Ctx, chosen: list[tuple[Action, int]],
                  target: str) -> list[tuple[Action, int]]:
    """Lower each counted action to the least count that still reaches the target (binary search)."""
    for i, (action, top) in enumerate(chosen):
        lo, hi = 1, top
        while lo < hi:
            mid = (lo + hi) // 2
            trial = [*chosen[:i], (action, mid), *chosen[i + 1:]]
            if _better_or_equal(evaluate(model, _apply(facts, trial), ctx).grade, target):
                hi = mid
            else:
                lo = mid + 1
        chosen = [*chosen[:i], (action, lo), *chosen[i + 1:]]
    return chosen


def improvements(model: Model, facts: SubjectFacts, ctx: Ctx, *, current_grade: str,
                 repair_min_days: dict[str, int]) -> list[dict[str, Any]]:
    """Smallest action sets that lift the subject to the next grade (or out of N), best score first."""
    if current_grade == "A":
        return []
    if current_grade == "N" and model.subject == "company":
        return []  # a company is graded once it has workers on the platform: not an action on its file
    target = "D" if current_grade == "N" else GRADE_ORDER[GRADE_ORDER.index(current_grade) - 1]
    if model.subject == "company":
        actions = _company_actions(facts, ctx)
    else:
        full_hours = next((int(u.params["full_hours"]) for d in model.dimensions for u in d.features
                           if u.feature.name == "training_hours"), 60)
        actions = _worker_actions(facts, ctx, full_hours)
    actions += _repairs(facts, ctx.as_of, repair_min_days)
    found: list[dict[str, Any]] = []
    for size in range(1, MAX_ACTIONS_PER_SET + 1):
        for combo in itertools.combinations(actions, size):
            chosen = [(a, a.max_count) for a in combo]
            if not _better_or_equal(evaluate(model, _apply(facts, chosen), ctx).grade, target):
                continue
            chosen = _least_counts(model, facts, ctx, chosen, target)
            result = evaluate(model, _apply(facts, chosen), ctx)
            found.append({"actions": [a.describe(n) for a, n in chosen], "grade": result.grade,
                          "score": result.score})
        if found:
            break
    found.sort(key=lambda s: (-s["score"], [a["code"] for a in s["actions"]]))
    return found[:MAX_SUGGESTIONS]
