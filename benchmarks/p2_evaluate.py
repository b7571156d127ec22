"""P2 evaluate: a full re-evaluation of 1,000,000 workers, 50,000 companies, ~3,000,000 records.

Data: ``jzcredit demo`` at the scale asked for (``JZBENCH_WORKERS``, ``JZBENCH_COMPANIES``,
``JZBENCH_SEED``), topped up through the real ingest with earlier health checks and
further trainings until there are about three credit records per subject (the demo
alone makes about 2.2). The built SQLite file is cached in ``var/bench/`` keyed by
scale and seed, because building it at full scale takes well over ten minutes; each
run works on a copy, so every run starts with no evaluations at all.

Ours: ``jzcredit evaluate --all`` in a child process (its peak RSS is read), then the
same again with nothing changed, then ``evaluate --due`` after ``mark_due`` of 1% of
the subjects. Baseline, in the same run on the same file: one
``SELECT subject_id, count(*) FROM credit_records GROUP BY subject_id``, fully
fetched, as groups per second. ``JZCREDIT_TEST_POSTGRES_URL`` adds PostgreSQL (P5):
the same rows are copied from the cached file into a fresh schema with ``COPY``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
import psycopg
from sqlalchemy import func, select

from benchmarks.p1_ingest import pg_schema
from jzcredit.common.clock import current_time
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.demo import names
from jzcredit.demo.load import DemoSize, write_demo_files
from jzcredit.evaluation import service as evaluation
from jzcredit.registry.models import Subject
from jzcredit.schema import metadata

AS_OF = "2026-06-30"
BAR_RATE = 20_000.0
BAR_RATIO = 0.3
RECORDS_PER_SUBJECT = 3
DUE_SHARE = 100  # every 100th subject is marked due: 1%
BUILD_VERSION = 1  # bump when the data built below changes, so that old caches are not reused
SECRET = "bench-" + "k" * 40
CACHE = Path(__file__).resolve().parents[1] / "var" / "bench"


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float  # peak of the RSS added up over the CLI and its helpers (shared pages counted in each)
    pss_mb: float  # peak of the PSS added up: shared pages split between the processes that map them
    processes: int
    out: dict[str, Any]

    @property
    def memory(self) -> str:
        return f"peak_rss={self.rss_mb:.0f} MB (pss {self.pss_mb:.0f} MB, {self.processes} processes)"

    @property
    def rate(self) -> float:
        return int(self.out["evaluated"]) / self.seconds


def _scale() -> DemoSize:
    env = os.environ
    return DemoSize(companies=int(env.get("JZBENCH_COMPANIES", "50000")),
                    workers=int(env.get("JZBENCH_WORKERS", "1000000")), seed=int(env.get("JZBENCH_SEED", "1")))


def _tree_memory(proc: psutil.Process) -> tuple[int, int, int]:
    """RSS and PSS of a process and its children, added up, and how many processes there were."""
    rss = pss = count = 0
    with contextlib.suppress(psutil.Error):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                info = p.memory_full_info()
                rss, pss, count = rss + info.rss, pss + getattr(info, "pss", info.rss), count + 1
    return rss, pss, count


def jzcredit(url: str, *args: str) -> Run:
    """One ``jzcredit --json …`` in a child process: seconds, peak RSS (MB) and its JSON output.

    Memory is the peak of the child and all its helper processes together, sampled every 0.1 s.
    """
    env = dict(os.environ, JZCREDIT_SECRET_KEY=SECRET)
    cli = [sys.executable, "-m", "jzcredit", "--db", url, "--as-of", AS_OF, "--json", *args]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cli, env=env, stdout=out, stderr=subprocess.DEVNULL)
        watched, rss, pss, processes = psutil.Process(proc.pid), 0, 0, 0
        while proc.poll() is None:
            now_rss, now_pss, now_count = _tree_memory(watched)
            rss, pss, processes = max(rss, now_rss), max(pss, now_pss), max(processes, now_count)
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"P2: {' '.join(args)} failed with status {proc.returncode}")
    return Run(seconds, rss / 2**20, pss / 2**20, processes, json.loads(text) if text.strip() else {})


# --- data ------------------------------------------------------------------------------------

def write_topup(folder: Path, size: DemoSize, extra: int) -> list[tuple[Path, str, str]]:
    """``extra`` more worker records: an earlier health check, a further training (files, kind, source).

    The demo files are written again from the same seed, which gives back the ID
    numbers and check dates that the demo loaded; nothing is read from the database.
    """
    write_demo_files(folder, size, current_time(AS_OF))
    as_of = current_time(AS_OF).date()
    rng = random.Random(f"p2-topup-{size.seed}")
    with (folder / "health_checks.csv").open(encoding="utf-8") as fh:
        checks = sum(1 for _ in fh) - 1
    share_checks = min(1.0, extra * 0.55 / max(checks, 1))
    share_trainings = min(1.0, extra * 0.45 / max(size.workers, 1))
    earlier, more = folder / "topup-health_checks.csv", folder / "topup-trainings.csv"
    with (folder / "health_checks.csv").open(encoding="utf-8") as src, earlier.open("w", encoding="utf-8") as dst:
        out = csv.writer(dst)
        for row in csv.reader(src):
            if row[0] == "id_number":
                out.writerow(row)
            elif rng.random() < share_checks:
                checked = date.fromisoformat(row[1]) - timedelta(days=rng.randrange(330, 420))
                out.writerow([row[0], checked, rng.choices(["合格", "不合格"], [9, 1])[0],
                              checked + timedelta(days=365), rng.choice(names.HOSPITALS)])
    with (folder / "workers.csv").open(encoding="utf-8") as src, more.open("w", encoding="utf-8") as dst:
        out = csv.writer(dst)
        out.writerow(["id_number", "course", "hours", "completed_on", "institution", "certificate_number"])
        for i, row in enumerate(csv.reader(src)):
            if i and rng.random() < share_trainings:
                course, hours = rng.choice(names.TRAININGS)
                completed = as_of - timedelta(days=rng.randrange(30, 1500))
                out.writerow([row[0], course, hours, completed, "济南市家政职业培训学校", f"PXB{i:09d}"])
    return [(earlier, "health_checks", "演示:卫生健康"), (more, "trainings", "演示:人力资源社会保障")]


def build_sqlite(path: Path, size: DemoSize) -> None:
    """Demo data through the real ingest, topped up to ~3 records per subject; written to ``path`` last."""
    building = path.with_suffix(".building")
    for p in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        p.unlink(missing_ok=True)
    url = f"sqlite:///{building}"
    print(f"P2 evaluate: building {path.name} (demo --workers {size.workers} --companies {size.companies} "
          f"--seed {size.seed}); cached for later runs", flush=True)
    jzcredit(url, "init")
    jzcredit(url, "demo", "--companies", str(size.companies), "--workers", str(size.workers),
             "--seed", str(size.seed))
    conn = sqlite3.connect(building)
    have = conn.execute("SELECT count(*) FROM credit_records").fetchone()[0]
    conn.close()
    extra = RECORDS_PER_SUBJECT * (size.workers + size.companies) - have
    if extra > 0:
        with tempfile.TemporaryDirectory(prefix="jzbench-p2-", dir=CACHE) as tmp:
            for file, kind, source in write_topup(Path(tmp), size, extra):
                jzcredit(url, "ingest", str(file), "--kind", kind, "--source", source, "--no-evaluate")
    conn = sqlite3.connect(building)
    _no_evaluations(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")  # one file to copy; the app turns WAL on again
    conn.close()
    building.rename(path)


EVALUATION_TABLES = ("evaluation_due", "evaluation_heads", "evaluations")


def _no_evaluations(conn: sqlite3.Connection) -> None:
    """Facts only: whatever the ingest queued or evaluated is dropped, so every run starts alike."""
    for table in EVALUATION_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.commit()


def cached_database(size: DemoSize) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"p2-v{BUILD_VERSION}-w{size.workers}-c{size.companies}-s{size.seed}.db"
    if not path.exists():
        build_sqlite(path, size)
    return path


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    try:
        return {"companies": one("SELECT count(*) FROM companies"), "workers": one("SELECT count(*) FROM workers"),
                "records": one("SELECT count(*) FROM credit_records"),
                "matched": one("SELECT count(*) FROM credit_records WHERE subject_id IS NOT NULL")}
    finally:
        conn.close()


def copy_to_postgres(db: Path, libpq: str) -> None:
    """Every table's rows, verbatim, from the cached SQLite file into a migrated PostgreSQL schema."""
    src = sqlite3.connect(db)
    tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    with psycopg.connect(libpq) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC timestamps without a zone
        conn.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
        for table in tables:
            cols = ", ".join(f'"{c.name}"' for c in table.columns)
            rows = src.execute(f'SELECT {cols} FROM "{table.name}"')
            with conn.cursor().copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                             f"coalesce(max(id), 0) + 1, false) FROM \"{table.name}\"")
        for table in EVALUATION_TABLES:
            conn.execute(f'DELETE FROM "{table}"')
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    src.close()


