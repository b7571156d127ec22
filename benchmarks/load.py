"""Load: 64 concurrent clients for 60 s on the public pages and the public API, on loopback: no errors.

A fresh demo database (``jzcredit init``, ``demo``, ``evaluate --all``, ``lists propose``; the
size from ``JZBENCH_LOAD_COMPANIES`` / ``JZBENCH_LOAD_WORKERS``) served by ``jzcredit serve``.
Every client sends, back to back, requests drawn at random from :func:`targets` — pages as a
browser asks for them, the public API as a program does, including look-ups of unknown codes
that must answer 404. An error is a connection failure, a time-out (10 s), any answer other
than the one expected, or a page whose HTML is not the zh-CN site. A route of the spec that this
version does not serve yet (the app's own "no such address" 404 before the load starts) is named
and left out, so that the line says what was covered. ``JZBENCH_LOAD_SECONDS`` and
``JZBENCH_LOAD_CLIENTS`` change the defaults; ``JZCREDIT_TEST_POSTGRES_URL`` adds PostgreSQL.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, text

from benchmarks import p2_evaluate as p2
from benchmarks import p5_postgres as p5
from benchmarks import serving
from benchmarks.p1_ingest import pg_schema
from jzcredit.db import normalise_url

CLIENTS = 64
SECONDS = 60.0
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
UNKNOWN_CODE = "JZ0000000000"
UNKNOWN_USCC = "91370100MA00000000"


@dataclass(frozen=True)
class Data:
    codes: list[str]
    usccs: list[str]
    names: list[str]


def settings() -> tuple[int, float, int, int]:
    env = os.environ
    return (int(env.get("JZBENCH_LOAD_CLIENTS", str(CLIENTS))), float(env.get("JZBENCH_LOAD_SECONDS", str(SECONDS))),
            int(env.get("JZBENCH_LOAD_COMPANIES", "200")), int(env.get("JZBENCH_LOAD_WORKERS", "5000")))


def prepare(url: str, companies: int, workers: int) -> Data:
    """A demo database at ``url``, graded and with list candidates, and what the clients will ask for."""
    p2.jzcredit(url, "init")
    p2.jzcredit(url, "demo", "--companies", str(companies), "--workers", str(workers), "--seed", "5")
    p2.jzcredit(url, "evaluate", "--all")
    p2.jzcredit(url, "lists", "propose")
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            codes = list(conn.execute(text("SELECT code FROM worker_codes WHERE status = 'active'")).scalars())
            rows = conn.execute(text("SELECT uscc, name FROM companies")).all()
    finally:
        engine.dispose()
    return Data(codes, [r[0] for r in rows], [r[1] for r in rows])


def targets(data: Data, rng: random.Random) -> list[tuple[str, Any]]:
    """(template, maker) for every public page and public API GET of the spec (§4.4, §4.5)."""
    def code() -> str:
        return rng.choice(data.codes)

    def uscc() -> str:
        return rng.choice(data.usccs)

    def name() -> str:
        return quote(rng.choice(data.names)[: rng.choice((2, 4, 40))])

    page, api = HTML, "application/json"
    return [
        ("/", lambda: serving.Target("/", accept=page)),
        ("/?q=", lambda: serving.Target(f"/?q={name()}", accept=page)),
        ("/w/{code}", lambda: serving.Target(f"/w/{code()}", accept=page)),
        ("/c/{uscc}", lambda: serving.Target(f"/c/{uscc()}", accept=page)),
        ("/lists/black", lambda: serving.Target("/lists/black", accept=page)),
        ("/lists/red", lambda: serving.Target("/lists/red", accept=page)),
        ("/stats", lambda: serving.Target("/stats", accept=page)),
        ("/complaints/new", lambda: serving.Target("/complaints/new", accept=page)),
        ("/w/{unknown}", lambda: serving.Target(f"/w/{UNKNOWN_CODE}", expect=404, accept=page)),
        ("/api/v1/health", lambda: serving.Target("/api/v1/health", accept=api)),
        ("/api/v1/public/workers/{code}", lambda: serving.Target(f"/api/v1/public/workers/{code()}", accept=api)),
        ("/api/v1/public/workers/{unknown}",
         lambda: serving.Target(f"/api/v1/public/workers/{UNKNOWN_CODE}", expect=404, accept=api)),
        ("/api/v1/public/companies/{uscc}", lambda: serving.Target(f"/api/v1/public/companies/{uscc()}", accept=api)),
        ("/api/v1/public/companies/{unknown}",
         lambda: serving.Target(f"/api/v1/public/companies/{UNKNOWN_USCC}", expect=404, accept=api)),
        ("/api/v1/public/companies?q=", lambda: serving.Target(f"/api/v1/public/companies?q={name()}", accept=api)),
        ("/api/v1/public/lists/red", lambda: serving.Target("/api/v1/public/lists/red", accept=api)),
        ("/api/v1/public/lists/black", lambda: serving.Target("/api/v1/public/lists/black", accept=api)),
    ]


def check(target: serving.Target, status: int, body: bytes) -> str | None:
    """Pages are the zh-CN site (errors included); API answers are JSON objects."""
    if target.accept == HTML:
        return None if b'<html lang="zh-CN">' in body else "not a zh-CN page"
    try:
        answer = json.loads(body)
    except ValueError:
        return "answer is not JSON"
    return None if isinstance(answer, dict) else "answer is not a JSON object"


def _not_built(port: int, target: serving.Target) -> bool:
    """The app's own answer for an address it does not serve (not a 404 of a route that exists)."""
    status, body = serving.fetch(port, target.path)
    if status != 404:
        return False
    answer = json.loads(body)
    return bool(answer.get("code") == "not_found" and str(answer.get("detail", "")).startswith("没有这个地址"))


