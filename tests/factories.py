"""Factories for test data: valid identifiers and real-format rows, reproducible by seed."""

from __future__ import annotations

import csv
import itertools
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.common.crypto import Vault
from jzcredit.common.ids import id_facts, make_id_number, make_uscc, mask_id_number, new_worker_code
from jzcredit.demo.penalties import PENALTY_HEADER, write_penalty_csv
from jzcredit.evaluation.models import Evaluation, EvaluationHead
from jzcredit.records.models import TYPES, CreditRecord
from jzcredit.registry.models import Company, Consent, Employment, Rating, Subject, Worker, WorkerCode

__all__ = ["PENALTY_HEADER", "add_company", "add_rating", "add_record", "add_worker", "id_number", "set_grade", "uscc",
           "write_csv", "write_penalty_csv"]

REGIONS = ["370102", "370103", "370104", "370105", "370112", "110105", "310104"]


def uscc(rng: random.Random) -> str:
    return make_uscc(rng, region_code=rng.choice(REGIONS))


def id_number(rng: random.Random) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
    return make_id_number(rng, region_code=rng.choice(REGIONS), birth_date=born, sex=rng.choice(["male", "female"]))


# --- subjects and records straight into the database (for evaluation, lists and workflow tests) ---

_seq = itertools.count(1)
_AT = datetime(2026, 1, 1, tzinfo=UTC)


def add_company(session: Session, *, uscc_code: str | None = None, name: str = "测试家政服务有限公司",
                region_code: str = "370102", established_on: date | None = date(2021, 3, 1),
                employment_model: str | None = "employee", onboarded_on: date | None = date(2024, 1, 1),
                legal_representative: str | None = "张三", address: str | None = "济南市历下区泉城路1号",
                categories: list[str] | None = None) -> Company:
    """A company on the platform (every basic field present unless given as None)."""
    code = uscc_code or make_uscc(random.Random(next(_seq)), region_code=region_code)
    subject = Subject(kind="company", created_at=_AT)
    session.add(subject)
    session.flush()
    company = Company(subject_id=subject.id, uscc=code, name=name, legal_representative=legal_representative,
                      address=address, region_code=region_code, established_on=established_on,
                      categories=categories or ["cleaning"], employment_model=employment_model,
                      onboarded_on=onboarded_on, status="active", created_by="test", updated_at=_AT)
    session.add(company)
    session.flush()
    return company


def add_worker(session: Session, vault: Vault, *, verified: bool = True, consents: tuple[str, ...] = ("collect",),
               employer: Company | None = None, start_on: date | None = date(2024, 1, 1), name: str = "李小芳",
               region_code: str = "370102", registered_poor: bool = False) -> Worker:
    """A worker with a card code, the given consents and (optionally) a current employment."""
    n = next(_seq)  # a distinct birth date per worker keeps ID numbers unique
    number = make_id_number(random.Random(n), region_code=region_code, birth_date=date(1970, 1, 1) + timedelta(n),
                            sex="female")
    facts = id_facts(number)
    subject = Subject(kind="worker", created_at=_AT)
    session.add(subject)
    session.flush()
    worker = Worker(subject_id=subject.id, id_hash=vault.lookup_hash(number), id_cipher=vault.encrypt(number),
                    id_masked=mask_id_number(number), birth_date=facts.birth_date, sex=facts.sex,
                    native_region=facts.native_region, name=name, categories=["cleaning"],
                    identity_verified_at=_AT if verified else None, identity_method="manual" if verified else None,
                    registered_poor=registered_poor, created_at=_AT, updated_at=_AT)
    session.add(worker)
    session.flush()
    session.add(WorkerCode(worker_id=worker.subject_id, code=new_worker_code(), status="active", issued_at=_AT))
    for scope in consents:
        session.add(Consent(worker_id=worker.subject_id, scope=scope, granted_at=_AT, source="test"))
    if employer is not None:
        session.add(Employment(worker_id=worker.subject_id, company_id=employer.subject_id, start_on=start_on,
                               source="test"))
    session.flush()
    return worker


def add_record(session: Session, subject_id: int | None, type_: str, *, decided_on: date,
               severity: str | None = None, status: str = "active", publish_until: date | None = None,
               valid_until: date | None = None, amount: str | None = None, category: str | None = None,
               details: dict[str, Any] | None = None, source: str = "test") -> CreditRecord:
    """A credit record as ingest would store it; category defaults to the type's, severity to general for negatives."""
    category = category or TYPES[type_]
    if category == "negative" and severity is None:
        severity = "general"
    n = next(_seq)
    record = CreditRecord(subject_id=subject_id, category=category, type=type_, severity=severity,
                          decided_on=decided_on, doc_number=f"测试〔{decided_on.year}〕{n}号", authority="测试机关",
                          content=f"{type_} {n}", amount=None if amount is None else Decimal(amount),
                          publish_from=decided_on, publish_until=publish_until, valid_until=valid_until,
                          status=status, source=source, source_key=f"k{n}", fingerprint=f"fp{n:060d}",
                          details=details or {}, created_at=_AT, updated_at=_AT)
    session.add(record)
    session.flush()
    return record


def add_rating(session: Session, company: Company, stars: int, *, rated_on: date,
               worker: Worker | None = None) -> Rating:
    rating = Rating(company_id=company.subject_id, worker_id=None if worker is None else worker.subject_id,
                    stars=stars, rated_on=rated_on, service_code=f"S{next(_seq)}", source="test")
    session.add(rating)
    session.flush()
    return rating


def set_grade(session: Session, subject_id: int, grade: str, *, score: int = 0, as_of: date = date(2026, 1, 1),
              model: str = "company-2026.1") -> EvaluationHead:
    """A stored evaluation with the given grade (for list and supervision tests that need a grade only)."""
    evaluation = Evaluation(subject_id=subject_id, model=model, as_of=as_of, computed_at=_AT, score=score,
                            grade=grade, factors=[], result_digest="test")
    session.add(evaluation)
    session.flush()
    head = session.get(EvaluationHead, subject_id)
    if head is None:
        head = EvaluationHead(subject_id=subject_id)
        session.add(head)
    head.evaluation_id, head.model, head.score, head.grade = evaluation.id, model, score, grade
    head.as_of, head.result_digest = as_of, "test"
    session.flush()
    return head


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A UTF-8 CSV file with a header row (the simplest file a provider sends)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path