# --- the runs --------------------------------------------------------------------------------

GROUP_BY = "SELECT subject_id, count(*) FROM credit_records GROUP BY subject_id"


def baseline_sqlite(db: Path) -> tuple[int, float]:
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    groups = len(conn.execute(GROUP_BY).fetchall())
    seconds = time.perf_counter() - start
    conn.close()
    return groups, seconds


def baseline_postgres(libpq: str) -> tuple[int, float]:
    with psycopg.connect(libpq) as conn:
        start = time.perf_counter()
        groups = len(conn.execute(GROUP_BY).fetchall())
        return groups, time.perf_counter() - start


def mark_one_percent(url: str) -> int:
    engine = make_engine(url)
    now = current_time(AS_OF)
    with make_sessionmaker(engine)() as session, session.begin():
        ids = list(session.scalars(select(Subject.id).where(Subject.kind.in_(("company", "worker")),
                                                            func.mod(Subject.id, DUE_SHARE) == 0)))
        evaluation.mark_due(session, subject_ids=ids, reason="bench", now=now)
    engine.dispose()
    return len(ids)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def measure(engine: str, url: str, baseline: tuple[int, float]) -> None:
    full = jzcredit(url, "evaluate", "--all")
    again = jzcredit(url, "evaluate", "--all")
    due = mark_one_percent(url)
    incremental = jzcredit(url, "evaluate", "--due")
    groups, base_s = baseline
    base_rate = groups / base_s
    ratio = full.rate / base_rate
    if full.out["changed"] != full.out["evaluated"]:
        raise SystemExit("P2: the first run did not write every evaluation; the copy was not empty")
    print(f"P2 evaluate [{engine}] full: {full.out['evaluated']:,} subjects in {full.seconds:.1f} s = "
          f"{full.rate:,.0f} subjects/s (bar >= {BAR_RATE:,.0f}: {_verdict(full.rate >= BAR_RATE)}) "
          f"baseline GROUP BY={base_rate:,.0f} groups/s ({groups:,} groups in {base_s:.2f} s) "
          f"ratio={ratio:.3f} (bar >= {BAR_RATIO}: {_verdict(ratio >= BAR_RATIO)}) {full.memory}", flush=True)
    print(f"P2 evaluate [{engine}] unchanged re-run: {again.rate:,.0f} subjects/s "
          f"(changed {again.out['changed']:,}) {again.memory}; "
          f"--due after marking {due:,} (1%): {incremental.out['evaluated']:,} in {incremental.seconds:.1f} s = "
          f"{incremental.rate:,.0f} subjects/s {incremental.memory}", flush=True)


