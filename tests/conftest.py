"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``JZCREDIT_TEST_POSTGRES_URL``: unset → those tests skip
with a visible reason; set but unreachable → they fail. Each test session gets
its own PostgreSQL schema, migrated once and dropped at the end; each test
starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from jzcredit import migrate
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings, set_settings
from jzcredit.db import make_engine, make_sessionmaker, normalise_url
from jzcredit.schema import metadata

PG_ENV = "JZCREDIT_TEST_POSTGRES_URL"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_SECRET = "test-secret-" + "k" * 40


def _pg_url_with_schema(base: str, schema: str) -> str:
    url = make_url(normalise_url(base))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: {PG_ENV} is not set")
    schema = f"jzt_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(base)
    with admin.begin() as conn:  # fails loudly when the server is unreachable
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _pg_url_with_schema(base, schema)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _empty_tables(engine: Engine) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "jz.db"
        path.write_bytes(sqlite_template.read_bytes())
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    _empty_tables(engine)
    engine.dispose()
    yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Iterator[Settings]:
    s = Settings(database_url=db_url, secret_key=TEST_SECRET, key_file=tmp_path / "k.key")  # type: ignore[arg-type]
    set_settings(s)
    yield s
    set_settings(None)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def vault() -> Vault:
    return Vault(TEST_SECRET.encode())


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("the shared sample data folder is not beside the project")
    return SHARED_DATA
