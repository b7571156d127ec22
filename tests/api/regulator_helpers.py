"""A small world for the regulator API tests and the authorisation matrix.

Two companies in two provinces (A in 济南 370102, B in 深圳 440305), one worker employed by each, and one
user per role the matrix needs. ``SCOPE`` says, by hand from spec 02 "Users, roles, scopes", which of the
four subjects each user may see — written independently of ``api/policy.py`` so the test checks it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker

from jzcredit.api.app import create_app
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.finance.models import BankAuthorisation
from jzcredit.ingest.models import Batch
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company, WorkerCode
from jzcredit.users.models import User
from jzcredit.users.service import add_user

TODAY = date(2026, 6, 30)
NOW = datetime.combine(TODAY, time(10, 0), SHANGHAI)
SUBJECTS = ("A", "B", "W1", "W2")

# every principal of the matrix; "public" has no token
PRINCIPALS = ("admin", "regulator_national", "regulator_province", "regulator_city", "regulator_other",
              "company", "worker", "bank", "bank_unauthorised", "provider_penalty", "provider_any", "public")
ROLE_OF = {"admin": "admin", "regulator_national": "regulator", "regulator_province": "regulator",
           "regulator_city": "regulator", "regulator_other": "regulator", "company": "company", "worker": "worker",
           "bank": "bank", "bank_unauthorised": "bank", "provider_penalty": "provider", "provider_any": "provider",
           "public": "public"}
REGION_OF = {"regulator_national": "000000", "regulator_province": "370000", "regulator_city": "370100",
             "regulator_other": "440000"}
# who may see which subject (spec 02): region by prefix; a company itself and its current worker;
# a worker itself; a bank the companies that authorised it; a provider no subject at all
SCOPE: dict[str, frozenset[str]] = {
    "admin": frozenset(SUBJECTS), "regulator_national": frozenset(SUBJECTS),
    "regulator_province": frozenset({"A", "W1"}), "regulator_city": frozenset({"A", "W1"}),
    "regulator_other": frozenset({"B", "W2"}), "company": frozenset({"A", "W1"}), "worker": frozenset({"W1"}),
    "bank": frozenset({"A"}), "bank_unauthorised": frozenset(), "provider_penalty": frozenset(),
    "provider_any": frozenset(), "public": frozenset(),
}
OWN_SUBJECT = {"company": "A", "worker": "W1"}


@dataclass
class Who:
    name: str
    role: str
    token: str | None = None
    user_id: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.user_id}:{self.name}"


@dataclass
class World:
    sessions: sessionmaker[Session]
    vault: Vault
    ids: dict[str, int] = field(default_factory=dict)  # A, B, W1, W2 → subject id
    keys: dict[str, str] = field(default_factory=dict)  # USCC / worker code
    id_numbers: dict[str, str] = field(default_factory=dict)  # workers' clear ID numbers (for upload files)
    who: dict[str, Who] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)  # "provider_penalty" / "cli" → a batch it ran

    def subject_of(self, principal: str) -> int | None:
        own = OWN_SUBJECT.get(principal)
        return self.ids[own] if own else None


def _add_users(s: Session, world: World) -> None:
    for name in PRINCIPALS:
        role = ROLE_OF[name]
        if role == "public":
            world.who[name] = Who(name=name, role=role)
            continue
        user, token = add_user(s, vault=world.vault, role=role, name=name, now=NOW, region_code=REGION_OF.get(name),
                               subject_id=world.subject_of(name),
                               record_types=["penalty"] if name == "provider_penalty" else None)
        world.who[name] = Who(name=name, role=role, token=token, user_id=user.id)


def build_world(sessions: sessionmaker[Session], vault: Vault) -> World:
    world = World(sessions=sessions, vault=vault)
    with sessions() as s, s.begin():
        a = add_company(s, name="济南甲家政服务有限公司", region_code="370102")
        b = add_company(s, name="深圳乙家政服务有限公司", region_code="440305")
        w1 = add_worker(s, vault, employer=a, name="李小芳", region_code="370102")
        w2 = add_worker(s, vault, employer=b, name="王小红", region_code="440305")
        world.ids = {"A": a.subject_id, "B": b.subject_id, "W1": w1.subject_id, "W2": w2.subject_id}
        world.keys = {"A": a.uscc, "B": b.uscc}
        for name, worker in (("W1", w1), ("W2", w2)):
            world.keys[name] = s.scalars(select(WorkerCode.code).where(WorkerCode.worker_id == worker.subject_id)).one()
            world.id_numbers[name] = vault.decrypt(worker.id_cipher)
        _add_users(s, world)
        s.add(BankAuthorisation(company_id=a.subject_id, bank_user_id=world.who["bank"].user_id,
                                granted_at=NOW - timedelta(days=30), granted_by="company:test"))
        for owner in ("provider_penalty", "cli"):
            actor = world.who[owner].actor if owner in world.who else owner
            batch = Batch(kind="penalties", source="测试来源", filename="a.csv", file_sha256="0" * 64, actor=actor,
                          status="completed", started_at=NOW, finished_at=NOW)
            s.add(batch)
            s.flush()
            world.batches[owner] = batch.id
    return world


@contextmanager
def api_client(settings: Settings) -> Iterator[TestClient]:
    settings.now = NOW.strftime("%Y-%m-%dT%H:%M")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(name="world")
def world_fixture(sessions: sessionmaker[Session], vault: Vault) -> World:
    """The four subjects and one user per principal (import it, with ``client_fixture``, to use it)."""
    return build_world(sessions, vault)


@pytest.fixture(name="client")
def client_fixture(settings: Settings, world: World) -> Iterator[TestClient]:
    with api_client(settings) as c:
        yield c


def open_candidate(world: World, subject: str, *, list_name: str = "black", rule: str = "B1") -> tuple[int, int]:
    """An entry waiting for review for this subject (the open one, or a new one): ``(entry_id, version)``."""
    subject_id = world.ids[subject]
    with world.sessions() as s, s.begin():
        entry = s.scalar(select(ListEntry).where(ListEntry.subject_id == subject_id, ListEntry.list_name == list_name,
                                                 ListEntry.rule == rule, ListEntry.status == "candidate"))
        if entry is None:
            entry = ListEntry(list_name=list_name, subject_id=subject_id, rule=rule, basis=[], status="candidate",
                              proposed_at=NOW, proposed_by="test", version=1, details={"condition": "测试条件"})
            s.add(entry)
            s.flush()
        return entry.id, entry.version


def publish(world: World, subject: str, *, list_name: str = "black", rule: str = "B1") -> int:
    """A published entry in force today (for check 凡办必查)."""
    with world.sessions() as s, s.begin():
        entry = ListEntry(list_name=list_name, subject_id=world.ids[subject], rule=rule, basis=[],
                          status="published", proposed_at=NOW, proposed_by="test", version=2,
                          published_on=TODAY - timedelta(days=10), expires_on=TODAY + timedelta(days=365),
                          details={"condition": "测试条件"})
        s.add(entry)
        s.flush()
        return entry.id


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def penalty_file(uscc: str, doc_number: str = "济市监罚〔2026〕1号") -> bytes:
    return csv_bytes(["统一社会信用代码", "当事人名称", "行政处罚决定书文号", "处罚决定日期", "处罚内容", "罚款金额"],
                     [[uscc, "测试企业", doc_number, "2026-03-01", "未按规定公示信息", "2000"]])


def training_file(id_number: str, certificate: str = "PX-2026-0001") -> bytes:
    return csv_bytes(["身份证号码", "姓名", "培训课程", "培训学时", "结业日期", "培训证书编号"],
                     [[id_number, "李小芳", "母婴护理", "40", "2026-05-20", certificate]])


def company_uscc(sessions: sessionmaker[Session], subject_id: int) -> str:
    with sessions() as s:
        return s.get_one(Company, subject_id).uscc


def revoke(sessions: sessionmaker[Session], user_id: int | None, at: datetime) -> None:
    with sessions() as s, s.begin():
        s.get_one(User, user_id).revoked_at = at