def main() -> None:
    size = _scale()
    cached = cached_database(size)
    n = counts(cached)
    print(f"P2 evaluate: {n['companies']:,} companies, {n['workers']:,} workers, {n['records']:,} credit records "
          f"({n['matched']:,} matched to a subject; {n['records'] / (n['companies'] + n['workers']):.2f} per subject)",
          flush=True)
    work = CACHE / "p2-work.db"
    try:
        for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            p.unlink(missing_ok=True)  # a stale WAL beside a fresh copy would corrupt it
        shutil.copyfile(cached, work)
        with contextlib.closing(sqlite3.connect(work)) as conn:
            _no_evaluations(conn)
        os.sync()  # the copy's dirty pages are written now, not during the timed runs
        measure("sqlite", f"sqlite:///{work}", baseline_sqlite(work))
    finally:
        for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            p.unlink(missing_ok=True)
    pg = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
    if not pg:
        print("P2 evaluate [postgresql] skipped: JZCREDIT_TEST_POSTGRES_URL is not set", flush=True)
        return
    with pg_schema(pg) as (sa_url, libpq_url):
        jzcredit(sa_url, "init")
        copy_to_postgres(cached, libpq_url)
        measure("postgresql", sa_url, baseline_postgres(libpq_url))


if __name__ == "__main__":
    main()
