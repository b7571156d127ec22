"""A process killed with SIGKILL mid-ingest and run again ends in exactly the state of a clean run; a run stopped
by an unexpected error is marked failed, and running the same file again continues it the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import TEST_SECRET
from tests.factories import write_penalty_csv

from jzcredit import migrate
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.db import make_engine
from jzcredit.ingest import service as ingest
from jzcredit.ingest import writers
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.models import Batch
from jzcredit.ingest.writing import WriteContext
from jzcredit.records.models import CreditRecord
from jzcredit.rules import ingest_rules
from jzcredit.schema import metadata

ROWS = 24_000
NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
VOLATILE = {"id", "record_id", "subject_id", "batch_id", "worker_id", "company_id", "resubmitted_in"}
RANDOM = {"private_cipher", "id_cipher", "phone_cipher"}  # Fernet draws a fresh IV for every encryption


def _cli(url: str, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "jzcredit", "--db", url, "--config", str(config), "--as-of", "2026-06-30",
            *args]


def _env() -> dict[str, str]:
    return dict(os.environ, JZCREDIT_SECRET_KEY=TEST_SECRET)


def _dump(engine: Engine, keep_ids: bool) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            cols = [c for c in table.columns if (keep_ids or c.name not in VOLATILE) and c.name not in RANDOM]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def _rows_done(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(Batch.rows_done)).scalar() or 0)


def _second_db(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'clean.db'}"
    schema = "jzclean_" + os.urandom(3).hex()
    base = url.split("?")[0]
    with make_engine(base).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.mark.slow
def test_killed_ingest_resumes_to_the_state_of_a_clean_run(db_url: str, tmp_path: Path) -> None:
    csv_path = write_penalty_csv(tmp_path / "penalties.csv", ROWS)
    config = tmp_path / "rules.yml"
    config.write_text("ingest:\n  chunk_size: 300\n", encoding="utf-8")
    args = ("ingest", str(csv_path), "--kind", "penalties", "--source", "kill-test")
    engine = make_engine(db_url)
    proc = subprocess.Popen(_cli(db_url, config, *args), env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _rows_done(engine) < ROWS // 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed; make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _rows_done(engine)
    assert 0 < killed_at < ROWS
    subprocess.run(_cli(db_url, config, *args), env=_env(), check=True, capture_output=True)

    clean_url = _second_db(db_url, tmp_path)
    clean = make_engine(clean_url)
    migrate.upgrade(clean)  # as the fixture made the first database (``init`` would also audit the upgrade)
    subprocess.run(_cli(clean_url, config, *args), env=_env(), check=True, capture_output=True)
    keep_ids = db_url.startswith("sqlite")  # PostgreSQL sequences do not roll back; compare content there
    resumed_dump, clean_dump = _dump(engine, keep_ids), _dump(clean, keep_ids)
    assert resumed_dump["ingest_batches"] == clean_dump["ingest_batches"]
    assert resumed_dump == clean_dump
    with engine.connect() as conn:
        batch = conn.execute(select(Batch)).one()
    assert batch.total == ROWS and batch.accepted + batch.duplicates + batch.quarantined == ROWS
    engine.dispose()
    clean.dispose()
    if not keep_ids:
        schema = clean_url.rsplit("%3D", 1)[1]
        with make_engine(clean_url.split("?")[0]).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_an_unexpected_error_marks_the_batch_failed_and_the_same_file_continues_it(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv_path = write_penalty_csv(tmp_path / "penalties.csv", 10)
    rules = replace(ingest_rules(), chunk_size=4)
    write_records = writers.WRITERS[RecordDraft]
    calls = 0

    def fails_on_the_second_chunk(ctx: WriteContext, items: list[Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk full")
        return write_records(ctx, items)

    def load() -> Batch:
        return ingest.ingest_file(sessions, vault, path=csv_path, kind="penalties", source="fail-test", profile=None,
                                  actor="t", now=NOW, rules=rules)

    monkeypatch.setitem(writers.WRITERS, RecordDraft, fails_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        load()
    with sessions() as s:
        failed = s.scalars(select(Batch)).one()
        assert (failed.status, failed.rows_done, failed.total) == ("failed", 4, 4)
        assert failed.finished_at is not None
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0, "no ingest.batch entry for a failed run"
    monkeypatch.setitem(writers.WRITERS, RecordDraft, write_records)
    done = load()
    assert (done.id, done.status, done.total, done.rows_done) == (failed.id, "completed", 10, 10)
    assert done.accepted + done.duplicates + done.quarantined == 10
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 1
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == done.accepted
