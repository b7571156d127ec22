"""The shared sample files give exactly the counts their README states, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord, MatchCandidate
from jzcredit.registry.models import Company, Worker
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
LOADS = [
    ("regions-poverty.csv", "regions", None, (4, 4, 0, 0)),
    ("companies.csv", "companies", None, (24, 24, 0, 0)),
    ("workers.csv", "workers", None, (80, 80, 0, 0)),
    ("penalties-shuanggongshi.gb18030.csv", "penalties", "penalty-shuanggongshi", (18, 14, 1, 3)),
    ("court-dishonest.csv", "dishonest_debtors", "court-dishonest", (6, 6, 0, 0)),
]


def load(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str, profile: str | None) -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source="sample", profile=profile,
                              actor="test", now=NOW, rules=ingest_rules())


def load_samples(sessions: sessionmaker[Session], vault: Vault, data: Path) -> list[Batch]:
    return [load(sessions, vault, data / name, kind, profile) for name, kind, profile, _ in LOADS]


def test_each_sample_file_gives_the_readme_counts(sessions: sessionmaker[Session], vault: Vault,
                                                  shared_data: Path) -> None:
    for batch, (name, _kind, _profile, want) in zip(load_samples(sessions, vault, shared_data), LOADS, strict=True):
        got = (batch.total, batch.accepted, batch.duplicates, batch.quarantined)
        assert got == want, name
        assert batch.accepted + batch.duplicates + batch.quarantined == batch.total


def test_penalty_quarantine_reasons_and_verbatim_rows(sessions: sessionmaker[Session], vault: Vault,
                                                      shared_data: Path) -> None:
    batches = load_samples(sessions, vault, shared_data)
    with sessions() as s:
        report = ingest.batch_report(s, batches[3].id)
    reasons = sorted(q["reason"] for q in report["quarantined_rows"])
    assert reasons == ["ambiguous_date", "invalid_date", "invalid_uscc"]
    for q in report["quarantined_rows"]:
        assert "处罚机关" in q["data"] and q["data"]["行政相对人名称"]


def test_second_run_of_the_same_file_changes_nothing(sessions: sessionmaker[Session], vault: Vault,
                                                     shared_data: Path) -> None:
    load_samples(sessions, vault, shared_data)
    with sessions() as s:
        before = (s.scalar(select(func.count()).select_from(CreditRecord)),
                  s.scalar(select(func.count()).select_from(Company)),
                  s.scalar(select(func.count()).select_from(Worker)))
    again = [load(sessions, vault, shared_data / n, k, p) for n, k, p, _ in LOADS]
    assert all(b.accepted == 0 for b in again)
    assert again[3].total == 18 and again[3].duplicates == 15 and again[3].quarantined == 3
    with sessions() as s:
        after = (s.scalar(select(func.count()).select_from(CreditRecord)),
                 s.scalar(select(func.count()).select_from(Company)),
                 s.scalar(select(func.count()).select_from(Worker)))
    assert after == before


def test_shuanggongshi_amounts_are_ten_thousands_and_set_severity(sessions: sessionmaker[Session], vault: Vault,
                                                                  shared_data: Path) -> None:
    load_samples(sessions, vault, shared_data)
    with sessions() as s:
        rec = s.scalars(select(CreditRecord).where(CreditRecord.doc_number == "济商务罚〔2025〕102号")).one()
        assert str(rec.amount) == "120000.00" and rec.severity == "serious"
        revoked = s.scalars(select(CreditRecord).where(CreditRecord.doc_number == "济商务罚〔2025〕103号")).one()
        assert revoked.severity == "serious"
        small = s.scalars(select(CreditRecord).where(CreditRecord.doc_number == "济商务罚〔2025〕101号")).one()
        assert small.severity == "general" and str(small.amount) == "8000.00"
        assert small.publish_until is not None and small.publish_until.year == small.decided_on.year + 1


def test_court_people_become_match_candidates_never_auto_linked(sessions: sessionmaker[Session], vault: Vault,
                                                                shared_data: Path) -> None:
    batches = load_samples(sessions, vault, shared_data)
    assert batches[4].match_candidates == 4
    with sessions() as s:
        people = s.scalars(select(CreditRecord).where(CreditRecord.type == "dishonest_debtor",
                                                      CreditRecord.subject_code_masked.like("%*%"))).all()
        assert len(people) == 4 and all(r.subject_id is None for r in people)
        companies = s.scalars(select(CreditRecord).where(CreditRecord.type == "dishonest_debtor",
                                                         CreditRecord.subject_id.is_not(None))).all()
        assert len(companies) == 2
        pending = records_service.list_matches(s)
        assert len(pending) == 4 and all(m["court_name"] == m["worker_name"] for m in pending)
    with sessions() as s, s.begin():
        records_service.decide_match(s, match_id=pending[0]["match_id"], confirm=True, actor="reg", now=NOW)
        records_service.decide_match(s, match_id=pending[1]["match_id"], confirm=False, actor="reg", now=NOW)
    with sessions() as s:
        linked = s.get_one(CreditRecord, pending[0]["record_id"])
        assert linked.subject_id is not None
        assert s.get_one(CreditRecord, pending[1]["record_id"]).subject_id is None
        assert s.scalar(select(func.count()).select_from(MatchCandidate)
                        .where(MatchCandidate.status == "pending")) == 2


def test_quarantined_rows_hide_private_numbers(sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "hc.csv"
    path.write_text("id_number,checked_on,result,valid_until,institution\n"
                    "370102196509109885,2025-13-01,pass,2026-01-01,某医院\n", encoding="utf-8")
    batch = ingest.ingest_file(sessions, vault, path=path, kind="health_checks", source="t", profile=None,
                               actor="t", now=NOW, rules=ingest_rules())
    assert batch.quarantined == 1
    with sessions() as s:
        q = s.scalars(select(QuarantinedRow)).one()
        assert "370102196509109885" not in str(q.data_masked)
        assert q.private_cipher and "370102196509109885" not in q.private_cipher
    with sessions() as s, s.begin():
        _header, rows = ingest.export_quarantined(s, vault, batch_id=batch.id, actor="t", now=NOW)
    assert rows[0]["id_number"] == "370102196509109885"


@pytest.mark.parametrize("kind", ["penalties"])
def test_nothing_is_written_for_a_refused_file(sessions: sessionmaker[Session], vault: Vault, tmp_path: Path,
                                               kind: str) -> None:
    from jzcredit.errors import Invalid

    cases = {
        "utf16.csv": "subject_code,decided_on\n".encode("utf-16"),
        "latin.csv": b"subject_code,decided_on\n\xff\xfe\xfa\x80\x81,2025-01-01\n",
        "empty.csv": b"",
        "header.csv": b"subject_code,subject_name,decided_on\n",
        "missing.csv": b"subject_name,decided_on\nA,2025-01-01\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(Invalid):
            ingest.ingest_file(sessions, vault, path=path, kind=kind, source="t", profile=None, actor="t",
                               now=NOW, rules=ingest_rules())
    for kind_, profile in (("nope", None), ("penalties", "nope"), ("companies", "penalty-shuanggongshi")):
        with pytest.raises(Invalid):
            ingest.ingest_file(sessions, vault, path=tmp_path / "missing.csv", kind=kind_, source="t",
                               profile=profile, actor="t", now=NOW, rules=ingest_rules())
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0
