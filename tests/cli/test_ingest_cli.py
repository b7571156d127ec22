"""The CLI contract for ingest, batches and show: JSON on stdout, exit codes, nothing private echoed, an export
audited only once written, messages that say what happened."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import TEST_SECRET

from jzcredit.common.audit import AuditEntry
from jzcredit.ingest.models import Batch

ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{5}(19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx](?![0-9])")
PHONE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def jz(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JZCREDIT_SECRET_KEY=TEST_SECRET)
    env.pop("JZCREDIT_NOW", None)
    return subprocess.run([sys.executable, "-m", "jzcredit", "--db", db_url, *args], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def loaded(db_url: str, shared_data: Path) -> str:
    for name, kind, profile in [("companies.csv", "companies", None), ("workers.csv", "workers", None),
                                ("penalties-shuanggongshi.gb18030.csv", "penalties", "penalty-shuanggongshi")]:
        cmd = ["--json", "ingest", str(shared_data / name), "--kind", kind, "--source", "cli"]
        p = jz(db_url, *cmd, *(["--profile", profile] if profile else []))
        assert p.returncode == 0, p.stderr
    return db_url


def test_ingest_json_summary_and_batches_show(loaded: str, shared_data: Path) -> None:
    p = jz(loaded, "--json", "batches", "show", "3")
    report = json.loads(p.stdout)
    assert {"batch_id", "total", "accepted", "duplicates", "quarantined"} <= report.keys()
    assert [q["row"] for q in report["quarantined_rows"]] and all(
        {"row", "reason", "data"} <= q.keys() for q in report["quarantined_rows"])


def test_no_private_number_in_any_output_or_the_database(loaded: str, shared_data: Path) -> None:
    private = set()
    for line in (shared_data / "workers.csv").read_text(encoding="utf-8").splitlines()[1:]:
        private.update(c for c in line.split(",") if ID_RE.fullmatch(c) or PHONE_RE.fullmatch(c))
    first_id = (shared_data / "workers.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    outputs = [jz(loaded, "--json", "show", first_id), jz(loaded, "show", first_id),
               jz(loaded, "--json", "batches", "show", "2"), jz(loaded, "--json", "batches", "show", "3")]
    for p in outputs:
        assert p.returncode == 0, p.stderr
        assert not [x for x in private if x in p.stdout + p.stderr]
    doc = json.loads(outputs[0].stdout)
    assert doc["kind"] == "worker" and doc["identifiers"]["id_number"].count("*") == 10
    if loaded.startswith("sqlite"):
        db_path = Path(loaded.removeprefix("sqlite:///"))
        blob = b"".join(f.read_bytes() for f in db_path.parent.glob(db_path.name + "*"))
        assert not [x for x in private if x.encode() in blob]


def test_private_view_needs_a_purpose_and_is_audited(loaded: str, shared_data: Path) -> None:
    first_id = (shared_data / "workers.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    refused = jz(loaded, "show", first_id, "--private")
    assert refused.returncode == 1 and "--purpose" in refused.stderr
    shown = jz(loaded, "--json", "show", first_id, "--private", "--purpose", "核查投诉")
    assert json.loads(shown.stdout)["private_identifiers"]["id_number"] == first_id
    audit = json.loads(jz(loaded, "--json", "audit", "verify").stdout)
    assert audit["ok"] is True and audit["entries"] >= 4


def test_user_errors_exit_1_with_one_line_and_usage_errors_exit_2(db_url: str, shared_data: Path,
                                                                  tmp_path: Path) -> None:
    sample = str(shared_data / "companies.csv")
    for args in (["ingest", sample, "--kind", "nope", "--source", "x"],
                 ["ingest", sample, "--kind", "penalties", "--source", "x"],
                 ["ingest", str(tmp_path / "absent.csv"), "--kind", "companies", "--source", "x"],
                 ["ingest", sample, "--kind", "companies", "--source", "x", "--profile", "nope"],
                 ["show", "91370103WA000LH0YM"]):
        p = jz(db_url, *args)
        assert p.returncode == 1, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert jz(db_url, "ingest", sample).returncode == 2


def test_a_source_too_long_for_its_columns_exits_1_with_one_line_and_writes_nothing(
        db_url: str, shared_data: Path, sessions: sessionmaker[Session]) -> None:
    p = jz(db_url, "ingest", str(shared_data / "workers.csv"), "--kind", "workers", "--source", "局" * 56)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "--source" in p.stderr and "55" in p.stderr
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0


def _private_reads(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "private.read")) or 0


def test_export_writes_rows_of_different_columns_and_audits_only_a_written_file(
        db_url: str, tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    uscc = "91370103WA000LH0YM"
    lines = [json.dumps({"uscc": uscc, "year": 2024, "rating": "E"}), "{not json"]
    source = tmp_path / "t.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = jz(db_url, "--json", "ingest", str(source), "--kind", "tax_ratings", "--source", "cli")
    assert p.returncode == 0 and json.loads(p.stdout)["quarantined"] == 2, p.stderr

    p = jz(db_url, "batches", "export", "1", "-o", str(tmp_path / "absent" / "out.csv"))
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
    assert _private_reads(sessions) == 0, "nothing was written, so nothing was read"
    assert not (tmp_path / "absent").exists()

    out = tmp_path / "out.csv"
    p = jz(db_url, "batches", "export", "1", "-o", str(out))
    assert p.returncode == 0, p.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [["row", "uscc", "year", "rating", "_line"], ["1", uscc, "2024", "E", ""],
                                        ["2", "", "", "", "{not json"]]
    assert _private_reads(sessions) == 1
    assert not list(tmp_path.glob("*.partial"))


def test_the_unmapped_columns_message_says_where_they_went(db_url: str, tmp_path: Path) -> None:
    uscc = "91370103WA000LH0YM"
    companies = tmp_path / "c.csv"
    companies.write_text(f"uscc,name,备注\n{uscc},公司,x\n", encoding="utf-8")
    p = jz(db_url, "ingest", str(companies), "--kind", "companies", "--source", "cli")
    assert p.returncode == 0 and "未映射的列（未导入）：备注" in p.stdout, p.stdout + p.stderr
    ratings = tmp_path / "t.csv"
    ratings.write_text(f"uscc,year,rating,备注\n{uscc},2024,A,x\n", encoding="utf-8")
    p = jz(db_url, "ingest", str(ratings), "--kind", "tax_ratings", "--source", "cli")
    assert p.returncode == 0 and "未映射的列（已保留在各条记录的详情 details.extra 中）：备注" in p.stdout, p.stdout
