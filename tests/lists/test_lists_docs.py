"""docs/rules.md (## Lists, ## Measures) and the code agree both ways: settings, rule ids, measure codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jzcredit.lists.measures import load_catalogue
from jzcredit.lists.rules import RULES
from jzcredit.rules import load_rules_dict

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {title}\s*$", text, re.M)
    assert match, f"docs/rules.md has no '## {title}'"
    end = re.compile(r"^## ", re.M).search(text, match.end())
    return text[match.end():end.start() if end else len(text)]


def leaf_keys(data: dict[str, Any], prefix: str) -> set[str]:
    out: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}.{key}"
        out |= leaf_keys(value, path) if isinstance(value, dict) else {path}
    return out


def first_column(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", text, re.M)}


def test_every_lists_setting_is_documented_and_every_documented_one_exists() -> None:
    keys = leaf_keys(load_rules_dict()["lists"], "lists")
    documented = {k for k in first_column(section("Lists")) if k.startswith("lists.")}
    assert keys == documented


def test_every_list_rule_id_is_documented_and_every_documented_one_exists() -> None:
    documented = {k for k in first_column(section("Lists")) if not k.startswith("lists.")}
    assert documented == set(RULES)


def test_every_shipped_measure_is_documented_and_every_documented_one_exists() -> None:
    assert first_column(section("Measures")) == {m.measure_code for m in load_catalogue()}
