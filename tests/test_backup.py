"""Backup and restore: an identical database on the same engine and across engines, all or nothing."""

from __future__ import annotations

import gzip
import json
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Text, cast, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from jzcredit import backup as backup_service
from jzcredit import migrate
from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.errors import Conflict, Invalid
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.registry.models import Company, Consent, Region, Subject, Worker, WorkerCode
from jzcredit.schema import metadata
from jzcredit.users import service as users_service

NOW = datetime(2026, 6, 30, 2, 0, 0, 123456, tzinfo=UTC)
PG_ENV = "JZCREDIT_TEST_POSTGRES_URL"
HOSTILE = "<script>alert('x')</script> ' OR 1=1 -- \n「济南」🙂 \\ \"quoted\""

EmptyDb = Callable[[str], str]


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[EmptyDb]:
    """``empty_db("sqlite" | "postgresql")`` → the URL of a database without any table."""
    made: list[tuple[Engine, str]] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.db'}"
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"PostgreSQL tests skipped: {PG_ENV} is not set")
        schema = f"jzt_restore_{os.getpid()}_{secrets.token_hex(3)}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append((admin, schema))
        return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"

    yield make
    for admin, schema in made:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _fill_registry(s: Session, vault: Vault) -> tuple[int, int]:
    company, worker = Subject(kind="company", created_at=NOW), Subject(kind="worker", created_at=NOW)
    s.add_all([company, worker, Region(region_code="370100", name="济南市", poverty_level="none")])
    s.flush()
    s.add(Company(subject_id=company.id, uscc="91370100MA3C5EXL0X", name=HOSTILE, categories=["cleaning", "other"],
                  established_on=date(2015, 2, 28), created_by="test", updated_at=NOW))
    s.add(Worker(subject_id=worker.id, id_hash=vault.lookup_hash("370102198001011234"),
                 id_cipher=vault.encrypt("370102198001011234"), id_masked="3701**********1234",
                 birth_date=date(1980, 1, 1), sex="male", native_region="370102", name="王芳", categories=[],
                 identity_verified_at=NOW, registered_poor=True, created_at=NOW, updated_at=NOW))
    s.flush()
    s.add_all([WorkerCode(worker_id=worker.id, code="JZ0123456789", status="revoked", issued_at=NOW, revoked_at=NOW),
               WorkerCode(worker_id=worker.id, code="JZABCDEFGHJK", issued_at=NOW),
               Consent(worker_id=worker.id, scope="collect", granted_at=NOW, source="test")])
    return company.id, worker.id


def _fill_records(s: Session, company: int) -> None:
    first = Batch(kind="penalties", source="test", filename="a.csv", file_sha256="a" * 64, actor="t", started_at=NOW,
                  unmapped_columns=["备注"])
    s.add(first)
    s.flush()
    s.add(Batch(kind="penalties", source="test", filename="b.csv", file_sha256="b" * 64, actor="t", started_at=NOW,
                finished_at=NOW + timedelta(seconds=1), unmapped_columns=[], resubmits_batch_id=first.id))
    masked = {"decided_on": "1/2/2020", "nested": {"list": [1, None, "二"]}}
    s.add(QuarantinedRow(batch_id=first.id, row_number=7, reason="ambiguous_date", data_masked=masked))
    for n, amount in enumerate([Decimal("12345.67"), None, Decimal("0.10")]):
        record = CreditRecord(subject_id=company if n != 1 else None, category="negative", type="penalty",
                              severity="general", decided_on=date(2026, 1, n + 1), amount=amount, content=HOSTILE,
                              status="active", source="test", batch_id=first.id, source_key=f"k{n}",
                              fingerprint=f"{n:064d}", details={"n": n, "none": None}, created_at=NOW, updated_at=NOW)
        s.add(record)
        s.flush()
        s.add(RecordHistory(record_id=record.id, at=NOW, from_status=None, to_status="active", actor="t",
                            reason="导入"))


