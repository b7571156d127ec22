"""The regulator's admin in Debian's Chromium on a 375 px phone, over ``make run``'s demo on both engines: a city
regulator (made with the users service) logs in with its token, approves a black-list candidate of its city
in the review queue, and the entry is published (in the database and on the public black list). Every admin
page fits the phone without sideways scrolling."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from sqlalchemy import select
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.api.policy import subject_regions
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import load_vault
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.lists.models import ListEntry
from jzcredit.users.service import add_user

ADMIN_PAGES = ("/admin", "/admin/review", "/admin/notices", "/admin/notices?show=all", "/admin/objections",
               "/admin/repairs", "/admin/matches")


def _regulator_for_a_candidate(live_server: LiveServer) -> tuple[str, int]:
    """A city regulator of the first black-list candidate's city: ``(token, entry_id)``."""
    engine = make_engine(live_server.database_url)
    now = current_time(live_server.settings.now)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            entries = list(s.scalars(select(ListEntry).where(ListEntry.status == "candidate",
                                                             ListEntry.list_name == "black")
                                     .order_by(ListEntry.id)))
            assert entries, "the demo has no black-list candidate after `lists propose`"
            for entry in entries:
                regions = sorted(r for r in subject_regions(s, entry.subject_id, date.today()) if r)
                if regions:
                    break
            city = regions[0][:4] + "00"
            _user, token = add_user(s, vault=load_vault(live_server.settings), role="regulator",
                                    name=f"浏览器测试监管部门{city}", region_code=city, now=now)
            return token, entry.id
    finally:
        engine.dispose()


def _entry_status(live_server: LiveServer, entry_id: int) -> tuple[str, int]:
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            entry = s.get_one(ListEntry, entry_id)
            return entry.status, entry.subject_id
    finally:
        engine.dispose()


def test_a_regulator_logs_in_and_approves_a_candidate_in_the_browser(live_server: LiveServer, page: Any) -> None:
    token, entry_id = _regulator_for_a_candidate(live_server)
    page.goto(live_server.url("/admin/review"))
    assert "/admin/login" in page.url and "请先登录" in page.content()
    assert horizontal_overflow(page) == 0
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/review")
    card = page.locator(f"#entry-{entry_id}")
    assert card.count() == 1, "the candidate of the regulator's city is in its queue"
    assert "依据记录" in card.inner_text()
    assert horizontal_overflow(page) == 0
    card.locator("input[name=decision][value=approve]").check()
    card.locator("textarea[name=note]").fill("依据充分，予以公布")
    card.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/review?done=approved*")
    assert f"名单条目 {entry_id} 已批准并公布" in page.content()
    assert page.locator(f"#entry-{entry_id}").count() == 0
    status, _subject_id = _entry_status(live_server, entry_id)
    assert status == "published"
    public = httpx.get(live_server.url("/api/v1/public/lists/black"), params={"size": 100}).json()
    assert entry_id in [item["entry_id"] for item in public["items"]]
    black_page = page.goto(live_server.url("/lists/black"))
    assert black_page is not None and black_page.status == 200


def test_every_admin_page_fits_a_375px_phone(live_server: LiveServer, page: Any) -> None:
    token, _entry_id = _regulator_for_a_candidate(live_server)
    page.goto(live_server.url("/admin/login"))
    assert horizontal_overflow(page) == 0
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin")
    too_wide = []
    for path in ADMIN_PAGES:
        response = page.goto(live_server.url(path))
        assert response is not None and response.status == 200, path
        assert "/admin/login" not in page.url
        if (extra := horizontal_overflow(page)) > 0:
            too_wide.append(f"{path}: {extra} px")
    assert not too_wide, "admin pages wider than a 375 px phone:\n" + "\n".join(too_wide)
    page.click("text=退出登录")
    page.wait_for_url("**/admin/login?why=signed_out")
    assert page.goto(live_server.url("/admin/review")) is not None and "/admin/login" in page.url
