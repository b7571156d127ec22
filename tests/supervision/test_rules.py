"""§3.7 strata: the highest rate that applies, counts rounded up, rates from defaults.yml or an override."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jzcredit.errors import Invalid
from jzcredit.rules import load_rules_dict
from jzcredit.supervision.rules import STRATA, SupervisionRules, supervision_rules


@pytest.fixture
def rules() -> SupervisionRules:
    return supervision_rules()


def test_shipped_rates_are_the_spec_rates(rules: SupervisionRules) -> None:
    assert {k: int(v) for k, v in rules.rate_percent.items()} == {
        "red": 2, "A": 5, "B": 10, "N": 10, "C": 20, "D": 40, "watch": 50, "black": 100}


@pytest.mark.parametrize(("grade", "lists", "stratum"), [
    ("A", set(), "A"),
    ("D", set(), "D"),
    ("N", set(), "N"),
    (None, set(), "N"),
    ("A", {"black"}, "black"),  # a black-listed A company is inspected at 100 %
    ("A", {"red"}, "A"),  # red 2 % is lower than A 5 %: the highest applies
    ("D", {"red"}, "D"),
    ("C", {"watch"}, "watch"),
    ("B", {"watch", "black"}, "black"),
    (None, {"red"}, "N"),
])
def test_a_company_is_in_the_stratum_with_the_highest_rate(
    rules: SupervisionRules, grade: str | None, lists: set[str], stratum: str
) -> None:
    assert rules.stratum_of(grade, frozenset(lists)) == stratum


def test_red_applies_once_it_is_the_highest_and_ties_go_to_the_more_severe(tmp_path: Path) -> None:
    data = load_rules_dict()
    data["supervision"]["rate_percent"] |= {"A": 1, "N": 2}
    rules = SupervisionRules.from_dict(data)
    assert rules.stratum_of("A", frozenset({"red"})) == "red"
    assert rules.stratum_of(None, frozenset({"red"})) == "N"  # N 2 % = red 2 %: N is later in STRATA
    assert STRATA.index("N") > STRATA.index("red")


@pytest.mark.parametrize(("stratum", "companies", "drawn"), [
    ("red", 0, 0), ("red", 1, 1), ("red", 50, 1), ("red", 51, 2),
    ("A", 20, 1), ("A", 21, 2), ("B", 100, 10), ("C", 7, 2), ("D", 5, 2),
    ("watch", 3, 2), ("black", 3, 3), ("black", 1, 1),
])
def test_counts_are_rounded_up_per_stratum(rules: SupervisionRules, stratum: str, companies: int,
                                           drawn: int) -> None:
    assert rules.draw_count(stratum, companies) == drawn


def test_rates_are_exact_decimals_not_floats() -> None:
    data = load_rules_dict()
    data["supervision"]["rate_percent"]["C"] = 7  # 0.07 × 100 in floats is 7.000000000000001 → ceil 8
    assert SupervisionRules.from_dict(data).draw_count("C", 100) == 7
    data["supervision"]["rate_percent"]["C"] = 0
    assert SupervisionRules.from_dict(data).draw_count("C", 100) == 0


def test_rates_can_be_overridden_with_a_config_file(tmp_path: Path) -> None:
    override = tmp_path / "jz.yml"
    override.write_text("supervision:\n  rate_percent:\n    A: 7.5\n", encoding="utf-8")
    rules = supervision_rules(override)
    assert rules.rate_percent["A"] == Decimal("7.5") and rules.rate_percent["black"] == 100


@pytest.mark.parametrize(("rates", "words"), [
    ({"A": 101}, "0 到 100"),
    ({"A": -1}, "0 到 100"),
    ({"A": "many"}, "0 到 100"),
    ({"E": 5}, "多出 E"),
])
def test_bad_rates_are_refused(rates: dict[str, object], words: str) -> None:
    data = load_rules_dict()
    data["supervision"]["rate_percent"] |= rates
    with pytest.raises(Invalid) as err:
        SupervisionRules.from_dict(data)
    assert words in err.value.detail


def test_a_missing_stratum_is_refused() -> None:
    data = load_rules_dict()
    del data["supervision"]["rate_percent"]["watch"]
    with pytest.raises(Invalid, match="缺少 watch"):
        SupervisionRules.from_dict(data)
