"""Correcting one quarantined row by hand (the admin page's service) and the background run the upload page
polls: the corrected row goes through every ingest check, the original batch keeps honest counts, and a
file refused by the run writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PENALTY_HEADER, write_csv

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid
from jzcredit.ingest import batch_views, corrections
from jzcredit.ingest import service as ingest
from jzcredit.ingest.jobs import IngestJobs, RunRequest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.reasons import REASON_LABELS
from jzcredit.records.models import CreditRecord
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
USCC = "91370103WA000LH0YM"


def penalty(doc: str, decided_on: str) -> list[str]:
    return [USCC, "公司", doc, decided_on, "罚款", "罚款", "1", "局", ""]


def load(sessions: sessionmaker[Session], vault: Vault, path: Path) -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind="penalties", source="市场监管局", profile=None,
                              actor="regulator:1:甲", now=NOW, rules=ingest_rules())


def two_good_one_bad(tmp_path: Path) -> Path:
    rows = [penalty("罚1号", "2025-03-01"), penalty("罚2号", "2025-03-02"), penalty("罚3号", "2025-02-30")]
    return write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows)


def form(sessions: sessionmaker[Session], vault: Vault, batch_id: int, row: int) -> corrections.CorrectionForm:
    with sessions() as s, s.begin():
        return corrections.correction_form(s, vault, batch_id=batch_id, row=row, actor="regulator:1:甲", now=NOW)


def correct(sessions: sessionmaker[Session], vault: Vault, batch_id: int, row: int, values: dict[str, str]) -> Batch:
    return corrections.correct_row(sessions, vault, batch_id=batch_id, row=row, values=values,
                                   actor="regulator:1:甲", now=NOW, rules=ingest_rules())


def test_a_corrected_row_is_accepted_and_the_original_batch_keeps_its_counts(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    first = load(sessions, vault, two_good_one_bad(tmp_path))
    assert (first.total, first.accepted, first.quarantined) == (3, 2, 1)
    f = form(sessions, vault, first.id, 3)
    assert f.reason == "invalid_date" and f.status == "open"
    date_field = next(x for x in f.fields if x.name == "decided_on")
    assert date_field.value == "2025-02-30" and date_field.problem == REASON_LABELS["invalid_date"]
    assert [x.name for x in f.fields if x.problem] == ["decided_on"], "the reason sits by the field it names only"
    assert next(x for x in f.fields if x.name == "subject_code").required

    values = {x.name: x.value for x in f.fields} | {"decided_on": "2025-02-28"}
    fixed = correct(sessions, vault, first.id, 3, values)
    assert (fixed.total, fixed.accepted, fixed.duplicates, fixed.quarantined) == (1, 1, 0, 0)
    assert fixed.resubmits_batch_id == first.id
    with sessions() as s:
        original = s.get_one(Batch, first.id)
        assert (original.total, original.accepted, original.duplicates, original.quarantined) == (3, 2, 0, 1)
        q = s.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == first.id)).one()
        assert (q.status, q.resubmitted_in, q.data_masked["decided_on"]) == ("resubmitted", fixed.id, "2025-02-30")
        assert s.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.doc_number == "罚3号")) == 1
        assert corrections.outcome(s, fixed)["result"] == "accepted"
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "private.read")).all()
        assert any(e.object == f"batch:{first.id}" and json.loads(e.detail)["row"] == 3 for e in reads)
        page = batch_views.batch_page(s, batch_id=first.id)
        assert page["open"] == 0 and page["reasons"] == [{"reason": "invalid_date", "label": "日期不存在", "count": 1}]


def test_a_row_still_wrong_is_quarantined_again_with_its_new_reason(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    first = load(sessions, vault, two_good_one_bad(tmp_path))
    values = {x.name: x.value for x in form(sessions, vault, first.id, 3).fields}
    again = correct(sessions, vault, first.id, 3, values | {"decided_on": "2025-02-28", "subject_code": "123"})
    assert (again.total, again.accepted, again.quarantined) == (1, 0, 1)
    with sessions() as s:
        result = corrections.outcome(s, again)
    assert result == {"result": "quarantined", "batch_id": again.id, "row": 1, "reason": "invalid_uscc",
                      "reason_label": "统一社会信用代码无效"}
    f = form(sessions, vault, again.id, 1)
    assert [(x.name, x.value) for x in f.fields if x.problem] == [("subject_code", "123")]
    assert "row" not in [x.name for x in f.fields], "the correction file's own row column is not a field"
    fixed = correct(sessions, vault, again.id, 1, {x.name: x.value for x in f.fields} | {"subject_code": USCC})
    assert (fixed.accepted, fixed.resubmits_batch_id) == (1, again.id)


def test_a_correction_that_makes_a_duplicate_is_counted_as_one(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    first = load(sessions, vault, two_good_one_bad(tmp_path))
    values = {x.name: x.value for x in form(sessions, vault, first.id, 3).fields}
    dup = correct(sessions, vault, first.id, 3, values | {"doc_number": "罚1号", "decided_on": "2025-03-01"})
    assert (dup.total, dup.accepted, dup.duplicates, dup.quarantined) == (1, 0, 1, 0)


def test_a_row_is_corrected_once_and_only_with_its_own_fields(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    first = load(sessions, vault, two_good_one_bad(tmp_path))
    values = {x.name: x.value for x in form(sessions, vault, first.id, 3).fields} | {"decided_on": "2025-02-28"}
    with pytest.raises(Invalid, match="没有这些列"):
        correct(sessions, vault, first.id, 3, values | {"备注": "x"})
    with pytest.raises(Invalid, match="空的"):
        correct(sessions, vault, first.id, 3, dict.fromkeys(values, " "))
    correct(sessions, vault, first.id, 3, values)
    batches = _count(sessions, Batch)
    with pytest.raises(Conflict, match="已经更正提交过"):
        correct(sessions, vault, first.id, 3, values)
    assert _count(sessions, Batch) == batches, "a refused correction writes no batch"


def _count(sessions: sessionmaker[Session], table: type[Batch]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_an_unreadable_json_line_is_corrected_into_the_kinds_columns(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    good = json.dumps({"uscc": USCC, "year": 2024, "rating": "A"})
    path.write_text(f"{good}\n{{not json\n", encoding="utf-8")
    batch = ingest.ingest_file(sessions, vault, path=path, kind="tax_ratings", source="税务局", profile=None,
                               actor="t", now=NOW, rules=ingest_rules())
    assert (batch.accepted, batch.quarantined) == (1, 1)
    f = form(sessions, vault, batch.id, 2)
    assert f.raw_line == "{not json" and [x.name for x in f.fields] == ["uscc", "name", "year", "rating"]
    fixed = correct(sessions, vault, batch.id, 2, {"uscc": USCC, "year": "2025", "rating": "B"})
    assert fixed.accepted == 1


def run_job(sessions: sessionmaker[Session], vault: Vault, path: Path) -> IngestJobs:
    jobs = IngestJobs(sessions, vault)
    job = jobs.start(RunRequest(path=path, kind="penalties", source="市场监管局", profile=None, actor="regulator:1:甲",
                                now=NOW, rules=ingest_rules(), models=None), display_name=path.name)
    jobs.wait(job.id, timeout=60)
    return jobs


def test_a_background_run_reports_progress_to_100_and_the_batch_counts(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    path = two_good_one_bad(folder)
    size = path.stat().st_size
    jobs = run_job(sessions, vault, path)
    job = next(iter(jobs._jobs.values()))
    assert (job.phase, job.percent, job.done, job.total) == ("done", 100, size, size)
    assert job.summary is not None
    assert {k: job.summary[k] for k in ("total", "accepted", "duplicates", "quarantined")} == {
        "total": 3, "accepted": 2, "duplicates": 0, "quarantined": 1}
    assert not folder.exists(), "the uploaded copy is removed once the run ends"
    with pytest.raises(Exception, match="没有这个导入任务"):
        jobs.get(job.id, owner="regulator:2:乙")
    assert jobs.get(job.id, owner="regulator:1:甲") is job


def test_a_file_the_run_cannot_read_is_refused_with_nothing_written(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    path = folder / "p.csv"
    path.write_bytes(",".join(PENALTY_HEADER).encode("utf-16"))
    jobs = run_job(sessions, vault, path)
    job = next(iter(jobs._jobs.values()))
    assert job.phase == "refused" and job.batch_id is None
    assert job.message is not None and "编码无法识别" in job.message
    assert _count(sessions, Batch) == 0


def test_every_documented_quarantine_reason_has_words_for_the_pages() -> None:
    from tests.docs.test_docs_sync import code_reasons

    assert sorted(code_reasons() - set(REASON_LABELS)) == []
