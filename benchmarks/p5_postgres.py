"""P5 PostgreSQL: P1–P4 again on PostgreSQL, side by side with SQLite.

Each benchmark runs on PostgreSQL itself when ``JZCREDIT_TEST_POSTGRES_URL`` is set (a fresh
schema per run, dropped afterwards) and prints a ``[postgresql]`` line under its ``[sqlite]``
line, with its own baseline measured on PostgreSQL. This module, run last by
``python -m benchmarks``, puts the headline figures of those lines in one table, SQLite beside
PostgreSQL. It also holds what the HTTP benchmarks need for PostgreSQL and for the server:
:func:`copy_everything` and :func:`bench_config`.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import yaml

from jzcredit.schema import metadata

ENGINES = ("sqlite", "postgresql")
LINE = re.compile(r"^(?P<bench>P\d \w+) \[(?P<engine>sqlite|postgresql)\] (?P<rest>.*)$")
FIGURES = (
    ("rate", re.compile(r"([\d,.]+ (?:rows|subjects|req)/s)")),
    ("p99", re.compile(r"p99=([\d.]+ ms)")),
    ("ratio", re.compile(r"ratio=([\d.]+)")),
    ("peak RSS", re.compile(r"peak_rss=(\d+ MB)")),
)
# What the benchmark server is configured with beyond the defaults: the loopback is a trusted proxy,
# so that the clients' X-Forwarded-For (benchmarks.serving.CONSUMERS) name the consumers and the
# rate limits stay on, per consumer, as in a deployment behind a proxy.
SERVER_CONFIG: dict[str, Any] = {"api": {"rate_limits": {"trusted_proxies": ["127.0.0.1/32"]}}}


def _label(bench: str, rest: str) -> str:
    head = rest.split(":", 1)[0] if ":" in rest.split("=", 1)[0] else ""
    return f"{bench} {head}".strip()


def side_by_side(lines: Sequence[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(label, figure, {engine: value}) for every headline figure of the benchmark lines."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in lines:
        m = LINE.match(line.strip())
        if not m:
            continue
        label = _label(m["bench"], m["rest"])
        for name, pattern in FIGURES:
            found = pattern.search(m["rest"])
            if found:
                rows.setdefault((label, name), {})[m["engine"]] = found.group(1)
    return [(label, name, values) for (label, name), values in rows.items()]


def main(lines: Sequence[str] | None = None) -> None:
    rows = side_by_side(lines or [])
    if not any("postgresql" in values for _l, _n, values in rows):
        print("P5 postgresql: no PostgreSQL figures in this run (set JZCREDIT_TEST_POSTGRES_URL and run "
              "`python -m benchmarks`, which runs P1–P4 on both engines)", flush=True)
        return
    width = max(len(f"{label} {name}") for label, name, _v in rows)
    print(f"P5 postgresql: side by side ({' | '.join(ENGINES)})", flush=True)
    for label, name, values in rows:
        cells = " | ".join(f"{values.get(engine, '—'):>16}" for engine in ENGINES)
        print(f"P5   {f'{label} {name}':<{width}}  {cells}", flush=True)


# --- helpers for the HTTP benchmarks ---------------------------------------------------------

def copy_everything(db: Path, libpq: str) -> None:
    """Every table's rows, evaluations included, from an SQLite file into a migrated PostgreSQL schema."""
    tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    with closing(sqlite3.connect(db)) as src, psycopg.connect(libpq) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC timestamps without a zone
        conn.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
        for table in tables:
            cols = ", ".join(f'"{c.name}"' for c in table.columns)
            with conn.cursor().copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {cols} FROM "{table.name}"'):
                    copy.write_row(row)
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement in (True, "auto"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                             f"coalesce(max(id), 0) + 1, false) FROM \"{table.name}\"")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


@contextmanager
def bench_config() -> Iterator[Path | None]:
    """A rules YAML for the server under test when it needs one (``SERVER_CONFIG``), else ``None``."""
    if not SERVER_CONFIG:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="jzbench-config-") as tmp:
        path = Path(tmp) / "bench.yml"
        path.write_text(yaml.safe_dump(SERVER_CONFIG, allow_unicode=True), encoding="utf-8")
        yield path
