"""Two instances on loopback: a city pushes its change feed to a province, the push is cut half-way, resumed,
and the province ends with the city's records; a further push sends nothing.

The city runs on both engines; the province is a SQLite database served by ``jzcredit serve`` (uvicorn) in
a child process. Between them a small proxy forwards each request, and once — after two chunks went
through — forwards the third to the province and then drops the connection without an answer: the province
kept that chunk, the city never heard so. That is the hardest interruption for a resumable push.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from benchmarks import serving
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker
from tests.feed.helpers import NOW, new_record, set_status
from typer.testing import CliRunner

from jzcredit.cli.main import app
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.feed.models import PushTarget, ReceivedChange, ReceivedRecord
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company
from jzcredit.registry.service import active_codes
from jzcredit.users.service import add_user

CHUNK = 3


class Proxy:
    """Forwards every request to ``upstream``; request number ``drop_at`` is forwarded, then cut unanswered."""

    def __init__(self, upstream: str, drop_at: int) -> None:
        self.upstream, self.drop_at, self.requests = upstream, drop_at, 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                proxy.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                answer = httpx.post(proxy.upstream + self.path, content=body, headers=headers, timeout=30)
                if proxy.requests == proxy.drop_at:
                    self.close_connection = True  # the province kept the chunk; its answer is lost
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers["content-type"])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((serving.HOST, 0), Handler)
        self.url = f"http://{serving.HOST}:{self.server.server_address[1]}"

    def __enter__(self) -> Proxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def province(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[sessionmaker[Session], str, str]]:
    """The province: its own SQLite database, a provider token for the city, served on a loopback port."""
    path = tmp_path / "province.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s, s.begin():
        _user, token = add_user(s, vault=Vault(serving.SECRET.encode()), role="provider", name="济南市平台", now=NOW)
    port = serving.free_port()
    with serving.serving(serving.ours_command(url, port), ready_path="/api/v1/health", port=port, timeout=60):
        yield sessions, f"http://{serving.HOST}:{port}", token
    engine.dispose()


def _city(sessions: sessionmaker[Session], vault: Vault) -> int:
    """Records of two companies and a worker, some changed more than once: the number of changes."""
    with sessions() as s, s.begin():
        jinan = add_company(s, name="济南家政服务有限公司", region_code="370102")
        other = add_company(s, name="历城家政服务有限公司", region_code="370112")
        worker = add_worker(s, vault, employer=jinan, name="李小芳")
        ids = [new_record(s, subject, kind).id for subject, kind in [
            (jinan.subject_id, "penalty"), (jinan.subject_id, "commendation"), (other.subject_id, "penalty"),
            (worker.subject_id, "complaint"), (worker.subject_id, "training"), (other.subject_id, "license")]]
        set_status(s, ids[0], "under_objection")
        set_status(s, ids[0], "revoked")
        set_status(s, ids[3], "under_objection")
        set_status(s, ids[3], "active")
        set_status(s, ids[2], "expired")
    return 11


def _push(settings: Settings, target: str, token: str) -> Any:
    env = {"JZCREDIT_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else ""}
    return CliRunner().invoke(app, ["--db", settings.database_url, "--as-of", "2026-06-30T10:00", "--json", "push",
                                    "--to", target, "--token", token, "--chunk", str(CHUNK)], env=env)


def _city_records(sessions: sessionmaker[Session]) -> dict[int, tuple[str, str, str]]:
    with sessions() as s:
        records = list(s.scalars(select(CreditRecord)))
        workers = active_codes(s, [r.subject_id for r in records if r.subject_id])
        usccs: dict[int, str] = {sid: code for sid, code in s.execute(select(Company.subject_id, Company.uscc))}
        return {r.id: (r.type, r.status, usccs.get(r.subject_id) or workers[r.subject_id])  # type: ignore[index]
                for r in records}


def test_an_interrupted_push_resumes_and_the_province_ends_with_the_city_records(
        settings: Settings, sessions: sessionmaker[Session], vault: Vault,
        province: tuple[sessionmaker[Session], str, str]) -> None:
    changes = _city(sessions, vault)
    prov_sessions, prov_url, token = province
    with Proxy(prov_url, drop_at=3) as proxy:
        cut = _push(settings, proxy.url, token)
        assert cut.exit_code == 1 and "再次运行 push 将从中断处继续" in cut.stderr, cut.output
        assert "Traceback" not in cut.output and cut.stdout == ""
        with sessions() as s:  # two chunks acknowledged; the third reached the province but not its answer
            assert s.scalar(select(PushTarget.acked_seq)) == 2 * CHUNK
        with prov_sessions() as s:
            assert len(list(s.scalars(select(ReceivedChange.id)))) == 3 * CHUNK

        resumed = _push(settings, proxy.url, token)
        assert resumed.exit_code == 0, resumed.output
        summary = json.loads(resumed.stdout)
        assert summary["duplicates"] == CHUNK and summary["received"] == changes - 3 * CHUNK
        assert summary["sent"] == changes - 2 * CHUNK and summary["acked_up_to"] == changes

        again = _push(settings, proxy.url, token)
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["sent"] == 0
        assert proxy.requests == 3 + 2  # the cut one, the two resumed chunks; nothing on the last push
    with prov_sessions() as s:
        received = {r.record_id: (r.type, r.status, r.subject_key) for r in s.scalars(select(ReceivedRecord))}
        assert len(list(s.scalars(select(ReceivedChange.id)))) == changes
        assert list(s.scalars(select(CreditRecord.id))) == []  # kept apart from the province's own records
    assert received == _city_records(sessions)
    assert received[min(received)][1] == "revoked"
