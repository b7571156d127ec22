"""Statistics by month and by region (``reports.trends``) and grades per model version (``reports.model_history``),
against small known populations on both engines; the per-region rows are checked against ``stats()`` itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import file
from tests.factories import add_company, add_worker, set_grade
from tests.reports.test_stats import NOW, add_entry, populate

from jzcredit.common.crypto import Vault
from jzcredit.complaints.models import Complaint
from jzcredit.evaluation.models import Evaluation, EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Consent, Worker
from jzcredit.reports import model_history, trends
from jzcredit.reports.stats import stats

MONTHS = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
          "2026-04", "2026-05", "2026-06"]


@pytest.fixture
def population(sessions: sessionmaker[Session], vault: Vault) -> sessionmaker[Session]:
    """test_stats' population, and a public_card consent for the two workers of 历下区's A company."""
    with sessions() as s, s.begin():
        populate(s, vault)
        poor = s.scalars(select(Worker).where(Worker.registered_poor.is_(True)).order_by(Worker.subject_id)).first()
        assert poor is not None
        s.add(Consent(worker_id=poor.subject_id, scope="public_card", granted_at=datetime(2026, 1, 1, tzinfo=UTC),
                      source="test"))
    return sessions


def verification(sessions: sessionmaker[Session], region: str | None) -> dict[str, Any]:
    with sessions() as s:
        return trends.verification_by_region(s, region=region, now=NOW)


def counts(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in ("workers", "verified", "identified_authorised")}


def test_month_window_is_the_last_twelve_calendar_months() -> None:
    assert [trends.month_label(d) for d in trends.month_starts(date(2026, 6, 30))] == MONTHS
    assert trends.month_starts(date(2026, 1, 15), 2) == [date(2025, 12, 1), date(2026, 1, 1)]


@pytest.mark.parametrize("region", ["370000", "370100", None])
def test_each_region_row_equals_the_statistics_of_that_region(population: sessionmaker[Session],
                                                              region: str | None) -> None:
    data = verification(population, region)
    rows = [r for r in data["rows"] if r["region_code"] is not None]
    assert rows, data
    for row in rows:
        with population() as s:
            assert counts(row) == stats(s, region=row["region_code"], now=NOW)["verification"], row


def test_rows_one_level_below_the_scope_with_names(population: sessionmaker[Session]) -> None:
    national = verification(population, None)
    assert national["level"] == "province"
    assert [(r["region_code"], r["name"]) for r in national["rows"]] == [
        ("110000", "北京市"), ("370000", "山东省"), (None, None)]
    # w5 (no employer, verified, collect), w6 (employment ended) and w7 (employer deregistered)
    assert national["rows"][-1] | {"region_code": None} == {
        "region_code": None, "name": None, "workers": 3, "verified": 1, "identified_authorised": 1, "public_card": 0}
    province = verification(population, "370000")
    assert province["level"] == "city"
    assert [r["region_code"] for r in province["rows"]] == ["370100", "370200"]
    city = verification(population, "370100")
    assert city["level"] == "district"
    assert [(r["region_code"], r["name"], r["workers"], r["public_card"]) for r in city["rows"]] == [
        ("370102", "历下区", 3, 1), ("370103", None, 2, 0)]
    district = verification(population, "370103")
    assert [r["region_code"] for r in district["rows"]] == ["370103"]


def test_a_revoked_public_card_consent_no_longer_counts(population: sessionmaker[Session]) -> None:
    with population() as s, s.begin():
        consent = s.scalars(select(Consent).where(Consent.scope == "public_card")).one()
        consent.revoked_at = datetime(2026, 6, 1, tzinfo=UTC)
    assert [r["public_card"] for r in verification(population, "370100")["rows"]] == [0, 0]


def test_complaints_by_month_in_the_scope(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        lixia, qingdao = add_company(s, region_code="370102"), add_company(s, region_code="370202")
        for day in (date(2025, 6, 30), date(2025, 7, 1), date(2026, 3, 5), date(2026, 3, 31), date(2026, 6, 30)):
            file(s, vault, lixia, day=day)
        file(s, vault, qingdao, day=date(2026, 3, 10))
        late = s.scalars(select(Complaint).where(Complaint.filed_on == date(2026, 3, 5))).one()
        late.unanswered, late.finding = True, "substantiated"
    with sessions() as s:
        national = trends.complaints_by_month(s, region=None, now=NOW)
        city = trends.complaints_by_month(s, region="370100", now=NOW)
        qingdao_only = trends.complaints_by_month(s, region="370200", now=NOW)
    assert national["months"] == MONTHS
    expected = [0] * 12
    expected[0], expected[8], expected[11] = 1, 3, 1  # 2025-06-30 is before the window
    assert national["filed"] == expected
    assert city["filed"][8] == 2 and sum(city["filed"]) == 4
    assert qingdao_only["filed"][8] == 1 and sum(qingdao_only["filed"]) == 1
    assert national["unanswered"][8] == national["substantiated"][8] == 1
    assert sum(national["unanswered"]) == sum(national["substantiated"]) == 1


def test_list_entries_by_month_red_black_by_publication_watch_by_opening(sessions: sessionmaker[Session],
                                                                         vault: Vault) -> None:
    with sessions() as s, s.begin():
        lixia, beijing = add_company(s, region_code="370102"), add_company(s, region_code="110105")
        worker = add_worker(s, vault, employer=lixia)
        add_entry(s, lixia.subject_id, "red", "published")  # published 2026-01-05
        add_entry(s, beijing.subject_id, "black", "published")
        add_entry(s, worker.subject_id, "black", "published")
        add_entry(s, lixia.subject_id, "black", "candidate")  # never published: not counted
        add_entry(s, beijing.subject_id, "watch", "active")  # opened at NOW (2026-06-30)
        for entry in s.scalars(select(ListEntry).where(ListEntry.list_name == "black", ListEntry.status == "published",
                                                       ListEntry.subject_id == beijing.subject_id)):
            entry.status, entry.published_on = "removed", date(2025, 9, 2)  # removed since: still counted
    with sessions() as s:
        national = trends.list_entries_by_month(s, region=None, now=NOW)
        city = trends.list_entries_by_month(s, region="370100", now=NOW)
    assert national["months"] == MONTHS
    assert national["red"][6] == 1 and sum(national["red"]) == 1
    assert national["black"][2] == 1 and national["black"][6] == 1 and sum(national["black"]) == 2
    assert national["watch"][11] == 1 and sum(national["watch"]) == 1
    assert (sum(city["red"]), city["black"][6], sum(city["black"]), sum(city["watch"])) == (1, 1, 1, 0)


def test_an_empty_database_gives_zeros_for_every_month(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        assert trends.complaints_by_month(s, region="370100", now=NOW)["filed"] == [0] * 12
        assert trends.list_entries_by_month(s, region=None, now=NOW)["watch"] == [0] * 12
        assert trends.verification_by_region(s, region=None, now=NOW) == {"level": "province", "rows": []}
        history = model_history.grades_by_model(s, region=None, now=NOW)
        assert history["models"] == history["current"] == history["switches"] == []


# --- grades per model version ------------------------------------------------------------------------------


def evaluate(s: Session, subject_id: int, model: str, grade: str, as_of: date) -> None:
    """A stored evaluation that becomes the subject's head, as the evaluation service leaves it."""
    set_grade(s, subject_id, grade, model=model, as_of=as_of)


