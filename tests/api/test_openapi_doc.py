"""The OpenAPI document: every operation shows an example of its success answer, and every example in it is
valid against its own schema (an example that lies is worse than none)."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs
import pytest

from jzcredit.api.app import create_app
from jzcredit.config import Settings

REF = re.compile(r"#/components/schemas/(\w+)")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite:///:memory:", secret_key="doc-" + "k" * 40))  # type: ignore[arg-type]
    spec: dict[str, Any] = app.openapi()
    return spec


def _has_example(node: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    text = json.dumps(node)
    if '"examples"' in text or '"example"' in text:
        return True
    for name in set(REF.findall(text)) - seen - {"Problem"}:
        seen.add(name)
        if _has_example(schemas[name], schemas, seen):
            return True
    return False


def test_every_operation_shows_an_example_of_its_success_answer(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    missing = [f"{method.upper()} {path}" for path, item in doc["paths"].items() for method, op in item.items()
               if not _has_example({s: r for s, r in op["responses"].items() if s.startswith("2")}, schemas, set())]
    assert not missing, f"operations without an example answer: {missing}"
    assert len(doc["paths"]) >= 40  # every router is mounted


def test_every_schema_example_is_valid_against_its_schema(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    checked, wrong = 0, []
    for name, schema in schemas.items():
        validator = jsonschema_rs.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": doc["components"]})
        for example in schema.get("examples", []):
            checked += 1
            errors = [e.message for e in validator.iter_errors(example)]
            if errors:
                wrong.append(f"{name}: {errors[:2]}")
    assert checked >= 40 and not wrong, wrong
    broken = {**schemas["Health"]["examples"][0], "status": 5}  # the check itself can fail
    assert not jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/Health", "components": doc["components"]}).is_valid(broken)
