"""A small town for the public API tests: two companies, a worker employed by the first, and helpers that
write list entries, grades and service codes straight into the database (the public API only reads them).

``api`` is a TestClient whose clock is ``NOW``, with rate limits off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import NOW, NOW_TEXT
from tests.factories import add_company, add_worker

from jzcredit.api.app import create_app
from jzcredit.common.crypto import Vault
from jzcredit.complaints import ratings as ratings_service
from jzcredit.complaints.models import Complaint, ServiceCode
from jzcredit.config import Settings
from jzcredit.evaluation.models import Evaluation, EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Rating, WorkerCode

TODAY = NOW.date()
FULL_ID = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")

# spec §4.4, "Public, no token" — the contract
CARD_FIELDS = {"worker_code", "display_name", "photo_url", "sex", "age", "native_province", "categories",
               "identity_verified", "health_check", "training_hours_2y", "skill_certificates", "background_check",
               "employers", "rating", "grade", "black_listed", "card_status", "as_of"}
REPORT_FIELDS = {"uscc", "name", "region_code", "categories", "employment_model", "established_on", "grade", "score",
                 "factors", "lists", "records", "rectifications", "complaints_365d", "rating", "workers"}


@pytest.fixture(name="api")
def api_fixture(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app at ``NOW`` with rate limits off: these tests send more forms than a person would
    (the limits have their own tests in ``tests/api/test_limits.py``)."""
    config = tmp_path / "no-limits.yml"
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
    settings.config, settings.now = config, NOW_TEXT
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Town:
    sessions: sessionmaker[Session]
    vault: Vault
    company_id: int
    uscc: str
    other_id: int
    other_uscc: str
    worker_id: int
    code: str
    id_number: str

    def code_of(self, worker_id: int) -> str:
        with self.sessions() as s:
            return s.scalars(select(WorkerCode.code).where(WorkerCode.worker_id == worker_id,
                                                           WorkerCode.status == "active")).one()


@pytest.fixture(name="town")
def town_fixture(sessions: sessionmaker[Session], vault: Vault) -> Town:
    with sessions() as s, s.begin():
        company = add_company(s, name="泉城家政服务有限公司", region_code="370102",
                              categories=["cleaning", "elderly_care"], established_on=date(2020, 5, 1))
        other = add_company(s, name="浦江家政服务有限公司", region_code="310104")
        worker = add_worker(s, vault, employer=company, name="张小芳")
        code = s.scalars(select(WorkerCode.code).where(WorkerCode.worker_id == worker.subject_id)).one()
        return Town(sessions=sessions, vault=vault, company_id=company.subject_id, uscc=company.uscc,
                    other_id=other.subject_id, other_uscc=other.uscc, worker_id=worker.subject_id, code=code,
                    id_number=vault.decrypt(worker.id_cipher))


def add_entry(s: Session, subject_id: int, list_name: str, *, status: str = "published", rule: str = "B1",
              published_on: date | None = TODAY - timedelta(days=10),
              expires_on: date | None = TODAY + timedelta(days=365)) -> ListEntry:
    entry = ListEntry(list_name=list_name, subject_id=subject_id, rule=rule, basis=[], status=status,
                      proposed_at=NOW, proposed_by="test", version=2,
                      published_on=published_on if status == "published" else None,
                      expires_on=expires_on if status == "published" else None, details={"condition": "测试条件"})
    s.add(entry)
    s.flush()
    return entry


def grade(s: Session, subject_id: int, letter: str, score: int, factors: list[dict[str, Any]],
          model: str = "company-2026.1") -> None:
    """A stored evaluation as the evaluator writes it (factors included)."""
    evaluation = Evaluation(subject_id=subject_id, model=model, as_of=TODAY, computed_at=NOW, score=score,
                            grade=letter, factors=factors, result_digest="test")
    s.add(evaluation)
    s.flush()
    head = s.get(EvaluationHead, subject_id) or EvaluationHead(subject_id=subject_id)
    s.add(head)
    head.evaluation_id, head.model, head.score, head.grade = evaluation.id, model, score, letter
    head.as_of, head.result_digest = TODAY, "test"
    s.flush()


def issue_code(town: Town, uscc: str, *, worker_code: str | None = None, expires_on: date | None = None) -> str:
    with town.sessions() as s, s.begin():
        row = ratings_service.issue_codes(s, vault=town.vault, company_uscc=uscc, now=NOW - timedelta(days=1),
                                          actor="company:test", worker_key=worker_code)[0]
        if expires_on is not None:
            row.expires_on = expires_on
        return row.code


def counts(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """What a refused form must leave as it was."""
    with sessions() as s:
        return {"ratings": s.scalar(select(func.count()).select_from(Rating)),
                "complaints": s.scalar(select(func.count()).select_from(Complaint)),
                "used_codes": s.scalar(select(func.count()).select_from(ServiceCode)
                                       .where(ServiceCode.used_at.is_not(None)))}
