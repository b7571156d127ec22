"""P1 ingest: a 1,000,000-row penalty CSV with 5% dirty rows, against raw ``csv`` + one ``executemany``.

Our ingest runs in a child process so that its peak RSS can be read. The
baseline reads the same file with ``csv`` and inserts the raw rows with one
``executemany`` (no checks) into the same engine, in the same run.
``JZBENCH_ROWS`` shrinks the file; ``JZCREDIT_TEST_POSTGRES_URL`` adds PostgreSQL (P5).
"""

from __future__ import annotations

import csv
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from jzcredit.demo.penalties import PENALTY_HEADER, write_penalty_csv

BAR_RATIO = 0.5
BAR_RSS_MB = 300.0
SECRET = "bench-" + "k" * 40


def _rows() -> int:
    return int(os.environ.get("JZBENCH_ROWS", "1000000"))


def baseline_sqlite(path: Path, db: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(PENALTY_HEADER)))})")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(PENALTY_HEADER))})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def baseline_postgres(path: Path, url: str) -> float:
    start = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(PENALTY_HEADER)))})")
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            cur.executemany(f"INSERT INTO raw VALUES ({', '.join(['%s'] * len(PENALTY_HEADER))})", reader)
    return time.perf_counter() - start


def ours(path: Path, url: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of ``jzcredit ingest`` in a child process."""
    env = dict(os.environ, JZCREDIT_SECRET_KEY=SECRET)
    cli = [sys.executable, "-m", "jzcredit", "--db", url, "--as-of", "2026-06-30"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.Popen([*cli, "ingest", str(path), "--kind", "penalties", "--source", "bench"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"P1: ingest failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def report(engine: str, rows: int, base_s: float, our_s: float, rss_mb: float) -> None:
    ratio = base_s / our_s
    verdict = "PASS" if ratio >= BAR_RATIO and rss_mb <= BAR_RSS_MB else "FAIL"
    print(f"P1 ingest [{engine}] rows={rows} ours={rows / our_s:,.0f} rows/s baseline={rows / base_s:,.0f} rows/s "
          f"ratio={ratio:.3f} (bar >= {BAR_RATIO}) peak_rss={rss_mb:.0f} MB (bar <= {BAR_RSS_MB:.0f}) {verdict}",
          flush=True)


@contextmanager
def pg_schema(base: str) -> Iterator[tuple[str, str]]:
    """A fresh schema: (SQLAlchemy URL, libpq URL), dropped afterwards."""
    schema = "jzbench_" + secrets.token_hex(3)
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False),
               f"{libpq}?options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    rows = _rows()
    with tempfile.TemporaryDirectory(prefix="jzbench-p1-") as tmp:
        folder = Path(tmp)
        path = write_penalty_csv(folder / "penalties.csv", rows, dirty_every=20, companies=max(500, rows // 50))
        base_s = baseline_sqlite(path, folder / "baseline.db")
        our_s, rss = ours(path, f"sqlite:///{folder / 'ours.db'}")
        report("sqlite", rows, base_s, our_s, rss)
        pg = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
        if not pg:
            print("P1 ingest [postgresql] skipped: JZCREDIT_TEST_POSTGRES_URL is not set", flush=True)
            return
        with pg_schema(pg) as (sa_url, libpq_url):
            base_s = baseline_postgres(path, libpq_url)
        with pg_schema(pg) as (sa_url, _libpq):
            our_s, rss = ours(path, sa_url)
        report("postgresql", rows, base_s, our_s, rss)


if __name__ == "__main__":
    main()
