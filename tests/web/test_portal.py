"""The company portal in Chromium at 375 px: a company logs in, finds the complaint the regulator forwarded
and answers it in the browser; the answer is on the complaint. No page scrolls sideways."""

from __future__ import annotations

from typing import Any

from benchmarks import serving
from sqlalchemy import select
from tests.web.conftest import LiveServer, horizontal_overflow
from tests.web.test_upload import log_in

from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault
from jzcredit.complaints import service as complaints
from jzcredit.complaints.models import Complaint
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.registry.models import Company
from jzcredit.users.service import add_user


def company_with_a_forwarded_complaint(live_server: LiveServer) -> tuple[str, int]:
    vault = Vault(serving.SECRET.encode())
    now = current_time(None)
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            company = s.scalars(select(Company).order_by(Company.subject_id)).first()
            assert company is not None
            _user, token = add_user(s, vault=vault, role="company", name="门户测试", now=now,
                                    subject_id=company.subject_id)
            c = complaints.file_complaint(s, vault=vault, category="quality", description="保洁不彻底，厨房没有打扫",
                                          filed_by="李先生", now=now, actor="public", company_uscc=company.uscc)
            complaints.forward(s, complaint_id=c.id, now=now, actor="regulator:test")
            return token, c.id
    finally:
        engine.dispose()


def test_company_answers_a_complaint_in_the_browser(live_server: LiveServer, page: Any) -> None:
    token, complaint_id = company_with_a_forwarded_complaint(live_server)
    log_in(page, live_server, token)
    assert page.url.endswith("/portal")
    assert "待答复" in page.inner_text("main") and horizontal_overflow(page) == 0
    page.click(f'a[href="/portal/complaints/{complaint_id}"]')
    page.wait_for_load_state()
    assert "保洁不彻底" in page.inner_text("main") and "李先生" not in page.content()
    assert horizontal_overflow(page) == 0
    page.fill("#text", "已安排保洁员当日返工，并向顾客致歉。")
    page.click("text=提交答复")
    page.wait_for_selector("#flash")
    assert "答复已提交" in page.inner_text("#flash")
    assert "已安排保洁员当日返工" in page.inner_text("#complaint-response")
    assert horizontal_overflow(page) == 0
    for path in ("/portal/complaints", "/portal/service-codes", "/portal/banks"):
        page.goto(live_server.url(path))
        assert horizontal_overflow(page) == 0, path
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            assert s.get_one(Complaint, complaint_id).status == "responded"
    finally:
        engine.dispose()
