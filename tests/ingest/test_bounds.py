"""Values that do not fit their column are quarantined (PostgreSQL would refuse them mid-chunk), on both engines;
a ``--source`` too long for the columns that store it is refused before anything is written; and every bounded
column that ingest writes is checked, so a new column cannot bring the problem back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import Numeric, String, func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import write_csv

from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid
from jzcredit.ingest import bounds
from jzcredit.ingest import service as ingest
from jzcredit.ingest.drafts import Draft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import reveal_row
from jzcredit.records.models import CreditRecord, MatchCandidate, RecordHistory, RecordSource
from jzcredit.registry.models import (
    Company,
    CompanyFigure,
    Consent,
    Employment,
    Rating,
    Region,
    Store,
    Subject,
    Worker,
    WorkerCode,
)
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
USCC = "91370103WA000LH0YM"
WORKER_ID = "370102199006286365"



def run(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str, source: str = "济南市商务局") -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source=source, profile=None, actor="t",
                              now=NOW, rules=ingest_rules())


def quarantined(sessions: sessionmaker[Session], vault: Vault, batch_id: int) -> list[tuple[str, str, dict[str, str]]]:
    with sessions() as s:
        rows = s.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
                         .order_by(QuarantinedRow.row_number))
        return [(q.reason, q.detail or "", reveal_row(q.data_masked, q.private_cipher, vault)) for q in rows]


# (kind, header, a good row, the column to spoil, the spoiled value, reason, detail)
TOO_BIG = [
    ("ratings", ["uscc", "stars", "rated_on", "service_code"], [USCC, "5", "2026-01-02", "SO-1"],
     "service_code", "S" * 65, "value_too_long", "service_code: > 64"),
    ("stores", ["uscc", "address", "area_m2", "opened_on"], [USCC, "历下区泉城路1号", "120", "2024-10-01"],
     "area_m2", "9" * 33, "invalid_number", "area_m2: > 32"),
    ("payroll_monthly", ["uscc", "month", "headcount"], [USCC, "2025-05", "42"],
     "headcount", "9" * 33, "invalid_number", "value: > 32"),
    ("revenue", ["uscc", "year", "revenue"], [USCC, "2024", "1000"],
     "revenue", "1" + "0" * 18, "invalid_amount", "revenue: 超过 18 位整数"),
    ("service_insurance", ["uscc", "year", "paid_cny"], [USCC, "2024", "1000"],
     "paid_cny", "1" + "0" * 30, "invalid_amount", "paid_cny: 超过 18 位整数"),
    ("penalties", ["subject_code", "decided_on", "amount"], [USCC, "2025-03-25", "8000"],
     "amount", "1" + "0" * 18, "invalid_amount", "amount: 超过 18 位整数"),
    ("employments", ["id_number", "uscc", "start_on", "role"], [WORKER_ID, USCC, "2024-01-15", "育婴员"],
     "role", "育" * 65, "value_too_long", "role: > 64"),
]


@pytest.mark.parametrize("kind,header,good,column,value,reason,detail", TOO_BIG, ids=[t[0] for t in TOO_BIG])
def test_a_value_too_big_for_its_column_is_quarantined_verbatim_and_the_batch_completes(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, kind: str, header: list[str],
        good: list[str], column: str, value: str, reason: str, detail: str) -> None:
    run(sessions, vault, write_csv(tmp_path / "w.csv", ["id_number", "name"], [[WORKER_ID, "康梅"]]), "workers")
    bad = [value if h == column else cell for h, cell in zip(header, good, strict=True)]
    batch = run(sessions, vault, write_csv(tmp_path / f"{kind}.csv", header, [good, bad]), kind)
    assert (batch.status, batch.total, batch.accepted, batch.quarantined) == ("completed", 2, 1, 1)
    assert quarantined(sessions, vault, batch.id) == [(reason, detail, dict(zip(header, bad, strict=True)))]


def test_an_amount_at_the_limit_is_stored_and_amounts_are_kept_to_the_fen(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    largest = "9" * 18 + ".99"  # NUMERIC(20, 2): PostgreSQL takes it (SQLite keeps it as a float, rounded)
    rows = [[USCC, "2025-03-25", f"罚{i}号", amount] for i, amount in enumerate(["1234.565", "0.1", largest])]
    batch = run(sessions, vault, write_csv(tmp_path / "p.csv", ["subject_code", "decided_on", "doc_number", "amount"],
                                           rows), "penalties")
    assert (batch.status, batch.accepted, batch.quarantined) == ("completed", 3, 0)
    with sessions() as s:
        amounts = sorted(s.scalars(select(CreditRecord.amount)))
    assert amounts[:2] == [Decimal("0.1"), Decimal("1234.57")]


def test_amount_cells_are_rounded_to_the_fen_half_up() -> None:
    def amount(cell: object) -> Decimal | None:
        return Row({"amount": cell}).amount("amount")

    assert amount("1,234.565元") == Decimal("1234.57")
    assert amount(0.1 + 0.2) == Decimal("0.30")  # a spreadsheet formula's binary noise
    assert amount("120000") == Decimal("120000") and str(amount("120000")) == "120000"
    assert Row({"amount": "0.0000125"}).amount("amount", unit=Decimal(10000)) == Decimal("0.13")
    with pytest.raises(RowRejected) as caught:
        Row({"amount": "1" + "0" * 15}).amount("amount", unit=Decimal(10000))  # 万元: 10^19 CNY
    assert (caught.value.reason, caught.value.detail) == ("invalid_amount", "amount: 超过 18 位整数")


def test_a_source_too_long_for_its_columns_is_refused_before_anything_is_written(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    limit = bounds.max_source_chars()
    assert limit == 64 - len("provider:")  # workers.identity_method is VARCHAR(64): provider:<source>
    workers = write_csv(tmp_path / "w.csv", ["id_number", "name", "identity_verified_on", "employer_uscc"],
                        [[WORKER_ID, "康梅", "2025-06-18", USCC]])
    with pytest.raises(Invalid) as caught:
        run(sessions, vault, workers, "workers", source="局" * (limit + 1))
    assert caught.value.code == "ingest.source_too_long"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0
    batch = run(sessions, vault, workers, "workers", source="局" * limit)  # the longest that fits every column
    assert (batch.status, batch.accepted, batch.companies_created) == ("completed", 1, 1)
    with sessions() as s:
        assert s.scalars(select(Company.created_by)).one() == "link:" + "局" * limit


# Bounded columns whose values the platform makes itself (codes, hashes, masked forms, statuses, names
# checked against a fixed list) and never takes from a file. A column missing from this list and from
# ingest/bounds.py fails the test below: say there where a file's value reaches it.
MADE_BY_THE_PLATFORM = {
    Batch.kind, Batch.profile, Batch.file_sha256, Batch.encoding, Batch.status, Batch.actor,
    QuarantinedRow.reason, QuarantinedRow.status,
    CreditRecord.status, CreditRecord.fingerprint, CreditRecord.subject_code_masked, CreditRecord.subject_id_hash,
    RecordSource.relation, RecordHistory.from_status, RecordHistory.to_status, RecordHistory.actor,
    MatchCandidate.status, MatchCandidate.decided_by, Subject.kind, Company.status,
    Worker.id_hash, Worker.id_masked, Worker.sex, Worker.native_region, Worker.phone_hash, Worker.phone_masked,
    WorkerCode.code, WorkerCode.status, Consent.scope,
}
INGEST_WRITES = [Batch, QuarantinedRow, CreditRecord, RecordSource, RecordHistory, MatchCandidate, Subject, Company,
                 Worker, WorkerCode, Employment, Consent, Region, CompanyFigure, Store, Rating]


def test_every_bounded_column_ingest_writes_is_checked_or_made_by_the_platform() -> None:
    bounded = {getattr(model, c.key) for model in INGEST_WRITES for c in model.__table__.columns
               if isinstance(c.type, Numeric) or (isinstance(c.type, String) and c.type.length)}
    from_files = {column for fields in bounds.DRAFT_COLUMNS.values() for column in fields.values()}
    from_source = {column for column, _prefix in bounds.SOURCE_COLUMNS}
    unaccounted = bounded - from_files - from_source - MADE_BY_THE_PLATFORM
    assert sorted(str(c) for c in unaccounted) == [], "map these in ingest/bounds.py (or list them above)"
    assert not (from_files | from_source) & MADE_BY_THE_PLATFORM


def test_every_draft_type_is_checked() -> None:
    assert set(get_args(Draft)) == set(bounds.DRAFT_COLUMNS)
