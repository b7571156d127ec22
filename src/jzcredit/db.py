"""Engine and session factory; SQLite gets WAL, a busy timeout and foreign keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Integer on SQLite so that the primary key is the rowid (autoincrement), BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# A server's SQLite connections read the file through a memory map (SQLite caps it at its compiled maximum,
# 2 GB by default): every connection then shares the OS page cache instead of a read() per page into its own
# 2 MB cache. Only for the long-running server: mapped pages count in a process's RSS, which the CLI's ingest
# keeps bounded (P1).
SQLITE_SERVER_MMAP_BYTES = 2**31


def _sqlite_mmap(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA mmap_size={SQLITE_SERVER_MMAP_BYTES}")
    cur.close()


def for_serving(engine: Engine) -> Engine:
    """The engine, set up for a long-running server (SQLite: reads through a memory map); call before use."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_mmap)
    return engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Timestamp(TypeDecorator[datetime]):
    """An aware timestamp stored in UTC on both engines and read back aware.

    SQLite keeps no zone, so naive values read back are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a Timestamp column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Reserve ``count`` primary keys so that bulk inserts need no RETURNING round trip per row.

    PostgreSQL draws them from the column's sequence. SQLite has one writer at a
    time: the caller's transaction must already hold the write lock (it has
    written something), and then ``max(id) + 1 …`` cannot be taken by anyone else.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count})
        return [int(r[0]) for r in rows]
    first = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    return list(range(first, first + count))


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk inserts that skip the ORM's per-object work."""
    return cast(Table, model.__table__)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One driver ``executemany`` with each column's own bind processor.

    Same values as ``session.execute(insert(table), rows)``, without SQLAlchemy's
    per-row parameter assembly, which is most of an ingest's database time.
    Every row must have the keys of the first.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    processors = [(n, table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in names]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")
    params = [tuple(p(r[n]) if p else r[n] for n, p in processors) for r in rows]
    conn.exec_driver_sql(sql, params)
