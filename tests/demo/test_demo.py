"""The demo loads realistic data of every kind through the real ingest, with every batch adding up."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.crypto import Vault
from jzcredit.common.ids import validate_id_number, validate_uscc
from jzcredit.demo import generator
from jzcredit.demo.load import DemoSize, load_demo, write_demo_files
from jzcredit.records.models import CreditRecord
from jzcredit.rules import ingest_rules
from jzcredit.users.models import User

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
SIZE = DemoSize(companies=20, workers=150, seed=3)


def test_demo_files_carry_valid_identifiers(tmp_path: Path) -> None:
    write_demo_files(tmp_path, SIZE, NOW)
    companies = (tmp_path / "companies.csv").read_text(encoding="utf-8").splitlines()[1:]
    workers = (tmp_path / "workers.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(companies) == SIZE.companies and len(workers) == SIZE.workers
    assert all(validate_uscc(line.split(",")[0]) for line in companies)
    assert all(validate_id_number(line.split(",")[0]) for line in workers)
    again = tmp_path / "again"
    again.mkdir()
    write_demo_files(again, SIZE, NOW)
    assert (again / "workers.csv").read_bytes() == (tmp_path / "workers.csv").read_bytes()


def test_demo_loads_every_kind_and_keeps_no_clear_id(sessions: sessionmaker[Session], vault: Vault,
                                                     db_url: str, tmp_path: Path) -> None:
    report = load_demo(sessions, vault, size=SIZE, now=NOW, rules=ingest_rules(), actor="test",
                       progress_for=lambda _label: None)
    assert [b["kind"] for b in report["batches"]] == [f.kind for f in generator.ORDER]
    for b in report["batches"]:
        assert b["accepted"] + b["duplicates"] + b["quarantined"] == b["total"] > 0, b
    with sessions() as s:
        types = set(s.scalars(select(distinct(CreditRecord.type))))
        assert {"license", "penalty", "commendation", "tax_rating", "health_check", "training",
                "background_check", "skill_certificate", "dishonest_debtor"} <= types
        assert {u.role for u in s.scalars(select(User))} == {"admin", "regulator", "bank", "company"}
    assert all(u["token"].startswith("jz_") for u in report["users"])
    if db_url.startswith("sqlite"):
        write_demo_files(tmp_path, SIZE, NOW)
        ids = [line.split(",")[0] for line in
               (tmp_path / "workers.csv").read_text(encoding="utf-8").splitlines()[1:]]
        db_file = Path(db_url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
        assert not [i for i in random.Random(1).sample(ids, 50) if i.encode() in blob]
