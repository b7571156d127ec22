"""Statistics against a small known population, nationally and per region scope, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, set_grade

from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company, Consent, Employment, Region, Worker
from jzcredit.reports.stats import stats

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)


def add_entry(s: Session, subject_id: int, list_name: str, status: str,
              expires_on: date = date(2027, 1, 4)) -> None:
    """A list entry as the lists service leaves it; published ones from 2026-01-05 to ``expires_on``."""
    published = status == "published"
    s.add(ListEntry(list_name=list_name, subject_id=subject_id, rule="T1", basis=[], status=status,
                    proposed_at=NOW, proposed_by="test", version=1, details={},
                    published_on=date(2026, 1, 5) if published else None, expires_on=expires_on if published else None))
    s.flush()


def employ(s: Session, worker: Worker, company: Company, *, end_on: date | None = None) -> None:
    s.add(Employment(worker_id=worker.subject_id, company_id=company.subject_id, start_on=date(2025, 1, 1),
                     end_on=end_on, source="test"))


def revoke_collect(s: Session, worker: Worker, at: datetime) -> None:
    s.execute(update(Consent).where(Consent.worker_id == worker.subject_id, Consent.scope == "collect")
              .values(revoked_at=at))


def populate(s: Session, vault: Vault) -> None:
    """Five active companies and a deregistered one; nine workers (see each line)."""
    s.add_all([Region(region_code="370102", name="历下区", poverty_level="none"),
               Region(region_code="622426", name="渭源县", poverty_level="national"),
               Region(region_code="371526", name="高唐县", poverty_level="provincial")])
    c1, c2, c3 = (add_company(s, region_code=r) for r in ("370102", "370103", "370202"))
    c4, c5, c6 = (add_company(s, region_code=r) for r in ("110105", "370102", "370102"))
    c5.status = "deregistered"
    for company, grade in ((c1, "A"), (c2, "D"), (c3, "N"), (c5, "B"), (c6, "C")):
        set_grade(s, company.subject_id, grade)
    add_entry(s, c1.subject_id, "red", "published")
    add_entry(s, c2.subject_id, "black", "published")
    add_entry(s, c4.subject_id, "watch", "active")
    add_entry(s, c5.subject_id, "black", "published")  # deregistered: not counted
    add_entry(s, c6.subject_id, "black", "candidate")
    add_entry(s, c6.subject_id, "red", "published", expires_on=date(2026, 6, 29))  # lapsed: not counted
    w1 = add_worker(s, vault, employer=c1, region_code="622426", registered_poor=True)
    w2 = add_worker(s, vault, employer=c1, region_code="371526", consents=())
    w3 = add_worker(s, vault, employer=c2, verified=False)
    w4 = add_worker(s, vault, employer=c3, region_code="510100")
    add_worker(s, vault, region_code="622426", registered_poor=True)  # w5: no employer
    w6 = add_worker(s, vault, verified=False)  # employment ended
    w7 = add_worker(s, vault, employer=c5, verified=False)  # employer deregistered
    w8 = add_worker(s, vault, employer=c1, verified=False)  # two current employers
    w9 = add_worker(s, vault, employer=c4)
    employ(s, w6, c1, end_on=date(2026, 1, 31))
    employ(s, w8, c2)
    revoke_collect(s, w4, datetime(2026, 3, 1, tzinfo=UTC))  # revoked before now
    revoke_collect(s, w9, datetime(2026, 12, 1, tzinfo=UTC))  # revoked only later: still in force now
    for worker, grade in ((w1, "A"), (w2, "N"), (w3, "D")):
        set_grade(s, worker.subject_id, grade, model="worker-2026.1")
    add_entry(s, w3.subject_id, "black", "published")
    add_entry(s, w4.subject_id, "watch", "candidate")
    assert w7.subject_id
    s.flush()


def grades(**counts: int) -> dict[str, int]:
    return {"A": 0, "B": 0, "C": 0, "D": 0, "N": 0, "not_evaluated": 0} | counts


@pytest.fixture
def population(sessions: sessionmaker[Session], vault: Vault) -> sessionmaker[Session]:
    with sessions() as s, s.begin():
        populate(s, vault)
    return sessions


def run(sessions: sessionmaker[Session], region: str | None) -> dict[str, Any]:
    with sessions() as s:
        return stats(s, region=region, now=NOW)


def test_national_counts(population: sessionmaker[Session]) -> None:
    data = run(population, None)
    assert (data["as_of"], data["region"], data["companies"], data["workers"]) == ("2026-06-30", None, 5, 9)
    assert data["by_region"] == [
        {"region_code": "110105", "name": None, "companies": 1, "workers": 1},
        {"region_code": "370102", "name": "历下区", "companies": 2, "workers": 3},
        {"region_code": "370103", "name": None, "companies": 1, "workers": 2},
        {"region_code": "370202", "name": None, "companies": 1, "workers": 1},
        {"region_code": None, "name": None, "companies": 0, "workers": 3},
    ]
    assert data["by_grade"] == {"companies": grades(A=1, C=1, D=1, N=1, not_evaluated=1),
                                "workers": grades(A=1, D=1, N=1, not_evaluated=6)}
    assert data["by_list"] == {"red": {"published": 1, "candidates": 0}, "black": {"published": 2, "candidates": 1},
                               "watch": {"active": 1, "candidates": 1}}
    assert data["verification"] == {"workers": 9, "verified": 5, "identified_authorised": 3}
    assert data["poverty"] == {"native_region": {"national_poor_county": 2, "provincial_poor_county": 1,
                                                 "none": 5, "unknown": 1}, "registered_poor": 2}


def test_city_scope_counts_workers_by_their_current_employer(population: sessionmaker[Session]) -> None:
    data = run(population, "370100")
    assert (data["region"], data["companies"], data["workers"]) == ("370100", 3, 4)
    assert [(r["region_code"], r["companies"], r["workers"]) for r in data["by_region"]] == [
        ("370102", 2, 3), ("370103", 1, 2)]
    assert data["by_grade"] == {"companies": grades(A=1, C=1, D=1), "workers": grades(A=1, D=1, N=1, not_evaluated=1)}
    assert data["by_list"] == {"red": {"published": 1, "candidates": 0}, "black": {"published": 2, "candidates": 1},
                               "watch": {"active": 0, "candidates": 0}}
    assert data["verification"] == {"workers": 4, "verified": 2, "identified_authorised": 1}
    assert data["poverty"] == {"native_region": {"national_poor_county": 1, "provincial_poor_county": 1,
                                                 "none": 2, "unknown": 0}, "registered_poor": 1}


def test_province_and_other_scopes(population: sessionmaker[Session]) -> None:
    shandong = run(population, "370000")
    assert (shandong["companies"], shandong["workers"]) == (4, 5)
    assert shandong["by_list"]["watch"] == {"active": 0, "candidates": 1}
    assert shandong["verification"] == {"workers": 5, "verified": 3, "identified_authorised": 1}  # w4 revoked
    district = run(population, "370103")
    assert (district["companies"], district["workers"]) == (1, 2)
    beijing = run(population, "110000")
    assert (beijing["companies"], beijing["workers"]) == (1, 1)
    assert beijing["verification"] == {"workers": 1, "verified": 1, "identified_authorised": 1}
    assert run(population, "000000") | {"region": None} == run(population, None)


def test_consent_revoked_now_no_longer_counts_as_authorised(population: sessionmaker[Session]) -> None:
    with population() as s, s.begin():
        w1 = s.query(Worker).filter(Worker.registered_poor.is_(True), Worker.native_region == "622426").first()
        assert w1 is not None
        revoke_collect(s, w1, datetime(2026, 6, 29, tzinfo=UTC))
    assert run(population, None)["verification"]["identified_authorised"] == 2


def test_an_empty_database_has_every_key_at_zero(sessions: sessionmaker[Session]) -> None:
    data = run(sessions, "370100")
    assert data["by_region"] == [] and data["companies"] == data["workers"] == 0
    assert data["by_grade"]["companies"] == grades() and data["by_list"]["watch"] == {"active": 0, "candidates": 0}
    assert data["verification"] == {"workers": 0, "verified": 0, "identified_authorised": 0}


@pytest.mark.parametrize("region", ["3701", "37010a", "990000", ""])
def test_a_bad_region_is_refused(sessions: sessionmaker[Session], region: str) -> None:
    with sessions() as s, pytest.raises(Invalid, match="行政区划代码"):
        stats(s, region=region, now=NOW)


def test_companies_without_a_region_and_their_workers_are_in_the_null_row(sessions: sessionmaker[Session],
                                                                            vault: Vault) -> None:
    with sessions() as s, s.begin():
        stub = add_company(s, uscc_code="91370102MA3C8Y1X2K", region_code="370102")
        stub.region_code = None  # known only from another department's record
        add_worker(s, vault, employer=stub)
        add_worker(s, vault)
        add_worker(s, vault, employer=add_company(s, region_code="370103"))
    data = run(sessions, None)
    assert [(r["region_code"], r["companies"], r["workers"]) for r in data["by_region"]] == [
        ("370103", 1, 1), (None, 1, 2)]
    assert (data["companies"], data["workers"]) == (2, 3)
    assert (run(sessions, "370000")["companies"], run(sessions, "370000")["workers"]) == (1, 1)
