"""The §3.6 conditions and the §3.5 working-day deadline as pure rules: each code alone and together."""

from __future__ import annotations

from datetime import date

import pytest
from tests.repair.helpers import RULES

from jzcredit.errors import Invalid
from jzcredit.repair.rules import (
    CODES,
    CONDITIONS,
    Claim,
    RepairRules,
    Target,
    add_working_days,
    decide_by,
    earliest_on,
    failed_conditions,
)

GENERAL = Target(1, "penalty", "general", date(2026, 1, 10))
SERIOUS = Target(2, "penalty", "serious", date(2025, 1, 10))
DEBTOR = Target(3, "dishonest_debtor", "serious", date(2024, 1, 10))
ALL_PAPERS = Claim(commitment_signed=True, evidence="罚款已缴清", training_completed=True, decided_on=date(2026, 6, 30))


def codes(targets: list[Target], claim: Claim = ALL_PAPERS) -> list[str]:
    return [f.code for f in failed_conditions(targets, claim, RULES)]


def test_the_conditions_are_the_five_codes_of_section_3_6_in_order() -> None:
    assert CODES == ("not_repairable", "min_period_not_served", "no_commitment", "no_evidence", "training_required")
    assert all(c.label for c in CONDITIONS)


def test_everything_in_order_approves() -> None:
    assert codes([GENERAL, SERIOUS]) == []


def test_not_repairable_alone() -> None:
    (failure,) = failed_conditions([DEBTOR], ALL_PAPERS, RULES)
    assert failure.code == "not_repairable" and "法院" in failure.reason and "3" in failure.reason


@pytest.mark.parametrize(("target", "first_day"), [(GENERAL, date(2026, 4, 10)), (SERIOUS, date(2026, 1, 10))])
def test_min_period_is_90_or_365_days_since_decided_on_on_the_decision_date(target: Target, first_day: date) -> None:
    assert earliest_on(target, RULES) == first_day
    day_before = date.fromordinal(first_day.toordinal() - 1)
    assert codes([target], Claim(True, "证明", True, day_before)) == ["min_period_not_served"]
    assert codes([target], Claim(True, "证明", True, first_day)) == []
    reason = failed_conditions([target], Claim(True, "证明", True, day_before), RULES)[0].reason
    assert first_day.isoformat() in reason


def test_a_record_without_a_decision_date_never_serves_the_period() -> None:
    assert codes([Target(9, "penalty", "general", None)]) == ["min_period_not_served"]


def test_no_commitment_alone() -> None:
    assert codes([GENERAL], Claim(False, "证明", True, ALL_PAPERS.decided_on)) == ["no_commitment"]


@pytest.mark.parametrize("evidence", [None, "", "   "])
def test_no_evidence_alone(evidence: str | None) -> None:
    assert codes([GENERAL], Claim(True, evidence, True, ALL_PAPERS.decided_on)) == ["no_evidence"]


def test_training_is_required_for_serious_records_only() -> None:
    untrained = Claim(True, "证明", False, ALL_PAPERS.decided_on)
    assert codes([SERIOUS], untrained) == ["training_required"]
    assert codes([GENERAL], untrained) == []
    assert codes([GENERAL, SERIOUS], untrained) == ["training_required"]


def test_every_failed_condition_is_named_together_in_section_order() -> None:
    nothing = Claim(False, None, False, date(2025, 2, 1))
    assert codes([DEBTOR, SERIOUS], nothing) == list(CODES)
    assert codes([GENERAL], Claim(False, None, False, date(2026, 2, 1))) == [
        "min_period_not_served", "no_commitment", "no_evidence"]


@pytest.mark.parametrize(("applied_on", "deadline"), [
    (date(2026, 6, 1), date(2026, 6, 8)),    # Monday → next Monday
    (date(2026, 6, 4), date(2026, 6, 11)),   # Thursday → next Thursday, over the weekend
    (date(2026, 6, 5), date(2026, 6, 12)),   # Friday → next Friday
    (date(2026, 6, 6), date(2026, 6, 12)),   # Saturday: Monday is the first working day
    (date(2026, 6, 7), date(2026, 6, 12)),   # Sunday
])
def test_the_decision_deadline_counts_five_working_days_skipping_weekends(applied_on: date, deadline: date) -> None:
    assert decide_by(applied_on, RULES) == deadline
    assert add_working_days(applied_on, 0) == applied_on


def test_settings_are_checked() -> None:
    assert RULES == RepairRules(min_period_days={"general": 90, "serious": 365}, decision_working_days=5)
    with pytest.raises(Invalid):
        RepairRules.from_dict({"repair": {"min_period_days": {"general": 90}, "decision_working_days": 5}})
    with pytest.raises(Invalid):
        RepairRules.from_dict({"repair": {"min_period_days": {"general": 90, "serious": 365},
                                          "decision_working_days": 0}})
