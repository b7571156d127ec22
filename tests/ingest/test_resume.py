"""A process killed with SIGKILL mid-ingest and run again ends in exactly the state of a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from tests.conftest import TEST_SECRET
from tests.factories import write_penalty_csv

from jzcredit.db import make_engine
from jzcredit.ingest.models import Batch
from jzcredit.schema import metadata

ROWS = 24_000
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
    subprocess.run(_cli(clean_url, config, "init"), env=_env(), check=True, capture_output=True)
    subprocess.run(_cli(clean_url, config, *args), env=_env(), check=True, capture_output=True)
    clean = make_engine(clean_url)
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
