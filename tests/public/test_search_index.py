"""Company search through the name index answers exactly what a plain ``LIKE`` over every name answers, on both
engines: random names and texts over a small alphabet (CJK, both cases of ASCII letters, LIKE's own wildcards,
brackets that normalisation rewrites), several pages, and posting sizes that are stale or wrong."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company

from jzcredit.api.pagination import PageParams
from jzcredit.common.text import normalise_company_name
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.public import search
from jzcredit.public.privacy import redact
from jzcredit.registry.models import Company

ALPHABET = "济南诚信家政服务Aab_%\\(（1"
names = st.lists(st.text(ALPHABET, min_size=1, max_size=8), min_size=1, max_size=12)
texts = st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=6)


def plain_like(s: Session, q: str, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    """The search as it was before the index: every name read (USCC queries are not drawn here)."""
    where = Company.name.like(search._contains(normalise_company_name(q)), escape=search.LIKE_ESCAPE)
    total = s.scalar(select(func.count()).select_from(Company).where(where)) or 0
    rows = s.execute(select(Company.uscc, Company.name, Company.region_code, EvaluationHead.grade)
                     .outerjoin(EvaluationHead, EvaluationHead.subject_id == Company.subject_id)
                     .where(where).order_by(Company.name, Company.uscc).offset(page.offset).limit(page.size))
    return [{"uscc": u, "name": redact(n) or u, "region_code": r, "grade": g} for u, n, r, g in rows], total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names, texts, st.sampled_from([0, 1, 3, 60_000]))
# SQLite's LIKE ignores ASCII case; LIKE's wildcards in a text are literal; brackets are normalised
@example(["AB诚信", "ab诚", "诚信家政", "家政服务"], ["aB", "Ab诚", "诚信", "政服务"], 0)
@example(["a%b_c", "a\\b", "诚(信)", "诚（信）"], ["%b", "_c", "a\\", "(信", "信)"], 1)
def test_search_answers_what_a_scan_answers(sessions: sessionmaker[Session], names: list[str], texts: list[str],
                                           size_guess: int) -> None:
    with sessions() as s, s.begin():
        for name in names:
            add_company(s, name=name)
        # sizes remembered from other examples (other names) or plainly wrong choose another plan, never another answer
        search.POSTINGS._sizes = {key: (size_guess, value[1]) for key, value in search.POSTINGS._sizes.items()}
        for q in [*texts, *names[:3]]:
            for page in (PageParams(1, 20), PageParams(1, 2), PageParams(2, 2), PageParams(9, 2)):
                assert search.search_companies(s, q=q, page=page) == plain_like(s, q, page), (q, page)
        s.rollback()


def test_a_rename_moves_a_company_between_searches(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company_id = add_company(s, name="济南诚信家政服务有限公司").subject_id
    page = PageParams(1, 20)
    with sessions() as s:
        assert search.search_companies(s, q="诚信家政", page=page)[1] == 1
    with sessions() as s, s.begin():
        s.get_one(Company, company_id).name = "济南舜耕家政服务有限公司"
    with sessions() as s:
        assert search.search_companies(s, q="诚信家政", page=page) == ([], 0)
        assert [i["name"] for i in search.search_companies(s, q="舜耕", page=page)[0]] == ["济南舜耕家政服务有限公司"]
