"""Linking, hostile rows, formats and resubmission of corrected rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PENALTY_HEADER, write_csv

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.records.models import CreditRecord, RecordSource
from jzcredit.registry.models import Company
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
WORKER_ID = "370102199006286365"
USCC = "91370103WA000LH0YM"


def run(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str, source: str = "t") -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source=source, profile=None, actor="t",
                              now=NOW, rules=ingest_rules())



def test_unknown_id_number_waits_unmatched_and_links_when_the_worker_registers(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    hc = write_csv(tmp_path / "hc.csv", ["id_number", "checked_on", "result", "valid_until", "institution"],
                   [[WORKER_ID, "2026-01-05", "合格", "2027-01-04", "济南市体检中心"]])
    batch = run(sessions, vault, hc, "health_checks")
    assert (batch.accepted, batch.unmatched) == (1, 1)
    with sessions() as s:
        assert s.scalars(select(CreditRecord)).one().subject_id is None
    workers = write_csv(tmp_path / "w.csv", ["id_number", "name", "phone", "consent_collect"],
                        [[WORKER_ID, "康梅", "15406264219", "是"]])
    assert run(sessions, vault, workers, "workers").accepted == 1
    with sessions() as s:
        assert s.scalars(select(CreditRecord)).one().subject_id is not None


def test_unknown_valid_uscc_creates_the_company_not_onboarded(sessions: sessionmaker[Session], vault: Vault,
                                                               tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PENALTY_HEADER,
                     [[USCC, "济南诚信家政服务有限公司", "罚1号", "2025-03-25", "罚款", "罚款", "8000", "局", ""]])
    batch = run(sessions, vault, path, "penalties")
    assert (batch.accepted, batch.companies_created) == (1, 1)
    with sessions() as s:
        company = s.scalars(select(Company)).one()
        assert company.name == "济南诚信家政服务有限公司" and company.onboarded_on is None


def test_same_fact_from_another_source_is_linked_not_duplicated(sessions: sessionmaker[Session], vault: Vault,
                                                                tmp_path: Path) -> None:
    row = [USCC, "济南诚信家政服务有限公司", "罚1号", "2025-03-25", "罚款", "罚款", "8000", "局", ""]
    path = write_csv(tmp_path / "p.csv", PENALTY_HEADER, [row])
    assert run(sessions, vault, path, "penalties", source="city").accepted == 1
    second = run(sessions, vault, path, "penalties", source="province")
    assert (second.accepted, second.duplicates) == (0, 1)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 1
        relations = sorted(s.scalars(select(RecordSource.relation)))
        assert relations == ["origin", "same_fact"]


def test_hostile_rows_are_quarantined_or_kept_verbatim(sessions: sessionmaker[Session], vault: Vault,
                                                       tmp_path: Path) -> None:
    script = "<script>alert('x')</script>' OR 1=1 --"
    rows = [
        [USCC, script, "罚1号", "2025-03-25", "罚款", script, "8000", "局", ""],
        [USCC, "名", "罚2号", "2025-03-25", "罚款", "x" * (10 * 1024 * 1024), "1", "局", ""],
        [USCC, "名", "罚3号", "2025-03-25", "罚款", "nul\x00byte", "1", "局", ""],
        [USCC, "名", "罚4号", "2025-03-25", "罚款", "ok", "not-money", "局", ""],
    ]
    path = write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows)
    batch = run(sessions, vault, path, "penalties")
    assert (batch.total, batch.accepted, batch.quarantined) == (4, 1, 3)
    with sessions() as s:
        assert s.scalars(select(CreditRecord.content)).one() == script
        reasons = sorted(s.scalars(select(QuarantinedRow.reason)))
        assert reasons == ["field_too_long", "invalid_amount", "nul_byte"]


def test_xlsx_and_jsonl_files_load_like_csv(sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(PENALTY_HEADER)
    ws.append([USCC, "公司", "罚1号", date(2025, 3, 25), "罚款", "罚款", 8000, "局", None])
    ws.append([USCC, "公司", "罚2号", 45741, "罚款", "罚款", 100, "局", None])
    wb.save(tmp_path / "p.xlsx")
    batch = run(sessions, vault, tmp_path / "p.xlsx", "penalties")
    assert (batch.total, batch.accepted) == (2, 2)
    lines = [json.dumps({"uscc": USCC, "year": 2025, "rating": "A"}), "{not json", json.dumps([1])]
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = run(sessions, vault, tmp_path / "t.jsonl", "tax_ratings")
    assert (batch.total, batch.accepted, batch.quarantined) == (3, 1, 2)


def test_corrected_quarantined_rows_can_be_resubmitted(sessions: sessionmaker[Session], vault: Vault,
                                                       tmp_path: Path) -> None:
    rows = [[USCC, "公司", "罚1号", "2025-02-30", "罚款", "罚款", "1", "局", ""],
            [USCC, "公司", "罚2号", "2025-03-01", "罚款", "罚款", "1", "局", ""]]
    batch = run(sessions, vault, write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), "penalties")
    assert batch.quarantined == 1
    with sessions() as s, s.begin():
        header, bad = ingest.export_quarantined(s, vault, batch_id=batch.id, actor="t", now=NOW)
    bad[0]["decided_on"] = "2025-02-28"
    fixed = tmp_path / "fixed.csv"
    write_csv(fixed, header, [[str(r[h]) for h in header] for r in bad])
    again = ingest.resubmit(sessions, vault, batch_id=batch.id, path=fixed, actor="t", now=NOW,
                            rules=ingest_rules())
    assert (again.total, again.accepted, again.resubmits_batch_id) == (1, 1, batch.id)
    assert again.unmapped_columns == []
    with sessions() as s:
        assert s.scalars(select(QuarantinedRow.status)).one() == "resubmitted"
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 2


def test_company_figures_and_ratings_dedupe_within_and_across_files(sessions: sessionmaker[Session], vault: Vault,
                                                                    tmp_path: Path) -> None:
    from jzcredit.registry.models import CompanyFigure, Rating

    payroll = write_csv(tmp_path / "pay.csv", ["uscc", "month", "headcount"],
                        [[USCC, "2025-01", "120"], [USCC, "2025-01", "120"], [USCC, "2025-02", "130"]])
    first = run(sessions, vault, payroll, "payroll_monthly")
    assert (first.accepted, first.duplicates) == (2, 1)
    changed = write_csv(tmp_path / "pay2.csv", ["uscc", "month", "headcount"], [[USCC, "2025-02", "131"]])
    assert run(sessions, vault, changed, "payroll_monthly").accepted == 1
    ratings = write_csv(tmp_path / "r.csv", ["uscc", "stars", "rated_on", "service_code"],
                        [[USCC, "5", "2026-01-02", "SO-1"], [USCC, "4", "2026-01-03", "SO-1"],
                         [USCC, "6", "2026-01-03", "SO-2"]])
    batch = run(sessions, vault, ratings, "ratings")
    assert (batch.accepted, batch.duplicates, batch.quarantined) == (1, 1, 1)
    with sessions() as s:
        assert sorted(s.scalars(select(CompanyFigure.value))) == ["120", "131"]
        rating = s.scalars(select(Rating)).one()
        assert rating.imported and rating.stars == 5
