"""Backup and restore: a portable JSON-lines dump of every table, the same on SQLite and PostgreSQL.

The file (optionally gzip-compressed when its name ends in ``.gz``)::

    {"format": "jzcredit-backup", "version": 1, "schema": "<alembic revision>", "tables": [...], ...}
    {"table": "subjects", "columns": ["id", "kind", "created_at"]}
    [1, "company", "2026-06-30T02:00:00+00:00"]
    {"end": "subjects", "rows": 1}
    ...
    {"complete": true, "rows": {"subjects": 1, ...}}

Tables come in dependency order and rows in primary-key order. Dates and
timestamps are ISO 8601, decimals are strings, and JSON columns are their
stored JSON text (so a JSON ``null`` and an SQL NULL stay distinct). The dump
reads one snapshot (a read transaction on SQLite in WAL mode, REPEATABLE READ
on PostgreSQL), so it is consistent while the application keeps writing.
A restore goes into an empty database at the same schema revision, in one
transaction: a truncated or mismatched file changes nothing.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Numeric,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    cast,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from jzcredit import migrate
from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, JzError
from jzcredit.registry.models import Worker
from jzcredit.schema import metadata

FORMAT = "jzcredit-backup"
FORMAT_VERSION = 1
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class BackupSummary:
    schema: str | None
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _kind(column: Column[Any]) -> str:
    """How a column's values are written: plain JSON, or one of the encoded kinds."""
    col_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(col_type, JSON):
        return "json"
    if isinstance(col_type, DateTime):
        return "datetime"
    if isinstance(col_type, Date):
        return "date"
    if isinstance(col_type, Float):
        return "float"
    if isinstance(col_type, Numeric):
        return "decimal"
    return "plain"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind in ("plain", "json"):
        return value
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return float(value)


def _open(path: Path, mode: str, *, compressed: bool) -> IO[str]:
    if compressed:
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8", newline="\n")


def _line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- backup ---------------------------------------------------------------


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one consistent state of the database."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            # pysqlite begins no transaction for reads; an explicit one pins the WAL snapshot
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        yield conn


def _dump_table(conn: Connection, table: Table, out: IO[str]) -> int:
    columns = list(table.columns)
    selected = [cast(c, Text).label(c.name) if _kind(c) == "json" else c for c in columns]
    out.write(_line({"table": table.name, "columns": [c.name for c in columns]}))
    statement = select(*selected).order_by(*table.primary_key.columns)
    count = 0
    for row in conn.execution_options(yield_per=CHUNK_ROWS).execute(statement):
        out.write(_line([_encode(v) for v in row]))
        count += 1
    out.write(_line({"end": table.name, "rows": count}))
    return count


def backup(engine: Engine, path: Path, *, now: datetime, actor: str) -> BackupSummary:
    """Write a consistent backup of every table to ``path`` (atomically: a failed run leaves no file)."""
    with Session(engine) as session, session.begin():
        audit.append(session, actor=actor, action="backup.create", obj="database", now=now,
                     detail={"file": path.name})
    partial = path.with_name(path.name + ".partial")
    tables = metadata.sorted_tables
    counts: dict[str, int] = {}
    try:
        with _snapshot(engine) as conn, _open(partial, "w", compressed=path.suffix == ".gz") as out:
            revision = MigrationContext.configure(conn).get_current_revision()
            out.write(_line({"format": FORMAT, "version": FORMAT_VERSION, "schema": revision,
                             "engine": engine.dialect.name, "created_at": now.isoformat(),
                             "tables": [t.name for t in tables]}))
            for table in tables:
                counts[table.name] = _dump_table(conn, table, out)
            out.write(_line({"complete": True, "rows": counts}))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(revision, counts)


# --- restore --------------------------------------------------------------


def _insert_statement(conn: Connection, table: Table, names: list[str]) -> Insert:
    values: dict[str, Any] = {}
    for i, name in enumerate(names):
        column = table.c[name]
        if _kind(column) == "json":
            param = bindparam(f"p{i}", type_=Text)
            # the stored JSON text goes in unchanged; PostgreSQL needs it cast to its json type
            values[name] = cast(param, column.type) if conn.dialect.name == "postgresql" else param
        else:
            values[name] = bindparam(f"p{i}", type_=column.type)
    return table.insert().values(values)


