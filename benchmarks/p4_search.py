"""P4 search: ``GET /api/v1/public/companies?q=`` over 100,000 companies.

Data: ``jzcredit demo --companies 100000 --workers 100000`` (``JZBENCH_SEARCH_COMPANIES``,
``JZBENCH_SEARCH_WORKERS``, ``JZBENCH_SEED``), graded with ``evaluate --all``, cached in
``var/bench/``. Queries, drawn at random from the data: a company's full name (someone pasting
it), a four-character fragment of a name (``济南诚信`` — many matches, the slow case) and a USCC,
in the proportions 4:4:2.

Ours: ``jzcredit serve``; baseline: :mod:`benchmarks.bare_asgi` on the same uvicorn options doing
the plain SELECT (name contains the text or USCC equals it, first 20 by name, and the count).
The bar (p99 ≤ 30 ms) is judged on one client sending searches back to back — the time a search
takes; the same with 32 concurrent clients (as P3) is printed beside it. ``JZBENCH_SECONDS`` sets
each window; ``JZCREDIT_TEST_POSTGRES_URL`` adds PostgreSQL (P5).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
from pathlib import Path
from urllib.parse import quote

from benchmarks import p2_evaluate as p2
from benchmarks import p5_postgres as p5
from benchmarks import serving
from benchmarks.p1_ingest import pg_schema
from benchmarks.p3_lookup import seconds, warmup

BAR_P99_MS = 30.0
CONCURRENT = 32
SAMPLE = 3_000
BUILD_VERSION = 1
SEARCH_PATH = "/api/v1/public/companies?q={q}"


def _scale() -> tuple[int, int, int]:
    env = os.environ
    return (int(env.get("JZBENCH_SEARCH_COMPANIES", "100000")), int(env.get("JZBENCH_SEARCH_WORKERS", "100000")),
            int(env.get("JZBENCH_SEED", "1")))


def search_database() -> Path:
    """The demo at P4's scale, graded; built once and kept in ``var/bench/``."""
    companies, workers, seed = _scale()
    path = p2.CACHE / f"p4-v{BUILD_VERSION}-c{companies}-w{workers}-s{seed}.db"
    if path.exists():
        return path
    p2.CACHE.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for p in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        p.unlink(missing_ok=True)
    print(f"P4 search: building {path.name} (demo --companies {companies} --workers {workers} --seed {seed}, "
          "evaluate --all); cached for later runs", flush=True)
    url = f"sqlite:///{building}"
    p2.jzcredit(url, "init")
    p2.jzcredit(url, "demo", "--companies", str(companies), "--workers", str(workers), "--seed", str(seed))
    p2.jzcredit(url, "evaluate", "--all")
    with contextlib.closing(sqlite3.connect(building)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    building.rename(path)
    return path


def sample_queries(db: Path, count: int = SAMPLE) -> tuple[int, list[str]]:
    """How many companies there are, and ``count`` search texts: full names, fragments and USCCs."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT uscc, name FROM companies").fetchall()
    if not rows:
        raise SystemExit("P4: the database has no companies")
    rng = random.Random(4)
    queries = []
    for _ in range(count):
        uscc, name = rng.choice(rows)
        kind = rng.choices(("name", "fragment", "uscc"), (4, 4, 2))[0]
        queries.append(name if kind == "name" else uscc if kind == "uscc" else name[:4])
    return len(rows), queries


def _checked(_target: serving.Target, _status: int, body: bytes) -> str | None:
    """A search for something drawn from the data finds at least that."""
    answer = json.loads(body)
    return None if answer.get("items") else "no items for a text taken from the data"


def _load(port: int, queries: list[str], path: str, clients: int, server: serving.Server,
          check: bool) -> serving.LoadResult:
    rng = random.Random(clients)
    return serving.run_load(port, lambda: serving.Target(path.format(q=quote(rng.choice(queries)))),
                            clients=clients, seconds=seconds(), warmup=warmup(), server=server,
                            check=_checked if check else None)


def run(url: str, queries: list[str], *, ours: bool) -> dict[int, serving.LoadResult]:
    """One client, then 32, against ours or the baseline."""
    port = serving.free_port()
    with contextlib.ExitStack() as stack:
        if ours:
            config = stack.enter_context(p5.bench_config())
            command, ready, path = serving.ours_command(url, port, config), "/api/v1/health", SEARCH_PATH
        else:
            command, ready, path = serving.bare_command(url, port, "search"), "/health", "/search?q={q}"
        server = stack.enter_context(serving.serving(command, ready_path=ready, port=port))
        return {clients: _load(port, queries, path, clients, server, ours) for clients in (1, CONCURRENT)}


def measure(engine: str, url: str, companies: int, queries: list[str]) -> None:
    base = run(url, queries, ours=False)
    ours = run(url, queries, ours=True)
    ok = all(r.error_count == 0 for r in [*base.values(), *ours.values()])
    one, many = ours[1], ours[CONCURRENT]
    ratio = one.throughput / base[1].throughput if base[1].throughput else 0.0
    verdict = "PASS" if ok and one.percentile(99) <= BAR_P99_MS else "FAIL"
    print(f"P4 search [{engine}] ours: {one.summary()}; p99 bar <= {BAR_P99_MS:.0f} ms: {verdict}", flush=True)
    print(f"P4 search [{engine}] baseline bare ASGI: {base[1].summary()}", flush=True)
    print(f"P4 search [{engine}] ratio={ratio:.3f} (throughput of ours / baseline, one client) over "
          f"{companies:,} companies", flush=True)
    print(f"P4 search [{engine}] 32 clients: ours {many.summary()}; baseline {base[CONCURRENT].summary()}",
          flush=True)
    for result in [*ours.values(), *base.values()]:
        for sample in result.errors[:3]:
            print(f"P4 search [{engine}] error: {sample}", flush=True)


def main() -> None:
    db = search_database()
    companies, queries = sample_queries(db)
    measure("sqlite", f"sqlite:///{db}", companies, queries)
    pg = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
    if not pg:
        print("P4 search [postgresql] skipped: JZCREDIT_TEST_POSTGRES_URL is not set", flush=True)
        return
    with pg_schema(pg) as (sa_url, libpq_url):
        p2.jzcredit(sa_url, "init")
        p5.copy_everything(db, libpq_url)
        measure("postgresql", sa_url, companies, queries)


if __name__ == "__main__":
    main()
