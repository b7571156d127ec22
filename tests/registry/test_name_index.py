"""The index of company names (``company_name_grams``) stays in step with the names, however they are written."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company

from jzcredit.registry import name_index
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, CompanyNameGram

NOW = datetime(2026, 6, 30, 8, tzinfo=UTC)


def indexed(s: Session, company_id: int) -> set[str]:
    return set(s.scalars(select(CompanyNameGram.gram).where(CompanyNameGram.company_id == company_id)))


def test_grams_are_the_distinct_two_character_pieces_with_ascii_letters_folded() -> None:
    assert name_index.grams("济南诚信") == {"济南", "南诚", "诚信"}
    assert name_index.grams("诚信诚信") == {"诚信", "信诚"}
    assert name_index.grams("ABc（Ä）") == {"ab", "bc", "c（", "（Ä", "Ä）"}  # only ASCII is folded, as SQLite's LIKE
    assert name_index.grams("家") == set() and name_index.grams("") == set()


def test_a_company_added_through_the_orm_is_indexed_in_the_same_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南诚信家政服务有限公司")
        assert indexed(s, company.subject_id) == name_index.grams("济南诚信家政服务有限公司")


def test_a_renamed_company_is_reindexed_and_other_changes_leave_the_index_alone(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company_id = add_company(s, name="泉城家政服务有限公司").subject_id
        other_id = add_company(s, name="泉城保洁服务有限公司").subject_id
    with sessions() as s, s.begin():
        s.get_one(Company, company_id).name = "舜耕母婴护理中心"
    with sessions() as s, s.begin():
        assert indexed(s, company_id) == name_index.grams("舜耕母婴护理中心")
        assert indexed(s, other_id) == name_index.grams("泉城保洁服务有限公司")
        s.get_one(Company, company_id).address = "济南市历下区经十路1号"
    with sessions() as s:
        assert indexed(s, company_id) == name_index.grams("舜耕母婴护理中心")


def test_companies_created_from_other_departments_records_are_indexed(sessions: sessionmaker[Session]) -> None:
    """``ensure_companies`` writes through Core, not the ORM: it indexes the names itself."""
    with sessions() as s, s.begin():
        usccs = ["91370102MA3C5EXL0X", "91370100MA3N0RYA3K"]
        known, created = registry.ensure_companies(s, names={usccs[0]: "历下鲁嫂家政服务部", usccs[1]: None},
                                                   source="test", now=NOW)
        assert created == 2
        assert indexed(s, known[usccs[0]]) == name_index.grams("历下鲁嫂家政服务部")
        assert indexed(s, known[usccs[1]]) == name_index.grams(usccs[1])  # no name given: the USCC stands for it


def test_write_names_replaces_what_was_there(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company_id = add_company(s, name="德馨家政").subject_id
        # a name changed behind the ORM's back (Core), then indexed again as Core writers must
        s.execute(update(Company).where(Company.subject_id == company_id).values(name="益民养老"))
        name_index.write_names(s.connection(), {company_id: "益民养老"})
        assert indexed(s, company_id) == {"益民", "民养", "养老"}


def test_a_deleted_company_takes_its_pieces_along(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="临时家政")
        company_id = company.subject_id
        s.delete(company)
    with sessions() as s:
        assert indexed(s, company_id) == set()
