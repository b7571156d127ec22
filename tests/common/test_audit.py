"""The audit hash chain: it verifies, and an edited, removed or appended-behind-its-back entry is found."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jzcredit.cli.main import app
from jzcredit.common import audit
from jzcredit.config import Settings

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
ENTRIES = 5


@pytest.fixture
def chain(sessions: sessionmaker[Session]) -> list[int]:
    """Five entries, appended in separate transactions as the platform does."""
    ids = []
    for i in range(ENTRIES):
        with sessions() as s, s.begin():
            entry = audit.append(s, actor=f"user:{i}", action="worker.read_private", obj=f"worker:{i}",
                                 now=NOW + timedelta(minutes=i), detail={"purpose": "核查", "n": i})
            ids.append(entry.id)
    return ids


def _verify(sessions: sessionmaker[Session]) -> audit.ChainReport:
    with sessions() as s:
        return audit.verify(s)


def _sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def test_empty_chain_verifies(sessions: sessionmaker[Session]) -> None:
    assert _verify(sessions) == audit.ChainReport(True, 0, None, None)


def test_chain_verifies(sessions: sessionmaker[Session], chain: list[int]) -> None:
    report = _verify(sessions)
    assert (report.ok, report.entries, report.first_bad) == (True, ENTRIES, None)
    with sessions() as s:
        entries = s.query(audit.AuditEntry).order_by(audit.AuditEntry.id).all()
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", '{"n":2,"purpose":"营销"}'), ("actor", "user:someone-else"), ("action", "worker.read"),
     ("object", "worker:99")],
)
def test_edited_entry_is_found(
    engine: Engine, sessions: sessionmaker[Session], chain: list[int], column: str, value: str
) -> None:
    _sql(engine, f'UPDATE audit_log SET "{column}" = :v WHERE id = :id', v=value, id=chain[2])
    report = _verify(sessions)
    assert not report.ok and report.first_bad == chain[2]


def test_edited_time_is_found(engine: Engine, sessions: sessionmaker[Session], chain: list[int]) -> None:
    with sessions() as s, s.begin():
        entry = s.get(audit.AuditEntry, chain[1])
        assert entry is not None
        entry.at = entry.at + timedelta(seconds=1)
    assert _verify(sessions).first_bad == chain[1]


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(
    engine: Engine, sessions: sessionmaker[Session], chain: list[int]
) -> None:
    with sessions() as s, s.begin():
        entry = s.get(audit.AuditEntry, chain[2])
        assert entry is not None
        entry.detail = '{"n":2,"purpose":"营销"}'
        entry.hash = audit.entry_hash(entry.prev_hash, entry.at, entry.actor, entry.action, entry.object, entry.detail)
    report = _verify(sessions)
    assert not report.ok and report.first_bad == chain[3]


def test_deleted_middle_entry_is_found(engine: Engine, sessions: sessionmaker[Session], chain: list[int]) -> None:
    _sql(engine, "DELETE FROM audit_log WHERE id = :id", id=chain[2])
    report = _verify(sessions)
    assert not report.ok and report.first_bad == chain[3]


def test_deleted_first_entry_is_found(engine: Engine, sessions: sessionmaker[Session], chain: list[int]) -> None:
    _sql(engine, "DELETE FROM audit_log WHERE id = :id", id=chain[0])
    report = _verify(sessions)
    assert not report.ok and report.first_bad == chain[1]


def test_deleted_last_entry_is_found(engine: Engine, sessions: sessionmaker[Session], chain: list[int]) -> None:
    _sql(engine, "DELETE FROM audit_log WHERE id = :id", id=chain[-1])
    report = _verify(sessions)
    assert not report.ok and report.entries == ENTRIES - 1
    assert report.problem is not None and "end" in report.problem


def test_entry_forged_behind_the_chain_head_is_found(
    engine: Engine, sessions: sessionmaker[Session], chain: list[int]
) -> None:
    with sessions() as s, s.begin():
        last = s.get(audit.AuditEntry, chain[-1])
        assert last is not None
        at = NOW + timedelta(hours=1)
        forged = audit.AuditEntry(at=at, actor="x", action="y", object="z", detail="{}", prev_hash=last.hash,
                                  hash=audit.entry_hash(last.hash, at, "x", "y", "z", "{}"))
        s.add(forged)
    assert not _verify(sessions).ok


def _cli_verify(settings: Settings) -> tuple[int, dict[str, object]]:
    assert settings.secret_key is not None
    result = CliRunner().invoke(app, ["--db", settings.database_url, "--json", "audit", "verify"],
                                env={"JZCREDIT_SECRET_KEY": settings.secret_key.get_secret_value()})
    return result.exit_code, json.loads(result.stdout)


def test_cli_audit_verify_exits_1_on_a_broken_chain(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], chain: list[int]
) -> None:
    code, out = _cli_verify(settings)
    assert code == 0 and out == {"ok": True, "entries": ENTRIES, "first_bad": None, "problem": None}
    _sql(engine, "UPDATE audit_log SET detail = :v WHERE id = :id", v="{}", id=chain[1])
    code, out = _cli_verify(settings)
    assert code == 1
    assert (out["ok"], out["entries"], out["first_bad"]) == (False, 2, chain[1])
