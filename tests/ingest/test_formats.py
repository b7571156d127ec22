"""Every character a file holds comes back as it was (NUL and U+E000 alike), and JSONL rows: extra keys are
columns like any other, a nested object or list is ``unexpected_fields``, a lone surrogate ``malformed_json``."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PENALTY_HEADER

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.formats import open_table
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import reveal_row
from jzcredit.records.models import CreditRecord
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
USCC = "91370103WA000LH0YM"
PRIVATE_USE = "\ue000"


def run(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str) -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source="t", profile=None, actor="t", now=NOW,
                              rules=ingest_rules())


def test_csv_cells_keep_nul_and_private_use_characters_apart(tmp_path: Path) -> None:
    cells = [["a\x00b", f"a{PRIVATE_USE}b", f"{PRIVATE_USE}\x00{PRIVATE_USE}", "x\r\ny\x00"]]
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["h\x00", f"h{PRIVATE_USE}", "c", "d"], *cells])
    table = open_table(path)
    assert table.header == ["h\x00", f"h{PRIVATE_USE}", "c", "d"]
    assert [r.cells for r in table.open_rows(None)] == cells


def test_private_use_text_is_stored_and_nul_quarantined_each_kept_verbatim(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    content = f"罚款{PRIVATE_USE}自造字"
    rows = [[USCC, "公司", "罚1号", "2025-03-25", "罚款", content, "1", "局", ""],
            [USCC, "公司", "罚2号", "2025-03-25", "罚款", f"{content}\x00", "1", "局", ""],
            [USCC, "公司", "罚3号", "2025-02-30", "罚款", content, "1", "局", ""]]
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([PENALTY_HEADER, *rows])
    batch = run(sessions, vault, path, "penalties")
    assert (batch.accepted, batch.quarantined) == (1, 2)
    with sessions() as s:
        assert s.scalars(select(CreditRecord.content)).one() == content
        kept = {q.row_number: (q.reason, reveal_row(q.data_masked, q.private_cipher, vault))
                for q in s.scalars(select(QuarantinedRow))}
    assert kept == {2: ("nul_byte", dict(zip(PENALTY_HEADER, rows[1], strict=True))),
                    3: ("invalid_date", dict(zip(PENALTY_HEADER, rows[2], strict=True)))}


def test_jsonl_extra_keys_are_unmapped_columns_and_nested_values_are_unexpected_fields(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    lines = [json.dumps({"uscc": USCC, "year": 2024, "rating": "A"}),
             json.dumps({"uscc": USCC, "year": 2023, "rating": "B", "备注": "补报"}),
             json.dumps({"uscc": USCC, "year": 2022, "rating": "B", "name": {"zh": "公司"}, "tags": ["x"]})]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = run(sessions, vault, path, "tax_ratings")
    assert (batch.total, batch.accepted, batch.quarantined) == (3, 2, 1)
    assert batch.unmapped_columns == ["备注", "tags"]
    with sessions() as s:
        q = s.scalars(select(QuarantinedRow)).one()
        assert (q.row_number, q.reason, q.detail, q.data_masked) == (3, "unexpected_fields", "name、tags",
                                                                     {"_line": lines[2]})
        details = sorted(str(d) for d in s.scalars(select(CreditRecord.details)))
    assert "'extra': {'备注': '补报'}" in details[0] + details[1]


def test_a_jsonl_line_with_a_lone_surrogate_is_quarantined_not_a_crash(
        sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    lines = [json.dumps({"uscc": USCC, "year": 2024, "rating": "A", "name": "公司"}),
             json.dumps({"uscc": USCC, "year": 2023, "rating": "B", "name": "?"}).replace('"?"', '"\\ud800"')]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = run(sessions, vault, path, "tax_ratings")
    assert (batch.status, batch.accepted, batch.quarantined) == ("completed", 1, 1)
    with sessions() as s:
        q = s.scalars(select(QuarantinedRow)).one()
        assert (q.reason, q.data_masked) == ("malformed_json", {"_line": lines[1]})
