"""Spec §5.4 in Chromium at 375 px: a regulator logs in, uploads a penalty file with one impossible date, sees
the upload and processing bars reach 100 % and the batch report, then corrects the quarantined row in the
browser and resubmits it — accepted. No page scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import serving
from sqlalchemy import select
from tests.factories import PENALTY_HEADER, write_csv
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.ingest.models import QuarantinedRow
from jzcredit.users.service import add_user

USCC = "91370103WA000LH0YM"


def new_user(live_server: LiveServer, **kw: Any) -> str:
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            _user, token = add_user(s, vault=Vault(serving.SECRET.encode()), now=current_time(None), **kw)
    finally:
        engine.dispose()
    return token


def log_in(page: Any, live_server: LiveServer, token: str) -> None:
    page.goto(live_server.url("/admin/login"))
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def penalty(doc: str, decided_on: str) -> list[str]:
    return [USCC, "某家政公司", doc, decided_on, "罚款", "未公示收费标准", "2000", "市场监管局", ""]


def test_regulator_uploads_sees_progress_and_report_then_corrects_the_quarantined_row(
        live_server: LiveServer, page: Any, tmp_path: Path) -> None:
    token = new_user(live_server, role="regulator", name="浏览器测试监管员", region_code="370100")
    log_in(page, live_server, token)
    assert page.url.endswith("/admin")
    page.goto(live_server.url("/admin/ingest"))
    assert horizontal_overflow(page) == 0
    rows = [penalty("浏览器罚1号", "2025-03-01"), penalty("浏览器罚2号", "2025-03-02"),
            penalty("浏览器罚3号", "2025-02-30")]
    path = write_csv(tmp_path / "处罚数据.csv", PENALTY_HEADER, rows)
    page.select_option("#kind", "penalties")
    page.fill("#source", "济南市市场监督管理局")
    page.set_input_files("#file", str(path))
    page.click("#upload-button")
    page.wait_for_selector("#batch-report:not([hidden])", timeout=60_000)
    assert page.eval_on_selector("#upload-progress", "e => e.value") == 100
    assert page.eval_on_selector("#process-progress", "e => e.value") == 100
    assert page.inner_text("#process-percent") == "100%"
    counts = {k: page.inner_text(f"#report-{k}") for k in ("total", "accepted", "duplicates", "quarantined")}
    assert counts == {"total": "3", "accepted": "2", "duplicates": "0", "quarantined": "1"}
    assert "日期不存在（invalid_date）：1 行" in page.inner_text("#report-reasons")
    assert horizontal_overflow(page) == 0
    report_url = page.get_attribute("#report-link", "href")

    page.click("#report-quarantine-link")
    page.wait_for_load_state()
    assert "第 3 行" in page.inner_text("main") and horizontal_overflow(page) == 0
    page.click("text=更正这一行")
    page.wait_for_load_state()
    wrong = page.locator('input[aria-invalid="true"]')
    assert wrong.count() == 1 and wrong.input_value() == "2025-02-30"
    assert "日期不存在" in page.inner_text(".field.has-error")
    assert horizontal_overflow(page) == 0
    wrong.fill("2025-02-28")
    page.click("text=提交更正")
    page.wait_for_selector("#correction-result")
    assert "第 3 行已更正并接收" in page.inner_text("#correction-result")
    assert horizontal_overflow(page) == 0
    page.goto(live_server.url(report_url))
    assert "读取行数" in page.inner_text("main") and horizontal_overflow(page) == 0

    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            q = s.scalars(select(QuarantinedRow).where(QuarantinedRow.data_masked["doc_number"].as_string()
                                                       == "浏览器罚3号")).one()
            assert q.status == "resubmitted" and q.resubmitted_in is not None
    finally:
        engine.dispose()
