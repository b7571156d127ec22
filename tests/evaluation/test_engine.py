"""The models' arithmetic on plain facts (no database): spec §3.2–3.3 worked numbers, caps, grade N."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from jzcredit.errors import Invalid
from jzcredit.evaluation.engine import apportion, evaluate, round_half_up
from jzcredit.evaluation.facts import Fact, StaffFact, SubjectFacts
from jzcredit.evaluation.features import Ctx
from jzcredit.evaluation.rulesets import load_models, models_from_dict
from jzcredit.rules import load_rules_dict

AS_OF = date(2026, 6, 30)
CTX = Ctx(as_of=AS_OF, health_check_default_days=365)
MODELS = load_models()
COMPANY = MODELS.for_kind("company")
WORKER = MODELS.for_kind("worker")
ALL_BASIC = ("name", "address", "region_code", "legal_representative")


def staff(n: int, authorised: int, health: int, trained: int) -> tuple[StaffFact, ...]:
    return tuple(StaffFact(worker_id=i, authorised=i < authorised,
                           health_until=date(2026, 12, 31) if i < health else None,
                           trained_on=date(2025, 9, 1) if i < trained else None) for i in range(n))


def worked_example(**changes: object) -> SubjectFacts:
    """Spec §3.2's worked example as of 2026-06-30."""
    base = {
        "subject_id": 1, "kind": "company", "basic_fields": ALL_BASIC, "established_on": date(2021, 3, 1),
        "employee_model": True, "onboarded_on": date(2024, 1, 1), "staff": staff(10, 8, 7, 6),
        "ratings": ((5, date(2026, 5, 1)), (5, date(2026, 4, 1)), (4, date(2026, 3, 1)), (4, date(2026, 2, 1))),
        "records": (Fact(record_id=1, type="tax_rating", category="other", severity=None, status="active",
                         decided_on=date(2025, 12, 31), rating="B"),),
    }
    return SubjectFacts(**(base | changes))  # type: ignore[arg-type]


def test_spec_worked_example_scores_810_grade_b() -> None:
    result = evaluate(COMPANY, worked_example(), CTX)
    assert result.exact == 810
    assert (result.score, result.grade) == (810, "B")
    factors = result.factors()
    assert sum(f["points"] for f in factors) == 810
    by_dim: dict[str, Fraction] = {}
    for c in result.contributions:
        by_dim[c.code.split(".")[0]] = by_dim.get(c.code.split(".")[0], Fraction(0)) + c.exact
    assert by_dim == {"D1": Fraction(255, 2), "D2": Fraction(355, 2), "D3": 300, "D4": 180, "D5": 25}


def test_one_general_penalty_costs_75_points_and_caps_at_b() -> None:
    penalty = Fact(record_id=9, type="penalty", category="negative", severity="general", status="active",
                   decided_on=date(2026, 1, 10), publish_until=date(2027, 1, 10))
    result = evaluate(COMPANY, worked_example(records=(*worked_example().records, penalty)), CTX)
    factor = next(f for f in result.factors() if f["code"] == "D3.penalty_general")
    assert factor == {"code": "D3.penalty_general", "label": "一般行政处罚 1 条", "points": -75, "record_ids": [9]}
    assert result.score == 735


def test_serious_negative_caps_at_d_even_with_a_high_score() -> None:
    penalty = Fact(record_id=5, type="penalty", category="negative", severity="serious", status="active",
                   decided_on=date(2026, 1, 1))
    result = evaluate(COMPANY, worked_example(records=(penalty,)), CTX)
    assert result.score == 605 and result.grade == "D"
    assert any(f["code"] == "cap.serious_negative" and f["record_ids"] == [5] for f in result.factors())


def test_expired_or_repaired_negative_no_longer_counts() -> None:
    penalty = Fact(record_id=9, type="penalty", category="negative", severity="general", status="repaired",
                   decided_on=date(2026, 1, 10))
    assert evaluate(COMPANY, worked_example(records=(penalty,)), CTX).score == 785  # no tax rating: D5 0


def test_company_without_current_workers_is_graded_n_with_its_score() -> None:
    result = evaluate(COMPANY, worked_example(staff=()), CTX)
    assert result.grade == "N" and result.score > 0
    assert result.factors()[-1]["code"] == "grade.not_graded"


def test_clamped_dimension_shows_the_floor_so_factors_still_add_up() -> None:
    penalties = tuple(Fact(record_id=i, type="penalty", category="negative", severity="general", status="active",
                           decided_on=date(2026, 1, i)) for i in range(1, 6))
    result = evaluate(COMPANY, worked_example(records=penalties), CTX)
    codes = {f["code"]: f["points"] for f in result.factors()}
    assert codes["D3.penalty_general"] == -375 and codes["D3.floor"] == 75
    assert sum(codes.values()) == result.score


def test_worker_not_identified_is_n() -> None:
    facts = SubjectFacts(subject_id=2, kind="worker", authorised=False)
    assert evaluate(WORKER, facts, CTX).grade == "N"


def test_worker_qualification_conduct_service() -> None:
    records = (
        Fact(1, "health_check", "basic", None, "active", date(2026, 1, 5), valid_until=date(2027, 1, 4),
             result="pass"),
        Fact(2, "training", "positive", None, "active", date(2025, 10, 1), hours=Fraction(30)),
        Fact(3, "skill_certificate", "positive", None, "active", date(2024, 1, 1)),
    )
    ratings = ((5, date(2026, 6, 1)), (5, date(2026, 5, 1)), (5, date(2026, 4, 1)))
    facts = SubjectFacts(subject_id=2, kind="worker", authorised=True, records=records, ratings=ratings)
    result = evaluate(WORKER, facts, CTX)
    # Q = 40 + 15 + 30 = 85 → 297.5; C = 100 → 400; S = 60 + 40 = 100 → 250; 947.5 → 948
    assert (result.score, result.grade) == (948, "A")
    assert sum(f["points"] for f in result.factors()) == 948


def test_round_half_up_and_apportion() -> None:
    assert round_half_up(Fraction(1895, 2)) == 948
    assert round_half_up(Fraction(-1, 2)) == 0
    assert apportion([Fraction(1, 3)] * 3, 1) == [1, 0, 0]
    assert sum(apportion([Fraction(355, 2), Fraction(255, 2), Fraction(505)], 810)) == 810


def _rules_with(change: dict[str, object]) -> dict[str, object]:
    data = load_rules_dict()
    data["evaluation"]["models"]["company-2026.1"]["dimensions"]["D1"].update(change)
    return data


def test_missing_weight_is_refused_with_its_dimension() -> None:
    data = load_rules_dict()
    del data["evaluation"]["models"]["company-2026.1"]["dimensions"]["D1"]["weight"]
    with pytest.raises(Invalid, match="D1 缺少权重"):
        models_from_dict(data)


def test_weights_not_summing_to_one_are_refused() -> None:
    with pytest.raises(Invalid, match=r"权重之和为 1\.05"):
        models_from_dict(_rules_with({"weight": "0.20"}))


def test_unknown_feature_is_refused() -> None:
    with pytest.raises(Invalid, match="未知的特征 shiny"):
        models_from_dict(_rules_with({"features": {"shiny": {}}}))
