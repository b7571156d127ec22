"""双随机 plans on both engines: strata from grades and lists, reproducible draws, scope, two inspectors."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, set_grade

from jzcredit.common.audit import AuditEntry
from jzcredit.errors import Invalid
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company
from jzcredit.supervision import service
from jzcredit.supervision.roster import Roster, load_roster
from jzcredit.supervision.rules import supervision_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 6, 30)
RULES = supervision_rules()


def add_entry(s: Session, subject_id: int, list_name: str, status: str,
              expires_on: date = date(2027, 1, 4)) -> None:
    """A list entry as the lists service leaves it; published ones from 2026-01-05 to ``expires_on``."""
    published = status == "published"
    s.add(ListEntry(list_name=list_name, subject_id=subject_id, rule="T1", basis=[], status=status,
                    proposed_at=NOW, proposed_by="test", version=1, details={},
                    published_on=date(2026, 1, 5) if published else None, expires_on=expires_on if published else None))
    s.flush()


def companies(s: Session, n: int, grade: str | None, region: str = "370102") -> list[Company]:
    out = []
    for _ in range(n):
        company = add_company(s, region_code=region)
        if grade is not None:
            set_grade(s, company.subject_id, grade)
        out.append(company)
    return out


def roster(tmp_path: Path, rows: str = "甲,市场监管局,\n乙,商务局,\n丙,人社局,\n丁,公安局,\n") -> Roster:
    path = tmp_path / "roster.csv"
    path.write_text("name,department,region\n" + rows, encoding="utf-8")
    return load_roster(path)


def plan(s: Session, *, seed: int = 1, region: str | None = None, people: Roster | None = None) -> service.Plan:
    return service.make_plan(s, rules=RULES, year=2026, seed=seed, region=region, roster=people, now=NOW)


def test_each_stratum_is_drawn_at_its_rate_rounded_up(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        companies(s, 20, "A")
        companies(s, 10, "B")
        companies(s, 10, "C")
        companies(s, 5, "D")
        companies(s, 3, "N")
        companies(s, 2, None)  # never evaluated: stratum N with grade N
        for c in companies(s, 3, "A"):
            add_entry(s, c.subject_id, "watch", "active")
        for c in companies(s, 2, "B"):
            add_entry(s, c.subject_id, "black", "published")
        summary = service.summary(plan(s, people=roster(tmp_path)))
    drawn = {k: (v["companies"], v["drawn"]) for k, v in summary["strata"].items()}
    assert drawn == {"black": (2, 2), "watch": (3, 2), "D": (5, 2), "C": (10, 2), "N": (5, 1), "B": (10, 1),
                     "A": (20, 1), "red": (0, 0)}
    assert summary["strata"]["red"]["rate"] == 0.02 and summary["strata"]["black"]["rate"] == 1.0
    assert summary["companies"] == 55 and summary["drawn"] == 11
    assert list(summary["strata"]) == ["black", "watch", "D", "C", "N", "B", "A", "red"]


def test_a_black_listed_a_company_is_always_inspected(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        companies(s, 40, "A")
        (listed,) = companies(s, 1, "A")
        add_entry(s, listed.subject_id, "black", "published")
        add_entry(s, listed.subject_id, "red", "published")
        for seed in range(5):
            made = plan(s, seed=seed)
            black = [i.company for i in made.inspections if i.company.stratum == "black"]
            assert [(c.uscc, c.grade, c.lists) for c in black] == [(listed.uscc, "A", ("black", "red"))]


def test_only_lists_in_force_count(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        candidate, removed, closed, red, lapsed, last_day = companies(s, 6, "A")
        add_entry(s, candidate.subject_id, "black", "candidate")
        add_entry(s, removed.subject_id, "black", "removed")
        add_entry(s, closed.subject_id, "watch", "closed")
        add_entry(s, red.subject_id, "red", "published")
        add_entry(s, lapsed.subject_id, "black", "published", expires_on=date(2026, 6, 29))  # tick not run yet
        add_entry(s, last_day.subject_id, "black", "published", expires_on=TODAY)
        strata = {c.uscc: (c.stratum, c.lists)
                  for c in service.plan_companies(s, rules=RULES, region=None, as_of=TODAY)}
    assert strata == {candidate.uscc: ("A", ()), removed.uscc: ("A", ()), closed.uscc: ("A", ()),
                      red.uscc: ("A", ("red",)), lapsed.uscc: ("A", ()), last_day.uscc: ("black", ("black",))}


def test_deregistered_companies_are_not_planned(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        kept, gone = companies(s, 2, "D")
        gone.status = "deregistered"
        s.flush()
        assert [c.uscc for c in service.plan_companies(s, rules=RULES, region=None, as_of=TODAY)] == [kept.uscc]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another(sessions: sessionmaker[Session],
                                                                     tmp_path: Path) -> None:
    people = roster(tmp_path)
    with sessions() as s, s.begin():
        companies(s, 60, None)
        companies(s, 30, "C")
        first, again, other = plan(s, seed=42, people=people), plan(s, seed=42, people=people), plan(
            s, seed=43, people=people)
    assert first.inspections == again.inspections and first.digest() == again.digest()
    assert [i.company.uscc for i in first.inspections] != [i.company.uscc for i in other.inspections]
    assert first.digest() != other.digest()


def test_the_roster_does_not_change_which_companies_are_drawn(sessions: sessionmaker[Session],
                                                              tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        companies(s, 50, "B")
        without, with_roster = plan(s, seed=9), plan(s, seed=9, people=roster(tmp_path))
    assert [i.company for i in without.inspections] == [i.company for i in with_roster.inspections]
    assert all(i.inspectors == () for i in without.inspections)


def test_region_scope_by_code_prefix(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        jinan = companies(s, 2, "D", region="370102")
        qingdao = companies(s, 1, "D", region="370202")
        beijing = companies(s, 1, "D", region="110105")

        def planned(region: str | None) -> set[str]:
            return {c.uscc for c in service.plan_companies(s, rules=RULES, region=region, as_of=TODAY)}

        assert planned("370100") == {c.uscc for c in jinan}
        assert planned("370102") == {c.uscc for c in jinan}
        assert planned("370000") == {c.uscc for c in jinan + qingdao}
        assert planned("000000") == planned(None) == {c.uscc for c in jinan + qingdao + beijing}
        assert plan(s, region="370000").region == "370000"
        with pytest.raises(Invalid, match="行政区划代码"):
            plan(s, region="3701")


def test_two_distinct_inspectors_from_the_roster_for_each_inspection(sessions: sessionmaker[Session],
                                                                     tmp_path: Path) -> None:
    people = roster(tmp_path)
    with sessions() as s, s.begin():
        companies(s, 40, "D")
        made = plan(s, seed=5, people=people)
    assert len(made.inspections) == 16
    names = {p.name for p in people.inspectors}
    pairs = Counter(frozenset(p.name for p in i.inspectors) for i in made.inspections)
    for i in made.inspections:
        assert len(i.inspectors) == 2 and i.inspectors[0] != i.inspectors[1]
        assert {p.name for p in i.inspectors} <= names
    assert len(pairs) > 1  # not one fixed pair


def test_inspectors_are_drawn_only_inside_their_region(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    people = roster(tmp_path, "济南甲,,370100\n济南乙,,370102\n青岛甲,,370200\n青岛乙,,370200\n省厅,,370000\n")
    with sessions() as s, s.begin():
        for c in companies(s, 6, "A", region="370102") + companies(s, 6, "A", region="370202"):
            add_entry(s, c.subject_id, "black", "published")
        made = plan(s, seed=3, people=people)
    for i in made.inspections:
        city = "济南" if i.company.region_code == "370102" else "青岛"
        assert all(p.name.startswith(city) or p.name == "省厅" for p in i.inspectors)


def test_too_few_inspectors_for_a_region_is_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    people = roster(tmp_path, "济南甲,,370100\n济南乙,,370100\n青岛甲,,370200\n")
    with sessions() as s, s.begin():
        (company,) = companies(s, 1, "D", region="370202")
        with pytest.raises(Invalid) as err:
            plan(s, people=people)
    assert "370202" in err.value.detail and "只有 1 名" in err.value.detail and company.uscc in err.value.detail


def test_a_bad_year_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, pytest.raises(Invalid, match="年度 26 无效"):
        service.make_plan(s, rules=RULES, year=26, seed=1, region=None, roster=None, now=NOW)


def test_creating_a_plan_is_audited(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        companies(s, 3, "C")
        made = plan(s, seed=8, region="370100", people=roster(tmp_path))
        service.record_plan(s, plan=made, file_name="plan.xlsx", actor="tester", now=NOW)
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "supervision.plan")).one()
    assert (entry.actor, entry.object) == ("tester", "supervision_plan:2026")
    for text in ('"seed":8', '"region":"370100"', '"file":"plan.xlsx"', made.digest()):
        assert text in entry.detail
