"""Worker codes, consent history and subject keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.crypto import Vault
from jzcredit.common.ids import is_worker_code
from jzcredit.errors import NotFound
from jzcredit.ingest import service as ingest
from jzcredit.registry import service as registry
from jzcredit.registry.file import subject_file
from jzcredit.registry.models import Consent, Worker, WorkerCode
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
ID = "370102199006286365"
HEADER = "id_number,name,phone,consent_collect,consent_public_card,identity_verified_on,employer_uscc\n"


def load_worker(sessions: sessionmaker[Session], vault: Vault, tmp_path: Path, row: str, now: datetime) -> None:
    path = tmp_path / f"w{now.timestamp():.0f}.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    ingest.ingest_file(sessions, vault, path=path, kind="workers", source="t", profile=None, actor="t", now=now,
                       rules=ingest_rules())


def test_worker_facts_are_derived_and_code_is_random(sessions: sessionmaker[Session], vault: Vault,
                                                     tmp_path: Path) -> None:
    load_worker(sessions, vault, tmp_path, f"{ID},康梅,15406264219,是,否,2024-03-01,91370112EW83R1T90X", NOW)
    with sessions() as s:
        worker = s.scalars(select(Worker)).one()
        assert (worker.birth_date.isoformat(), worker.sex, worker.native_region) == ("1990-06-28", "female", "370102")
        assert worker.id_masked == "3701**********6365" and worker.phone_masked == "154****4219"
        code = s.scalars(select(WorkerCode.code)).one()
        assert is_worker_code(code) and "6365" not in code
        doc = subject_file(s, subject_id=worker.subject_id, now=NOW)
        assert doc["employments"][0]["company_uscc"] == "91370112EW83R1T90X"


def test_reissued_code_leaves_the_old_one_revoked_but_resolvable(sessions: sessionmaker[Session], vault: Vault,
                                                                tmp_path: Path) -> None:
    load_worker(sessions, vault, tmp_path, f"{ID},康梅,,是,否,,", NOW)
    with sessions() as s, s.begin():
        worker_id = s.scalars(select(Worker.subject_id)).one()
        old = registry.active_codes(s, [worker_id])[worker_id]
        new = registry.reissue_worker_code(s, worker_id=worker_id, now=NOW)
    assert new != old
    with sessions() as s:
        statuses = dict(s.execute(select(WorkerCode.code, WorkerCode.status)).all())
        assert statuses == {old: "revoked", new: "active"}
        assert registry.resolve_subject_key(s, vault=vault, key=old) == worker_id
        assert registry.resolve_subject_key(s, vault=vault, key=ID) == worker_id
        assert registry.subject_keys(s, [worker_id]) == {worker_id: new}


def test_consent_revocation_is_kept_as_history(sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> None:
    load_worker(sessions, vault, tmp_path, f"{ID},康梅,,是,是,,", NOW)
    later = NOW + timedelta(days=3)
    load_worker(sessions, vault, tmp_path, f"{ID},康梅,,是,否,,", later)
    with sessions() as s:
        rows = s.scalars(select(Consent).order_by(Consent.id)).all()
        assert [(c.scope, c.revoked_at) for c in rows] == [("collect", None), ("public_card", later)]


def test_unknown_keys_are_not_found_without_echoing_the_id(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s:
        with pytest.raises(NotFound) as err:
            registry.resolve_subject_key(s, vault=vault, key=ID)
        assert ID not in err.value.detail
        with pytest.raises(NotFound):
            registry.resolve_subject_key(s, vault=vault, key="not-a-key")
