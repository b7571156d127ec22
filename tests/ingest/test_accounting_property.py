"""Property (spec 05 "nothing lost"): whatever mix of good and hostile rows a penalties file holds, and
whatever the chunk size, every row ends in exactly one bucket, quarantined rows are kept verbatim, and a
second run of the same file accepts nothing.

SQLite only: each example gets a fresh copy of the migrated template database.
"""

from __future__ import annotations

import csv
import random
import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests import factories
from tests.conftest import TEST_SECRET

from jzcredit.common import ids
from jzcredit.common.crypto import Vault
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import reveal_row
from jzcredit.records.models import CreditRecord
from jzcredit.rules import IngestRules, ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
VAULT = Vault(TEST_SECRET.encode())
HEADER = factories.PENALTY_HEADER  # subject_code, subject_name, doc_number, decided_on, … amount, authority, …
CODE, NAME, DOC, DECIDED, AMOUNT = 0, 1, 2, 3, 6
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _invalid(code: str) -> bool:
    for check in (ids.validate_uscc, ids.validate_id_number):
        try:
            check(code)
        except ids.InvalidIdentifier:
            continue
        return False
    return True


def _bad_codes(good: list[str]) -> list[str]:
    """Each good USCC with a wrong check character, plus codes of the wrong length and shape."""
    out = [code[:-1] + _USCC_ALPHABET[(_USCC_ALPHABET.index(code[-1]) + 1) % len(_USCC_ALPHABET)] for code in good]
    out += [good[0][:-1], good[0] + "1", "ABC", "3701**********"]
    assert all(_invalid(code) for code in out)
    return out


GOOD_CODES = [factories.uscc(random.Random(seed)) for seed in range(3)]
BAD_CODES = _bad_codes(GOOD_CODES)
BAD_DATES = ["05/06/2025", "5/6/2025", "2025-02-30", "2025-13-01", "二〇二五年十三月一日", "去年"]
BAD_AMOUNTS = ["12万", "-5", "1e5", "壹佰元", "NaN", "12.3.4"]
SCRIPT = "<script>alert('信用')</script>"
# Any text a provider may send, except lone surrogates (not encodable) and NUL (its own bad-row kind);
# private-use characters such as U+E000 (自造字) included, often.
_ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
TEXT = _ANY_TEXT | st.tuples(_ANY_TEXT, _ANY_TEXT).map(lambda parts: "\ue000".join(parts))
CONTENT = st.one_of(TEXT, st.just(SCRIPT), TEXT.map(lambda t: f"<script>{t}</script>"))
BAD_KINDS = ("bad_code", "bad_date", "bad_amount", "nul_byte", "wrong_count")


@st.composite
def good_row(draw: st.DrawFn) -> list[str]:
    day = draw(st.dates(date(2020, 1, 1), date(2025, 12, 31)))
    return [draw(st.sampled_from(GOOD_CODES)), draw(TEXT), "", day.isoformat(), "罚款", draw(CONTENT),
            str(draw(st.integers(0, 200_000))), draw(st.sampled_from(["测试市商务局", SCRIPT, ""])), ""]


def _spoil(draw: st.DrawFn, kind: str, cells: list[str]) -> list[str]:
    if kind == "bad_code":
        cells[CODE] = draw(st.sampled_from(BAD_CODES))
    elif kind == "bad_date":
        cells[DECIDED] = draw(st.sampled_from(BAD_DATES))
    elif kind == "bad_amount":
        cells[AMOUNT] = draw(st.sampled_from(BAD_AMOUNTS))
    elif kind == "nul_byte":
        col = draw(st.integers(0, len(cells) - 1))
        at = draw(st.integers(0, len(cells[col])))
        cells[col] = cells[col][:at] + "\x00" + cells[col][at:]
    elif draw(st.booleans()):  # wrong_count: cells added …
        cells = cells + draw(st.lists(TEXT, min_size=1, max_size=3))
    else:  # … or cut (the code cell stays, so the line is never blank)
        cells = cells[:draw(st.integers(1, len(cells) - 1))]
    return cells


@st.composite
def penalty_files(draw: st.DrawFn) -> tuple[list[list[str]], list[int | None]]:
    """Rows to write, and for each the good key it carries (``None`` for a row that must be quarantined)."""
    pool = draw(st.lists(good_row(), min_size=1, max_size=6))
    for i, cells in enumerate(pool):
        cells[DOC] = f"测商务罚〔2025〕{i}号"  # one key (and one fingerprint) per pool entry
    picks = draw(st.lists(st.tuples(st.sampled_from(("good", "good", *BAD_KINDS)), st.integers(0, len(pool) - 1)),
                          min_size=1, max_size=30))
    rows: list[list[str]] = []
    keys: list[int | None] = []
    for kind, i in picks:
        if kind == "good":  # a second pick of the same entry is an exact repeat
            rows.append(list(pool[i]))
            keys.append(i)
        else:
            rows.append(_spoil(draw, kind, list(pool[i])))
            keys.append(None)
    return rows, keys


def verbatim(cells: list[str]) -> dict[str, str]:
    """How a quarantined row is kept: by header name, missing cells empty, extra cells as column_N."""
    data = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(HEADER)}
    data.update({f"column_{i + 1}": cells[i] for i in range(len(HEADER), len(cells))})
    return data


def _run(sessions: sessionmaker[Session], path: Path, rules: IngestRules) -> Batch:
    return ingest.ingest_file(sessions, VAULT, path=path, kind="penalties", source="测试市商务局", profile=None,
                              actor="t", now=NOW, rules=rules)


def _check_first_run(sessions: sessionmaker[Session], batch: Batch, rows: list[list[str]],
                     keys: list[int | None]) -> None:
    bad = [n for n, key in enumerate(keys, start=1) if key is None]
    distinct = len({key for key in keys if key is not None})
    assert batch.total == len(rows)
    assert batch.accepted + batch.duplicates + batch.quarantined == len(rows)
    assert (batch.accepted, batch.duplicates, batch.quarantined) == (distinct, len(rows) - len(bad) - distinct,
                                                                     len(bad))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == distinct
        quarantined = s.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id)
                                .order_by(QuarantinedRow.row_number)).all()
        assert [q.row_number for q in quarantined] == bad
        for q in quarantined:
            assert q.reason
            assert reveal_row(q.data_masked, q.private_cipher, VAULT) == verbatim(rows[q.row_number - 1])


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(penalty_files(), st.integers(1, 7))
def test_every_row_of_a_hostile_file_lands_in_exactly_one_bucket(
        sqlite_template: Path, file: tuple[list[list[str]], list[int | None]], chunk_size: int) -> None:
    rows, keys = file
    rules = replace(ingest_rules(), chunk_size=chunk_size)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "jz.db"
        shutil.copyfile(sqlite_template, db)
        path = Path(tmp) / "penalties.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(HEADER)
            out.writerows(rows)
        engine = make_engine(f"sqlite:///{db}")
        try:
            sessions = make_sessionmaker(engine)
            _check_first_run(sessions, _run(sessions, path, rules), rows, keys)
            again = _run(sessions, path, rules)
            assert (again.total, again.accepted) == (len(rows), 0)
            bad = keys.count(None)
            assert (again.duplicates, again.quarantined) == (len(rows) - bad, bad)
        finally:
            engine.dispose()
