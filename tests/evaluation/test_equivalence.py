"""The fast paths give exactly what the plain ``Fraction`` arithmetic gives, on random facts.

The engine keeps contributions as whole multiples of 1/unit, features keep whole numbers as ``int``,
in-force records are worked out once per date, and the stored digest is built around one
serialisation of the factors. Each is checked here against the straightforward computation it
replaced (spec §3.2–3.3: exact arithmetic, half-up rounding of the final score only).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jzcredit.evaluation import features, service
from jzcredit.evaluation.engine import apportion, evaluate, not_graded_reason, round_half_up
from jzcredit.evaluation.facts import Fact, StaffFact, SubjectFacts
from jzcredit.evaluation.features import Ctx, Part, num
from jzcredit.evaluation.loading import _number
from jzcredit.evaluation.rulesets import GRADE_ORDER, Model, load_models, models_from_dict
from jzcredit.rules import load_rules_dict

AS_OF = date(2026, 6, 30)
CTX = Ctx(as_of=AS_OF, health_check_default_days=365)
MODELS = load_models()
TYPES = ["penalty", "dishonest_debtor", "commitment_breach", "rectification_overdue", "tax_rating", "commendation",
         "complaint", "health_check", "training", "skill_certificate", "background_check", "commitment", "license"]
days = st.integers(min_value=-1500, max_value=30).map(lambda d: AS_OF + timedelta(days=d))
hours = st.none() | st.integers(0, 90) | st.fractions(min_value=0, max_value=90, max_denominator=12)


def _odd_models() -> Any:
    """The shipped models with weights whose tenfold is not whole in every dimension (unit > 2)."""
    data = load_rules_dict(None)
    dims = data["evaluation"]["models"]["worker-2026.1"]["dimensions"]
    dims["Q"]["weight"], dims["C"]["weight"], dims["S"]["weight"] = "1/3", "0.35", "19/60"
    return models_from_dict(data)


ODD = _odd_models()


@st.composite
def subjects(draw: st.DrawFn, kind: str) -> SubjectFacts:
    records = []
    for i in range(draw(st.integers(0, 10))):
        type_ = draw(st.sampled_from(TYPES))
        negative = type_ in ("penalty", "dishonest_debtor", "commitment_breach", "rectification_overdue",
                             "complaint") or (type_ == "background_check" and draw(st.booleans()))
        records.append(Fact(
            record_id=draw(st.integers(1, 10**6)) * 16 + i, type=type_,
            category="negative" if negative else draw(st.sampled_from(["positive", "basic", "other"])),
            severity=draw(st.sampled_from(["general", "serious", None])),
            status=draw(st.sampled_from(["active", "active", "expired", "repaired", "revoked", "under_objection"])),
            decided_on=draw(st.none() | days), publish_until=draw(st.none() | days),
            valid_until=draw(st.none() | days),
            result=draw(st.sampled_from([None, "pass", "fail", "clear", "record_found"])),
            finding=draw(st.sampled_from([None, "substantiated", "unanswered"])),
            rating=draw(st.sampled_from([None, "A", "B", "M", "C", "D"])), hours=draw(hours),
            commitment_kind=draw(st.sampled_from([None, "voluntary", "industry", "repair"])),
            public=draw(st.booleans())))
    staff = tuple(StaffFact(worker_id=i, authorised=draw(st.booleans()), health_until=draw(st.none() | days),
                            trained_on=draw(st.none() | days)) for i in range(draw(st.integers(0, 17))))
    ratings = tuple((draw(st.integers(1, 5)), draw(days)) for _ in range(draw(st.integers(0, 9))))
    return SubjectFacts(
        subject_id=draw(st.integers(1, 10**6)), kind=kind, records=tuple(records), ratings=ratings,
        black_listed=draw(st.booleans()),
        basic_fields=tuple(draw(st.sets(st.sampled_from(["name", "address", "region_code", "legal_representative"])))),
        established_on=draw(st.none() | days), employee_model=draw(st.booleans()),
        onboarded_on=draw(st.none() | days), staff=staff, authorised=draw(st.booleans()))


any_subject = st.sampled_from(["company", "worker"]).flatmap(subjects)


# --- the plain computation, as it was written before the fast paths ---------------------------

def plain_parts(model: Model, facts: SubjectFacts) -> list[tuple[str, Part, Fraction]]:
    """(dimension code, part, exact points in final-score units), with every number a Fraction."""
    out = []
    for dim in model.dimensions:
        parts: list[Part] = [Part("base", f"{dim.label}基础分", dim.base)] if dim.base else []
        for use in dim.features:
            parts.extend(use.feature.fn(facts, CTX, use.params))
        value = sum((Fraction(p.points) for p in parts), Fraction(0))
        if dim.floor is not None and value < dim.floor:
            parts.append(Part("floor", f"{dim.label}维度最低 {dim.floor} 分", dim.floor - value))
        elif dim.ceiling is not None and value > dim.ceiling:
            parts.append(Part("ceiling", f"{dim.label}维度最高 {dim.ceiling} 分", dim.ceiling - value))
        out += [(dim.code, p, Fraction(p.points) * dim.weight * 10) for p in parts if p.points]
    return out


def plain_caps(model: Model, facts: SubjectFacts) -> list[tuple[str, str, tuple[int, ...]]]:
    negatives = [f for f in facts.records if f.negative and f.in_force(AS_OF)]
    serious = tuple(f.record_id for f in negatives if f.serious)
    other = tuple(f.record_id for f in negatives if not f.serious)
    found: list[tuple[str, str, tuple[int, ...]]] = []
    if serious and "serious_negative" in model.caps:
        found.append(("serious_negative", "存在有效的严重失信记录", serious))
    if facts.black_listed and "black_listed" in model.caps:
        found.append(("black_listed", "已列入严重失信主体名单（黑名单）", ()))
    if other and "other_negative" in model.caps:
        found.append(("other_negative", "存在有效的失信记录", other))
    return found


def plain_evaluate(model: Model, facts: SubjectFacts) -> tuple[int, str, Fraction, list[dict[str, Any]]]:
    parts = plain_parts(model, facts)
    exact = sum((e for _, _, e in parts), Fraction(0))
    score = round_half_up(exact)
    grade = model.grade_for(score)
    notes: list[dict[str, Any]] = []
    for kind, label, record_ids in plain_caps(model, facts):
        cap = model.caps[kind]
        if GRADE_ORDER.index(cap) > GRADE_ORDER.index(grade):
            notes.append({"code": f"cap.{kind}", "label": f"{label}，等级最高为 {cap}", "points": 0,
                          "record_ids": list(record_ids)})
            grade = cap
    reason = not_graded_reason(model, facts)
    if reason is not None:
        notes.append({"code": "grade.not_graded", "label": reason, "points": 0, "record_ids": []})
        grade = "N"
    points = apportion([e for _, _, e in parts], score)
    factors = [{"code": f"{code}.{p.code}", "label": p.label, "points": n, "record_ids": list(p.record_ids)}
               for (code, p, _), n in zip(parts, points, strict=True)]
    return score, grade, exact, factors + notes


# --- the checks --------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(any_subject, st.booleans())
def test_engine_gives_the_plain_fraction_result(subject: SubjectFacts, odd: bool) -> None:
    model = (ODD if odd and subject.kind == "worker" else MODELS).for_kind(subject.kind)
    result = evaluate(model, subject, CTX)
    score, grade, exact, factors = plain_evaluate(model, subject)
    assert (result.score, result.grade, result.exact) == (score, grade, exact)
    assert result.factors() == factors
    assert [c.exact for c in result.contributions] == [e for _, _, e in plain_parts(model, subject)]


@settings(max_examples=300, deadline=None)
@given(any_subject)
def test_feature_arithmetic_matches_fractions(subject: SubjectFacts) -> None:
    """The features that divide: staff shares, average stars, training hours."""
    for use in [u for m in (MODELS.for_kind("company"), MODELS.for_kind("worker")) for d in m.dimensions
                for u in d.features]:
        p = use.params
        for part in use.feature.fn(subject, CTX, p):
            if use.feature.name.startswith("workers_"):
                count, total = map(int, part.label.split()[-2].split("/"))
                assert part.points == num(p["points"]) * Fraction(count, total)
            elif use.feature.name == "ratings":
                stars = [s for s, on in subject.ratings if 0 <= (AS_OF - on).days < int(p["window_days"])]
                average = Fraction(sum(stars), len(stars))
                assert part.points == num(p["points_per_star"]) * (average - num(p["neutral_stars"]))
                assert part.label.endswith(f"平均 {f'{float(average):.2f}'.rstrip('0').rstrip('.')} 星")
            elif use.feature.name == "training_hours":
                found = [f for f in subject.records if f.type == "training" and f.in_force(AS_OF)
                         and f.within(AS_OF, int(p["window_days"]))]
                total_hours = sum((Fraction(f.hours or 0) for f in found), Fraction(0))
                full = num(p["full_hours"])
                assert part.points == num(p["points"]) * min(total_hours, full) / full
                assert part.label == f"近两年培训 {float(total_hours):g} 学时"
            assert type(part.points) is int or Fraction(part.points).denominator != 1


@settings(max_examples=300, deadline=None)
@given(any_subject, days)
def test_in_force_once_per_date_is_the_plain_filter(subject: SubjectFacts, on: date) -> None:
    for types in (("penalty",), ("health_check",), ("training", "penalty"), ("commitment", "complaint", "other")):
        assert subject.in_force(on, *types) == [f for f in subject.records if f.type in types and f.in_force(on)]
    assert subject.all_in_force(on) == [f for f in subject.records if f.in_force(on)]


def test_a_changed_copy_does_not_keep_the_in_force_answer() -> None:
    from dataclasses import replace
    fact = Fact(record_id=1, type="penalty", category="negative", severity="general", status="active",
                decided_on=AS_OF)
    subject = SubjectFacts(subject_id=1, kind="worker", records=(fact,), authorised=True)
    assert subject.in_force(AS_OF, "penalty") == [fact]
    repaired = replace(subject, records=(replace(fact, status="repaired"),))
    assert repaired.in_force(AS_OF, "penalty") == []
    assert subject == replace(subject)


@settings(max_examples=200, deadline=None)
@given(any_subject)
def test_digest_is_the_digest_of_the_whole_json(subject: SubjectFacts) -> None:
    result = evaluate(MODELS.for_kind(subject.kind), subject, CTX)
    factors = result.factors()
    text = json.dumps([result.model, result.score, result.grade, factors], ensure_ascii=False, sort_keys=True)
    assert service.digest(result, factors) == hashlib.sha256(text.encode()).hexdigest()
    assert service.result_factors_json(result) == service.factors_json(factors)
    assert json.loads(service.factors_json(factors)) == factors


def _old_fraction(value: Any) -> Fraction | None:
    try:
        return None if value in (None, "") else Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


@given(st.none() | st.text(max_size=8) | st.integers(-5, 500).map(str) | st.decimals(0, 200, places=2).map(str)
       | st.fractions(0, 100).map(str) | st.integers(0, 99) | st.floats(0, 99, allow_nan=False))
def test_hours_read_from_details_are_the_same_numbers(value: Any) -> None:
    got = _number(value)
    assert got == _old_fraction(value)
    assert got is None or type(got) is int or got.denominator != 1


def test_params_are_converted_once_and_stay_exact() -> None:
    assert features.param("7.5") == Fraction(15, 2) and type(features.param(40)) is int
    assert features.divide(30, 60) == Fraction(1, 2) and features.divide(60, 30) == 2
    assert features.divide(Fraction(3, 2), 3) == Fraction(1, 2)
    assert type(features.divide(Fraction(9, 2), Fraction(3, 2))) is int
