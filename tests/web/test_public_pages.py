"""The public pages in Debian's Chromium on a 375 px phone (spec §5.4), over ``make run``'s demo on each engine:
search by a company's name → the results → the company's report with its name and grade; the published black
list; an unknown USCC → the Chinese 404 page whose search box works; and no page scrolls sideways, not even
with a company whose name and record text are one long unbroken string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.common.clock import current_time, today
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company

LONG = "长" * 120 + "A" * 120


@dataclass(frozen=True)
class Keys:
    uscc: str
    name: str
    grade: str
    long_uscc: str
    black_names: list[str]


@pytest.fixture(scope="module")
def keys(live_server: LiveServer) -> Keys:
    """A graded company to search for; the demo's list candidates published; one company with long text."""
    engine = make_engine(live_server.database_url)
    now = current_time(None)
    as_of = today(now)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            s.execute(update(ListEntry).where(ListEntry.status == "candidate", ListEntry.list_name == "black").values(
                status="published", published_on=as_of - timedelta(days=3), expires_on=as_of + timedelta(days=365)))
            uscc, name, grade = s.execute(
                select(Company.uscc, Company.name, EvaluationHead.grade)
                .join(EvaluationHead, EvaluationHead.subject_id == Company.subject_id)
                .where(EvaluationHead.grade.in_(("A", "B", "C", "D"))).order_by(Company.subject_id).limit(1)).one()
            long_company = s.scalars(select(Company).order_by(Company.subject_id.desc()).limit(1)).one()
            long_company.name = LONG + "<b>家政</b>"
            s.add(CreditRecord(subject_id=long_company.subject_id, category="negative", type="penalty",
                               severity="general", decided_on=as_of - timedelta(days=9), doc_number="罚" + "9" * 60,
                               authority=LONG, content=LONG, status="active", source="test", source_key="long",
                               fingerprint="e" * 64, details={}, created_at=now, updated_at=now))
            black = list(s.scalars(select(Company.name).join(ListEntry, ListEntry.subject_id == Company.subject_id)
                                   .where(ListEntry.status == "published", ListEntry.list_name == "black")))
            return Keys(uscc, name, grade, long_company.uscc, black)
    finally:
        engine.dispose()


def test_search_by_name_then_open_the_company_report(live_server: LiveServer, keys: Keys, page: Any) -> None:
    page.goto(live_server.url("/"))
    page.fill("#q", keys.name[:4])
    page.click("form.search button[type=submit]")
    page.wait_for_selector(".result-list")
    assert page.input_value("#q") == keys.name[:4]
    assert horizontal_overflow(page) == 0
    page.click(f'a.result-name[href="/c/{keys.uscc}"]')
    page.wait_for_url(f"**/c/{keys.uscc}")
    assert page.inner_text("h1.report-name") == keys.name
    assert page.inner_text(".grade-letter") == keys.grade
    assert f"信用等级 {keys.grade} 级" in page.inner_text(".report-grade")
    assert page.get_attribute("a[href$='/report.pdf']", "href") == f"/c/{keys.uscc}/report.pdf"
    assert horizontal_overflow(page) == 0


def test_a_worker_code_typed_into_the_box_opens_the_card_address(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/?q=jz0000000000"))  # unknown, typed in lower case: the card page says so
    assert page.url == live_server.url("/w/JZ0000000000")


def test_the_black_list_renders_its_entries(live_server: LiveServer, keys: Keys, page: Any) -> None:
    response = page.goto(live_server.url("/lists/black"))
    assert response is not None and response.status == 200
    assert "黑名单" in page.inner_text("h1")
    entries = page.locator(".entry-list > li")
    if keys.black_names:
        assert entries.count() == min(len(keys.black_names), 20)
        assert keys.black_names[0] in page.inner_text(".entry-list")
    else:
        assert "目前没有在公示期内的黑名单" in page.inner_text("main")
    assert horizontal_overflow(page) == 0


def test_an_unknown_uscc_shows_the_chinese_404_with_a_working_search_box(live_server: LiveServer, keys: Keys,
                                                                         page: Any) -> None:
    response = page.goto(live_server.url("/c/91370100MA00000000"))
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "没有找到这家企业"
    assert "下一步怎么办" in page.inner_text("main")
    assert horizontal_overflow(page) == 0
    page.fill("#q", keys.name)
    page.press("#q", "Enter")
    page.wait_for_selector(".result-list")
    assert keys.name in page.inner_text(".result-list")


@pytest.mark.parametrize("path", ["/", "/?q=家政", "/?q=", "/lists/red", "/lists/black", "/c/{uscc}", "/c/{long}",
                                  "/?q=长长长", "/c/unknown", "/no/such/page", "/lists/red?page=x"])
def test_no_public_page_scrolls_sideways_on_a_phone(live_server: LiveServer, keys: Keys, page: Any,
                                                     path: str) -> None:
    response = page.goto(live_server.url(path.format(uscc=keys.uscc, long=keys.long_uscc)))
    assert response is not None and response.status < 500
    assert page.locator("form.search").count() >= 1 or path.startswith("/lists")
    assert horizontal_overflow(page) == 0, path


def test_the_long_text_would_overflow_without_the_wrapping_rule(live_server: LiveServer, keys: Keys,
                                                                 page: Any) -> None:
    """The guard: the long company's page is wide enough to scroll sideways if the text did not wrap."""
    page.goto(live_server.url(f"/c/{keys.long_uscc}"))
    assert horizontal_overflow(page) == 0
    page.add_style_tag(content="main * { overflow-wrap: normal !important; word-break: normal !important; }")
    assert horizontal_overflow(page) > 0
