"""docs/rules.md and the code agree: every setting, model feature and list rule is documented, and
the page names nothing that does not exist. (``ingest:`` settings are checked against docs/ingest.md.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jzcredit.evaluation.features import FEATURES
from jzcredit.lists.rules import RULES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
DEFAULTS: dict[str, Any] = yaml.safe_load(
    resources.files("jzcredit").joinpath("defaults.yml").read_text(encoding="utf-8"))
CHECKED = [k for k in DEFAULTS if k not in ("version", "ingest")]
# the model internals are documented once, as patterns, and per feature in the features table
PATTERNS = {2: "<name>", 4: "<D>", 6: "<feature>"}


def leaves(node: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Key paths as tuples (model names such as ``company-2026.1`` hold a dot)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*prefix, str(key)))
    else:
        yield prefix


def section(title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", DOC, re.S | re.M)
    assert match, f"docs/rules.md has no '## {title}' section"
    return match.group(1)


def documented_form(parts: tuple[str, ...]) -> str:
    """Model internals are documented as patterns: thresholds and caps as a whole, a feature's numbers
    in the features table."""
    if parts[:2] != ("evaluation", "models"):
        return ".".join(parts)
    keep = 4 if parts[3] in ("thresholds", "caps") else 7
    return ".".join(PATTERNS.get(i, p) for i, p in enumerate(parts[:keep]))


def test_every_setting_in_defaults_is_on_the_page() -> None:
    missing = []
    for top in CHECKED:
        for path in leaves(DEFAULTS[top], (top,)):
            form = documented_form(path)
            last = form.rsplit(".", 1)[-1]
            if f"`{form}`" not in DOC and not (f"`{form.rsplit('.', 1)[0]}." in DOC and f"`{last}`" in DOC):
                missing.append(".".join(path))
    assert not missing, f"settings missing from docs/rules.md: {missing}"


def test_every_setting_named_on_the_page_exists() -> None:
    known = {documented_form(p) for top in CHECKED for p in leaves(DEFAULTS[top], (top,))}
    prefixes = {k.rsplit(".", i)[0] for k in known for i in range(1, k.count(".") + 1)}
    tops = "|".join(CHECKED)
    named = set(re.findall(rf"`((?:{tops})\.[A-Za-z0-9_<>.\-]+)`", DOC))
    unknown = sorted(n for n in named if n not in known and n not in prefixes)
    assert not unknown, f"docs/rules.md names settings that do not exist: {unknown}"


def test_features_table_matches_the_code() -> None:
    text = section("Evaluation")
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", text.split("### Features", 1)[1], re.M))
    assert rows == set(FEATURES), f"only in docs: {rows - set(FEATURES)}; only in code: {set(FEATURES) - rows}"
    for name, feature in FEATURES.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        for param in feature.params:
            assert f"`{param}`" in row, f"feature {name}: number {param} not documented"


def test_every_model_feature_exists_and_is_used_somewhere() -> None:
    used = {f for m in DEFAULTS["evaluation"]["models"].values() for d in m["dimensions"].values()
            for f in d["features"]}
    assert used <= set(FEATURES)
    assert set(FEATURES) <= used, f"features no model uses: {set(FEATURES) - used}"


def test_list_rules_match_the_code() -> None:
    text = section("Lists")
    documented = set(re.findall(r"^\| `([BRW][0-9])` \|", text, re.M))
    assert documented == set(RULES), f"only in docs: {documented - set(RULES)}; only in code: {set(RULES) - documented}"
    assert set(DEFAULTS["lists"]["rules"]) == set(RULES)