def test_grades_per_model_month_by_month_and_the_switch(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        c1, c2, c3 = (add_company(s, region_code=r) for r in ("370102", "370102", "110105"))
        worker = add_worker(s, vault, employer=c1)
        evaluate(s, c1.subject_id, "company-2026.1", "B", date(2026, 1, 10))
        evaluate(s, c2.subject_id, "company-2026.1", "C", date(2026, 2, 3))
        evaluate(s, c3.subject_id, "company-2026.1", "A", date(2026, 1, 10))
        evaluate(s, worker.subject_id, "worker-2026.1", "N", date(2026, 1, 10))
        # the new version from April: c1 up to A, c3 down to B; c2 not re-evaluated (still under 2026.1)
        evaluate(s, c1.subject_id, "company-2026.2", "A", date(2026, 4, 2))
        evaluate(s, c3.subject_id, "company-2026.2", "B", date(2026, 4, 2))
        evaluate(s, c3.subject_id, "company-2026.2", "C", date(2026, 5, 20))  # a later change within 2026.2
    with sessions() as s:
        history = model_history.grades_by_model(s, region=None, now=NOW)
        city = model_history.grades_by_model(s, region="370100", now=NOW)
        heads = stats(s, region=None, now=NOW)["by_grade"]
    assert history["months"] == MONTHS
    by_model = {m["model"]: m for m in history["models"]}
    assert [m["model"] for m in history["models"]] == ["company-2026.1", "company-2026.2", "worker-2026.1"]
    old, new = by_model["company-2026.1"], by_model["company-2026.2"]
    assert old["subjects"] == [0] * 6 + [2, 3, 3, 1, 1, 1]  # Jan: c1, c3; Feb–Mar: all three; from April: c2
    assert new["subjects"] == [0] * 9 + [2, 2, 2]
    assert (old["grades"]["A"][7], old["grades"]["B"][7], old["grades"]["C"][7]) == (1, 1, 1)
    assert (new["grades"]["A"][9], new["grades"]["B"][9]) == (1, 1)
    assert (new["grades"]["A"][10], new["grades"]["B"][10], new["grades"]["C"][10]) == (1, 0, 1)
    assert by_model["worker-2026.1"]["grades"]["N"] == [0] * 6 + [1] * 6
    # this month's column is today's grades, the same as the statistics'
    for kind, key in (("company", "companies"), ("worker", "workers")):
        last = {g: sum(m["grades"][g][-1] for m in history["models"] if m["kind"] == kind) for g in "ABCDN"}
        assert last == {g: heads[key][g] for g in "ABCDN"}
    assert {(c["model"], c["subjects"]) for c in history["current"]} == {
        ("company-2026.1", 1), ("company-2026.2", 2), ("worker-2026.1", 1)}
    switch = history["switches"]
    assert [(w["from_model"], w["to_model"]) for w in switch] == [("company-2026.1", "company-2026.2")]
    assert (switch[0]["subjects"], switch[0]["up"], switch[0]["same"], switch[0]["down"]) == (2, 1, 0, 1)
    assert switch[0]["matrix"]["B"]["A"] == 1 and switch[0]["matrix"]["A"]["B"] == 1
    # in 济南 only c1, c2 and the worker
    assert [m["subjects"][-1] for m in city["models"]] == [1, 1, 1]
    assert city["switches"][0]["subjects"] == 1 and city["switches"][0]["up"] == 1


def test_a_deregistered_company_leaves_the_model_history(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        evaluate(s, company.subject_id, "company-2026.1", "B", date(2026, 1, 10))
        company.status = "deregistered"
    with sessions() as s:
        history = model_history.grades_by_model(s, region=None, now=NOW)
        assert history["models"] == [] and history["current"] == []
        assert s.scalar(select(EvaluationHead.grade)) == "B" and s.scalar(select(Evaluation.model))


def test_a_backdated_evaluation_counts_once_as_the_latest_stored(sessions: sessionmaker[Session]) -> None:
    """Runs stored out of date order (a run ``--as-of`` an earlier day after a later one): each month-end takes
    the latest stored evaluation for a date before it, and the subject is counted once."""
    with sessions() as s, s.begin():
        company = add_company(s)
        evaluate(s, company.subject_id, "company-2026.1", "A", date(2026, 1, 10))
        evaluate(s, company.subject_id, "company-2026.1", "C", date(2026, 3, 10))
        evaluate(s, company.subject_id, "company-2026.1", "B", date(2026, 2, 10))  # stored last, dated earlier
    with sessions() as s:
        [model] = model_history.grades_by_model(s, region=None, now=NOW)["models"]
    assert model["subjects"] == [0] * 6 + [1] * 6
    # Jan: A; Feb: B (C is dated March); from March on the latest stored run (B) for a date before the month end
    assert [g for i in range(6, 12) for g in "ABC" if model["grades"][g][i]] == ["A", "B", "B", "B", "B", "B"]
