"""A worker whose card is valid on ``TODAY``, and the app over the test database, for the card tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker

from jzcredit.api.app import create_app
from jzcredit.cards.models import CardScan
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.registry.models import Company, Worker, WorkerCode

TODAY = date(2026, 6, 30)
NOW = datetime.combine(TODAY, time(10, 0), SHANGHAI)
HEALTH_UNTIL = date(2026, 12, 31)
BASE_URL = "https://jz.example.cn"


@dataclass
class CardWorld:
    company: Company
    worker: Worker
    code: str


def card_worker(s: Session, vault: Vault, *, name: str = "李小芳", consents: tuple[str, ...] = ("collect",),
                verified: bool = True, health_until: date | None = HEALTH_UNTIL, background: str | None = "clear",
                employer: Company | None = None) -> CardWorld:
    """A worker employed by a company, with a passed health check until ``health_until`` and a background check."""
    company = employer or add_company(s, name="济南好帮手家政服务有限公司", region_code="370102")
    worker = add_worker(s, vault, employer=company, name=name, consents=consents, verified=verified,
                        start_on=date(2025, 1, 1))
    if health_until is not None:
        add_record(s, worker.subject_id, "health_check", decided_on=date(2026, 1, 10), valid_until=health_until,
                   details={"result": "pass"})
    if background is not None:
        add_record(s, worker.subject_id, "background_check", decided_on=date(2026, 1, 5),
                   details={"result": background})
    code = s.scalars(select(WorkerCode.code).where(WorkerCode.worker_id == worker.subject_id)).one()
    return CardWorld(company, worker, code)


def app_settings(settings: Settings, *, now: datetime = NOW) -> Settings:
    """The test settings with the clock at ``now`` and this base URL."""
    return settings.model_copy(update={"now": now.strftime("%Y-%m-%dT%H:%M"), "base_url": BASE_URL})


@contextmanager
def client_at(settings: Settings, now: datetime = NOW) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(settings, now=now)), raise_server_exceptions=False) as client:
        yield client


def scan_verdicts(sessions: sessionmaker[Session], worker_id: int) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(CardScan.verdict).where(CardScan.worker_id == worker_id).order_by(CardScan.id)))
