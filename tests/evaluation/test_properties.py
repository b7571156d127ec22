"""Property: whatever the facts, the factors add up to the score and the grade respects the caps."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from jzcredit.evaluation.engine import evaluate
from jzcredit.evaluation.facts import Fact, StaffFact, SubjectFacts
from jzcredit.evaluation.features import Ctx
from jzcredit.evaluation.rulesets import load_models

AS_OF = date(2026, 6, 30)
CTX = Ctx(as_of=AS_OF, health_check_default_days=365)
MODELS = load_models()
TYPES = ["penalty", "dishonest_debtor", "commitment_breach", "rectification_overdue", "tax_rating", "commendation",
         "complaint", "health_check", "training", "skill_certificate", "background_check", "commitment"]
days = st.integers(min_value=-1500, max_value=30).map(lambda d: AS_OF + timedelta(days=d))


@st.composite
def facts(draw: st.DrawFn, kind: str) -> SubjectFacts:
    records = []
    for i in range(draw(st.integers(0, 12))):
        type_ = draw(st.sampled_from(TYPES))
        negative = type_ in ("penalty", "dishonest_debtor", "commitment_breach", "rectification_overdue",
                             "complaint") or (type_ == "background_check" and draw(st.booleans()))
        records.append(Fact(
            record_id=i + 1, type=type_, category="negative" if negative else "positive",
            severity=draw(st.sampled_from(["general", "serious"])) if negative else None,
            status=draw(st.sampled_from(["active", "active", "expired", "repaired", "revoked", "under_objection"])),
            decided_on=draw(days), publish_until=draw(st.none() | days), valid_until=draw(st.none() | days),
            result=draw(st.sampled_from([None, "pass", "fail", "clear", "record_found"])),
            finding=draw(st.sampled_from([None, "substantiated", "unanswered"])),
            rating=draw(st.sampled_from([None, "A", "B", "M", "C", "D"])),
            hours=Fraction(draw(st.integers(0, 90)), draw(st.integers(1, 4))),
            commitment_kind=draw(st.sampled_from([None, "voluntary", "industry", "repair"])),
            public=draw(st.booleans())))
    staff = tuple(StaffFact(worker_id=i, authorised=draw(st.booleans()), health_until=draw(st.none() | days),
                            trained_on=draw(st.none() | days)) for i in range(draw(st.integers(0, 13))))
    ratings = tuple((draw(st.integers(1, 5)), draw(days)) for _ in range(draw(st.integers(0, 8))))
    return SubjectFacts(
        subject_id=1, kind=kind, records=tuple(records), ratings=ratings, black_listed=draw(st.booleans()),
        basic_fields=tuple(draw(st.sets(st.sampled_from(["name", "address", "region_code", "legal_representative"])))),
        established_on=draw(st.none() | days), employee_model=draw(st.booleans()),
        onboarded_on=draw(st.none() | days), staff=staff, authorised=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["company", "worker"]).flatmap(facts))
def test_factors_always_add_up_to_the_score(subject: SubjectFacts) -> None:
    result = evaluate(MODELS.for_kind(subject.kind), subject, CTX)
    factors = result.factors()
    assert sum(f["points"] for f in factors) == result.score
    assert 0 <= result.score <= 1000
    assert all(isinstance(f["points"], int) for f in factors)
    serious = any(f.serious and f.in_force(AS_OF) for f in subject.records)
    if result.grade != "N" and (serious or subject.black_listed):
        assert result.grade == "D"