class _Loader:
    """Reads the body of a backup file into an open transaction, checking every count."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}
        self.table: Table | None = None
        self.kinds: list[str] = []
        self.statement: Insert | None = None
        self.pending: list[dict[str, Any]] = []
        self.loaded = 0

    def start(self, name: str, columns: list[str]) -> None:
        if self.table is not None:
            raise Invalid("backup.corrupt", f"备份文件已损坏：表 {self.table.name} 没有结尾标记")
        table = metadata.tables.get(name)
        if table is None:
            raise Invalid("backup.unknown_table", f"备份文件中的表 {name} 在本版本中不存在：请用同一版本恢复")
        missing = [c for c in columns if c not in table.c]
        if missing:
            raise Invalid("backup.unknown_column", f"备份文件中表 {name} 的列 {', '.join(missing)} 在本版本中不存在")
        self.table, self.loaded = table, 0
        self.kinds = [_kind(table.c[c]) for c in columns]
        self.statement = _insert_statement(self.conn, table, columns)

    def row(self, values: list[Any]) -> None:
        if self.table is None or len(values) != len(self.kinds):
            raise Invalid("backup.corrupt", "备份文件已损坏：数据行与表头不一致")
        self.pending.append({f"p{i}": _decode(k, v) for i, (k, v) in enumerate(zip(self.kinds, values, strict=True))})
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending and self.statement is not None:
            self.conn.execute(self.statement, self.pending)
            self.loaded += len(self.pending)
            self.pending = []

    def end(self, name: str, rows: int) -> None:
        self.flush()
        if self.table is None or self.table.name != name or self.loaded != rows:
            raise Invalid("backup.corrupt", f"备份文件已损坏：表 {name} 应有 {rows} 行")
        self.counts[name] = rows
        self.table = None

    def feed(self, item: Any) -> bool:
        """Take one parsed line; True once the closing line has been checked."""
        if isinstance(item, list):
            self.row(item)
        elif isinstance(item, dict) and "table" in item:
            self.start(str(item["table"]), list(item["columns"]))
        elif isinstance(item, dict) and "end" in item:
            self.end(str(item["end"]), int(item["rows"]))
        elif isinstance(item, dict) and item.get("complete") is True:
            if self.table is not None or item.get("rows") != self.counts:
                raise Invalid("backup.corrupt", "备份文件已损坏：结尾的行数与内容不一致")
            return True
        else:
            raise Invalid("backup.corrupt", "备份文件已损坏：无法识别的行")
        return False


def _read_header(fh: IO[str]) -> dict[str, Any]:
    try:
        header = json.loads(fh.readline() or "null")
    except (json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise Invalid("backup.not_a_backup", "这不是 jzcredit 备份文件（首行不是备份说明）") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise Invalid("backup.not_a_backup", "这不是 jzcredit 备份文件（首行不是备份说明）")
    if header.get("version") != FORMAT_VERSION:
        raise Invalid("backup.version",
                      f"备份文件格式版本 {header.get('version')} 不受支持：请用创建它的 jzcredit 版本恢复")
    return header


def _prepare_target(engine: Engine, revision: str | None) -> None:
    """Migrate a database without any table to the backup's revision; refuse any other mismatch."""
    current = migrate.current_revision(engine)
    if current is None and not inspect(engine).get_table_names() and revision is not None:
        try:
            migrate.upgrade(engine, revision)
        except CommandError as exc:
            raise Conflict("backup.unknown_schema",
                           f"备份的数据库结构版本 {revision} 不属于本版本的 jzcredit：请用创建它的版本恢复") from exc
        current = migrate.current_revision(engine)
    if current != revision:
        raise Conflict("backup.schema_mismatch",
                       f"备份的数据库结构版本是 {revision}，目标数据库是 {current}：请恢复到一个空数据库"
                       "（会自动建到备份的版本），之后再运行 jzcredit init 升级")


def _refuse_rows(conn: Connection) -> None:
    for table in metadata.sorted_tables:
        if conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
            raise Conflict("backup.target_not_empty",
                           f"目标数据库不是空的（表 {table.name} 已有数据）：请恢复到一个新建的空数据库")


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each serial sequence past the restored ids (setval ignores tables without one)."""
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        col = keys[0].name
        conn.execute(
            text(f'SELECT setval(seq, COALESCE((SELECT MAX("{col}") FROM "{table.name}"), 1), '
                 f'(SELECT MAX("{col}") FROM "{table.name}") IS NOT NULL) '
                 "FROM (SELECT pg_get_serial_sequence(:tbl, :col) AS seq) s WHERE seq IS NOT NULL"),
            {"tbl": f'"{table.name}"', "col": col},
        )


def restore(engine: Engine, path: Path) -> BackupSummary:
    """Load a backup into an empty database at the backup's schema revision, all or nothing."""
    try:
        with _open(path, "r", compressed=path.suffix == ".gz") as fh:
            header = _read_header(fh)
            _prepare_target(engine, header.get("schema"))
            with engine.begin() as conn:
                _refuse_rows(conn)
                loader = _Loader(conn)
                if not any(loader.feed(json.loads(line)) for line in fh):
                    raise Invalid("backup.truncated", "备份文件不完整（缺少结尾标记）：文件可能在写入或复制时被截断")
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn)
    except JzError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, ValueError, KeyError) as exc:
        raise Invalid("backup.corrupt", f"备份文件已损坏，无法读取：{type(exc).__name__}") from exc
    return BackupSummary(header.get("schema"), loader.counts)


def key_matches(engine: Engine, vault: Vault | None) -> bool | None:
    """Whether ``vault`` decrypts the restored personal data (None when there is nothing to try)."""
    with Session(engine) as session:
        sample = session.scalar(select(Worker.id_cipher).limit(1))
    if sample is None:
        return None
    if vault is None:
        return False
    try:
        vault.decrypt(sample)
    except JzError:
        return False
    return True
