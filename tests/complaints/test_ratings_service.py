"""Service codes and ratings through the services, on both engines: no code, no rating."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import CFG, MODELS, at, code_of, party, snapshot
from tests.complaints.test_complaints_service import refused
from tests.factories import add_company, add_worker, write_csv

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import WORKER_CODE_ALPHABET
from jzcredit.complaints import ratings
from jzcredit.complaints.models import ServiceCode
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.ingest import service as ingest
from jzcredit.registry.models import Rating
from jzcredit.rules import ingest_rules

ISSUED = date(2026, 6, 1)


def issue(s: Session, vault: Vault, uscc: str, **kwargs: Any) -> list[ServiceCode]:
    return ratings.issue_codes(s, vault=vault, company_uscc=uscc, now=at(ISSUED), actor="企业", cfg=CFG, **kwargs)


def rate(s: Session, vault: Vault, uscc: str, code: str | None, stars: int = 5, day: date = ISSUED,
         **kwargs: Any) -> Rating:
    return ratings.add_rating(s, vault=vault, company_uscc=uscc, code=code, stars=stars, now=at(day), actor="消费者",
                              cfg=CFG, models=MODELS, **kwargs)


def test_issued_codes_are_random_unique_and_expire_after_the_setting(sessions: sessionmaker[Session],
                                                                     vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        many = issue(s, vault, company.uscc, count=20)
        assert len({c.code for c in many}) == 20
        assert all(c.code.startswith("PJ") and set(c.code[2:]) <= set(WORKER_CODE_ALPHABET) for c in many)
        assert {c.expires_on for c in many} == {ISSUED + timedelta(days=CFG.service_code_days)}
        (one,) = issue(s, vault, company.uscc, worker_key=code_of(s, worker), order_ref="SO-2026-0001")
        assert (one.worker_id, one.order_ref) == (worker.subject_id, "SO-2026-0001")
        listed = ratings.list_codes(s, company_uscc=company.uscc, as_of=ISSUED)
        assert len(listed) == 21 and {c["status"] for c in listed} == {"unused"}
        later = ISSUED + timedelta(days=CFG.service_code_days + 1)
        assert {c["status"] for c in ratings.list_codes(s, company_uscc=company.uscc, as_of=later)} == {"expired"}
        assert [a.detail.count("PJ") for a in s.scalars(select(AuditEntry))] == [0, 0]  # codes never in the log


def test_issuing_refusals_change_nothing(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        stranger = add_worker(s, vault, employer=add_company(s))
        issue(s, vault, company.uscc, order_ref="SO-1")
        uscc, stranger_code = company.uscc, code_of(s, stranger)
    refused(sessions, lambda s: issue(s, vault, uscc, count=0), Invalid, "--count")
    refused(sessions, lambda s: issue(s, vault, uscc, count=CFG.service_code_batch_max + 1), Invalid, "--count")
    refused(sessions, lambda s: issue(s, vault, uscc, order_ref="SO-1"), Conflict, "一单一码")
    refused(sessions, lambda s: issue(s, vault, uscc, order_ref="SO-2", count=2), Invalid, "一个订单只发一个")
    refused(sessions, lambda s: issue(s, vault, uscc, worker_key=stranger_code), Invalid, "不是本企业的在职人员")
    refused(sessions, lambda s: issue(s, vault, "123"), NotFound, "统一社会信用代码无效")


def test_a_rating_with_a_valid_code_is_kept_marks_the_code_and_regrades(sessions: sessionmaker[Session],
                                                                        vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        codes = issue(s, vault, company.uscc, worker_key=code_of(s, worker), count=3)
        last_day = ISSUED + timedelta(days=CFG.service_code_days)  # usable through expires_on
        made = [rate(s, vault, company.uscc, c.code.lower(), stars=5, day=last_day, comment="很好") for c in codes]
        for rating, code in zip(made, codes, strict=True):
            assert (rating.worker_id, rating.imported, rating.source, rating.service_code) == (
                worker.subject_id, False, "platform", code.code)
            assert code.used_at is not None and code.rating_id == rating.id
        for subject_id in (company.subject_id, worker.subject_id):
            current = evaluation.current(s, subject_id)
            assert current is not None and any(f["code"].endswith(".ratings") for f in current.factors)
        summary = ratings.ratings_for(s, subject_id=worker.subject_id)
        assert (summary["count"], summary["imported"], summary["average"]) == (3, 0, 5.0)
        assert {c["status"] for c in ratings.list_codes(s, company_uscc=company.uscc, as_of=last_day)} == {"used"}


def test_every_rating_refusal_changes_nothing(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        colleague = add_worker(s, vault, employer=company)
        other = add_company(s)
        keys = {"uscc": company.uscc, "worker": code_of(s, worker), "colleague": code_of(s, colleague)}
        keys["named"] = issue(s, vault, company.uscc, worker_key=keys["worker"])[0].code
        keys["plain"] = issue(s, vault, company.uscc)[0].code
        keys["used"] = issue(s, vault, company.uscc)[0].code
        keys["foreign"] = issue(s, vault, other.uscc)[0].code
        rate(s, vault, company.uscc, keys["used"])
    expired = ISSUED + timedelta(days=CFG.service_code_days + 1)

    def attempt(code: str | None, stars: int = 4, day: date = ISSUED, **kwargs: Any) -> Any:
        return lambda s: rate(s, vault, keys["uscc"], code, stars=stars, day=day, **kwargs)

    refused(sessions, attempt(None), Invalid, "没有服务评价码")
    refused(sessions, attempt("  "), Invalid, "没有服务评价码")
    refused(sessions, attempt("PJ0000000000AA"), NotFound, "没有这个评价码")
    refused(sessions, attempt(keys["used"]), Conflict, "使用过")
    refused(sessions, attempt(keys["plain"], day=expired), Conflict, "过期")
    refused(sessions, attempt(keys["foreign"]), Invalid, "不是所评价企业发放的")
    refused(sessions, attempt(keys["named"], worker_key=keys["colleague"]), Invalid, "另一位服务员")
    refused(sessions, attempt(keys["plain"], worker_key=keys["worker"]), Invalid, "没有指定服务员")
    refused(sessions, attempt(keys["plain"], stars=0), Invalid, "1 到 5")
    refused(sessions, attempt(keys["plain"], stars=6), Invalid, "1 到 5")
    refused(sessions, lambda s: rate(s, vault, "123", keys["plain"]), NotFound, "统一社会信用代码无效")


def test_imported_ratings_stay_marked_and_list_beside_code_ratings(sessions: sessionmaker[Session], vault: Vault,
                                                                   tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        uscc = company.uscc
        code = issue(s, vault, uscc)[0].code
    path = write_csv(tmp_path / "r.csv", ["uscc", "stars", "rated_on", "service_code"],
                     [[uscc, "3", "2025-05-01", "SO-1"], [uscc, "4", "2025-06-01", "SO-2"]])
    batch = ingest.ingest_file(sessions, vault, path=path, kind="ratings", source="企业自有系统", profile=None,
                               actor="t", now=at(ISSUED), rules=ingest_rules())
    assert batch.accepted == 2
    with sessions() as s, s.begin():
        rate(s, vault, uscc, code)
        summary = ratings.ratings_for(s, subject_id=company.subject_id)
        assert (summary["count"], summary["imported"]) == (3, 2)
        assert [(r["stars"], r["imported"]) for r in summary["ratings"]] == [(5, False), (4, True), (3, True)]
        assert all(r.imported for r in s.scalars(select(Rating).where(Rating.source == "企业自有系统")))
    with sessions() as s:
        assert snapshot(s)[0]["Rating"] == 3
