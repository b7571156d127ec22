"""The browser fixture itself: Debian's Chromium opens the start page on a phone-sized screen."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import LiveServer, horizontal_overflow


def test_start_page_in_chromium_on_a_phone(live_server: LiveServer, page: Any) -> None:
    response = page.goto(live_server.url("/"))
    assert response is not None and response.status == 200
    assert "家政服务信用信息平台" in page.title()
    assert page.evaluate("navigator.userAgent").find("Chrome") >= 0
    assert horizontal_overflow(page) == 0


def test_the_overflow_check_sees_a_page_too_wide_for_the_phone(page: Any) -> None:
    page.set_content('<meta name="viewport" content="width=device-width">'
                     '<body style="margin:0"><div style="width:600px">宽</div>')
    assert horizontal_overflow(page) == 600 - 375
