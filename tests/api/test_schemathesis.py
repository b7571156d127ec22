"""Schemathesis against ``/openapi.json`` of ``create_app()`` on a small demo database (spec §5.2).

Every operation the app documents — so every route present, as the routers grow — gets generated
requests, valid and invalid, and every answer must: not be a 5xx; have a status the operation
documents; have that status's documented content type, headers and body schema; and, for a
request that breaks the schema, be a 4xx. It runs twice per engine: as the admin (a bearer token,
so the authenticated routes are reached past the role gate) and as the public (no token).

The demo is ``make run``'s: ``init``, ``demo``, ``evaluate --all``, ``lists propose``
(:func:`benchmarks.load.prepare`), once per engine for the module. Rate limits are off for the
fuzzer (a refusal with 429 is itself checked by the rate-limit tests); the bounded number of
examples per operation (``JZCREDIT_FUZZ_EXAMPLES``, default 15) keeps the suite fast — raise it
for a deeper run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from benchmarks import serving
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.demo_db import demo_database

from jzcredit.api.app import create_app
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.users import service as users

EXAMPLES = int(os.environ.get("JZCREDIT_FUZZ_EXAMPLES", "15"))
NOW = "2026-06-30T10:00"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


@dataclass(frozen=True)
class Demo:
    app: FastAPI
    admin_token: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own on each engine (a fresh PostgreSQL schema, dropped afterwards)."""
    yield from demo_database(request, tmp_path_factory, name="fuzz", companies=12, workers=60)


@pytest.fixture(scope="module")
def demo(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    config = tmp_path_factory.mktemp("fuzz-config") / "fuzz.yml"
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
    settings_ = Settings(database_url=demo_url, secret_key=serving.SECRET, config=config,  # type: ignore[arg-type]
                         key_file=Path(config.parent / "unused.key"), now=NOW)
    engine = make_engine(demo_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            _user, token = users.add_user(session, vault=Vault(serving.SECRET.encode()), role="admin",
                                          name="模糊测试管理员", now=current_time(NOW), actor="test")
    finally:
        engine.dispose()
    return Demo(create_app(settings_), token)


def _documented_schema() -> Any:
    """The OpenAPI document as the app serves it (it does not depend on the database)."""
    app = create_app(Settings(database_url="sqlite:///:memory:", secret_key=serving.SECRET))  # type: ignore[arg-type]
    return schemathesis.openapi.from_dict(app.openapi())


# built at collection, so that each operation is a test of its own; requests go to the demo app
schema = _documented_schema()
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_every_operation_as_the_admin(case: Any, demo: Demo) -> None:
    case.call_and_validate(app=demo.app, headers={"Authorization": f"Bearer {demo.admin_token}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_every_operation_as_the_public(case: Any, demo: Demo) -> None:
    case.call_and_validate(app=demo.app, checks=CHECKS)