def covered(port: int, data: Data, rng: random.Random) -> tuple[list[tuple[str, Any]], list[str]]:
    """The targets this version serves, and the templates of those it does not serve yet."""
    keep: list[tuple[str, Any]] = []
    missing: list[str] = []
    for template, make in targets(data, rng):
        if _not_built(port, make()):
            missing.append(template)
        else:
            keep.append((template, make))
    return keep, missing


def run(engine: str, url: str, clients: int, seconds: float, data: Data) -> serving.LoadResult:
    rng = random.Random(6)
    port = serving.free_port()
    with p5.bench_config() as config, serving.serving(serving.ours_command(url, port, config),
                                                      ready_path="/api/v1/health", port=port) as server:
        keep, missing = covered(port, data, rng)
        makers = [m for _t, m in keep]
        result = serving.run_load(port, lambda: rng.choice(makers)(), clients=clients, seconds=seconds,
                                  warmup=min(2.0, seconds), server=server, check=check)
    verdict = "PASS" if result.error_count == 0 and result.requests else "FAIL"
    print(f"Load public [{engine}] {len(data.codes):,} workers, {len(data.usccs):,} companies, "
          f"{len(keep)} kinds of request: {result.summary()} {verdict}", flush=True)
    print(f"Load public [{engine}] answers by status: "
          + ", ".join(f"{s}: {n:,}" for s, n in sorted(result.statuses.items())), flush=True)
    if missing:
        print(f"Load public [{engine}] not served by this version yet, left out: {', '.join(missing)}", flush=True)
    for sample in result.errors[:5]:
        print(f"Load public [{engine}] error: {sample}", flush=True)
    return result


def main() -> None:
    clients, seconds, companies, workers = settings()
    for engine, url in _each_database():
        data = prepare(url, companies, workers)
        run(engine, url, clients, seconds, data)


def _each_database() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="jzbench-load-") as tmp:
        yield "sqlite", f"sqlite:///{Path(tmp) / 'load.db'}"
    pg = os.environ.get("JZCREDIT_TEST_POSTGRES_URL")
    if not pg:
        print("Load public [postgresql] skipped: JZCREDIT_TEST_POSTGRES_URL is not set", flush=True)
        return
    with pg_schema(pg) as (sa_url, _libpq):
        yield "postgresql", sa_url


if __name__ == "__main__":
    main()
