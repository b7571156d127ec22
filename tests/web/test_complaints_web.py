"""Spec §5.4 key flows in a real browser (Debian's Chromium on a 375 px phone, the app on loopback over the demo):
a consumer finds the company by name, files a complaint (after being told what is missing), keeps the tracking
code, follows the complaint by typing it in, and — after the company answers through the service — reads the
answer. And ``/stats`` draws its charts as SVG without making the phone scroll sideways."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.common.clock import current_time
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.models import Complaint
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.registry.models import Company

ANSWER = "已安排补做 2 小时保洁并当面致歉，退还一半服务费。"


def first_company(live_server: LiveServer) -> tuple[str, str]:
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            company = s.scalars(select(Company).where(Company.status == "active").order_by(Company.subject_id)
                                .limit(1)).one()
            return company.uscc, company.name
    finally:
        engine.dispose()


def answer_as_the_company(live_server: LiveServer, tracking_code: str) -> None:
    """The regulator forwards, the company answers — through the complaints service, as the API would."""
    now = current_time(None)
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == tracking_code)).one()
            complaints_service.forward(s, complaint_id=complaint.id, now=now, actor="regulator:test")
            complaints_service.respond(s, complaint_id=complaint.id, now=now, actor="company:test", text=ANSWER)
    finally:
        engine.dispose()


def test_a_consumer_files_a_complaint_and_follows_it_by_its_code(live_server: LiveServer, page: Any) -> None:
    uscc, name = first_company(live_server)
    page.goto(live_server.url("/complaints/new"))
    assert horizontal_overflow(page) == 0
    # find the company by a part of its name and choose it among the matches
    page.fill("#q", name[:4])
    page.click("form[role=search] button[type=submit]")
    page.check(f'input[name="company_uscc"][value="{uscc}"]')
    page.select_option("#category", "quality")
    page.fill("#description", "约定 4 小时保洁，实际只做了 2 小时，厨房没有打扫。")
    page.click("text=提交投诉")  # the phone is missing: told beside the field, nothing lost
    assert page.text_content("#contact_phone-error") == "请填写您的手机号码，以便监管部门联系您"
    assert page.is_checked(f'input[name="company_uscc"][value="{uscc}"]')
    assert "厨房没有打扫" in page.input_value("#description")
    assert horizontal_overflow(page) == 0
    page.fill("#contact_phone", "13912345678")
    page.click("text=提交投诉")
    page.wait_for_url(re.compile(r"/complaints/TS[0-9A-Z]{12}\?filed=1$"))
    code = (page.text_content("#tracking-code") or "").strip()
    assert re.fullmatch(r"TS[0-9A-Z]{12}", code)
    assert "投诉已提交" in page.content() and "13912345678" not in page.content()
    assert horizontal_overflow(page) == 0

    # later: follow it by typing the code (in lower case, as people do)
    page.goto(live_server.url("/complaints"))
    page.fill("#code", code.lower())
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url(f"/complaints/{code}"))
    assert page.text_content(".complaint-status") == "已受理"
    assert page.text_content("#company-response") == "企业还没有答复。"

    answer_as_the_company(live_server, code)
    page.reload()
    assert page.text_content(".complaint-status") == "企业已答复"
    assert page.text_content("#company-response") == ANSWER
    assert "答复期限" in page.content() and "13912345678" not in page.content()
    assert horizontal_overflow(page) == 0


def test_an_unknown_tracking_code_says_what_to_do(live_server: LiveServer, page: Any) -> None:
    response = page.goto(live_server.url("/complaints/TS000000000000"))
    assert response is not None and response.status == 404
    assert "没有找到这个投诉" in page.content() and "核对查询码" in page.content()
    assert horizontal_overflow(page) == 0


def test_stats_draws_svg_charts_that_fit_a_phone(live_server: LiveServer, page: Any) -> None:
    response = page.goto(live_server.url("/stats"))
    assert response is not None and response.status == 200
    charts = page.query_selector_all("figure.chart-box svg[role=img]")
    assert len(charts) == 6
    for chart in charts:
        box = chart.bounding_box()
        assert box is not None and 0 < box["width"] <= 375 and box["height"] > 0
    assert page.query_selector_all("svg.chart-stacked rect.segment")  # the demo's grades are drawn
    assert horizontal_overflow(page) == 0
    # choose a region in the selector: the page for it, still fitting
    options = page.eval_on_selector_all("#region option", "els => els.map(e => e.value)")
    city = next(code for code in options if code.endswith("00") and not code.endswith("0000"))
    page.select_option("#region", city)
    page.click(".region-select button")
    page.wait_for_url(re.compile(rf"/stats\?region={city}$"))
    assert page.is_visible("svg[aria-labelledby='grades-title grades-desc']")
    assert horizontal_overflow(page) == 0
    page.goto(live_server.url("/stats/models"))
    assert page.query_selector_all("svg.chart") and horizontal_overflow(page) == 0
