"""A demo database (``make run``'s: init, demo, evaluate, lists propose) per engine, for module fixtures that
read a realistic platform: the schemathesis fuzzer and the privacy crawler."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.load import prepare
from benchmarks.p1_ingest import pg_schema


def demo_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, *, name: str,
                  companies: int, workers: int) -> Iterator[str]:
    """Yield the URL of a fresh demo on ``request.param`` (``sqlite`` or ``postgresql``, a schema of its own,
    dropped afterwards); PostgreSQL skips with the reason when no server is configured."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(name) / "demo.db"
        shutil.copyfile(_sqlite_template(tmp_path_factory, companies=companies, workers=workers), path)
        yield f"sqlite:///{path}"
        return
    base = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL tests skipped: JZCREDIT_TEST_POSTGRES_URL is not set")
    with pg_schema(base) as (url, _libpq):
        prepare(url, companies=companies, workers=workers)
        yield url


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory, *, companies: int, workers: int) -> Path:
    """The SQLite demo of this size, built once per test process; each module gets a copy of its own."""
    path = tmp_path_factory.getbasetemp() / f"demo-template-c{companies}-w{workers}.db"
    if not path.exists():
        building = path.with_suffix(".building")
        prepare(f"sqlite:///{building}", companies=companies, workers=workers)  # the CLI exits: WAL checkpointed
        building.rename(path)
    return path
