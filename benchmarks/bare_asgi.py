"""The baseline server of P3 and P4: a bare ASGI app on the same stack (uvicorn, same options) as ``jzcredit serve``.

No framework, no ORM, no validation, no pool: one DB-API connection opened at start-up, the
query run inline on the event loop (it is one indexed look-up), the row turned into JSON.

- ``GET /w/{code}`` (P3): one worker by card code — the index on ``worker_codes.code``, then the
  worker's row by primary key — as JSON;
- ``GET /search?q=`` (P4): companies whose name contains ``q`` or whose USCC is ``q``, the first
  20 by name, with the total;
- ``GET /health``: 200 once the database answers.

``python -m benchmarks.bare_asgi --db URL --port P --query worker|search``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, unquote

import psycopg
from sqlalchemy.engine import make_url

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

WORKER_SQL = ("SELECT c.code, c.status, w.name, w.sex, w.birth_date, w.native_region, w.categories, "
              "w.identity_verified_at FROM worker_codes c JOIN workers w ON w.subject_id = c.worker_id "
              "WHERE c.code = {p}")
SEARCH_SQL = ("SELECT uscc, name, region_code FROM companies WHERE name LIKE {p} OR uscc = {p} "
              "ORDER BY name LIMIT 20")
SEARCH_COUNT_SQL = "SELECT count(*) FROM companies WHERE name LIKE {p} OR uscc = {p}"
SEARCH_LIMIT = 20


class Database:
    """One connection, SQLite or PostgreSQL, with the placeholder style of its driver."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self.conn: Any = sqlite3.connect(parsed.database or "", check_same_thread=False)
            self.mark = "?"
        else:
            libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(libpq, autocommit=True)
            self.mark = "%s"

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql.format(p=self.mark), params).fetchall())


def _masked(name: str) -> str:
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def worker(db: Database, code: str) -> tuple[int, Any]:
    found = db.rows(WORKER_SQL, code)
    if not found:
        return 404, {"detail": "not found"}
    code, status, name, sex, birth, region, categories, verified = found[0]
    return 200, {"worker_code": code, "card_status": status, "display_name": _masked(name), "sex": sex,
                 "birth_year": str(birth)[:4], "native_province": region[:2] + "0000",
                 "categories": json.loads(categories) if isinstance(categories, str) else categories,
                 "identity_verified": verified is not None}


def search(db: Database, q: str) -> tuple[int, Any]:
    like = "%" + q.replace("\\", "").replace("%", "").replace("_", "") + "%"
    items = db.rows(SEARCH_SQL, like, q)
    total = db.rows(SEARCH_COUNT_SQL, like, q)[0][0]
    return 200, {"items": [{"uscc": u, "name": n, "region_code": r} for u, n, r in items], "total": total,
                 "page": 1, "size": SEARCH_LIMIT}


def make_app(url: str, query: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    db = Database(url)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        if path == "/health":
            status, body = 200, {"status": "ok", "rows": db.rows("SELECT 1")[0][0]}
        elif query == "worker" and path.startswith("/w/"):
            status, body = worker(db, unquote(path[3:]))
        elif query == "search" and path == "/search":
            q = parse_qs(scope["query_string"].decode()).get("q", [""])[0]
            status, body = search(db, q)
        else:
            status, body = 404, {"detail": "not found"}
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--query", choices=("worker", "search"), required=True)
    args = parser.parse_args()
    # the options of ``jzcredit serve`` (src/jzcredit/cli/serve.py), so only the app differs
    uvicorn.run(make_app(args.db, args.query), host="127.0.0.1", port=args.port, log_level="info",
                server_header=False)


if __name__ == "__main__":
    main()
