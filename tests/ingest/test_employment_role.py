"""The employment's role (岗位): stored from a file, updated by a later row, not cleared by an empty cell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import write_csv

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.registry.models import Employment
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
WORKER_ID = "370102199006286365"
USCC = "91370103WA000LH0YM"
HEADER = ["身份证号码", "统一社会信用代码", "入职日期", "离职日期", "岗位"]



def run(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str) -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source="济南市商务局", profile=None, actor="t",
                              now=NOW, rules=ingest_rules())


def employments(sessions: sessionmaker[Session]) -> list[tuple[date | None, date | None, str | None]]:
    with sessions() as s:
        return [(e.start_on, e.end_on, e.role) for e in s.scalars(select(Employment).order_by(Employment.id))]


def test_employment_role_is_stored_updated_and_not_cleared_by_an_empty_cell(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    workers = write_csv(tmp_path / "w.csv", ["id_number", "name"], [[WORKER_ID, "康梅"]])
    assert run(sessions, vault, workers, "workers").accepted == 1

    first = write_csv(tmp_path / "e1.csv", HEADER, [[WORKER_ID, USCC, "2024-01-15", "", "育婴员"]])
    batch = run(sessions, vault, first, "employments")
    assert (batch.accepted, batch.duplicates, batch.quarantined, batch.companies_created) == (1, 0, 0, 1)
    assert batch.unmapped_columns == []
    assert employments(sessions) == [(date(2024, 1, 15), None, "育婴员")]

    assert run(sessions, vault, first, "employments").duplicates == 1, "the same row again changes nothing"

    changed = write_csv(tmp_path / "e2.csv", HEADER, [[WORKER_ID, USCC, "2024-01-15", "", "养老护理员"]])
    assert run(sessions, vault, changed, "employments").accepted == 1
    ended = write_csv(tmp_path / "e3.csv", HEADER, [[WORKER_ID, USCC, "2024-01-15", "2025-06-30", ""]])
    assert run(sessions, vault, ended, "employments").accepted == 1
    assert employments(sessions) == [(date(2024, 1, 15), date(2025, 6, 30), "养老护理员")]


def test_a_role_longer_than_its_column_is_quarantined(sessions: sessionmaker[Session], vault: Vault,
                                                      tmp_path: Path) -> None:
    workers = write_csv(tmp_path / "w.csv", ["id_number", "name"], [[WORKER_ID, "康梅"]])
    run(sessions, vault, workers, "workers")
    path = write_csv(tmp_path / "e.csv", HEADER, [[WORKER_ID, USCC, "2024-01-15", "", "育" * 65]])
    batch = run(sessions, vault, path, "employments")
    assert (batch.accepted, batch.quarantined) == (0, 1)
    with sessions() as s:
        row = s.scalars(select(QuarantinedRow)).one()
        assert (row.reason, row.detail) == ("value_too_long", "role: > 64")
    assert employments(sessions) == []
