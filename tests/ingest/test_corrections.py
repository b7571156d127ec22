"""Correcting quarantined rows: ``export`` numbers rows in the batch exported and takes every column any row has;
``resubmit`` finds its ``row`` column whatever its case and surrounding spaces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PENALTY_HEADER, write_csv

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
USCC = "91370103WA000LH0YM"



def penalty(doc: str, decided_on: str) -> list[str]:
    return [USCC, "公司", doc, decided_on, "罚款", "罚款", "1", "局", ""]


def export(sessions: sessionmaker[Session], vault: Vault, batch_id: int) -> tuple[list[str], list[dict[str, Any]]]:
    with sessions() as s, s.begin():
        return ingest.export_quarantined(s, vault, batch_id=batch_id, actor="t", now=NOW)


def resubmit(sessions: sessionmaker[Session], vault: Vault, batch_id: int, path: Path) -> Batch:
    return ingest.resubmit(sessions, vault, batch_id=batch_id, path=path, actor="t", now=NOW, rules=ingest_rules())


def as_file(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    return write_csv(path, header, [[str(r.get(h, "")) for h in header] for r in rows])


def test_export_of_a_resubmission_batch_gives_that_batchs_row_numbers(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    rows = [penalty("罚1号", "2025-03-01"), penalty("罚2号", "2025-03-01"), penalty("罚3号", "2025-02-30")]
    first = ingest.ingest_file(sessions, vault, path=write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows),
                               kind="penalties", source="t", profile=None, actor="t", now=NOW, rules=ingest_rules())
    header, bad = export(sessions, vault, first.id)
    assert [r["row"] for r in bad] == [3]
    bad[0]["decided_on"] = "2025-02-31"  # still wrong: quarantined again, as row 1 of the new batch
    second = resubmit(sessions, vault, first.id, as_file(tmp_path / "fix1.csv", header, bad))
    assert (second.total, second.quarantined) == (1, 1)

    header, bad = export(sessions, vault, second.id)
    assert header.count("row") == 1
    assert [r["row"] for r in bad] == [1], "the row of the batch exported, not the one the corrected file named"
    bad[0]["decided_on"] = "2025-02-28"
    third = resubmit(sessions, vault, second.id, as_file(tmp_path / "fix2.csv", header, bad))
    assert (third.total, third.accepted, third.quarantined) == (1, 1, 0)
    with sessions() as s:
        assert s.scalars(select(QuarantinedRow.status).where(QuarantinedRow.batch_id == second.id)).one() \
            == "resubmitted"


def test_export_takes_the_columns_of_every_row_in_first_seen_order(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    lines = [json.dumps({"uscc": USCC, "year": 2024, "rating": "E"}), "{not json",
             json.dumps({"uscc": USCC, "year": 2025, "rating": "A", "name": "公司"}),
             json.dumps({"uscc": USCC, "year": 2023, "rating": "A", "name": {"first": "公"}})]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = ingest.ingest_file(sessions, vault, path=path, kind="tax_ratings", source="t", profile=None, actor="t",
                               now=NOW, rules=ingest_rules())
    assert (batch.total, batch.accepted, batch.quarantined) == (4, 1, 3)
    header, rows = export(sessions, vault, batch.id)
    assert header == ["row", "uscc", "year", "rating", "name", "_line"]
    assert [r["row"] for r in rows] == [1, 2, 4]
    assert rows[1] == {"row": 2, "_line": "{not json"}
    assert rows[2] == {"row": 4, "_line": lines[3]}


@pytest.mark.parametrize("row_header", ["row", " Row ", "ROW", "ｒｏｗ"])
def test_resubmit_finds_the_row_column_whatever_its_case_and_spaces(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, row_header: str) -> None:
    rows = [penalty("罚1号", "2025-02-30")]
    batch = ingest.ingest_file(sessions, vault, path=write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows),
                               kind="penalties", source="t", profile=None, actor="t", now=NOW, rules=ingest_rules())
    fixed = write_csv(tmp_path / "fixed.csv", [row_header, *PENALTY_HEADER], [["1", *penalty("罚1号", "2025-02-28")]])
    again = resubmit(sessions, vault, batch.id, fixed)
    assert (again.accepted, again.quarantined, again.unmapped_columns) == (1, 0, [])
