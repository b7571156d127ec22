"""P3 lookup: ``GET /api/v1/public/workers/{code}`` over 1,000,000 workers, 32 concurrent clients.

Data: the P2 database (``jzcredit demo`` at ``JZBENCH_WORKERS`` / ``JZBENCH_COMPANIES`` /
``JZBENCH_SEED``, cached in ``var/bench/``), graded once with ``jzcredit evaluate --all`` so that
every card has its grade as in production; the graded copy is cached beside it.

Ours: ``jzcredit serve`` (uvicorn, one process) answering the public look-up of random card codes.
Baseline, in the same run on the same file: :mod:`benchmarks.bare_asgi` on the same uvicorn
options doing the one indexed SELECT of the worker by code and a JSON reply. Both are driven by the
same closed-loop client (:mod:`benchmarks.serving`), whose own ceiling on this machine is printed
first. ``JZBENCH_SECONDS`` sets the measured window (default 15 s after 2 s of warm-up);
``JZCREDIT_TEST_POSTGRES_URL`` adds PostgreSQL (P5): the graded file is copied into a fresh schema.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

from benchmarks import p2_evaluate as p2
from benchmarks import p5_postgres as p5
from benchmarks import serving
from benchmarks.p1_ingest import pg_schema

BAR_P99_MS = 20.0
BAR_RATIO = 0.5
CLIENTS = 32
SAMPLE = 20_000  # card codes drawn at random from the whole table
BUILD_VERSION = 1
WORKER_PATH = "/api/v1/public/workers/{code}"


def seconds() -> float:
    return float(os.environ.get("JZBENCH_SECONDS", "15"))


def warmup() -> float:
    return min(2.0, seconds())


def graded_database() -> Path:
    """The P2 database with every subject graded (built once from P2's cache and kept)."""
    size = p2._scale()
    facts = p2.cached_database(size)
    path = p2.CACHE / f"p3-v{BUILD_VERSION}-w{size.workers}-c{size.companies}-s{size.seed}.db"
    if path.exists():
        return path
    building = path.with_suffix(".building")
    for p in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        p.unlink(missing_ok=True)
    print(f"P3 lookup: grading a copy of {facts.name} once (evaluate --all); cached as {path.name}", flush=True)
    shutil.copyfile(facts, building)
    p2.jzcredit(f"sqlite:///{building}", "evaluate", "--all")
    with contextlib.closing(sqlite3.connect(building)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    building.rename(path)
    return path


def sample_codes(db: Path, count: int = SAMPLE) -> tuple[int, list[str]]:
    """How many workers there are, and ``count`` active card codes spread over the whole table."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        workers = int(conn.execute("SELECT count(*) FROM workers").fetchone()[0])
        top = int(conn.execute("SELECT coalesce(max(id), 0) FROM worker_codes").fetchone()[0])
        rng = random.Random(3)
        ids = sorted(rng.sample(range(1, top + 1), min(top, count * 2)))
        codes: list[str] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            codes += [r[0] for r in conn.execute(
                f"SELECT code FROM worker_codes WHERE status = 'active' AND id IN ({','.join('?' * len(chunk))})",
                chunk)]
    if not codes:
        raise SystemExit("P3: the database has no active worker codes")
    return workers, codes[:count]


def _checked(target: serving.Target, _status: int, body: bytes) -> str | None:
    """Ours must answer the card asked for (a wrong or empty answer would be fast and worthless)."""
    code = target.path.rsplit("/", 1)[1]
    got = json.loads(body).get("worker_code")
    return None if got == code else f"answered worker_code {got!r}"


def run_baseline(url: str, codes: list[str]) -> serving.LoadResult:
    rng = random.Random(1)
    port = serving.free_port()
    with serving.serving(serving.bare_command(url, port, "worker"), ready_path="/health", port=port) as server:
        return serving.run_load(port, lambda: serving.Target(f"/w/{rng.choice(codes)}"), clients=CLIENTS,
                                seconds=seconds(), warmup=warmup(), server=server)


def run_ours(url: str, codes: list[str]) -> serving.LoadResult:
    rng = random.Random(2)
    port = serving.free_port()
    with p5.bench_config() as config, serving.serving(serving.ours_command(url, port, config),
                                                      ready_path="/api/v1/health", port=port) as server:
        return serving.run_load(port, lambda: serving.Target(WORKER_PATH.format(code=rng.choice(codes))),
                                clients=CLIENTS, seconds=seconds(), warmup=warmup(), server=server,
                                check=_checked)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def measure(engine: str, url: str, workers: int, codes: list[str]) -> None:
    base = run_baseline(url, codes)
    ours = run_ours(url, codes)
    ratio = ours.throughput / base.throughput if base.throughput else 0.0
    p99 = ours.percentile(99)
    ok = ours.error_count == 0 and base.error_count == 0
    print(f"P3 lookup [{engine}] ours: {ours.summary()}; p99 bar <= {BAR_P99_MS:.0f} ms: "
          f"{_verdict(ok and p99 <= BAR_P99_MS)}", flush=True)
    print(f"P3 lookup [{engine}] baseline bare ASGI: {base.summary()}", flush=True)
    print(f"P3 lookup [{engine}] ratio={ratio:.3f} (throughput of ours / baseline, bar >= {BAR_RATIO}: "
          f"{_verdict(ok and ratio >= BAR_RATIO)}) over {workers:,} workers", flush=True)
    for sample in ours.errors[:3] + base.errors[:3]:
        print(f"P3 lookup [{engine}] error: {sample}", flush=True)


def main() -> None:
    db = graded_database()
    workers, codes = sample_codes(db)
    ceiling = serving.client_ceiling(CLIENTS, min(5.0, seconds()))
    print(f"P3 lookup: client alone against a constant answer: {ceiling.summary()}", flush=True)
    measure("sqlite", f"sqlite:///{db}", workers, codes)
    pg = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
    if not pg:
        print("P3 lookup [postgresql] skipped: JZCREDIT_TEST_POSTGRES_URL is not set", flush=True)
        return
    with pg_schema(pg) as (sa_url, libpq_url):
        p2.jzcredit(sa_url, "init")
        p5.copy_everything(db, libpq_url)
        measure("postgresql", sa_url, workers, codes)


if __name__ == "__main__":
    main()