def fill(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = _fill_registry(s, vault)
        _fill_records(s, company)
        users_service.add_user(s, vault=vault, role="regulator", name="济南市商务局", region_code="370100", now=NOW)
        users_service.add_user(s, vault=vault, role="company", name="企业", subject_id=company, now=NOW)
        for i in range(3):
            audit.append(s, actor="test", action="test.read", obj=f"worker:{i}", now=NOW + timedelta(seconds=i),
                         detail={"purpose": HOSTILE, "i": i})


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order; JSON columns also as their stored text."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            json_text = [cast(c, Text) for c in table.columns if backup_service._kind(c) == "json"]
            rows = conn.execute(select(*table.columns, *json_text).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def _backup(engine: Engine, tmp_path: Path, name: str = "jz.jsonl") -> Path:
    path = tmp_path / name
    summary = backup_service.backup(engine, path, now=NOW + timedelta(hours=1), actor="test")
    assert summary.schema == migrate.head_revision() and summary.tables["audit_log"] == 6
    assert not path.with_name(path.name + ".partial").exists()
    return path


def _assert_identical(source: Engine, target_url: str) -> Engine:
    target = make_engine(target_url)
    assert migrate.current_revision(target) == migrate.current_revision(source)
    assert dump_tables(target) == dump_tables(source)
    with make_sessionmaker(target)() as s:
        report = audit.verify(s)
        assert report.ok and report.entries == 6
    return target


def test_backup_restores_an_identical_database(
    engine: Engine, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, empty_db: EmptyDb
) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path)
    target_url = empty_db(engine.dialect.name)
    summary = backup_service.restore(make_engine(target_url), path)
    assert summary.tables == {t: len(rows) for t, rows in dump_tables(engine).items()}
    target = _assert_identical(engine, target_url)
    assert backup_service.key_matches(target, vault) is True
    assert backup_service.key_matches(target, Vault(b"another key")) is False
    with make_sessionmaker(target)() as s, s.begin():  # ids continue after the restored ones
        subject = Subject(kind="company", created_at=NOW)
        s.add(subject)
        s.flush()
        assert subject.id == s.scalar(select(func.max(Subject.id)))
        assert subject.id > 2
    target.dispose()


def test_restore_across_engines(
    engine: Engine, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, empty_db: EmptyDb
) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path, "jz.jsonl.gz")
    other = "postgresql" if engine.dialect.name == "sqlite" else "sqlite"
    target_url = empty_db(other)
    backup_service.restore(make_engine(target_url), path)
    _assert_identical(engine, target_url).dispose()


def test_restore_refuses_a_database_with_rows(
    engine: Engine, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path
) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path)
    before = dump_tables(engine)
    with pytest.raises(Conflict) as caught:
        backup_service.restore(engine, path)
    assert caught.value.code == "backup.target_not_empty"
    assert dump_tables(engine) == before


def _rewrite(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")


def _with_schema(revision: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        header = json.loads(lines[0])
        header["schema"] = revision
        return [json.dumps(header) + "\n", *lines[1:]]

    return edit


@pytest.mark.parametrize(
    ("edit", "error", "code"),
    [
        (lambda lines: lines[:-1], Invalid, "backup.truncated"),
        (lambda lines: lines[: len(lines) // 2], Invalid, "backup.truncated"),
        (lambda lines: [ln for ln in lines if not ln.startswith('{"end":"users"')], Invalid, "backup.corrupt"),
        (lambda lines: [ln.replace('"table":"users"', '"table":"gone"') for ln in lines], Invalid,
         "backup.unknown_table"),
        (lambda lines: [*lines[:5], "[1,2\n", *lines[5:]], Invalid, "backup.corrupt"),
        (lambda lines: ["not json\n", *lines], Invalid, "backup.not_a_backup"),
        (_with_schema("0000deadbeef"), Conflict, "backup.unknown_schema"),
    ],
)
def test_a_bad_backup_file_changes_nothing(
    sessions: sessionmaker[Session], engine: Engine, vault: Vault, tmp_path: Path, empty_db: EmptyDb,
    edit: Callable[[list[str]], list[str]], error: type[Exception], code: str,
) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path)
    _rewrite(path, edit)
    target = make_engine(empty_db(engine.dialect.name))
    with pytest.raises(error) as caught:
        backup_service.restore(target, path)
    assert getattr(caught.value, "code", None) == code
    if migrate.current_revision(target) is not None:
        assert all(rows == [] for rows in dump_tables(target).values())
    target.dispose()


def test_restore_refuses_a_different_schema_revision(
    sessions: sessionmaker[Session], engine: Engine, vault: Vault, tmp_path: Path, empty_db: EmptyDb
) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path)
    _rewrite(path, _with_schema("0000deadbeef"))
    target = make_engine(empty_db(engine.dialect.name))
    migrate.upgrade(target)
    with pytest.raises(Conflict) as caught:
        backup_service.restore(target, path)
    assert caught.value.code == "backup.schema_mismatch" and "jzcredit init" in caught.value.detail
    target.dispose()


def test_compressed_backup_is_gzip(engine: Engine, sessions: sessionmaker[Session], vault: Vault,
                                   tmp_path: Path) -> None:
    fill(sessions, vault)
    path = _backup(engine, tmp_path, "jz.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline())
    assert header["format"] == "jzcredit-backup" and header["schema"] == migrate.head_revision()
    assert "370102198001011234" not in gzip.decompress(path.read_bytes()).decode("utf-8")
